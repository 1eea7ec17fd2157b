'use strict';
// Accuracy on faq-eval dev (ours vs MiniSearch + Intl.Segmenter and Fuse.js, thresholds tuned on dev),
// FAQ latency on the synthetic 10,000-entry KB, keyword matching with 10,000 rules vs a naive loop.
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const MiniSearch = require('minisearch');
const FuseMod = require('fuse.js');
const Fuse = FuseMod.default || FuseMod;
const { FaqIndex } = require('../dist/nodes/lib/faq-index');
const { DEFAULT_ANSWER_THRESHOLD } = require('../dist/nodes/lib/faq-data');
const { compileRules } = require('../dist/nodes/lib/keyword-rules');
const { normalise } = require('../dist/nodes/lib/text-normalise');

const repoRoot = path.resolve(__dirname, '..');
function evalDir() {
  const a = path.resolve(repoRoot, '..', 'shared', 'faq-eval');
  return fs.existsSync(path.join(a, 'kb.json')) ? a : '/work/shared/faq-eval';
}

function metrics(dev, ranked, th) {
  let ok = 0, ins = 0, t1 = 0, t3 = 0, oos = 0, abst = 0;
  dev.forEach((d, i) => {
    const r = ranked[i];
    const pred = r.length && r[0].score >= th ? r[0].id : null;
    if (pred === d.id) ok++;
    if (d.id) { ins++; if (pred === d.id) t1++; if (r.slice(0, 3).some((c) => c.id === d.id)) t3++; }
    else { oos++; if (pred === null) abst++; }
  });
  return { acc: ok / dev.length, top1: t1 / ins, top3: t3 / ins, abstain: abst / oos };
}
function tune(dev, ranked) {
  const scores = [...new Set(ranked.flatMap((r) => (r.length ? [r[0].score] : [])))].sort((a, b) => a - b);
  let best = { acc: -1 }, th = Infinity;
  for (const s of scores.concat([Infinity])) { const m = metrics(dev, ranked, s); if (m.acc > best.acc) { best = m; th = s; } }
  return { m: best, th };
}

const seg = new Intl.Segmenter('zh', { granularity: 'word' });
const segTok = (t) => [...seg.segment(normalise(t))].filter((s) => s.isWordLike).map((s) => s.segment);

function miniRank(kb) {
  const ms = new MiniSearch({ fields: ['text'], storeFields: ['eid'], tokenize: segTok, processTerm: (t) => t });
  let n = 0;
  kb.forEach((e) => [e.question, ...(e.alternates || [])].forEach((t) => ms.add({ id: n++, eid: e.id, text: t })));
  return (q) => {
    const seen = new Set(); const out = [];
    for (const r of ms.search(q)) if (!seen.has(r.eid)) { seen.add(r.eid); out.push({ id: r.eid, score: r.score }); if (out.length === 3) break; }
    return out;
  };
}
function fuseRank(kb) {
  const docs = kb.flatMap((e) => [e.question, ...(e.alternates || [])].map((t) => ({ eid: e.id, text: normalise(t) })));
  const f = new Fuse(docs, { keys: ['text'], includeScore: true, ignoreLocation: true, threshold: 0.8 });
  return (q) => {
    const seen = new Set(); const out = [];
    for (const r of f.search(normalise(q))) if (!seen.has(r.item.eid)) { seen.add(r.item.eid); out.push({ id: r.item.eid, score: 1 - r.score }); if (out.length === 3) break; }
    return out;
  };
}

function pct(xs, p) { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; }
function timeEach(fn, inputs) {
  const t = [];
  for (const x of inputs) { const a = process.hrtime.bigint(); fn(x); t.push(Number(process.hrtime.bigint() - a) / 1e6); }
  return t;
}

