/**
 * "Have we seen this key?" with a time-to-live, persisted through an AsyncKV (a Node-RED context
 * store) so a persistent or shared store carries it across restarts and instances.
 *
 * Concurrent calls for the same key inside one process are resolved atomically: the first caller
 * wins, even while the store read is still pending.
 */
import type { AsyncKV } from './context-store';

export interface DedupeOptions {
  /** How long a key is remembered, ms (default 15 min: WeCom re-sends within about 20 s). */
  ttlMs?: number;
  /** Upper bound on remembered keys; the oldest are dropped first (default 10 000). */
  maxKeys?: number;
  /** Context key under which the seen-map is stored. */
  storageKey?: string;
  now?: () => number;
}

export class Deduper {
  private readonly kv: AsyncKV;
  private readonly ttlMs: number;
  private readonly maxKeys: number;
  private readonly storageKey: string;
  private readonly now: () => number;
  private readonly pending = new Set<string>();
  /** Serialises read-modify-write of the stored map. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(kv: AsyncKV, opts: DedupeOptions = {}) {
    this.kv = kv;
    this.ttlMs = opts.ttlMs ?? 15 * 60 * 1000;
    this.maxKeys = opts.maxKeys ?? 10000;
    this.storageKey = opts.storageKey ?? 'wecomDedupe';
    this.now = opts.now ?? Date.now;
  }

  /** Resolves true exactly once per key within the TTL; false for every repeat. */
  firstTime(key: string): Promise<boolean> {
    if (this.pending.has(key)) return Promise.resolve(false);
    this.pending.add(key);
    const run = this.chain.then(async () => {
      try {
        const now = this.now();
        const seen = { ...((await this.kv.get<Record<string, number>>(this.storageKey)) ?? {}) };
        const at = seen[key];
        if (at !== undefined && now - at < this.ttlMs) return false;
        seen[key] = now;
        await this.kv.set(this.storageKey, prune(seen, now, this.ttlMs, this.maxKeys));
        return true;
      } finally {
        this.pending.delete(key);
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function prune(seen: Record<string, number>, now: number, ttl: number, max: number): Record<string, number> {
  let entries = Object.entries(seen).filter(([, t]) => now - t < ttl);
  if (entries.length > max) entries = entries.sort((a, b) => a[1] - b[1]).slice(entries.length - max);
  return Object.fromEntries(entries);
}
