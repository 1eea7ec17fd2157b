/**
 * One access_token for several instances (the Redis state backend): the token is kept in the state store,
 * and only the instance holding a short lease calls gettoken; the others wait for its record. When the store
 * is unavailable, an instance fetches its own token (sending must not stop for that).
 * The record key holds a hash of (API base, corpId, secret), never the secret.
 */
import { createHash } from 'node:crypto';
import { StateUnavailable, type StateStore } from '../../state/store';
import type { TokenFetcher } from './token-cache';

interface TokenRecord {
  token: string;
  expiresAt: number;
}

export interface SharedToken {
  fetcher: TokenFetcher;
  /** A call was refused with this token (40014/42001…): nobody takes it from the store again. */
  forget(used: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function sharedToken(store: StateStore, cacheKey: string, fetch: TokenFetcher, o: { waitMs?: number; leaseMs?: number; minLifeMs?: number } = {}): SharedToken {
  const rec = `wecom-token:${createHash('sha256').update(cacheKey).digest('hex').slice(0, 32)}`;
  const waitMs = o.waitMs ?? 5000;
  const leaseMs = o.leaseMs ?? 15000;
  const minLifeMs = o.minLifeMs ?? 60_000;
  const bad = new Set<string>();

  const stored = async () => {
    const r = await store.get<TokenRecord>(rec);
    const left = r ? r.expiresAt - Date.now() : 0;
    return r && !bad.has(r.token) && left > minLifeMs ? { token: r.token, expiresIn: Math.floor(left / 1000) } : null;
  };

  const viaStore = async () => {
    const have = await stored();
    if (have) return have;
    const lease = await store.lease(`${rec}:fetch`, leaseMs);
    if (!lease) {
      // Another instance is fetching: take its token when it lands.
      for (const until = Date.now() + waitMs; Date.now() < until; ) {
        await sleep(50);
        const got = await stored();
        if (got) return got;
      }
      return null;
    }
    try {
      const again = await stored();
      if (again) return again;
      const got = await fetch();
      const ttlMs = got.expiresIn * 1000;
      await store.set(rec, { token: got.token, expiresAt: Date.now() + ttlMs } satisfies TokenRecord, { ttlMs }).catch(() => undefined);
      return got;
    } finally {
      await lease.release().catch(() => undefined);
    }
  };

  return {
    async fetcher() {
      try {
        const got = await viaStore();
        if (got) return got;
      } catch (err) {
        if (!(err instanceof StateUnavailable)) throw err;
      }
      return fetch();
    },
    forget(used: string) {
      bad.add(used);
      if (bad.size > 16) bad.delete(bad.values().next().value as string);
      void store
        .update<TokenRecord, null>(rec, (cur) => ({ value: cur && cur.token === used ? undefined : cur, result: null }))
        .catch(() => undefined);
    },
  };
}
