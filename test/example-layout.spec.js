'use strict';
// The bundled flow reads left to right: every wire goes rightwards (loops go through link nodes), no two wires
// cross, every node sits in a group named for its step, and every node is labelled in Chinese and English.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'wecom-customer-service.json'), 'utf8'));
const nodes = flow.filter((n) => n.z && n.type !== 'group');
const byId = new Map(nodes.map((n) => [n.id, n]));
const CJK = /[\u4e00-\u9fff]/;
const LATIN = /[A-Za-z]{2}/;

/** Every wire as a segment from its source to its target (node centres). */
function wires() {
  const out = [];
  for (const n of nodes) {
    (n.wires || []).forEach((port, p) => port.forEach((t) => out.push({ from: n, to: byId.get(t), port: p })));
  }
  return out;
}

function crosses(a, b) {
  const [p1, p2, p3, p4] = [a.from, a.to, b.from, b.to];
  if (new Set([p1.id, p2.id, p3.id, p4.id]).size < 4) return false; // wires sharing a node meet at a port
  const d = (p, q, r) => Math.sign((q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x));
  return d(p1, p2, p3) !== d(p1, p2, p4) && d(p3, p4, p1) !== d(p3, p4, p2);
}

describe('examples/wecom-customer-service.json layout', function () {
  it('every wire goes from left to right; loops use link nodes', function () {
    const back = wires().filter((w) => !w.to || w.to.x <= w.from.x).map((w) => `${w.from.id} → ${w.to ? w.to.id : '?'}`);
    assert.deepEqual(back, []);
    assert.ok(nodes.some((n) => n.type === 'link out') && nodes.some((n) => n.type === 'link in'));
    for (const n of nodes.filter((x) => x.type === 'link out')) {
      for (const t of n.links) assert.ok(byId.get(t) && byId.get(t).links.includes(n.id), `${n.id} ↔ ${t} linked both ways`);
    }
  });

  it('no two wires cross', function () {
    const w = wires();
    const bad = [];
    for (let i = 0; i < w.length; i++) for (let j = i + 1; j < w.length; j++) if (crosses(w[i], w[j])) bad.push(`${w[i].from.id}→${w[i].to.id} × ${w[j].from.id}→${w[j].to.id}`);
    assert.deepEqual(bad, []);
  });

  it('every node is in a named group (no loose comments), and groups do not overlap', function () {
    assert.deepEqual(nodes.filter((n) => n.type === 'comment').map((n) => n.id), []);
    const groups = flow.filter((n) => n.type === 'group');
    assert.ok(groups.length >= 6);
    for (const g of groups) assert.ok(CJK.test(g.name) && LATIN.test(g.name), `group ${g.id} is named in both languages`);
    assert.deepEqual(nodes.filter((n) => !groups.some((g) => g.id === n.g && g.nodes.includes(n.id))).map((n) => n.id), []);
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const [a, b] = [groups[i], groups[j]];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `${a.id} and ${b.id} overlap`);
      }
    }
  });

  it('every node and the config node is labelled in Chinese and English', function () {
    const unlabelled = flow.filter((n) => n.type !== 'tab' && n.type !== 'group').filter((n) => !(CJK.test(n.name || '') && LATIN.test(n.name || ''))).map((n) => `${n.type} ${n.id}: ${n.name}`);
    assert.deepEqual(unlabelled, []);
  });
});
