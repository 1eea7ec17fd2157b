/**
 * The ops view of the whole service when several instances share one state store (Redis): each instance keeps
 * its own hour buckets (rollup.ts) and, on a timer, writes the hours it changed to the store, one record per
 * instance and hour (`ops-hour:<source>:<hour>`, expiring with the record's retention). Reading merges the
 * other instances' buckets of the asked range into this instance's own: counters and histograms add up, peaks
 * take the larger, unanswered questions and disputed answers join. So the store costs one write per changed
 * hour per period, never a command per message. Pure: no Node-RED import.
 */
import type { StateStore } from '../state/store';
import { emptyBucket, HOUR_MS, mergeUnanswered, Rollup, type Bucket } from './rollup';
import { addHist } from './histogram';
import type { OpsEvent } from './event';

const DAY_MS = 86_400_000;
const SOURCES = 'ops-sources';
const hourKey = (source: string, hour: number) => `ops-hour:${source}:${hour}`;
const liveKey = (source: string) => `ops-live:${source}`;
/** Channel of user messages that may dispute an answer given on another instance (rollup.ts onUnpaired). */
const UNPAIRED = 'ops-unpaired';
/** Reads of other instances' hours in flight at once. */
const READ_BATCH = 100;

const add = (into: Record<string, number>, from: Record<string, number>, max = false) => {
  for (const [k, v] of Object.entries(from)) into[k] = max ? Math.max(into[k] ?? 0, v) : (into[k] ?? 0) + v;
};

/** Add bucket `b` (another instance's hour) into `into` (the same hour). */
export function mergeBucket(into: Bucket, b: Bucket): void {
  add(into.n, b.n ?? {});
  addHist(into.wait, b.wait ?? []);
  into.aiLat = into.aiLat ?? [];
  addHist(into.aiLat, b.aiLat ?? []);
  into.queuePeak = Math.max(into.queuePeak, b.queuePeak ?? 0);
  into.agentsPeak = Math.max(into.agentsPeak, b.agentsPeak ?? 0);
  add(into.groups, b.groups ?? {}, true);
  for (const [k, u] of Object.entries(b.un ?? {})) {
    const m = into.un[k];
    if (m) mergeUnanswered(m, u);
    else into.un[k] = { ...u, examples: [...u.examples] };
  }
  for (const [id, a] of Object.entries(b.agents ?? {})) {
    const m = ((into.agents ??= {})[id] ??= { handled: 0, first: [], ratings: [0, 0, 0, 0] });
    m.handled += a.handled;
    addHist(m.first, a.first);
    for (let i = 0; i < 4; i++) m.ratings[i] += a.ratings[i] ?? 0;
  }
  if (b.disputed?.length) (into.disputed ??= []).push(...b.disputed);
}

export interface SharedRollupOptions {
  /** This instance's record (stable across its restarts: the one whose hours it publishes). */
  source: string;
  /** Days an hour is kept in the store (0: kept). */
  retentionDays: number;
  now?: () => number;
}

export class SharedRollup {
  private listed = 0;
  private first = true;
  private readonly now: () => number;

  constructor(
    private store: StateStore,
    private opt: SharedRollupOptions,
  ) {
    this.now = opt.now ?? Date.now;
  }

  private ttl(hour: number): number | undefined {
    if (!(this.opt.retentionDays > 0)) return undefined;
    return Math.max(HOUR_MS, (hour + 1) * HOUR_MS + this.opt.retentionDays * DAY_MS - this.now());
  }

  /** Be listed among the sources (at most once an hour): that is how the readers find this instance's records. */
  private async list(): Promise<void> {
    if (this.listed && this.now() - this.listed < HOUR_MS) return;
    const at = this.now();
    const keepMs = this.opt.retentionDays > 0 ? this.opt.retentionDays * DAY_MS : Infinity;
    await this.store.update<Record<string, number>, void>(SOURCES, (cur) => {
      const next: Record<string, number> = {};
      for (const [s, t] of Object.entries(cur ?? {})) if (at - t < keepMs) next[s] = t;
      next[this.opt.source] = at;
      return { value: next, result: undefined };
    });
    this.listed = at;
  }

