/**
 * access_token cache per (API base, corpId, secret): cached until shortly before `expires_in`,
 * single-flight (concurrent callers share one gettoken), and invalidated only if the failing call
 * used the current token (so a burst of 40014s causes one refresh, not many).
 */
import { createHash } from 'node:crypto';

export type TokenFetcher = () => Promise<{ token: string; expiresIn: number }>;

interface Entry {
  token?: string;
  expiresAt: number;
  inflight?: Promise<string>;
  /** A configuration failure (e.g. 40001), remembered so calls fail fast instead of hammering gettoken. */
  failure?: { error: Error; until: number };
}

const entries = new Map<string, Entry>();

/** Key for the shared cache; the secret is hashed, never stored as a key. */
export function tokenKey(apiBase: string, corpId: string, secret: string): string {
  return `${apiBase}\n${corpId}\n${createHash('sha256').update(secret).digest('hex')}`;
}

export class TokenCache {
  private readonly entry: Entry;
  constructor(
    key: string,
    private readonly fetcher: TokenFetcher,
    /** Refresh this long before expiry, ms (default 5 min). */
    private readonly marginMs = 5 * 60 * 1000,
    private readonly now: () => number = Date.now,
    /** How long a configuration failure is remembered, ms (default 60 s; WeCom bans IPs that repeat wrong secrets). */
    private readonly failureTtlMs = 60_000,
    private readonly isConfigError: (err: unknown) => boolean = () => false,
  ) {
    let e = entries.get(key);
    if (!e) {
      e = { expiresAt: 0 };
      entries.set(key, e);
    }
    this.entry = e;
  }

  get(): Promise<string> {
    const e = this.entry;
    if (e.token && this.now() < e.expiresAt) return Promise.resolve(e.token);
    if (e.inflight) return e.inflight;
    if (e.failure && this.now() < e.failure.until) return Promise.reject(e.failure.error);
    const p = this.fetcher()
      .then(({ token, expiresIn }) => {
        const life = Math.max(1, expiresIn) * 1000;
        e.token = token;
        e.expiresAt = this.now() + Math.max(life - this.marginMs, life / 2);
        e.failure = undefined;
        return token;
      })
      .catch((err: unknown) => {
        if (this.isConfigError(err)) e.failure = { error: err as Error, until: this.now() + this.failureTtlMs };
        throw err;
      })
      .finally(() => {
        e.inflight = undefined;
      });
    e.inflight = p;
    return p;
  }

  /** Forget a remembered configuration failure (e.g. after the settings changed). */
  clearFailure(): void {
    this.entry.failure = undefined;
  }

  /** Drop the cached token if it is still `used` (the one a failing call carried). */
  invalidate(used: string): void {
    if (this.entry.token === used) {
      this.entry.token = undefined;
      this.entry.expiresAt = 0;
    }
  }
}
