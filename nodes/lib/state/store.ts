/**
 * The state layer: the one place where everything that must survive a restart, or be shared between
 * several Node-RED instances, lives — inbox, outbox, dedupe keys, conversations and their transitions,
 * timers, the 微信客服 cursor and pull lock, access tokens, per-user send budgets, the intended-repeat
 * record, the agents' queue and their undelivered frames.
 *
 * It is written for two backends with the same guarantees:
 *  - `local` (the default, no server): durable on disk under the Node-RED user dir;
 *  - `redis`: several instances on one Redis (streams with consumer groups, SET NX PX, Lua).
 * and `memory` for unit tests and the pure library used outside Node-RED.
 *
 * Rules for every implementation:
 *  - A promise that resolves means *recorded*: with the local backend written and flushed to disk,
 *    with Redis acknowledged by the server. A write that cannot be recorded rejects with StateUnavailable,
 *    never resolves silently (callers then refuse the callback with 5xx so WeCom re-sends).
 *  - Keys are plain strings; callers namespace them (`conv:`, `dedupe:`, `kf:cursor:` …). Values are JSON.
 *  - `update` functions may run more than once (optimistic retry): they must be pure.
 *  - Nothing here imports Node-RED.
 */

/** A write or read that the backend could not perform (disk full, unwritable dir, Redis down). */
export class StateUnavailable extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StateUnavailable';
  }
}

export interface StreamEntry<T = unknown> {
  /** Backend id, ordered within one stream. */
  id: string;
  value: T;
  /** How many times this entry has been handed out (1 on first delivery; >1 after a claim from a dead consumer). */
  deliveries: number;
}

export interface StreamBacklog<T = unknown> {
  depth: number;
  oldest?: StreamEntry<T>;
}

export interface ReadGroupOptions {
  /** At most this many entries (default 100). */
  count?: number;
  /**
   * Also take over entries handed to another consumer that has not acknowledged them for this long
   * (XAUTOCLAIM). 0 or absent: only new entries and this consumer's own unacknowledged ones.
   */
  claimIdleMs?: number;
}

/** Entries of a stream's group to acknowledge. */
export interface StreamAck {
  stream: string;
  group: string;
  ids: string[];
}

export interface AppendOptions {
  /**
   * Acknowledge these entries (of another stream) in the same transaction as the append: the new entry records
   * their outcome, so they are acknowledged exactly when it is recorded (the outbox settling the inbox).
   */
  ack?: StreamAck;
}

/** A lease held by one owner until released or expired; renew before it runs out. */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  /** false when the lease had already expired and was taken by someone else. */
  renew(ttlMs?: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface UpdateResult<T, R> {
  /** The new value; undefined deletes the record. */
  value: T | undefined;
  /** What update() resolves to. */
  result: R;
  /** Expire the record this long after the write (absent: keep, or keep the existing TTL). */
  ttlMs?: number;
}

export type StateBackendKind = 'memory' | 'local' | 'redis';

export interface StateStore {
  readonly kind: StateBackendKind;
  /** A stable id of this process/instance (consumer name, lease owner). */
  readonly instanceId: string;

  // ---- records ---------------------------------------------------------------------------------
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Set (undefined deletes). */
  set(key: string, value: unknown, opts?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** First writer wins: true when the key was absent and is now set (SET NX PX). */
  claim(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** Atomic read-modify-write of one record. */
  update<T, R>(key: string, fn: (current: T | undefined) => UpdateResult<T, R>): Promise<R>;
  /** Keys starting with `prefix`, in no particular order (for sweeps; may be slow on big stores). */
  keys(prefix: string): AsyncIterable<string>;

  // ---- counters --------------------------------------------------------------------------------
  /** Add `by` to a counter that expires `ttlMs` after it was created; resolves to the new value. */
  incr(key: string, by: number, ttlMs: number): Promise<number>;

  // ---- leases (one owner across instances) --------------------------------------------------------
  /** Take the lease if free or expired; null when someone else holds it. */
  lease(name: string, ttlMs: number): Promise<Lease | null>;

  // ---- ordered streams with acknowledgement (inbox, outbox, agent frames) ---------------------------
  /** Append; resolves once recorded, to the entry id. */
  append(stream: string, value: unknown, opts?: AppendOptions): Promise<string>;
  /**
   * Entries for `consumer` of `group`: first its own unacknowledged ones (after a restart with the same
   * instanceId), then new ones, then (with claimIdleMs) ones another consumer left unacknowledged.
   * The group is created on first use, starting at the beginning of the stream.
   * A consumer's own unacknowledged entries are handed back on its first read in this run of the store
   * (not on every read: entries in flight are not handed out twice). Acknowledged entries may be trimmed.
   */
  readGroup<T = unknown>(stream: string, group: string, consumer: string, opts?: ReadGroupOptions): Promise<StreamEntry<T>[]>;
  /** Acknowledge (and allow trimming of) entries. */
  ack(stream: string, group: string, ids: string[]): Promise<void>;
  /** Entries handed out and not yet acknowledged, across consumers. */
  pendingCount(stream: string, group: string): Promise<number>;
  /**
   * What `group` has not acknowledged yet (handed out or not yet read): how many, and the earliest of them
   * (its `deliveries` is left 0). For a backlog's depth and age.
   */
  backlog<T = unknown>(stream: string, group: string): Promise<StreamBacklog<T>>;

  // ---- due-time scheduling (each due member fires on exactly one instance) -----------------------------
  /** Set (or move) `member`'s due time in `queue`; null removes it. */
  schedule(queue: string, member: string, at: number | null): Promise<void>;
  /** Atomically remove and return up to `limit` members due at or before `now`, earliest first. */
  takeDue(queue: string, now: number, limit?: number): Promise<string[]>;
  /** The earliest due time in `queue`, or null when empty. */
  nextDue(queue: string): Promise<number | null>;

  // ---- live notifications between instances (not durable: what must not be lost goes in a stream) ----
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, listener: (message: unknown) => void): () => void;

  // ---- health and life cycle -------------------------------------------------------------------
  /** Reject with StateUnavailable when the backend cannot record now (for a fast 5xx). */
  check(): Promise<void>;
  /** Listen for availability changes (e.g. Redis down → up), for node status. */
  onHealth(listener: (ok: boolean, reason?: string) => void): () => void;
  close(): Promise<void>;
}
