/**
 * LocalStore: the StateStore on disk, in one LMDB environment (the `lmdb` npm package, whose binary ships
 * inside its npm packages). One directory per Node-RED runtime, e.g. `<userDir>/wecom-state/`.
 *
 * Durability: every write is a transaction; lmdb batches the writes of one event-loop turn into one
 * transaction, and a promise resolves only after that transaction was committed *and* flushed to disk
 * (overlappingSync: the flush of one batch overlaps the commit of the next; we wait for `flushed`). A write that cannot be recorded rejects with
 * StateUnavailable. When the directory cannot be opened the store stays up and every call rejects with
 * StateUnavailable (callers refuse callbacks with 5xx); it tries to open again now and then.
 *
 * Layout (ordered array keys, values msgpack):
 *   ['r', key]                 → { v, x? }            records, x = expires at (ms)
 *   ['x', x, key]              → 1                    TTL index, swept in the store
 *   ['l', name]                → { o, t, b, x }       leases (owner, token, boot, expiry)
 *   ['sm', stream]             → last seq
 *   ['s', stream, seq]         → value                stream entries (deleted once acknowledged)
 *   ['g', stream, group]       → { c: cursor, n: pending count }
 *   ['p', stream, group, seq]  → { c: consumer, d: deliveries, a: handed out at }
 *   ['qm', queue, member]      → at                   schedules
 *   ['q', queue, at, member]   → 1
 */
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { open, type RootDatabase } from 'lmdb';
import type { AppendOptions, Lease, ReadGroupOptions, StateStore, StreamBacklog, StreamEntry, UpdateResult } from '../store';
import { StateUnavailable } from '../store';
import { Notifier } from '../notifier';
import { makePrivate, privateDir } from '../private-files';

export interface LocalStoreOptions {
  /** The directory of the environment (created if missing). */
  dir: string;
  /** Stable id of this instance; default: one generated once and kept in the store. */
  instanceId?: string;
  /** How often expired records are swept (ms, default 1000). */
  sweepMs?: number;
  now?: () => number;
}

type K = (string | number)[];
const END = '\u{10FFFF}';
/** Exclusive upper bound of every key that starts with [...head, s, ...]. */
const after = (s: string): string => s + '\u0001';

interface Rec {
  v: unknown;
  x?: number;
}
interface Pend {
  c: string;
  d: number;
  a: number;
}
interface LeaseRec {
  o: string;
  t: string;
  b: string;
  x: number;
}

/**
 * The durable writes of every LocalStore in this process, for the bench: writes asked for (`ops`, by operation and
 * key namespace in `byOp`), write transactions run (`tx`: one per event-loop turn that asked for writes),
 * transactions lmdb committed (`commits`), records put, and their encoded bytes (`bytes`, by operation in
 * `bytesByOp`; `byOp` and the bytes are counted only while `measureBytes` is set: it encodes each value once more).
 */
export const localWrites = { ops: 0, tx: 0, commits: 0, puts: 0, bytes: 0, measureBytes: false, byOp: {} as Record<string, number>, bytesByOp: {} as Record<string, number> };

/** `set:conv` for set('conv:…'): the operation and the key's namespace, for localWrites.byOp. */
const opOf = (op: string, key: string): string => op + ':' + key.split(':')[0];

/** Marks an error thrown by a caller's function inside a transaction (not a storage failure). */
class CallerError {
  constructor(readonly error: unknown) {}
}

/** A write asked for in this event-loop turn, waiting for the turn's transaction. */
interface Queued {
  op: string;
  fn: (db: RootDatabase) => unknown;
  resolve(v: unknown): void;
  reject(err: unknown): void;
}

export class LocalStore implements StateStore {
  readonly kind = 'local' as const;
  instanceId: string;
  private db: RootDatabase | null = null;
  private openError: unknown;
  private lastOpenTry = 0;
  private readonly now: () => number;
  private readonly notifier = new Notifier();
  private readonly health = new Set<(ok: boolean, reason?: string) => void>();
  private readonly boot = randomUUID();
  private readonly replayed = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private healthy: boolean | undefined;
  private closed = false;
  /** The writes of this turn (see tx()). */
  private queue: Queued[] = [];
  /** The operation whose records are being put (for localWrites.bytesByOp). */
  private putting = '';

