/**
 * Durations as a histogram that sums across hours: bin i holds values up to 1 s · 1.2^i (bin 0: ≤ 1 s), and
 * quantiles read back as a bin's upper bound (≤ 20 % above the true value). Waits and first responses use it.
 */
const BIN_BASE = 1.2;
const BINS = 64;

export function waitBin(ms: number): number {
  if (ms <= 1000) return 0;
  return Math.min(BINS - 1, Math.ceil(Math.log(ms / 1000) / Math.log(BIN_BASE)));
}
/** Upper bound (ms) of a wait bin. */
export const binUpper = (i: number): number => Math.round(1000 * BIN_BASE ** i);

/** The q-quantile (0..1) of a wait histogram, as its bin's upper bound (≤ 20 % above the true value). */
export function quantile(hist: number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + (b || 0), 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] || 0;
    if (seen >= rank) return binUpper(i);
  }
  return binUpper(hist.length - 1);
}

/** Add `b` into `into`, bin by bin. */
export function addHist(into: number[], b: number[]): void {
  for (let i = 0; i < b.length; i++) if (b[i]) into[i] = (into[i] || 0) + b[i];
}
