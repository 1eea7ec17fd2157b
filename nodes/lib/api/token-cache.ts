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
    const p = this.fetcher()
      .then(({ token, expiresIn }) => {
        const life = Math.max(1, expiresIn) * 1000;
        e.token = token;
        e.expiresAt = this.now() + Math.max(life - this.marginMs, life / 2);
        return token;
      })
      .finally(() => {
        e.inflight = undefined;
      });
    e.inflight = p;
    return p;
  }

  /** Drop the cached token if it is still `used` (the one a failing call carried). */
  invalidate(used: string): void {
    if (this.entry.token === used) {
      this.entry.token = undefined;
      this.entry.expiresAt = 0;
    }
  }
}
