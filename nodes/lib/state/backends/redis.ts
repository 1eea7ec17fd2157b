/**
 * The Redis backend of the state layer: several Node-RED instances on one Redis share every record, lease,
 * stream and timer (see store.ts for the contract).
 *
 * Layout under the key prefix P (default `wecom:`; give each app sharing a Redis its own):
 *   P k:<key>     records and counters (JSON strings; counters are plain numbers)
 *   P l:<name>    leases (value = owner token)
 *   P s:<stream>  streams (field `v` = JSON), consumer groups per reader
 *   P z:<queue>   schedules (sorted sets scored by due time)
 *   P c:<channel> pub/sub channels
 *
 * Redis down: there is no offline queue — a command issued while disconnected rejects at once with
 * StateUnavailable (callers answer 5xx and WeCom re-sends); the client reconnects in the background and
 * service resumes by itself. onHealth reports both edges.
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import Redis, { type RedisOptions } from 'ioredis';
import {
  StateUnavailable,
  type AppendOptions,
  type Lease,
  type ReadGroupOptions,
  type StateStore,
  type StreamBacklog,
  type StreamEntry,
  type UpdateResult,
} from '../store';
import * as lua from './redis-scripts';
import { RedisBatch, type BatchArg, type BatchOp } from './redis-batch';

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  url: string;
  /** Prefix of every key and channel, so several apps can share one Redis. Default `wecom:`. */
  prefix?: string;
  /** This instance's id (consumer name, lease owner). Default: a random one per process. */
  instanceId?: string;
  /** A command without a reply for this long fails with StateUnavailable. Default 5000 ms. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts. Default 1000 ms. */
  maxReconnectDelayMs?: number;
  /** Commands issued before the first connection wait this long for it. Default 5000 ms. */
  startWaitMs?: number;
}

type Script = { sha: string; body: string };

function script(body: string): Script {
  return { body, sha: crypto.createHash('sha1').update(body).digest('hex') };
}

const SCRIPTS = {
  batch: script(lua.BATCH),
  renew: script(lua.LEASE_RENEW),
  release: script(lua.LEASE_RELEASE),
  takeDue: script(lua.TAKE_DUE),
  backlog: script(lua.BACKLOG),
};

/** Escape glob characters for SCAN MATCH. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}

/** The password in a redis URL never goes into an error text. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid redis url)';
  }
}

/**
 * A stable instance id for this host and Node-RED user dir: a restarted instance is the same consumer again
 * and hands out its own unacknowledged stream entries first. Override with WECOM_INSTANCE_ID.
 */
export function redisInstanceId(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.WECOM_INSTANCE_ID) return env.WECOM_INSTANCE_ID;
  const where = crypto.createHash('sha1').update(dir || process.cwd()).digest('hex').slice(0, 8);
  return `${os.hostname()}-${where}`;
}

