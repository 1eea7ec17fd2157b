'use strict';
// Fits the FAQ confidence model (nodes/lib/bot/faq/confidence.ts) on faq-eval dev and prints it, with the
// k-fold cross-validated dev numbers. The printed model is what DEFAULT_CONFIDENCE ships.
// Usage: npm run build && node bench/faq-calibrate.js [k]
const { FaqIndex } = require('../dist/nodes/lib/bot/faq/search-index');
const { calibrate, confidence } = require('../dist/nodes/lib/bot/faq/confidence');
const { SmallTalk } = require('../dist/nodes/lib/bot/faq/smalltalk');
const { loadEval } = require('./faq-eval-data');

/** L2 penalty of the shipped fit (chosen by 10-fold cross-validation on dev among 1e-4, 1e-3, 5e-3, 2e-2). */
const L2 = 0.001;
const smallTalk = new SmallTalk();

/** Calibration rows as the bot sees messages: small talk never reaches the FAQ (no features: abstain). */
function rowsOf(idx, data) {
  return data.map((d) => {
    if (smallTalk.detect(d.q)) return { features: null, right: false, outOfScope: d.id === null, top: [], inTop3: false };
    const r = idx.search(d.q, 3);
    const top = r.candidates.map((c) => c.id);
    return { features: r.features, right: !!(d.id && r.best && r.best.id === d.id), outOfScope: d.id === null, top, inTop3: !!d.id && top.includes(d.id) };
  });
}

/** k-fold: fit on k-1 folds, score the held-out fold; folds are every k-th message (deterministic). */
function kfold(rows, k) {
  const preds = new Array(rows.length);
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => i % k !== f);
    const m = calibrate(train, L2);
    rows.forEach((r, i) => { if (i % k === f) preds[i] = { p: confidence(r.features, m), model: m }; });
  }
  return preds;
}

function score(rows, answerAt) {
  let ok = 0, ins = 0, t1 = 0, t3 = 0, oos = 0, ab = 0;
  rows.forEach((r, i) => {
    const ans = answerAt(i);
    if (ans ? r.right : r.outOfScope) ok++;
    if (r.outOfScope) { oos++; if (!ans) ab++; } else { ins++; if (ans && r.right) t1++; if (r.inTop3) t3++; }
  });
  return { acc: ok / rows.length, top1: t1 / ins, top3: t3 / ins, abstain: ab / oos };
}

if (require.main === module) {
  const ev = loadEval();
  if (!ev) { console.error('faq-eval not found (../shared/faq-eval beside the repo)'); process.exit(1); }
  const k = Number(process.argv[2]) || 10;
  const idx = new FaqIndex(ev.kb);
  const rows = rowsOf(idx, ev.dev);
  const preds = kfold(rows, k);
  const cv = score(rows, (i) => preds[i].p >= preds[i].model.answer);
  console.log(`dev ${k}-fold: acc ${(cv.acc * 100).toFixed(1)} top1 ${(cv.top1 * 100).toFixed(1)} top3 ${(cv.top3 * 100).toFixed(1)} abstain ${(cv.abstain * 100).toFixed(1)}`);
  const m = calibrate(rows, L2);
  const fit = score(rows, (i) => confidence(rows[i].features, m) >= m.answer);
  console.log(`dev fitted on all (optimistic): acc ${(fit.acc * 100).toFixed(1)}`);
  console.log('model:', JSON.stringify(m));
  if (process.argv.includes('--errors')) rows.forEach((r, i) => { const p = confidence(r.features, m); if ((p >= m.answer ? r.right : r.outOfScope) === false) console.log(ev.dev[i].id || '-', r.top.join(','), p, ev.dev[i].q); });
}
module.exports = { rowsOf, kfold, score, L2 };
