'use strict';
// FAQ accuracy per KB and message set (bench/faq-kbs.js), the shipped defaults vs MiniSearch + Intl.Segmenter
// and Fuse.js on the same data, then leave-one-KB-out (bench/faq-calibrate.js). Issue #21's metrics: accuracy
// (the right entry, or nothing when no entry answers), wrong-answer rate (answered with a wrong entry, in or
// out of scope, over all messages), off-topic answered (over messages no entry answers) and did-you-mean rate.
// A baseline has one knob, a raw-score threshold: it is fitted per KB on that KB's tune sets (an advantage
// ours does not get: one set of defaults for every KB).
// MiniSearch's types describe its ES module (a default export); require() gets the CommonJS build, the class itself
const MiniSearch = /** @type {typeof import('minisearch').default} */ (/** @type {unknown} */ (require('minisearch')));
const FuseMod = require('fuse.js');
const Fuse = /** @type {{ default?: typeof FuseMod }} */ (FuseMod).default || FuseMod;
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { normalise } = require('../dist/nodes/lib/bot/text/normalise');
const { measure } = require('./faq-kbs');
const { build, fit, predict, tuneRows } = require('./faq-calibrate');

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
    for (const r of f.search(normalise(q))) if (!seen.has(r.item.eid)) { seen.add(r.item.eid); out.push({ id: r.item.eid, score: 1 - /** @type {number} includeScore is on */ (r.score) }); if (out.length === 3) break; }
    return out;
  };
}
const right = (d, id) => id === d.id || (id !== null && !!d.ids && d.ids.includes(id));
/** Raw-score threshold with the best accuracy on some messages. */
function bestThreshold(data, ranked) {
  const scores = [...new Set(ranked.flatMap((r) => (r.length ? [r[0].score] : [])))].sort((a, b) => a - b);
  let best = -1, th = Infinity;
  for (const s of scores.concat([Infinity])) {
    let ok = 0;
    data.forEach((d, i) => { const r = ranked[i]; if (right(d, r.length && r[0].score >= s ? r[0].id : null) || (d.id === null && !(r.length && r[0].score >= s))) ok++; });
    if (ok > best) { best = ok; th = s; }
  }
  return th;
}
const baseResults = (ranked, th) => ranked.map((r) => ({ answer: r.length && r[0].score >= th ? r[0].id : null, suggest: false, top: r.map((c) => c.id) }));

/** Rows for run.js and the leave-one-KB-out lines; `big` includes the 10k KB. */
async function accuracyRows(log, big = true) {
  const B = await build(big);
  /** @type {Array<{ group: string, metric: string, value: number, unit?: string, baseline?: string, baselineValue?: number | string, ratio?: number, target?: string }>} */
  const rows = [];
  /** @param {number | null} x */
  const pc = (x) => (x === null ? 0 : x * 100);
  /** @param {number | null} a @param {number | null} b */
  const both = (a, b) => (a === null || b === null ? '' : `${pc(a).toFixed(1)} / ${pc(b).toFixed(1)}`);
  for (const { s } of B) {
    const bot = createFaqBot({ entries: s.entries });
    const mini = miniRank(s.entries);
    const fuse = fuseRank(s.entries);
    const rank = s.sets.map((set) => ({ m: set.data.map((d) => mini(d.q)), f: set.data.map((d) => fuse(d.q)) }));
    const tuneIdx = s.sets.map((set, k) => k).filter((k) => !s.sets[k].frozen);
    const tuneData = tuneIdx.flatMap((k) => s.sets[k].data);
    const thM = bestThreshold(tuneData, tuneIdx.flatMap((k) => rank[k].m));
    const thF = bestThreshold(tuneData, tuneIdx.flatMap((k) => rank[k].f));
    s.sets.forEach((set, k) => {
      const ours = measure(set.data, set.data.map((d) => {
        const x = bot.decideLexical(d.q);
        return { answer: x.kind === 'answer' ? bot.index.entries[/** @type {number} */ (x.index)].id : null, suggest: x.kind === 'suggest', top: x.candidates.map((c) => c.id) };
      }));
      const m = measure(set.data, baseResults(rank[k].m, thM));
      const f = measure(set.data, baseResults(rank[k].f, thF));
      const group = `faq ${s.kb} · ${set.name}${set.frozen ? ' (frozen)' : ''}`;
      const base = 'MiniSearch / Fuse';
      rows.push({ group, metric: 'accuracy', value: pc(ours.acc), unit: '%', baseline: base, baselineValue: both(m.acc, f.acc) });
      rows.push({ group, metric: 'wrong-answer rate', value: pc(ours.wrong), unit: '%', baseline: base, baselineValue: both(m.wrong, f.wrong), target: '≤ 8 %' });
      if (ours.offAnswered !== null && ours.offAnswered !== undefined) rows.push({ group, metric: 'off-topic answered', value: pc(ours.offAnswered), unit: '%', baseline: base, baselineValue: both(m.offAnswered, f.offAnswered), target: set.data.every((d) => d.id === null) ? '≤ 2 %' : undefined });
      rows.push({ group, metric: 'did-you-mean rate', value: pc(ours.suggest), unit: '%' });
      if (ours.suggestHit !== null) rows.push({ group, metric: 'did-you-mean hit (right entry offered)', value: pc(ours.suggestHit), unit: '%' });
    });
  }
  // leave-one-KB-out: the confidence model fitted on the other KBs' tune rows, all of this KB's messages
  for (const b of B) {
    const m = fit(B.filter((o) => o !== b).map((o) => tuneRows(o.s, o.rowsBySet)));
    const data = b.s.sets.flatMap((set) => set.data);
    const rr = b.rowsBySet.flat();
    const preds = predict(rr, m);
    const mm = measure(data, rr.map((r, i) => ({ answer: preds[i], suggest: false, top: r.top })));
    const group = `faq leave-one-KB-out · ${b.s.kb} (all sets, answer ≥ ${m.answer})`;
    rows.push({ group, metric: 'accuracy', value: pc(mm.acc), unit: '%' });
    rows.push({ group, metric: 'wrong-answer rate', value: pc(mm.wrong), unit: '%', target: '≤ 8 %' });
    rows.push({ group, metric: 'out-of-scope answered', value: pc(mm.offAnswered), unit: '%' });
    log(`leave-one-KB-out ${b.s.kb}: acc ${pc(mm.acc).toFixed(1)} wrong ${pc(mm.wrong).toFixed(1)} out-of-scope answered ${pc(mm.offAnswered).toFixed(1)} (threshold ${m.answer})`);
  }
  return rows;
}

module.exports = { accuracyRows, miniRank, fuseRank };