const UPDATE_ATTEMPTS = 200;
/** Keys SCAN looks at per call: a sweep of a store of a few thousand keys is one round trip, not ten. */
const SCAN_COUNT = 5000;
const DONE = '';
/** Records whose last value this store knows (it wrote or read it), kept to guess the value an update starts from. */
const KNOWN_MAX = 1000;
/** Longer values are not kept (a conversation with a long transcript). */
const KNOWN_MAX_CHARS = 2048;

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  readonly instanceId: string;
  readonly prefix: string;
  private readonly client: Redis;
  private sub: Redis | null = null;
  private readonly options: RedisOptions;
  private readonly listeners = new Map<string, Set<(m: unknown) => void>>();
  private readonly subscribing = new Set<Promise<unknown>>();
  private readonly health = new Set<(ok: boolean, reason?: string) => void>();
  private healthy = false;
  private lastReason = 'connecting';
  private closed = false;
  private everReady = false;
  private readonly startDeadline: number;
  /** stream\0group\0consumer → where handing out its own unacknowledged entries again has got to. */
  private readonly replay = new Map<string, string>();
  /** The single-key operations of this event-loop turn, sent as one call. */
  private readonly batch: RedisBatch;
  /** Full key → the raw value this store last wrote or saw (null: absent), most recent last; see update(). */
  private readonly known = new Map<string, string | null>();

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.prefix ?? 'wecom:';
    this.instanceId = opts.instanceId || `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const maxDelay = opts.maxReconnectDelayMs ?? 1000;
    this.startDeadline = Date.now() + (opts.startWaitMs ?? 5000);
    this.options = {
      // Fail fast while Redis is away: nothing waits in a client-side queue that a crash would lose.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs ?? 5000,
      connectTimeout: 3000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
      protocol: 2,
      lazyConnect: false,
    };
    this.client = new Redis(opts.url, { ...this.options, connectionName: `wecom-${this.instanceId}` });
    this.client.on('ready', () => {
      this.everReady = true;
      this.setHealth(true);
    });
    this.client.on('error', (err: Error) => this.setHealth(false, `redis: ${err.message}`));
    this.client.on('close', () => this.setHealth(false, 'redis: connection closed'));
    this.client.on('end', () => this.setHealth(false, 'redis: connection ended'));
    this.url = opts.url;
    this.batch = new RedisBatch(
      (keys, argv) => this.run(SCRIPTS.batch, keys, argv),
      (message) => this.wrap(new Error(message)),
    );
  }

  /** BATCH calls sent and the operations they carried (for the bench). */
  get batches(): { calls: number; ops: number } {
    return this.batch.sent;
  }

  private readonly url: string;

  private setHealth(ok: boolean, reason?: string): void {
    if (!ok && reason) this.lastReason = reason.replace(this.url, redactUrl(this.url));
    if (ok === this.healthy) return;
    this.healthy = ok;
    for (const l of this.health) {
      try {
        l(ok, ok ? undefined : this.lastReason);
      } catch {
        /* a listener's bug is not ours */
      }
    }
  }

  /** Resolves once connected (or rejects with StateUnavailable after timeoutMs). For start-up and tests. */
  async ready(timeoutMs = 10000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.client.off('ready', ok);
        reject(new StateUnavailable(`redis not reachable at ${redactUrl(this.url)}: ${this.lastReason}`));
      }, timeoutMs);
      const ok = () => {
        clearTimeout(t);
        resolve();
      };
      this.client.once('ready', ok);
    });
  }

  private k(key: string): string {
    return `${this.prefix}k:${key}`;
  }

  private wrap(err: unknown): StateUnavailable {
    if (err instanceof StateUnavailable) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new StateUnavailable(`redis: ${msg.replace(this.url, redactUrl(this.url))}`, err);
  }

  private async cmd<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StateUnavailable('redis store closed');
    // What this turn queued goes out first: commands reach Redis in the order they were asked for.
    this.batch.flush();
    // Right after start-up, wait for the first connection (briefly) instead of failing the nodes' first reads.
    if (!this.everReady) {
      const left = this.startDeadline - Date.now();
      if (left > 0) await this.ready(left);
    }
    try {
      return await run();
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** EVALSHA, loading the script on NOSCRIPT (first use, or after Redis restarted). */
  private async run(s: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.cmd(async () => {
      try {
        return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (err instanceof Error && /NOSCRIPT/.test(err.message)) {
          return await this.client.eval(s.body, keys.length, ...keys, ...args);
        }
        throw err;
      }
    });
  }

  // ---- records ---------------------------------------------------------------------------------

  /** One single-key operation, sent with the others of this turn (redis-batch.ts). */
  private op<T>(op: BatchOp, key: string, args: BatchArg[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new StateUnavailable('redis store closed'));
    return this.batch.op<T>(op, key, args);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.op<string | null>('get', this.k(key));
    return raw === null || raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: unknown, opts?: { ttlMs?: number }): Promise<void> {
    if (value === undefined) return this.delete(key);
    const k = this.k(key);
    const json = JSON.stringify(value);
    await this.op('set', k, [json, opts?.ttlMs !== undefined ? Math.max(1, Math.ceil(opts.ttlMs)) : '']);
    this.remember(k, json);
  }

  async delete(key: string): Promise<void> {
    const k = this.k(key);
    await this.op('del', k);
    this.remember(k, null);
  }

  async claim(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    return (await this.op('claim', this.k(key), [JSON.stringify(value ?? null), Math.max(1, Math.ceil(ttlMs))])) === 1;
  }

  /**
   * A compare-and-set that starts from the value this store last knew of the record (or absent): no read first
   * when that is still the value; when it is not, the refused write hands back the current value to start again.
   */
  async update<T, R>(key: string, fn: (current: T | undefined) => UpdateResult<T, R>): Promise<R> {
    const k = this.k(key);
    let raw = this.known.get(k) ?? null;
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const out = fn(raw === null ? undefined : (JSON.parse(raw) as T));
      const del = out.value === undefined;
      const json = del ? '' : JSON.stringify(out.value);
      const ttl = out.ttlMs !== undefined ? String(Math.max(1, Math.ceil(out.ttlMs))) : '';
      const r = await this.op<1 | [string | null | undefined]>('cas', k, [raw === null ? '0' : '1', raw ?? '', del ? '1' : '0', json, ttl]);
      if (r === 1) {
        this.remember(k, del ? null : json);
        return out.result;
      }
      // Someone else wrote in between (or the guess was stale): start from what is there now.
      raw = r[0] ?? null;
      if (attempt > 3) await new Promise((res) => setTimeout(res, Math.random() * Math.min(50, attempt * 2)));
    }
    throw new StateUnavailable(`redis: update of ${key} kept colliding with other writers`);
  }

  /** Keep (or forget, when too long) the value this store just wrote. */
  private remember(k: string, raw: string | null): void {
    this.known.delete(k);
    if (raw !== null && raw.length > KNOWN_MAX_CHARS) return;
    this.known.set(k, raw);
    if (this.known.size > KNOWN_MAX) this.known.delete(this.known.keys().next().value as string);
  }

  async *keys(prefix: string): AsyncIterable<string> {
    const base = this.k('');
    const match = globEscape(base + prefix) + '*';
    let cursor = '0';
    do {
      const [next, batch] = await this.cmd(() => this.client.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT));
      cursor = next;
      for (const full of batch) yield full.slice(base.length);
    } while (cursor !== '0');
  }

  // ---- counters --------------------------------------------------------------------------------

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    const k = this.k(key);
    this.known.delete(k);
    return Number(await this.op('incr', k, [String(by), Math.max(1, Math.ceil(ttlMs))]));
  }

  // ---- leases ----------------------------------------------------------------------------------

  async lease(name: string, ttlMs: number): Promise<Lease | null> {
    const key = `${this.prefix}l:${name}`;
    const token = `${this.instanceId}#${crypto.randomBytes(6).toString('hex')}`;
    if ((await this.op('claim', key, [token, Math.max(1, Math.ceil(ttlMs))])) !== 1) return null;
    const store = this;
    let released = false;
    return {
      name,
      owner: this.instanceId,
      async renew(t?: number): Promise<boolean> {
        if (released) return false;
        const r = await store.run(SCRIPTS.renew, [key], [token, Math.max(1, Math.ceil(t ?? ttlMs))]);
        return r === 1;
      },
      async release(): Promise<void> {
        if (released) return;
        released = true;
        await store.run(SCRIPTS.release, [key], [token]);
      },
    };
  }

  // ---- streams ---------------------------------------------------------------------------------

  private s(stream: string): string {
    return `${this.prefix}s:${stream}`;
  }

  async append(stream: string, value: unknown, opts?: AppendOptions): Promise<string> {
    const args: BatchArg[] = [JSON.stringify(value ?? null)];
    const ack = opts?.ack;
    if (ack && ack.ids.length > 0) args.push({ key: this.s(ack.stream) }, ack.group, ...ack.ids);
    return String(await this.op('xadd', this.s(stream), args));
  }

  async readGroup<T = unknown>(
    stream: string,
    group: string,
    consumer: string,
    opts?: ReadGroupOptions,
  ): Promise<StreamEntry<T>[]> {
    const count = Math.max(1, Math.floor(opts?.count ?? 100));
    const idle = Math.max(0, Math.floor(opts?.claimIdleMs ?? 0));
    // Own unacknowledged entries are handed out again once per process (this store object): after a restart.
    // `replay` maps stream/group/consumer to how far that has got (DONE once finished).
    const mine = `${stream}\0${group}\0${consumer}`;
    const from = this.replay.get(mine) ?? '-';
    if (from !== DONE) this.replay.set(mine, DONE); // concurrent reads do not replay the same entries twice
    let flat: unknown[];
    try {
      flat = await this.op<unknown[]>('read', this.s(stream), [group, consumer, count, idle, from === DONE ? '' : from]);
    } catch (err) {
      if (from !== DONE) this.replay.set(mine, from);
      throw err;
    }
    const own = Number(flat[0]);
    if (from !== DONE && own >= count) this.replay.set(mine, String(flat[1])); // more may be left: go on next time
    const out: StreamEntry<T>[] = [];
    for (let i = 2; i + 2 < flat.length; i += 3) {
      out.push({ id: String(flat[i]), deliveries: Number(flat[i + 1]), value: JSON.parse(String(flat[i + 2])) as T });
    }
    return out;
  }

  async ack(stream: string, group: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.op('ack', this.s(stream), [group, ...ids]);
    } catch (err) {
      // Acknowledging in a group or stream that does not exist (any more) has nothing to do.
      if (err instanceof StateUnavailable && /NOGROUP|no such key/i.test(err.message)) return;
      throw err;
    }
  }

  async pendingCount(stream: string, group: string): Promise<number> {
    try {
      const r = (await this.cmd(() => this.client.xpending(this.s(stream), group))) as unknown[];
      return Number(r[0]) || 0;
    } catch (err) {
      if (err instanceof StateUnavailable && /NOGROUP|no such key/i.test(err.message)) return 0;
      throw err;
    }
  }

  async backlog<T = unknown>(stream: string, group: string): Promise<StreamBacklog<T>> {
    const r = (await this.run(SCRIPTS.backlog, [this.s(stream)], [group])) as unknown[];
    const depth = Number(r[0]) || 0;
    if (r.length < 3) return { depth };
    return { depth, oldest: { id: String(r[1]), value: JSON.parse(String(r[2])) as T, deliveries: 0 } };
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private z(queue: string): string {
    return `${this.prefix}z:${queue}`;
  }

  async schedule(queue: string, member: string, at: number | null): Promise<void> {
    await (at === null ? this.op('zrem', this.z(queue), [member]) : this.op('zadd', this.z(queue), [at, member]));
  }

  async takeDue(queue: string, now: number, limit = 100): Promise<string[]> {
    const r = await this.run(SCRIPTS.takeDue, [this.z(queue)], [now, Math.max(1, Math.floor(limit))]);
    return (r as unknown[]).map(String);
  }

  async nextDue(queue: string): Promise<number | null> {
    const r = await this.cmd(() => this.client.zrange(this.z(queue), '0', '0', 'WITHSCORES'));
    return r.length >= 2 ? Number(r[1]) : null;
  }

  // ---- pub/sub ---------------------------------------------------------------------------------

  private c(channel: string): string {
    return `${this.prefix}c:${channel}`;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    // A publish after a subscribe of this process reaches it: wait (briefly) for subscriptions in flight.
    if (this.subscribing.size > 0) await this.subscriptionsSettled(1000);
    await this.cmd(() => this.client.publish(this.c(channel), JSON.stringify(message ?? null)));
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    // Subscriptions may wait for a connection: ioredis re-subscribes after every reconnect.
    const sub = new Redis(this.url, {
      ...this.options,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: `wecom-${this.instanceId}-sub`,
    });
    sub.on('error', () => {
      /* the main connection reports health */
    });
    sub.on('message', (full: string, raw: string) => {
      const set = this.listeners.get(full.slice(this.c('').length));
      if (!set) return;
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      for (const l of [...set]) {
        try {
          l(msg);
        } catch {
          /* a listener's bug is not ours */
        }
      }
    });
    this.sub = sub;
    return sub;
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    if (this.closed) return () => {};
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      const p: Promise<unknown> = this.subscriber()
        .subscribe(this.c(channel))
        .catch(() => undefined)
        .finally(() => this.subscribing.delete(p));
      this.subscribing.add(p);
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(channel);
      if (!s || !s.delete(listener) || s.size > 0) return;
      this.listeners.delete(channel);
      this.sub?.unsubscribe(this.c(channel)).catch(() => {});
    };
  }

  /** Resolves once every subscription so far is active on the server (or after timeoutMs). */
  async subscriptionsSettled(timeoutMs = 5000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.subscribing]),
      new Promise((r) => {
        t = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(t);
  }

  // ---- health ----------------------------------------------------------------------------------

  async check(): Promise<void> {
    if (this.closed) throw new StateUnavailable('redis store closed');
    if (this.client.status !== 'ready') {
      throw new StateUnavailable(`redis unavailable (${this.client.status}): ${this.lastReason}`);
    }
  }

  onHealth(listener: (ok: boolean, reason?: string) => void): () => void {
    this.health.add(listener);
    return () => {
      this.health.delete(listener);
    };
  }

  /** Whether the connection is ready now (no round trip). */
  get ok(): boolean {
    return this.client.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.batch.flush(); // what was asked for before close still goes out
    this.closed = true;
    this.listeners.clear();
    const quit = async (c: Redis | null) => {
      if (!c) return;
      try {
        if (c.status === 'ready') await c.quit();
        else c.disconnect();
      } catch {
        c.disconnect();
      }
    };
    await Promise.all([quit(this.client), quit(this.sub)]);
    this.health.clear();
  }
}
