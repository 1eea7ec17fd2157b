'use strict';
// The knowledge bases and labelled message sets the FAQ decision is measured on (issue #21): the faq-eval
// retail KB (80 entries), the bundled flow's 15 entries, deterministic sub-samples of 15/30/50 entries (the
// messages whose entry was removed become out of scope), a second domain written for this purpose
// (test/fixtures/faq/hotel-*.json) and the synthetic 10,000-entry KB (messages: alternates held out of the
// index; off-topic: both everyday lists). Each off-topic and hotel list is split tune/frozen (fixtures README).
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { loadEval } = require('./faq-eval-data');

const FIX = path.join(__dirname, '..', 'test', 'fixtures', 'faq');
const fixture = (f) => JSON.parse(fs.readFileSync(path.join(FIX, f), 'utf8'));
const benchJson = (f) => JSON.parse(fs.readFileSync(path.join(__dirname, f), 'utf8'));

/** The bundled example flow's FAQ entries. */
function bundledKb() {
  const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'wecom-customer-service.json'), 'utf8'));
  return flow.find((n) => n.type === 'faq-lookup').entries;
}

/** Deterministic pseudo-random order (mulberry32). */
function shuffled(arr, seed) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = arr.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Messages relabelled for a smaller KB: a label whose entry is gone becomes null (out of scope). */
const relabel = (data, kb) => {
  const ids = new Set(kb.map((e) => e.id));
  return data.map((d) => ({ ...d, id: d.id && ids.has(d.id) ? d.id : null }));
};
const split = (data, which) => data.filter((d) => d.split === which);

/** All suites: [{ kb: name, entries, sets: [{ name, data, frozen? }] }]. `big` adds the 10k KB (async). */
async function suites({ big = true } = {}) {
  const ev = loadEval();
  if (!ev) return null;
  const retailOff = fixture('retail-offtopic.json');
  const hotelOff = fixture('hotel-offtopic.json');
  const held1 = benchJson('faq-heldout.json');
  const held2 = benchJson('faq-heldout-2.json');
  const retailSets = (kb) => [
    { name: 'dev 240', data: relabel(ev.dev, kb) },
    { name: 'held-out 43', data: relabel(held1, kb) },
    { name: 'held-out-2 226', data: relabel(held2, kb), frozen: true },
    { name: 'off-topic tune', data: split(retailOff, 'tune') },
    { name: 'off-topic frozen', data: split(retailOff, 'frozen'), frozen: true },
  ];
  const out = [{ kb: 'retail 80', entries: ev.kb, sets: retailSets(ev.kb) }];
  out.push({ kb: 'bundled 15', entries: bundledKb(), sets: retailSets(bundledKb()) });
  for (const n of [15, 30, 50]) {
    const sub = shuffled(ev.kb, 2100 + n).slice(0, n);
    out.push({ kb: `retail sub-${n}`, entries: sub, sets: retailSets(sub) });
  }
  const hotel = fixture('hotel-kb.json');
  const hq = fixture('hotel-questions.json');
  out.push({
    kb: 'hotel 40',
    entries: hotel,
    sets: [
      { name: 'in-scope tune', data: split(hq, 'tune') },
      { name: 'in-scope frozen', data: split(hq, 'frozen'), frozen: true },
      { name: 'off-topic tune', data: split(hotelOff, 'tune') },
      { name: 'off-topic frozen', data: split(hotelOff, 'frozen'), frozen: true },
      { name: 'retail dev 240 (all off-topic)', data: ev.dev.map((d) => ({ ...d, id: null })) },
    ],
  });
  if (big) {
    const mod = await import(pathToFileURL(path.join(ev.dir, 'make-large-kb.mjs')).href);
    const all = mod.makeLargeKb({ n: 10000 });
    // every 25th entry with alternates: its last alternate is held out of the index and asked. The generator
    // writes some questions twice (你好，X？ / 麻烦问下，X？ as two entries): any entry whose question has the
    // same salient words (lib/bot/faq/coverage.ts) as the labelled one is an equally right answer (`ids`).
    const { FaqIndex } = require('../dist/nodes/lib/bot/faq/search-index');
    const { isSalient } = require('../dist/nodes/lib/bot/faq/coverage');
    const index = new FaqIndex([]);
    const key = (q) => [...new Set(index.contentWords(q).filter(isSalient))].sort().join(' ');
    const same = new Map();
    for (const e of all) {
      const k = key(e.question);
      same.set(k, (same.get(k) || []).concat(e.id));
    }
    const asked = [];
    const entries = all.map((e, i) => {
      if (i % 25 !== 0 || !(e.alternates || []).length) return e;
      asked.push({ q: e.alternates[e.alternates.length - 1], id: e.id, ids: same.get(key(e.question)) });
      return { ...e, alternates: e.alternates.slice(0, -1) };
    });
    out.push({
      kb: 'synthetic 10k',
      entries,
      sets: [
        { name: 'held-out alternates', data: asked },
        { name: 'off-topic (retail+hotel) tune', data: split(retailOff, 'tune').concat(split(hotelOff, 'tune')) },
        { name: 'off-topic (retail+hotel) frozen', data: split(retailOff, 'frozen').concat(split(hotelOff, 'frozen')), frozen: true },
      ],
    });
  }
  return out;
}

/**
 * Metrics of predictions on one set: accuracy (prediction = label, abstaining right on null), wrong-answer
 * rate (answered with an entry that is not the label, in or out of scope, over all messages), off-topic
 * answered (over null-labelled messages), did-you-mean rate (over all), did-you-mean hit (over in-scope messages
 * given a did-you-mean: the right entry is among those offered), in-scope top-3 (ranking only).
 * `results[i]` = { answer: id|null, suggest: boolean, top: id[] } (with suggest, top = the entries offered).
 */
function measure(data, results) {
  let ok = 0, wrong = 0, oos = 0, oosAns = 0, sug = 0, ins = 0, top3 = 0, insSug = 0, sugHit = 0;
  data.forEach((d, i) => {
    const r = results[i];
    const right = r.answer === d.id || (r.answer !== null && !!d.ids && d.ids.includes(r.answer));
    if (right) ok++;
    if (r.answer !== null && !right) wrong++;
    if (r.suggest) sug++;
    if (d.id === null) { oos++; if (r.answer !== null) oosAns++; }
    else {
      ins++;
      const has = r.top.some((id) => id === d.id || (!!d.ids && d.ids.includes(id)));
      if (has) top3++;
      if (r.suggest) { insSug++; if (has) sugHit++; }
    }
  });
  const n = data.length || 1;
  return { n: data.length, acc: ok / n, wrong: wrong / n, offAnswered: oos ? oosAns / oos : null, abstainOff: oos ? 1 - oosAns / oos : null, suggest: sug / n, suggestHit: insSug ? sugHit / insSug : null, top3: ins ? top3 / ins : null };
}

module.exports = { suites, measure, bundledKb, shuffled, relabel };
