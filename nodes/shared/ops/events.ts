/**
 * The one sink every node records its decisions through (one-line calls): a process-wide OpsLog
 * (lib/ops/log.ts) whose files live in `<Node-RED user dir>/wecom-events/` (WECOM_EVENTS_DIR overrides;
 * WECOM_EVENTS=off, or no user dir as in unit tests, keeps the index in memory only). ws-bridge sets
 * the retention and file size, and reports live gauges (agents online per group, queue length).
 * Recording never throws into a node: a failing disk is reported once with a warning.
 */
import type { NodeAPI, Node } from 'node-red';
import * as path from 'node:path';
import { DEFAULT_MAX_BYTES, DEFAULT_RETENTION_DAYS, OpsLog } from '../../lib/ops/log';
import { runtimeEvents, settingsOf } from '../node-kit';
import type { BridgeInfo, WecomMsg, WecomMeta } from '../../lib/contract/messages';
import { messageKind } from '../../lib/contract/kinds';
import type { Gauges } from '../../lib/ops/metrics';
import type { PumpBacklog } from '../../lib/state/stream-pump';

let log: OpsLog | null = null;
let logKey = '';
let warned = false;
let settings = { retentionDays: DEFAULT_RETENTION_DAYS, maxBytes: DEFAULT_MAX_BYTES };

export type { Gauges } from '../../lib/ops/metrics';
const gaugeSources = new Map<string, () => Gauges>();
type BacklogKind = 'inbox' | 'outbox';
const backlogSources = new Map<string, { kind: BacklogKind; read: () => PumpBacklog | undefined }>();

function dirFor(RED: NodeAPI): string | null {
  if ((process.env.WECOM_EVENTS ?? '').toLowerCase() === 'off') return null;
  if (process.env.WECOM_EVENTS_DIR) return path.resolve(process.env.WECOM_EVENTS_DIR);
  const user = settingsOf(RED).userDir;
  return user ? path.join(user, 'wecom-events') : null;
}

const watched = new WeakSet<object>();
/** Write everything (lines and index) when the flows stop: a deploy or a shutdown. */
function watchStops(RED: NodeAPI): void {
  const events = runtimeEvents(RED);
  if (!events || watched.has(events)) return;
  watched.add(events);
  events.on('flows:stopped', () => {
    try {
      log?.flush(true);
    } catch (err) {
      RED.log.warn(`wecom: events not written (${(err as Error).message})`);
    }
  });
}

/** The shared record (opened on first use, reopened when its directory or settings change). */
export function opsLog(RED: NodeAPI): OpsLog {
  const dir = dirFor(RED);
  const key = `${dir}|${settings.retentionDays}|${settings.maxBytes}`;
  if (!log || key !== logKey) {
    if (log) log.close();
    watchStops(RED);
    const onError = (err: Error) => RED.log.warn(`wecom: events not written to ${dir} (${err.message})`);
    try {
      log = new OpsLog({ dir, ...settings, onError });
    } catch (err) {
      RED.log.warn(`wecom: event record unavailable in ${dir} (${(err as Error).message}); keeping it in memory`);
      log = new OpsLog({ dir: null, ...settings });
    }
    logKey = key;
  }
  return log;
}

/** Retention (days, 0 = keep) and file size (MB) of the record, from ws-bridge's options. */
export function configureOps(RED: NodeAPI, opt: { retentionDays?: number; maxMb?: number }): void {
  const r = opt.retentionDays;
  const m = opt.maxMb;
  settings = {
    retentionDays: typeof r === 'number' && Number.isFinite(r) && r >= 0 ? r : DEFAULT_RETENTION_DAYS,
    maxBytes: typeof m === 'number' && Number.isFinite(m) && m > 0 ? m * 1024 * 1024 : DEFAULT_MAX_BYTES,
  };
  opsLog(RED);
}

/** The conversation of a message (fields set by a function node may be anything: checked). */
const conv = (msg: WecomMsg | undefined) => {
  const w: Partial<WecomMeta> = msg?.wecom ?? {};
  return {
    conversationId: typeof w.conversationId === 'string' ? w.conversationId : typeof msg?.topic === 'string' ? msg.topic : undefined,
    channel: typeof w.channel === 'string' ? w.channel : undefined,
  };
};

/** Record one decision about the conversation of `msg` (may be undefined). Never throws. */
export function opsEvent(RED: NodeAPI, type: string, msg: WecomMsg | undefined, fields: Record<string, unknown> = {}): void {
  try {
    opsLog(RED).record(type, { ...conv(msg), ...fields });
  } catch (err) {
    if (!warned) RED.log.warn(`wecom: could not record an event (${(err as Error).message})`);
    warned = true;
  }
}

const textOf = (p: unknown) => (typeof p === 'string' ? p : undefined);

