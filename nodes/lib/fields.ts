/**
 * Numeric fields of a node's config, one way for every node: blank (or missing, or not a number) means the
 * default — never 0 — and the value is clamped to [min, max].
 */
export function numField(v: unknown, dflt: number, min = -Infinity, max = Infinity): number {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) return dflt;
  return Math.min(max, Math.max(min, n));
}
