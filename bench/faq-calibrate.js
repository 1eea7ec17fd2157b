'use strict';
// Fits the FAQ confidence model (nodes/lib/bot/faq/confidence.ts) on the tune halves of every KB of
// bench/faq-kbs.js (retail 80 dev, the bundled 15, sub-samples 15/30/50, hotel 40 tune, synthetic 10k even
// messages, the off-topic tune lists) and prints it with leave-one-KB-out results: fitted on the other KBs,
// scored on the left-out one, all of its sets. Only messages whose best entry explains every salient word
// (faq/coverage.ts) can be answered; the model decides among those. The printed model is DEFAULT_CONFIDENCE.
// Usage: npm run build && node bench/faq-calibrate.js [--no-big]
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { calibrate, confidence } = require('../dist/nodes/lib/bot/faq/confidence');
const { suites, measure } = require('./faq-kbs');

/** L2 penalty of the fit. */
const L2 = 0.001;
/** The threshold is the most accurate one whose wrong-answer rate stays under this on every tune KB … */
const WRONG_CEILING = Number(process.env.FAQ_WRONG_CEILING || 0.04);
/** … and whose off-topic answered rate (messages of the everyday off-topic lists) stays under this. */
const OFF_TOPIC_CEILING = 0.02;

/** One row per message: features, eligibility (coverage gate passed), whether the best is right. */
function rowsOf(bot, data, offTopic = false) {
  const open = createFaqBot({ entries: bot.index.entries, answerAt: 0, suggestAt: 0 });
  if (process.env.FAQ_MAX_UNCOVERED) Object.assign(open, { maxUncovered: Number(process.env.FAQ_MAX_UNCOVERED) });
  if (process.env.FAQ_PREFER) Object.assign(open, { preferRatio: Number(process.env.FAQ_PREFER) });
  if (process.env.FAQ_MAX_FOREIGN) Object.assign(open, { maxForeign: Number(process.env.FAQ_MAX_FOREIGN) });
  return data.map((d) => {
    const dec = open.decideLexical(d.q);
    const r = open.index.search(d.q, 3, { longListFloor: 0.16 });
    const top = r.candidates.map((c) => c.id);
    // the decision's best (it may prefer a runner-up that explains the message)
    const best = dec.kind === 'answer' && dec.index !== undefined ? open.index.entries[dec.index].id : dec.candidates.length ? dec.candidates[0].id : null;
    const ok = (id) => id === d.id || (!!d.ids && d.ids.includes(id));
    return { features: dec.features || r.features, eligible: dec.kind === 'answer', right: !!(d.id && dec.candidates.length && dec.kind !== 'smallTalk' && ok(best)), outOfScope: d.id === null, offTopic, top, best };
  });
}

/** Predictions of a model on rows (answer id or null). */
const predict = (rows, m) => rows.map((r) => (r.eligible && confidence(r.features, m) >= m.answer ? r.best : null));

/** Fit on groups of rows: weights on eligible rows, threshold = best accuracy under the wrong ceiling per group. */
function fit(groups) {
  const all = groups.flat();
  const m = calibrate(all.filter((r) => r.eligible), L2);
  let best = { t: m.answer, acc: -1 };
  for (let t = 0.05; t <= 0.951; t += 0.01) {
    const mm = { ...m, answer: Math.round(t * 100) / 100 };
    let ok = 0;
    let worst = 0;
    let worstOff = 0;
    for (const g of groups) {
      const p = predict(g, mm);
      let wrong = 0, off = 0, offAns = 0;
      g.forEach((r, i) => {
        if (p[i] !== null ? r.right : r.outOfScope) ok++;
        if (p[i] !== null && !r.right) wrong++;
        if (r.offTopic) { off++; if (p[i] !== null) offAns++; }
      });
      worst = Math.max(worst, wrong / (g.length || 1));
      worstOff = Math.max(worstOff, off ? offAns / off : 0);
    }
    const acc = ok / all.length;
    if (worst <= WRONG_CEILING && worstOff <= OFF_TOPIC_CEILING && acc > best.acc) best = { t: mm.answer, acc };
  }
  return { weights: m.weights, answer: best.t, suggest: Math.max(0.05, Math.round((best.t - 0.25) * 100) / 100) };
}

/** Tune rows of a suite (its sets not frozen; for the synthetic KB, even messages of its held-out set). */
function tuneRows(s, rowsBySet) {
  return s.sets.flatMap((set, k) => (set.frozen ? [] : rowsBySet[k].filter((_, i) => !(s.kb.startsWith('synthetic') && set.name.startsWith('held-out') && i % 2 === 1))));
}

async function build(big) {
  const S = await suites({ big });
  if (!S) throw new Error('faq-eval not found (../shared/faq-eval beside the repository)');
  return S.map((s) => {
    const bot = createFaqBot({ entries: s.entries });
    return { s, rowsBySet: s.sets.map((set) => rowsOf(bot, set.data, set.name.startsWith('off-topic'))) };
  });
}

if (require.main === module) {
  (async () => {
    const B = await build(!process.argv.includes('--no-big'));
    const p = (x) => (x === null ? '   -' : (x * 100).toFixed(1).padStart(5));
    console.log('leave-one-KB-out (fitted on the other KBs\' tune rows):');
    for (const b of B) {
      const m = fit(B.filter((o) => o !== b).map((o) => tuneRows(o.s, o.rowsBySet)));
      b.s.sets.forEach((set, k) => {
        const rows = b.rowsBySet[k];
        const preds = predict(rows, m);
        const mm = measure(set.data, rows.map((r, i) => ({ answer: preds[i], suggest: false, top: r.top })));
        console.log(b.s.kb.padEnd(14), set.name.padEnd(32), 'acc', p(mm.acc), 'wrong', p(mm.wrong), 'offAns', p(mm.offAnswered), `(answer ≥ ${m.answer})`);
      });
    }
    const m = fit(B.map((b) => tuneRows(b.s, b.rowsBySet)));
    console.log('model (all tune rows):', JSON.stringify(m));
  })();
}
module.exports = { rowsOf, fit, predict, tuneRows, build, L2 };