  constructor(private readonly opts: LocalStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.instanceId = opts.instanceId ?? '';
    this.tryOpen();
    if (!this.instanceId) this.instanceId = randomUUID();
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), opts.sweepMs ?? 1000);
    this.sweeper.unref();
  }

  private tryOpen(): void {
    this.lastOpenTry = Date.now();
    try {
      privateDir(this.opts.dir);
      fs.accessSync(this.opts.dir, fs.constants.W_OK);
      const db = open({ path: this.opts.dir, overlappingSync: true, noMemInit: true });
      db.on('aftercommit', () => localWrites.commits++);
      // LMDB creates its files with the umask's mode: conversation state is private
      for (const f of fs.readdirSync(this.opts.dir, { withFileTypes: true })) if (f.isFile()) makePrivate(`${this.opts.dir}/${f.name}`);
      if (!this.instanceId) {
        let id = db.get(['meta', 'instance']) as string | undefined;
        if (!id) this.put(db, ['meta', 'instance'], (id = randomUUID()));
        this.instanceId = id;
      }
      this.db = db;
      this.openError = undefined;
      this.setHealth(true);
    } catch (err) {
      this.db = null;
      this.openError = err;
      this.setHealth(false, 'cannot open ' + this.opts.dir + ': ' + (err as Error).message);
    }
  }

  private setHealth(ok: boolean, reason?: string): void {
    if (this.healthy === ok) return;
    this.healthy = ok;
    for (const l of [...this.health]) l(ok, reason);
  }

  /** The open database, or StateUnavailable (after one more try to open, at most every 2 s). */
  private ready(): RootDatabase {
    if (this.closed) throw new StateUnavailable('state store closed');
    if (!this.db && Date.now() - this.lastOpenTry > 2000) this.tryOpen();
    if (!this.db) throw new StateUnavailable('state store unavailable: ' + ((this.openError as Error)?.message ?? 'not open'), this.openError);
    return this.db;
  }

  /** Put one record (counted in localWrites). */
  private put(db: RootDatabase, key: K, value: unknown): void {
    localWrites.puts++;
    if (localWrites.measureBytes) {
      const n = (db as RootDatabase & { encoder: { encode(v: unknown): Uint8Array } }).encoder.encode(value).length;
      localWrites.bytes += n;
      localWrites.bytesByOp[this.putting] = (localWrites.bytesByOp[this.putting] ?? 0) + n;
    }
    db.putSync(key, value);
  }

  /**
   * Run `fn` in a write transaction; resolves after the commit is on disk. The writes one event-loop turn asks for
   * share one transaction (and one wait for the disk), run in the order asked; a function that throws rejects its
   * own promise only (what it put before throwing is kept, as in lmdb's own batches).
   */
  private tx<T>(op: string, fn: (db: RootDatabase) => T): Promise<T> {
    let db: RootDatabase;
    try {
      db = this.ready();
    } catch (err) {
      return Promise.reject(err);
    }
    localWrites.ops++;
    if (localWrites.measureBytes) localWrites.byOp[op] = (localWrites.byOp[op] ?? 0) + 1;
    return new Promise<T>((resolve, reject) => {
      if (this.queue.push({ op, fn, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(() => void this.commit(db));
    });
  }

  /** Run the writes asked for so far in one transaction and settle their promises. */
  private async commit(db: RootDatabase): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    localWrites.tx++;
    let outs: unknown[];
    try {
      outs = await db.transaction(() =>
        batch.map((q) => {
          this.putting = q.op;
          try {
            return q.fn(db);
          } catch (err) {
            return new CallerError(err);
          }
        }),
      );
      // Committed is not yet durable: wait until this commit (and any before it) is on disk.
      await db.flushed;
    } catch (err) {
      this.setHealth(false, (err as Error).message);
      const e = new StateUnavailable('state write failed: ' + (err as Error).message, err);
      for (const q of batch) q.reject(e);
      return;
    }
    this.setHealth(true);
    batch.forEach((q, i) => {
      const out = outs[i];
      if (out instanceof CallerError) q.reject(out.error);
      else q.resolve(out);
    });
  }

  private readRec(db: RootDatabase, key: string): Rec | undefined {
    const r = db.get(['r', key]) as Rec | undefined;
    if (r && r.x !== undefined && r.x <= this.now()) return undefined;
    return r;
  }

  private writeRec(db: RootDatabase, key: string, v: unknown, x: number | undefined): void {
    const old = db.get(['r', key]) as Rec | undefined;
    if (old?.x !== undefined && old.x !== x) db.removeSync(['x', old.x, key]);
    if (v === undefined) {
      db.removeSync(['r', key]);
      return;
    }
    this.put(db, ['r', key], x === undefined ? { v } : { v, x });
    // the TTL index entry is there already when the expiry stays the same (an update that keeps the TTL)
    if (x !== undefined && old?.x !== x) this.put(db, ['x', x, key], 1);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return this.readRec(this.ready(), key)?.v as T | undefined;
  }

  set(key: string, value: unknown, opts: { ttlMs?: number } = {}): Promise<void> {
    return this.tx(opOf('set', key), (db) => this.writeRec(db, key, value, opts.ttlMs ? this.now() + opts.ttlMs : undefined));
  }

  delete(key: string): Promise<void> {
    return this.tx(opOf('delete', key), (db) => this.writeRec(db, key, undefined, undefined));
  }

  claim(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    return this.tx(opOf('claim', key), (db) => {
      if (this.readRec(db, key)) return false;
      this.writeRec(db, key, value, ttlMs > 0 ? this.now() + ttlMs : undefined);
      return true;
    });
  }

  update<T, R>(key: string, fn: (current: T | undefined) => UpdateResult<T, R>): Promise<R> {
    return this.tx(opOf('update', key), (db) => {
      const cur = this.readRec(db, key);
      const out = fn(cur?.v as T | undefined);
      const x = out.ttlMs !== undefined ? this.now() + out.ttlMs : cur?.x;
      this.writeRec(db, key, out.value, x);
      return out.result;
    });
  }

  async *keys(prefix: string): AsyncIterable<string> {
    const db = this.ready();
    const now = this.now();
    for (const { key, value } of db.getRange({ start: ['r', prefix], end: ['r', prefix + END] })) {
      const r = value as Rec;
      if (r.x === undefined || r.x > now) yield (key as K)[1] as string;
    }
  }

  incr(key: string, by: number, ttlMs: number): Promise<number> {
    return this.tx(opOf('incr', key), (db) => {
      const cur = this.readRec(db, key);
      const n = (typeof cur?.v === 'number' ? cur.v : 0) + by;
      this.writeRec(db, key, n, cur ? cur.x : ttlMs > 0 ? this.now() + ttlMs : undefined);
      return n;
    });
  }

  async lease(name: string, ttlMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const got = await this.tx('lease', (db) => {
      const cur = db.get(['l', name]) as LeaseRec | undefined;
      const live = cur && cur.x > this.now();
      // A lease left by this same instance id in an earlier run (another boot) is taken over at once.
      if (live && !(cur.o === this.instanceId && cur.b !== this.boot)) return false;
      this.put(db, ['l', name], { o: this.instanceId, t: token, b: this.boot, x: this.now() + ttlMs });
      return true;
    });
    if (!got) return null;
    return {
      name,
      owner: this.instanceId,
      renew: (ms = ttlMs) =>
        this.tx('lease', (db) => {
          const cur = db.get(['l', name]) as LeaseRec | undefined;
          if (!cur || cur.t !== token || cur.x <= this.now()) return false;
          this.put(db, ['l', name], { ...cur, x: this.now() + ms });
          return true;
        }),
      release: () =>
        this.tx('lease', (db) => {
          const cur = db.get(['l', name]) as LeaseRec | undefined;
          if (cur && cur.t === token) db.removeSync(['l', name]);
        }),
    };
  }

  append(stream: string, value: unknown, opts?: AppendOptions): Promise<string> {
    return this.tx(opOf('append', stream), (db) => {
      const seq = ((db.get(['sm', stream]) as number | undefined) ?? 0) + 1;
      this.put(db, ['sm', stream], seq);
      this.put(db, ['s', stream, seq], value ?? null);
      if (opts?.ack) this.acknowledge(db, opts.ack.stream, opts.ack.group, opts.ack.ids);
      return String(seq);
    });
  }

  readGroup<T = unknown>(stream: string, group: string, consumer: string, opts: ReadGroupOptions = {}): Promise<StreamEntry<T>[]> {
    const replayKey = stream + '\u0001' + group + '\u0001' + consumer;
    return this.tx(opOf('readGroup', stream), (db) => {
      // Own pending entries come back on the first read of this consumer in this run only.
      const replay = !this.replayed.has(replayKey);
      this.replayed.add(replayKey);
      const count = opts.count ?? 100;
      const now = this.now();
      const g = (db.get(['g', stream, group]) as { c: number; n: number } | undefined) ?? { c: 0, n: 0 };
      const out: StreamEntry<T>[] = [];
      const hand = (seq: number, p: Pend): void => {
        const np = { c: consumer, d: p.d + 1, a: now };
        this.put(db, ['p', stream, group, seq], np);
        out.push({ id: String(seq), value: db.get(['s', stream, seq]) as T, deliveries: np.d });
      };
      const pendings = (): { seq: number; p: Pend }[] =>
        [...db.getRange({ start: ['p', stream, group], end: ['p', stream, after(group)] })].map(({ key, value }) => ({
          seq: (key as K)[3] as number,
          p: value as Pend,
        }));
      if (replay) {
        for (const { seq, p } of pendings()) {
          if (out.length >= count) break;
          if (p.c === consumer) hand(seq, p);
        }
      }
      const last = (db.get(['sm', stream]) as number | undefined) ?? 0;
      if (out.length < count && g.c < last) {
        const fresh = [...db.getRange({ start: ['s', stream, g.c + 1], end: ['s', after(stream)], limit: count - out.length })];
        for (const { key, value } of fresh) {
          const seq = (key as K)[2] as number;
          g.c = seq;
          g.n++;
          this.put(db, ['p', stream, group, seq], { c: consumer, d: 1, a: now });
          out.push({ id: String(seq), value: value as T, deliveries: 1 });
        }
        if (out.length < count) g.c = last;
      }
      if (opts.claimIdleMs && opts.claimIdleMs > 0 && out.length < count) {
        for (const { seq, p } of pendings()) {
          if (out.length >= count) break;
          if (p.c !== consumer && now - p.a >= opts.claimIdleMs) hand(seq, p);
        }
      }
      this.put(db, ['g', stream, group], g);
      return out;
    });
  }

  ack(stream: string, group: string, ids: string[]): Promise<void> {
    return this.tx(opOf('ack', stream), (db) => this.acknowledge(db, stream, group, ids));
  }

  private acknowledge(db: RootDatabase, stream: string, group: string, ids: string[]): void {
    const g = db.get(['g', stream, group]) as { c: number; n: number } | undefined;
    if (!g) return;
    const groups = [...db.getRange({ start: ['g', stream], end: ['g', after(stream)] })].map(({ key, value }) => ({
      name: (key as K)[2] as string,
      g: value as { c: number },
    }));
    for (const id of ids) {
      const seq = Number(id);
      if (db.get(['p', stream, group, seq]) === undefined) continue;
      db.removeSync(['p', stream, group, seq]);
      g.n = Math.max(0, g.n - 1);
      // Trim: gone once every group has read and acknowledged it.
      const done = groups.every(
        (o) => o.name === group || (o.g.c >= seq && db.get(['p', stream, o.name, seq]) === undefined),
      );
      if (done && g.c >= seq) db.removeSync(['s', stream, seq]);
    }
    this.put(db, ['g', stream, group], g);
  }

  async pendingCount(stream: string, group: string): Promise<number> {
    return ((this.ready().get(['g', stream, group]) as { n: number } | undefined)?.n ?? 0);
  }

  async backlog<T = unknown>(stream: string, group: string): Promise<StreamBacklog<T>> {
    const db = this.ready();
    const g = (db.get(['g', stream, group]) as { c: number; n: number } | undefined) ?? { c: 0, n: 0 };
    const last = (db.get(['sm', stream]) as number | undefined) ?? 0;
    // Unread entries are never trimmed: everything after the cursor is still there.
    const depth = g.n + Math.max(0, last - g.c);
    for (const { key } of db.getRange({ start: ['p', stream, group], end: ['p', stream, after(group)], limit: 1 })) {
      const seq = (key as K)[3] as number;
      return { depth, oldest: { id: String(seq), value: db.get(['s', stream, seq]) as T, deliveries: 0 } };
    }
    for (const { key, value } of db.getRange({ start: ['s', stream, g.c + 1], end: ['s', after(stream)], limit: 1 })) {
      return { depth, oldest: { id: String((key as K)[2]), value: value as T, deliveries: 0 } };
    }
    return { depth };
  }

  schedule(queue: string, member: string, at: number | null): Promise<void> {
    return this.tx(opOf('schedule', queue), (db) => {
      const old = db.get(['qm', queue, member]) as number | undefined;
      if (old !== undefined) db.removeSync(['q', queue, old, member]);
      if (at === null) db.removeSync(['qm', queue, member]);
      else {
        this.put(db, ['qm', queue, member], at);
        this.put(db, ['q', queue, at, member], 1);
      }
    });
  }

  takeDue(queue: string, now: number, limit = 100): Promise<string[]> {
    return this.tx(opOf('takeDue', queue), (db) => {
      const out: string[] = [];
      const due: K[] = [];
      for (const { key } of db.getRange({ start: ['q', queue], end: ['q', queue, now, END], limit })) due.push(key as K);
      for (const [, , at, m] of due) {
        db.removeSync(['qm', queue, m]);
        db.removeSync(['q', queue, at, m]);
        out.push(m as string);
      }
      return out;
    });
  }

  async nextDue(queue: string): Promise<number | null> {
    for (const { key } of this.ready().getRange({ start: ['q', queue], end: ['q', after(queue)], limit: 1 })) {
      return (key as K)[2] as number;
    }
    return null;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.ready();
    this.notifier.publish(channel, structuredClone(message));
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    return this.notifier.subscribe(channel, listener);
  }

  /** Delete expired records (batches of 500). Resolves to how many were removed. */
  async sweep(): Promise<number> {
    if (!this.db || this.closed) return 0;
    return this.tx('sweep', (db) => {
      const now = this.now();
      let n = 0;
      for (const { key } of [...db.getRange({ start: ['x'], end: ['x', now + 1], limit: 500 })]) {
        const [, x, k] = key as K;
        db.removeSync(key as K);
        const r = db.get(['r', k]) as Rec | undefined;
        if (r && r.x === x) {
          db.removeSync(['r', k]);
          n++;
        }
      }
      return n;
    });
  }

  async check(): Promise<void> {
    // A tiny durable write: proves the disk takes writes now, not only that the env is open.
    await this.tx('check', (db) => this.put(db, ['meta', 'check'], this.now()));
  }

  onHealth(listener: (ok: boolean, reason?: string) => void): () => void {
    this.health.add(listener);
    return () => this.health.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.notifier.clear();
    const db = this.db;
    this.db = null;
    // what was asked for before close is still written
    if (db) await this.commit(db);
    if (db) await db.close();
  }
}