  /** Write the hours `rollup` changed since the last publish (the first time also the last two hours). */
  async publish(rollup: Rollup): Promise<number> {
    const changed = new Map(rollup.takeTouched());
    if (this.first) {
      const h = Math.floor(this.now() / HOUR_MS);
      for (const x of [h - 1, h]) {
        const b = rollup.hours.get(x);
        if (b) changed.set(x, b);
      }
    }
    if (!changed.size) return 0;
    try {
      await this.list();
      await Promise.all([...changed].map(([h, b]) => this.store.set(hourKey(this.opt.source, h), b, { ttlMs: this.ttl(h) })));
    } catch (err) {
      rollup.touch(changed.keys()); // written next time
      throw err;
    }
    this.first = false;
    return changed.size;
  }

  /**
   * Hand `rollup`'s user messages that may dispute an answer it never saw to the other instances: one publish
   * for such a message only (a reply like 不对 / 转人工 with no answer of this instance before it), none otherwise.
   */
  shareUnpaired(rollup: Rollup): void {
    rollup.onUnpaired = (e) => void this.store.publish(UNPAIRED, { source: this.opt.source, e }).catch(() => undefined);
  }

  /** Pair the other instances' unpaired messages with the answers of `self()`'s rollup; returns the unsubscribe. */
  static adoptUnpaired(store: StateStore, self: () => { source: string; rollup: Rollup }): () => void {
    return store.subscribe(UNPAIRED, (m) => {
      const x = m as { source?: unknown; e?: OpsEvent } | null;
      const me = self();
      if (x && x.source !== me.source && x.e && typeof x.e === 'object') me.rollup.adopt(x.e);
    });
  }

  /** This instance's live numbers (gauges), kept `ttlMs`: read by the others until it stops renewing them. */
  async publishLive(value: unknown, ttlMs: number): Promise<void> {
    await this.list();
    await this.store.set(liveKey(this.opt.source), value, { ttlMs });
  }

  /** The live numbers the other instances published (those still renewed). */
  async othersLive<T>(): Promise<T[]> {
    const sources = Object.keys((await this.store.get<Record<string, number>>(SOURCES)) ?? {}).filter((s) => s !== this.opt.source);
    const got = await Promise.all(sources.map((s) => this.store.get<T>(liveKey(s))));
    return got.filter((g): g is Awaited<T> & T => g !== undefined && g !== null);
  }

  /** The service's hours of [from, to): this instance's own (`own`, fresher than the store) and every other's. */
  async view(own: Rollup, from: number, to: number): Promise<Rollup> {
    const h0 = Math.floor(from / HOUR_MS);
    const h1 = Math.ceil(to / HOUR_MS);
    const hours = new Map<number, Bucket>();
    for (let h = h0; h < h1; h++) {
      const b = own.hours.get(h);
      if (b) hours.set(h, structuredClone(b));
    }
    const sources = (await this.store.get<Record<string, number>>(SOURCES)) ?? {};
    const reads: Array<[number, string]> = [];
    for (const [s, seen] of Object.entries(sources)) {
      // a source last listed before the range began may still have written its hours up to an hour later
      if (s === this.opt.source || seen + 2 * HOUR_MS < from) continue;
      for (let h = h0; h < h1; h++) reads.push([h, hourKey(s, h)]);
    }
    for (let i = 0; i < reads.length; i += READ_BATCH) {
      const part = reads.slice(i, i + READ_BATCH);
      const got = await Promise.all(part.map(([, k]) => this.store.get<Bucket>(k)));
      got.forEach((b, j) => {
        if (!b || typeof b !== 'object') return;
        const h = part[j][0];
        let mine = hours.get(h);
        if (!mine) hours.set(h, (mine = emptyBucket()));
        mergeBucket(mine, b);
      });
    }
    return Rollup.ofHours(hours);
  }
}