/** handoff's input: a user message seen for the first time (not the same message back from the bot path). */
export function opsHandoffInput(RED: NodeAPI, m: WecomMsg): void {
  if (messageKind(m) !== 'user' || m.faq !== undefined || m.handoff !== undefined) return;
  const w = m.wecom as WecomMeta;
  if (w.msgType === 'event') return;
  opsEvent(RED, 'message.in', m, { text: textOf(m.payload), msgType: w.msgType });
}

/** handoff's output to the agents: new handoffs (with reason) and closes by timeout or by the user. */
export function opsHandoffOutput(RED: NodeAPI, agentMsgs: WecomMsg[]): void {
  for (const a of agentMsgs) {
    const f = a?.payload as { type?: unknown; reason?: unknown; requeued?: unknown; by?: unknown; text?: unknown } | undefined;
    if (f?.type === 'handoff' && f.requeued !== true) opsEvent(RED, 'handoff', a, { reason: f.reason, text: textOf(f.text) });
    else if (f?.type === 'closed') opsEvent(RED, 'closed', a, { by: f.by, agentId: a.handoff?.agentId });
  }
}

/** ws-bridge's events for handoff: assigned / queued / closed by the agent / transfer / presence. */
export function opsBridgeEvent(RED: NodeAPI, e: BridgeInfo, wecom: WecomMeta | undefined): void {
  const msg: WecomMsg = { wecom, topic: e.conversationId };
  const { event, ...rest } = e;
  if (event === 'assigned') opsEvent(RED, 'assigned', msg, { agentId: rest.agentId, group: rest.group, queuedAt: rest.queuedAt });
  else if (event === 'queued') opsEvent(RED, 'queued', msg, { position: rest.position, group: rest.group, requeued: rest.requeued });
  else if (event === 'closed') opsEvent(RED, 'closed', msg, { by: rest.by, agentId: rest.agentId });
  else if (event === 'transfer' || event === 'transferred') opsEvent(RED, 'transfer', msg, { agentId: rest.agentId ?? rest.from, to: rest.to });
  else if (event === 'presence') opsEvent(RED, 'presence', undefined, { agentsOnline: rest.agentsOnline, queued: rest.queued, groups: rest.groups });
}

/** wecom-out's result (err undefined) or failure: who the message was from and whether WeCom took it. */
export function opsDelivery(RED: NodeAPI, m: WecomMsg, err?: { errcode?: unknown }): void {
  const from = m.bridge?.event === 'reply' || m.agent !== undefined ? 'agent' : m.handoff?.notice ? 'notice' : 'bot';
  const text = textOf(m.payload); // with message.in, the record is the whole transcript
  opsEvent(RED, 'delivery', m, err ? { ok: false, from, errcode: err.errcode, text } : { ok: true, from, text });
}

/** A live source of gauges (ws-bridge's hub), removed when the node closes. */
export function opsGauges(node: Node, read: () => Gauges): void {
  gaugeSources.set(node.id, read);
  node.on('close', () => gaugeSources.delete(node.id));
}

/** A wecom-in's inbox or a wecom-out's outbox backlog (its last reading), removed when the node closes. */
export function opsBacklog(node: Node, kind: BacklogKind, read: () => PumpBacklog | undefined): void {
  backlogSources.set(node.id, { kind, read });
  node.on('close', () => backlogSources.delete(node.id));
}

/** The backlogs of every running wecom-in (or wecom-out): depths and in-flight added up, the longest wait. */
function liveBacklog(kind: BacklogKind): NonNullable<Gauges['backlog']> {
  const out = { depth: 0, oldestSec: 0, inFlight: 0, maxInFlight: 0, inFlightPeak: 0 };
  for (const src of backlogSources.values()) {
    const b = src.kind === kind ? src.read() : undefined;
    if (!b) continue;
    out.depth += b.depth;
    out.oldestSec = Math.max(out.oldestSec, Math.round(b.oldestMs / 1000));
    out.inFlight += b.inFlight;
    out.maxInFlight += b.maxInFlight;
    out.inFlightPeak += b.highWater;
  }
  return out;
}

/** The gauges of every running bridge, added up, and the inboxes' backlog. */
export function liveGauges(): Gauges {
  const out: Gauges = { agentsOnline: 0, queued: 0, groups: {}, backlog: liveBacklog('inbox'), outbox: liveBacklog('outbox') };
  for (const read of gaugeSources.values()) {
    try {
      const g = read();
      out.agentsOnline += g.agentsOnline;
      out.queued += g.queued;
      for (const [k, v] of Object.entries(g.groups)) out.groups[k] = (out.groups[k] ?? 0) + v;
      if (g.aiBudget) out.aiBudget = (out.aiBudget ?? 0) + g.aiBudget;
    } catch {
      /* a closing bridge */
    }
  }
  return out;
}

process.once('exit', () => log?.close());
