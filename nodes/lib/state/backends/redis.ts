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
  type Lease,
  type ReadGroupOptions,
  type StateStore,
  type StreamBacklog,
  type StreamEntry,
  type UpdateResult,
} from '../store';
import * as lua from './redis-scripts';

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
  cas: script(lua.CAS),
  incr: script(lua.INCR),
  renew: script(lua.LEASE_RENEW),
  release: script(lua.LEASE_RELEASE),
  takeDue: script(lua.TAKE_DUE),
  readGroup: script(lua.READ_GROUP),
  ack: script(lua.ACK),
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
const DONE = '';

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

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.cmd(() => this.client.get(this.k(key)));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: unknown, opts?: { ttlMs?: number }): Promise<void> {
    if (value === undefined) return this.delete(key);
    const json = JSON.stringify(value);
    await this.cmd(() =>
      opts?.ttlMs !== undefined
        ? this.client.set(this.k(key), json, 'PX', Math.max(1, Math.ceil(opts.ttlMs)))
        : this.client.set(this.k(key), json),
    );
  }

  async delete(key: string): Promise<void> {
    await this.cmd(() => this.client.del(this.k(key)));
  }

  async claim(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const r = await this.cmd(() =>
      this.client.set(this.k(key), JSON.stringify(value ?? null), 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
    );
    return r === 'OK';
  }

  async update<T, R>(key: string, fn: (current: T | undefined) => UpdateResult<T, R>): Promise<R> {
    const k = this.k(key);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const raw = await this.cmd(() => this.client.get(k));
      const current = raw === null ? undefined : (JSON.parse(raw) as T);
      const out = fn(current);
      const del = out.value === undefined;
      if (del && raw === null) return out.result;
      const ttl = out.ttlMs !== undefined ? String(Math.max(1, Math.ceil(out.ttlMs))) : '';
      const args = [raw === null ? '0' : '1', raw ?? '', del ? '1' : '0', del ? '' : JSON.stringify(out.value), ttl];
      const written = await this.run(SCRIPTS.cas, [k], args);
      if (written === 1) return out.result;
      // Someone else wrote in between: read again. Back off a little after a few collisions.
      if (attempt > 3) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
    throw new StateUnavailable(`redis: update of ${key} kept colliding with other writers`);
  }

  async *keys(prefix: string): AsyncIterable<string> {
    const base = this.k('');
    const match = globEscape(base + prefix) + '*';
    let cursor = '0';
    do {
      const [next, batch] = await this.cmd(() => this.client.scan(cursor, 'MATCH', match, 'COUNT', 500));
      cursor = next;
      for (const full of batch) yield full.slice(base.length);
    } while (cursor !== '0');
  }

  // ---- counters --------------------------------------------------------------------------------

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    const r = await this.run(SCRIPTS.incr, [this.k(key)], [String(by), Math.max(1, Math.ceil(ttlMs))]);
    return Number(r);
  }

  // ---- leases ----------------------------------------------------------------------------------

  async lease(name: string, ttlMs: number): Promise<Lease | null> {
    const key = `${this.prefix}l:${name}`;
    const token = `${this.instanceId}#${crypto.randomBytes(6).toString('hex')}`;
    const got = await this.cmd(() => this.client.set(key, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    if (got !== 'OK') return null;
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

  async append(stream: string, value: unknown): Promise<string> {
    const id = await this.cmd(() => this.client.xadd(this.s(stream), '*', 'v', JSON.stringify(value ?? null)));
    return String(id);
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
      flat = (await this.run(SCRIPTS.readGroup, [this.s(stream)], [group, consumer, count, idle, from === DONE ? '' : from])) as unknown[];
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
      await this.run(SCRIPTS.ack, [this.s(stream)], [group, ...ids]);
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
    await this.cmd(() => (at === null ? this.client.zrem(this.z(queue), member) : this.client.zadd(this.z(queue), at, member)));
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
