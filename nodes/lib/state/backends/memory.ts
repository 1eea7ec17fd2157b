/**
 * MemoryStore: the StateStore in this process's memory, for unit tests and the pure library used outside
 * Node-RED. Same guarantees as the other backends except durability (nothing survives the process).
 * Values are copied in and out (structuredClone), as a real backend serialises them.
 */
import { randomUUID } from 'node:crypto';
import type { AppendOptions, Lease, ReadGroupOptions, StateStore, StreamBacklog, StreamEntry, UpdateResult } from '../store';
import { StateUnavailable } from '../store';
import { Notifier } from '../notifier';

interface Rec {
  v: unknown;
  /** Expires at (ms since epoch), absent = never. */
  x?: number;
}
interface Pending {
  consumer: string;
  deliveries: number;
  at: number;
}
interface Group {
  cursor: number;
  pending: Map<number, Pending>;
  /** Consumers whose own pending entries this instance has already handed back since it was created. */
  replayed: Set<string>;
}
interface Stream {
  seq: number;
  entries: Map<number, unknown>;
  groups: Map<string, Group>;
}

export interface MemoryStoreOptions {
  instanceId?: string;
  now?: () => number;
}

const copy = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

export class MemoryStore implements StateStore {
  readonly kind = 'memory' as const;
  readonly instanceId: string;
  private readonly now: () => number;
  private readonly recs = new Map<string, Rec>();
  private readonly streams = new Map<string, Stream>();
  private readonly queues = new Map<string, Map<string, number>>();
  private readonly notifier = new Notifier();
  private readonly boot = randomUUID();
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.instanceId = opts.instanceId ?? randomUUID();
    this.now = opts.now ?? Date.now;
  }

  private live(key: string): Rec | undefined {
    this.open();
    const r = this.recs.get(key);
    if (r && r.x !== undefined && r.x <= this.now()) {
      this.recs.delete(key);
      return undefined;
    }
    return r;
  }

  private open(): void {
    if (this.closed) throw new StateUnavailable('state store closed');
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return copy(this.live(key)?.v) as T | undefined;
  }

  async set(key: string, value: unknown, opts: { ttlMs?: number } = {}): Promise<void> {
    this.open();
    if (value === undefined) this.recs.delete(key);
    else this.recs.set(key, { v: copy(value), x: opts.ttlMs ? this.now() + opts.ttlMs : undefined });
  }

  async delete(key: string): Promise<void> {
    this.open();
    this.recs.delete(key);
  }

  async claim(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.recs.set(key, { v: copy(value), x: ttlMs > 0 ? this.now() + ttlMs : undefined });
    return true;
  }

  async update<T, R>(key: string, fn: (current: T | undefined) => UpdateResult<T, R>): Promise<R> {
    const cur = this.live(key);
    const out = fn(copy(cur?.v) as T | undefined);
    if (out.value === undefined) this.recs.delete(key);
    else {
      const x = out.ttlMs !== undefined ? this.now() + out.ttlMs : cur?.x;
      this.recs.set(key, { v: copy(out.value), x });
    }
    return out.result;
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for (const k of [...this.recs.keys()]) if (k.startsWith(prefix) && !k.startsWith('\u0000') && this.live(k)) yield k;
  }

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    const cur = this.live(key);
    const n = (typeof cur?.v === 'number' ? cur.v : 0) + by;
    this.recs.set(key, { v: n, x: cur ? cur.x : ttlMs > 0 ? this.now() + ttlMs : undefined });
    return n;
  }

  async lease(name: string, ttlMs: number): Promise<Lease | null> {
    const key = '\u0000lease:' + name;
    const cur = this.live(key)?.v as { owner: string; token: string; boot: string } | undefined;
    // A lease left by this same instance id before a restart (another boot) is taken over at once.
    if (cur && !(cur.owner === this.instanceId && cur.boot !== this.boot)) return null;
    const token = randomUUID();
    this.recs.set(key, { v: { owner: this.instanceId, token, boot: this.boot }, x: this.now() + ttlMs });
    const mine = (): boolean => (this.live(key)?.v as { token?: string } | undefined)?.token === token;
    return {
      name,
      owner: this.instanceId,
      renew: async (ms = ttlMs) => {
        if (!mine()) return false;
        this.recs.get(key)!.x = this.now() + ms;
        return true;
      },
      release: async () => {
        if (mine()) this.recs.delete(key);
      },
    };
  }

  private stream(name: string): Stream {
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = { seq: 0, entries: new Map(), groups: new Map() }));
    return s;
  }

  async append(stream: string, value: unknown, opts?: AppendOptions): Promise<string> {
    this.open();
    const s = this.stream(stream);
    s.entries.set(++s.seq, copy(value));
    if (opts?.ack) this.acknowledge(opts.ack.stream, opts.ack.group, opts.ack.ids);
    return String(s.seq);
  }

  async readGroup<T = unknown>(stream: string, group: string, consumer: string, opts: ReadGroupOptions = {}): Promise<StreamEntry<T>[]> {
    this.open();
    const s = this.stream(stream);
    let g = s.groups.get(group);
    if (!g) s.groups.set(group, (g = { cursor: 0, pending: new Map(), replayed: new Set() }));
    const count = opts.count ?? 100;
    const now = this.now();
    const out: StreamEntry<T>[] = [];
    const hand = (seq: number, p: Pending): void => {
      p.consumer = consumer;
      p.deliveries++;
      p.at = now;
      out.push({ id: String(seq), value: copy(s.entries.get(seq)) as T, deliveries: p.deliveries });
    };
    if (!g.replayed.has(consumer)) {
      g.replayed.add(consumer);
      for (const [seq, p] of [...g.pending].sort((a, b) => a[0] - b[0])) {
        if (out.length >= count) break;
        if (p.consumer === consumer) hand(seq, p);
      }
    }
    while (out.length < count && g.cursor < s.seq) {
      const seq = ++g.cursor;
      if (!s.entries.has(seq)) continue;
      const p = { consumer, deliveries: 0, at: now };
      g.pending.set(seq, p);
      hand(seq, p);
    }
    if (opts.claimIdleMs && opts.claimIdleMs > 0) {
      for (const [seq, p] of [...g.pending].sort((a, b) => a[0] - b[0])) {
        if (out.length >= count) break;
        if (p.consumer !== consumer && now - p.at >= opts.claimIdleMs) hand(seq, p);
      }
    }
    return out;
  }

  async ack(stream: string, group: string, ids: string[]): Promise<void> {
    this.open();
    this.acknowledge(stream, group, ids);
  }

  private acknowledge(stream: string, group: string, ids: string[]): void {
    const s = this.streams.get(stream);
    const g = s?.groups.get(group);
    if (!s || !g) return;
    for (const id of ids) {
      const seq = Number(id);
      g.pending.delete(seq);
      // Trim: gone once every group has read and acknowledged it.
      if ([...s.groups.values()].every((o) => o.cursor >= seq && !o.pending.has(seq))) s.entries.delete(seq);
    }
  }

  async pendingCount(stream: string, group: string): Promise<number> {
    this.open();
    return this.streams.get(stream)?.groups.get(group)?.pending.size ?? 0;
  }

  async backlog<T = unknown>(stream: string, group: string): Promise<StreamBacklog<T>> {
    this.open();
    const s = this.streams.get(stream);
    if (!s) return { depth: 0 };
    const g = s.groups.get(group);
    const cursor = g?.cursor ?? 0;
    let unread = 0;
    let first: number | undefined;
    for (const seq of s.entries.keys()) {
      if (seq <= cursor) continue;
      unread++;
      if (first === undefined || seq < first) first = seq;
    }
    const pending = g ? [...g.pending.keys()] : [];
    const oldest = pending.length > 0 ? Math.min(...pending) : first;
    const depth = pending.length + unread;
    if (oldest === undefined) return { depth };
    return { depth, oldest: { id: String(oldest), value: copy(s.entries.get(oldest)) as T, deliveries: 0 } };
  }

  async schedule(queue: string, member: string, at: number | null): Promise<void> {
    this.open();
    let q = this.queues.get(queue);
    if (!q) this.queues.set(queue, (q = new Map()));
    if (at === null) q.delete(member);
    else q.set(member, at);
  }

  async takeDue(queue: string, now: number, limit = 100): Promise<string[]> {
    this.open();
    const q = this.queues.get(queue);
    if (!q) return [];
    const due = [...q].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).slice(0, limit);
    for (const [m] of due) q.delete(m);
    return due.map(([m]) => m);
  }

  async nextDue(queue: string): Promise<number | null> {
    this.open();
    let min: number | null = null;
    for (const at of this.queues.get(queue)?.values() ?? []) if (min === null || at < min) min = at;
    return min;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.open();
    this.notifier.publish(channel, copy(message));
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    return this.notifier.subscribe(channel, listener);
  }

  async check(): Promise<void> {
    this.open();
  }

  onHealth(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notifier.clear();
  }
}
