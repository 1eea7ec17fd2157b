/**
 * The ops view of the whole service on a shared (Redis) state store: while a ws-bridge runs, this instance
 * writes the hours of its event record it changed, and its live gauges, to the store every few seconds
 * (WECOM_OPS_SHARE_MS, default 5000; lib/ops/shared-rollup.ts); the ops API reads the other instances' hours and
 * gauges and merges them with its own. With the memory or local store every number is this instance's, as before.
 */
import type { NodeAPI, Node } from 'node-red';
import { SharedRollup } from '../../lib/ops/shared-rollup';
import type { Rollup } from '../../lib/ops/rollup';
import type { Gauges } from '../../lib/ops/metrics';
import { acquireStore, stateOptions, type StoreHandle } from '../state';
import { onClose, settingsOf } from '../node-kit';
import { liveGauges, opsLog } from './events';

interface Sharing {
  handle: StoreHandle;
  shared: SharedRollup;
  source: string;
  timer: NodeJS.Timeout;
  users: Set<string>;
  /** Stops pairing the other instances' replies. */
  off: () => void;
}
let sharing: Sharing | null = null;
let warned = false;

const periodMs = () => {
  const n = Number(process.env.WECOM_OPS_SHARE_MS);
  return Number.isFinite(n) && n >= 50 ? n : 5000;
};

/** The sharer of the record now open (a record reopened under another source gets a new one). */
function current(RED: NodeAPI, s: Sharing): SharedRollup {
  const log = opsLog(RED);
  if (s.source !== log.source) {
    s.source = log.source;
    s.shared = new SharedRollup(s.handle.store, { source: log.source, retentionDays: log.retentionDays });
  }
  if (!log.rollup.onUnpaired) s.shared.shareUnpaired(log.rollup);
  return s.shared;
}

/** Write what changed since the last time (hours and gauges); a failure is warned about once and retried. */
async function publish(RED: NodeAPI, s: Sharing): Promise<void> {
  try {
    const shared = current(RED, s);
    await shared.publish(opsLog(RED).rollup);
    await shared.publishLive(liveGauges(), periodMs() * 3);
    warned = false;
  } catch (err) {
    if (!warned) RED.log.warn(`wecom: ops numbers not shared with the other instances (${(err as Error).message})`);
    warned = true;
  }
}

/** Share this instance's ops numbers while `node` (a ws-bridge) runs, when the state store is Redis. */
export function shareOps(RED: NodeAPI, node: Node): void {
  if (stateOptions(settingsOf(RED)).kind !== 'redis') return;
  if (!sharing) {
    const handle = acquireStore(RED);
    const log = opsLog(RED);
    const s: Sharing = { handle, source: log.source, shared: new SharedRollup(handle.store, { source: log.source, retentionDays: log.retentionDays }), users: new Set(), timer: setInterval(() => void publish(RED, s), periodMs()), off: () => undefined };
    s.timer.unref();
    // a reply on this instance to an answer given on another is paired there, and the other way round
    s.shared.shareUnpaired(log.rollup);
    s.off = SharedRollup.adoptUnpaired(handle.store, () => ({ source: s.source, rollup: opsLog(RED).rollup }));
    sharing = s;
  }
  const s = sharing;
  s.users.add(node.id);
  onClose(node, async () => {
    s.users.delete(node.id);
    if (s.users.size > 0 || sharing !== s) return;
    sharing = null;
    clearInterval(s.timer);
    s.off();
    await publish(RED, s);
    opsLog(RED).rollup.onUnpaired = undefined;
    await s.handle.release();
  });
}

/**
 * The hours of [from, to) the ops view shows: the whole service's when shared, else this instance's — also when
 * the store cannot be read (Redis down): then `partial`.
 */
export async function opsView(RED: NodeAPI, from: number, to: number): Promise<{ view: Rollup; partial: boolean }> {
  const own = opsLog(RED).rollup;
  if (!sharing) return { view: own, partial: false };
  try {
    return { view: await current(RED, sharing).view(own, from, to), partial: false };
  } catch {
    return { view: own, partial: true };
  }
}

/** Live gauges of the whole service: this instance's and those the others published, added up. */
export async function serviceGauges(RED: NodeAPI): Promise<Gauges> {
  const g = liveGauges();
  if (!sharing) return g;
  const others = await current(RED, sharing)
    .othersLive<Gauges>()
    .catch(() => []); // Redis down: this instance's own
  for (const o of others) {
    g.agentsOnline += o.agentsOnline ?? 0;
    g.queued += o.queued ?? 0;
    for (const [k, v] of Object.entries(o.groups ?? {})) g.groups[k] = (g.groups[k] ?? 0) + v;
    if (o.aiBudget) g.aiBudget = Math.max(g.aiBudget ?? 0, o.aiBudget);
    for (const kind of ['backlog', 'outbox'] as const) {
      const a = g[kind];
      const b = o[kind];
      if (!a || !b) continue;
      // the streams are shared: every instance reads the same depth; what is in flight is each one's own
      a.depth = Math.max(a.depth, b.depth);
      a.oldestSec = Math.max(a.oldestSec, b.oldestSec);
      a.inFlight += b.inFlight;
      a.maxInFlight += b.maxInFlight;
      a.inFlightPeak += b.inFlightPeak;
    }
  }
  return g;
}
