/**
 * "Have we seen this key?" with a time-to-live, persisted through an AsyncKV (a Node-RED context
 * store) as one entry per key, so a persistent or shared store carries it across restarts and
 * instances and each check costs one get and one set. Expired entries are swept now and then.
 *
 * Concurrent calls for the same key inside one process are resolved atomically: the first caller
 * wins, even while the store read is still pending.
 */
import type { AsyncKV } from './context-store';

export interface DedupeOptions {
  /** How long a key is remembered, ms (default 15 min: WeCom re-sends within about 20 s). */
  ttlMs?: number;
  /** Prefix of the context keys (default 'wecomDedupe:'). */
  prefix?: string;
  /** Sweep expired entries after this many new keys (default 500). */
  sweepEvery?: number;
  now?: () => number;
}

export class Deduper {
  private readonly kv: AsyncKV;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly sweepEvery: number;
  private readonly now: () => number;
  private readonly pending = new Set<string>();
  private added = 0;
  private sweeping = false;

  constructor(kv: AsyncKV, opts: DedupeOptions = {}) {
    this.kv = kv;
    this.ttlMs = opts.ttlMs ?? 15 * 60 * 1000;
    this.prefix = opts.prefix ?? 'wecomDedupe:';
    this.sweepEvery = opts.sweepEvery ?? 500;
    this.now = opts.now ?? Date.now;
  }

  /** Resolves true exactly once per key within the TTL; false for every repeat. */
  async firstTime(key: string): Promise<boolean> {
    if (this.pending.has(key)) return false;
    this.pending.add(key);
    try {
      const now = this.now();
      const at = await this.kv.get<number>(this.prefix + key);
      if (typeof at === 'number' && now - at < this.ttlMs) return false;
      await this.kv.set(this.prefix + key, now);
      if (++this.added % this.sweepEvery === 0) void this.sweep();
      return true;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Delete expired entries; resolves to how many were removed. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let removed = 0;
    try {
      const now = this.now();
      for (const k of await this.kv.keys()) {
        if (!k.startsWith(this.prefix)) continue;
        const at = await this.kv.get<number>(k);
        if (typeof at !== 'number' || now - at >= this.ttlMs) {
          await this.kv.set(k, undefined);
          removed++;
        }
      }
    } catch {
      // A failed sweep only leaves old keys behind; the next sweep tries again.
    } finally {
      this.sweeping = false;
    }
    return removed;
  }
}