async function run(log) {
  const dir = evalDir();
  const kb = JSON.parse(fs.readFileSync(path.join(dir, 'kb.json'), 'utf8'));
  const dev = JSON.parse(fs.readFileSync(path.join(dir, 'dev.json'), 'utf8'));
  const rows = [];

  const ours = new FaqIndex(kb);
  const rOurs = dev.map((d) => ours.search(d.q, 3).candidates);
  const mOurs = metrics(dev, rOurs, DEFAULT_ANSWER_THRESHOLD);
  const rMini = dev.map(((f) => (d) => f(d.q))(miniRank(kb)));
  const mini = tune(dev, rMini);
  const rFuse = dev.map(((f) => (d) => f(d.q))(fuseRank(kb)));
  const fuse = tune(dev, rFuse);
  log(`thresholds: ours ${DEFAULT_ANSWER_THRESHOLD} (shipped), minisearch ${mini.th.toFixed(3)}, fuse ${fuse.th.toFixed(3)} (tuned on dev)`);
  for (const [k, name] of [['acc', 'overall accuracy'], ['top1', 'in-scope top-1'], ['top3', 'in-scope top-3 recall'], ['abstain', 'out-of-scope abstain']]) {
    rows.push({ group: 'faq accuracy (dev)', metric: name, value: mOurs[k] * 100, unit: '%', baseline: 'MiniSearch+Intl.Segmenter', baselineValue: mini.m[k] * 100, ratio: mOurs[k] / mini.m[k] });
    rows.push({ group: 'faq accuracy (dev)', metric: name, value: mOurs[k] * 100, unit: '%', baseline: 'Fuse.js', baselineValue: fuse.m[k] * 100, ratio: mOurs[k] / fuse.m[k] });
  }

  // speed on the 10k KB
  const mod = await import(pathToFileURL(path.join(dir, 'make-large-kb.mjs')).href);
  const big = mod.makeLargeKb({ n: 10000 });
  const queries = dev.map((d) => d.q).concat(big.slice(0, 300).map((e) => e.question.slice(1)));
  global.gc && global.gc();
  const heap0 = process.memoryUsage().heapUsed;
  let t0 = process.hrtime.bigint();
  const bigIdx = new FaqIndex(big);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  global.gc && global.gc();
  const memMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  t0 = process.hrtime.bigint();
  const miniBig = miniRank(big);
  const miniBuild = Number(process.hrtime.bigint() - t0) / 1e6;
  const warm = queries.slice(0, 50); warm.forEach((q) => bigIdx.search(q)); warm.forEach((q) => miniBig(q));
  const tOurs = timeEach((q) => { const r = bigIdx.search(q, 3); return r.best && r.best.score >= DEFAULT_ANSWER_THRESHOLD; }, queries);
  const tMini = timeEach((q) => miniBig(q), queries);
  rows.push({ group: 'faq speed (10k KB)', metric: 'index build', value: buildMs, unit: 'ms', baseline: 'MiniSearch', baselineValue: miniBuild, ratio: miniBuild / buildMs });
  rows.push({ group: 'faq speed (10k KB)', metric: 'lookup p50', value: pct(tOurs, 0.5), unit: 'ms', baseline: 'MiniSearch', baselineValue: pct(tMini, 0.5), ratio: pct(tMini, 0.5) / pct(tOurs, 0.5) });
  rows.push({ group: 'faq speed (10k KB)', metric: 'lookup p99', value: pct(tOurs, 0.99), unit: 'ms', baseline: 'MiniSearch', baselineValue: pct(tMini, 0.99), ratio: pct(tMini, 0.99) / pct(tOurs, 0.99), target: '< 1 ms' });
  rows.push({ group: 'faq speed (10k KB)', metric: 'index memory (heap delta)', value: memMb, unit: 'MB' });

  // keyword matching: 10,000 rules
  const words = [...new Set(big.flatMap((e) => [e.question.slice(0, 2), e.question.slice(2, 5)]))].slice(0, 10000);
  const rules = words.map((w, i) => ({ keywords: [w], mode: i % 2 ? 'contains' : 'word' }));
  t0 = process.hrtime.bigint();
  const compiled = compileRules(rules);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const naive = (text) => { const n = normalise(text); for (let i = 0; i < rules.length; i++) for (const k of rules[i].keywords) if (n.includes(normalise(k))) return i; return -1; };
  const naivePre = rules.map((r) => r.keywords.map(normalise));
  const naiveFair = (text) => { const n = normalise(text); for (let i = 0; i < naivePre.length; i++) for (const k of naivePre[i]) if (n.includes(k)) return i; return -1; };
  const msgs = dev.map((d) => d.q);
  msgs.forEach((m) => compiled.match(m));
  const tKw = timeEach((m) => compiled.match(m), msgs);
  const tNaive = timeEach(naiveFair, msgs);
  void naive;
  const med = (a) => pct(a, 0.5);
  rows.push({ group: 'keywords (10k rules)', metric: 'compile', value: compileMs, unit: 'ms' });
  rows.push({ group: 'keywords (10k rules)', metric: 'match p50', value: med(tKw) * 1000, unit: 'µs', baseline: 'per-rule loop (pre-normalised keywords)', baselineValue: med(tNaive) * 1000, ratio: med(tNaive) / med(tKw), target: '≥ 50×' });
  rows.push({ group: 'keywords (10k rules)', metric: 'match p99', value: pct(tKw, 0.99) * 1000, unit: 'µs', baseline: 'per-rule loop (pre-normalised keywords)', baselineValue: pct(tNaive, 0.99) * 1000, ratio: pct(tNaive, 0.99) / pct(tKw, 0.99) });
  return rows;
}
module.exports = { run };
