/** Retry timing: exponential backoff with full jitter, all tunable (tests use tiny delays). */

export interface RetryOptions {
  /** Retries after the first attempt for transient failures (network, timeout, 5xx, -1, 45033). Default 4. */
  maxRetries?: number;
  /** First backoff, ms (default 200). */
  baseDelayMs?: number;
  /** Cap of one backoff, ms (default 5000). */
  maxDelayMs?: number;
  /** How long to wait out a 45009 frequency limit before trying again, ms (default 60 000). */
  rateLimitWaitMs?: number;
  /** How many 45009 waits before giving up (default 2). */
  maxRateLimitWaits?: number;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
}

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(o: RetryOptions = {}): ResolvedRetry {
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    maxRetries: num(o.maxRetries, 4),
    baseDelayMs: num(o.baseDelayMs, 200),
    maxDelayMs: num(o.maxDelayMs, 5000),
    rateLimitWaitMs: num(o.rateLimitWaitMs, 60_000),
    maxRateLimitWaits: num(o.maxRateLimitWaits, 2),
    timeoutMs: num(o.timeoutMs, 10_000) || 10_000,
  };
}

/** Delay before retry number `attempt` (0-based): random in [0, min(max, base·2^attempt)]. */
export function backoffDelay(r: ResolvedRetry, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
