/**
 * FAQ confidence: the probability that the best candidate is the right answer, from features beyond the
 * raw score (margin to the runner-up, how much of the message the entry explains, the rarest message word
 * the entry lacks, whether the words that tell the top two apart match, message length, how many of the
 * message's salient words the entry leaves unexplained, how much of the entry's question the message
 * explains), by a logistic model. It only ranks the messages bot.ts lets through (coverage.ts: no word the KB
 * never uses, at most two unexplained context words, fewer than the explained ones), whatever the KB size.
 * The shipped weights and answer threshold were fitted on the tune halves of seven KBs — the faq-eval retail
 * KB (80), the bundled 15, sub-samples of 15/30/50, a 40-entry hotel KB, the synthetic 10k — the threshold
 * being the most accurate one with at most 4 % wrong answers and at most 2 % of the off-topic lists answered
 * on every KB; bench/faq-calibrate.js prints them with leave-one-KB-out results. Pure.
 */
import type { FaqFeatures } from './search-index';

export const FEATURE_NAMES = ['score', 'margin', 'cover', 'coverAll', 'missing', 'unknown', 'distinct', 'oneWord', 'longMsg', 'uncovered', 'foreign', 'explained', 'bias'] as const;

/** Feature vector of a candidate (order of FEATURE_NAMES). */
export function featureVector(f: FaqFeatures): number[] {
  return [
    f.score,
    f.score - f.second,
    f.cover,
    f.coverAll,
    f.missing,
    f.unknown,
    f.distinct,
    f.words <= 1 ? 1 : 0,
    Math.min(1, Math.max(0, (f.chars - 6) / 14)),
    Math.min(3, f.uncovered ?? 0),
    Math.min(3, f.foreign ?? 0),
    f.explained ?? 1,
    1,
  ];
}

export interface ConfidenceModel {
  weights: number[];
  /** Answer when the confidence reaches this. */
  answer: number;
  /** Offer 您是不是想问 when the confidence reaches this (and not `answer`). */
  suggest: number;
}

/** Shipped model: bench/faq-calibrate.js on the tune rows of every KB (see the README FAQ section). */
export const DEFAULT_CONFIDENCE: ConfidenceModel = {
  weights: [3.162, 1.437, 0.57, 0.959, -0.562, 0.426, -0.111, -2.584, 1.741, -0.897, 0, 1.08, -2.194],
  answer: 0.57,
  // suggestions count as misses for accuracy, so the data cannot place this; did-you-mean only ever offers
  // entries that explain a salient word of the message (bot.ts)
  suggest: 0.15,
};

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Confidence (0…1) that the best candidate answers the message; 0 without a candidate. */
export function confidence(f: FaqFeatures | null, model: ConfidenceModel = DEFAULT_CONFIDENCE): number {
  if (!f || f.score <= 0) return 0;
  const x = featureVector(f);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += (model.weights[i] ?? 0) * x[i];
  return Math.round(sigmoid(z) * 10000) / 10000;
}

/** L2-regularised logistic regression by full-batch gradient descent (small data; deterministic). */
export function fitLogistic(X: number[][], y: number[], l2 = 0.02, iters = 4000, rate = 2): number[] {
  const d = X[0]?.length ?? 0;
  const w = new Array<number>(d).fill(0);
  const n = X.length || 1;
  for (let it = 0; it < iters; it++) {
    const g = new Array<number>(d).fill(0);
    for (let i = 0; i < X.length; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += w[j] * X[i][j];
      const err = sigmoid(z) - y[i];
      for (let j = 0; j < d; j++) g[j] += err * X[i][j];
    }
    for (let j = 0; j < d; j++) w[j] -= rate * (g[j] / n + (j === d - 1 ? 0 : l2 * w[j]));
  }
  return w.map((v) => Math.round(v * 1000) / 1000);
}

/** A labelled message for calibration: its features, whether the best candidate is right, whether any top-3 is. */
export interface CalibrationRow {
  features: FaqFeatures | null;
  /** The best candidate is the labelled entry. */
  right: boolean;
  /** The label is null (out of scope). */
  outOfScope: boolean;
}

/**
 * Fit weights and pick the answer threshold that maximises accuracy (answer right, or abstain on an
 * out-of-scope message) on the given rows; ties go to the middle of the best plateau. The suggest threshold
 * sits a fixed distance below (suggestions count as misses for accuracy, so the data cannot place it).
 */
export function calibrate(rows: CalibrationRow[], l2 = 0.02): ConfidenceModel {
  const usable = rows.filter((r) => r.features);
  const weights = fitLogistic(usable.map((r) => featureVector(r.features!)), usable.map((r) => (r.right ? 1 : 0)), l2);
  const model: ConfidenceModel = { weights, answer: 0.5, suggest: 0.25 };
  const ps = rows.map((r) => confidence(r.features, model));
  let best = -1;
  let lo = 0.5;
  let hi = 0.5;
  for (let t = 0.05; t <= 0.951; t += 0.01) {
    let ok = 0;
    rows.forEach((r, i) => {
      if (ps[i] >= t ? r.right : r.outOfScope) ok++;
    });
    if (ok > best) {
      best = ok;
      lo = hi = t;
    } else if (ok === best) hi = t;
  }
  const answer = Math.round(((lo + hi) / 2) * 100) / 100;
  return { weights, answer, suggest: Math.max(0.05, Math.round((answer - 0.25) * 100) / 100) };
}
