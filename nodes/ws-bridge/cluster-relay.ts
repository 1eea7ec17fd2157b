/**
 * ws-bridge on several instances (the Redis state backend): one instance — the leader, holder of a lease —
 * runs the agents' hub; the others pipe agents' WebSocket upgrades to it (so an agent may connect through any
 * instance, no sticky sessions) and hand it their handoff frames through a stream in the state store (in the
 * order they were recorded, nothing lost when the leader changes: the next leader takes over what the last
 * one left unacknowledged). Agent replies leave from the leader's flow, once.
 * The leader publishes where it can be reached (WECOM_INSTANCE_HOST, else its bound address or host name).
 */
import * as net from 'node:net';
import * as os from 'node:os';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Lease, StateStore } from '../lib/state/store';

export interface RelayOptions {
  store: StateStore;
  /** The ws-bridge node id (the same on every instance running the same flow). */
  name: string;
  /** This instance's HTTP address (host, port), or null while unknown. */
  address: () => { host: string; port: number } | null;
  /** Handle one input message (on the leader). */
  handle: (msg: Record<string, unknown>) => void;
  /** Leadership changed (true: this instance now serves agents). */
  onLeader: (leader: boolean) => void;
  onError: (err: Error) => void;
  leaseMs?: number;
}

export interface BridgeRelay {
  readonly leader: boolean;
  /** Pipe an agent's upgrade to the leader; false when this instance is the leader (handle it here). */
  forward(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Record an input message for the leader. */
  submit(msg: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

interface LeaderAddress {
  host: string;
  port: number;
  instanceId: string;
}

const GROUP = 'ws-bridge';

export function startRelay(o: RelayOptions): BridgeRelay {
  const leaseMs = o.leaseMs ?? 10_000;
  const stream = `bridge-in:${o.name}`;
  const addrKey = `bridge-leader:${o.name}`;
  const nudge = `bridge-in:${o.name}`;
  let lease: Lease | null = null;
  let leaderAt: LeaderAddress | null = null;
  let closed = false;
  let draining = false;
  let again = false;

  const hostOf = (a: { host: string; port: number }) => {
    const env = (process.env.WECOM_INSTANCE_HOST ?? '').trim();
    if (env) return env;
    return a.host === '0.0.0.0' || a.host === '::' || a.host === '' ? os.hostname() : a.host;
  };

  const drain = async () => {
    if (!lease || closed) return;
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    try {
      do {
        again = false;
        const batch = await o.store.readGroup<Record<string, unknown>>(stream, GROUP, o.store.instanceId, { count: 200, claimIdleMs: leaseMs });
        for (const e of batch) {
          try {
            o.handle(e.value);
          } catch (err) {
            o.onError(err as Error);
          }
        }
        if (batch.length > 0) await o.store.ack(stream, GROUP, batch.map((e) => e.id));
        if (batch.length === 200) again = true;
      } while (again && lease && !closed);
    } catch (err) {
      o.onError(err as Error);
    } finally {
      draining = false;
    }
  };

  const tick = async () => {
    if (closed) return;
    try {
      if (lease) {
        if (!(await lease.renew(leaseMs))) {
          lease = null;
          o.onLeader(false);
        }
      } else {
        lease = await o.store.lease(`bridge:${o.name}`, leaseMs);
        if (lease) o.onLeader(true);
      }
      const me = o.address();
      if (lease && me) await o.store.set(addrKey, { host: hostOf(me), port: me.port, instanceId: o.store.instanceId } satisfies LeaderAddress, { ttlMs: leaseMs });
      leaderAt = lease ? null : ((await o.store.get<LeaderAddress>(addrKey)) ?? null);
    } catch (err) {
      o.onError(err as Error);
    }
    void drain();
  };
  const timer = setInterval(() => void tick(), Math.max(200, Math.floor(leaseMs / 4)));
  timer.unref();
  const offNudge = o.store.subscribe(nudge, () => void drain());
  void tick();

  return {
    get leader() {
      return lease !== null;
    },
    forward(req, socket, head) {
      if (lease) return false;
      const at = leaderAt;
      if (!at) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return true;
      }
      const up = net.connect({ host: at.host, port: at.port });
      up.once('connect', () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(lines.join('\r\n') + '\r\n\r\n');
        if (head && head.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
      up.on('close', () => socket.destroy());
      socket.on('close', () => up.destroy());
      return true;
    },
    async submit(msg) {
      await o.store.append(stream, msg);
      await o.store.publish(nudge, 1).catch(() => undefined);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      offNudge();
      const l = lease;
      lease = null;
      if (l) await l.release().catch(() => undefined);
    },
  };
}
