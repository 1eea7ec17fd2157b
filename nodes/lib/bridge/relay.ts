/**
 * ws-bridge on several instances (a shared StateStore, e.g. Redis): one instance — the leader, holder of a
 * lease — runs the agents' hub; the others hand it their input messages through a stream in the store (in the
 * order they were recorded, nothing lost when the leader changes: the next leader takes over what the last one
 * left unacknowledged) and send agents' upgrades to the address it publishes (WECOM_INSTANCE_HOST, else its
 * bound address or host name). Sockets are the adapter's (nodes/ws-bridge/cluster-relay.ts); this is the
 * leadership and the stream, over the StateStore only.
 */
import * as os from 'node:os';
import type { Lease, StateStore } from '../state/store';

export interface LeaderAddress {
  host: string;
  port: number;
  instanceId: string;
}

export interface RelayCoreOptions {
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
  /** WECOM_INSTANCE_HOST: the host other instances reach this one at. */
  instanceHost?: string;
}

export interface RelayCore {
  readonly leader: boolean;
  /** Where the leader is, as last read (null when this instance leads or none is known). */
  leaderAt(): LeaderAddress | null;
  /** Record an input message for the leader. */
  submit(msg: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const GROUP = 'ws-bridge';
const BATCH = 200;

/** The host name others reach an instance at: the configured one, else the bound address (the host name for a wildcard). */
export function leaderHost(a: { host: string }, instanceHost = ''): string {
  if (instanceHost.trim()) return instanceHost.trim();
  return a.host === '0.0.0.0' || a.host === '::' || a.host === '' ? os.hostname() : a.host;
}

export function startRelayCore(o: RelayCoreOptions): RelayCore {
  const leaseMs = o.leaseMs ?? 10_000;
  const stream = `bridge-in:${o.name}`;
  const addrKey = `bridge-leader:${o.name}`;
  const nudge = `bridge-in:${o.name}`;
  let lease: Lease | null = null;
  let leaderAt: LeaderAddress | null = null;
  let closed = false;
  let draining = false;
  let again = false;

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
        const batch = await o.store.readGroup<Record<string, unknown>>(stream, GROUP, o.store.instanceId, { count: BATCH, claimIdleMs: leaseMs });
        for (const e of batch) {
          try {
            o.handle(e.value);
          } catch (err) {
            o.onError(err as Error);
          }
        }
        if (batch.length > 0) await o.store.ack(stream, GROUP, batch.map((e) => e.id));
        if (batch.length === BATCH) again = true;
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
      if (lease && me) await o.store.set(addrKey, { host: leaderHost(me, o.instanceHost), port: me.port, instanceId: o.store.instanceId } satisfies LeaderAddress, { ttlMs: leaseMs });
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
    leaderAt: () => leaderAt,
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
