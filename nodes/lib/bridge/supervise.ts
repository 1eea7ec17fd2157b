/**
 * The supervisor's side of the hub (the ops view): what is live — every agent with status and load, every
 * conversation queued or with an agent and how long its user has waited — and the two actions a supervisor
 * takes on a conversation: re-assign it to another agent, or close it (back to the bot).
 */
import { SYSTEM_AGENT, type Conv } from './types';
import type { FrameHost } from './agent-frames';
import type { AgentStatus } from './tool-frames';
import { validAgentId } from './protocol';

export interface LiveAgent {
  id: string;
  online: boolean;
  status: AgentStatus;
  conversations: number;
}
export interface LiveConversation {
  conversationId: string;
  channel: string;
  userId: string;
  group?: string;
  /** null: queued. */
  agentId: string | null;
  /** Queued since, or with its agent since. */
  since: number;
  /** The user's oldest message not yet answered by an agent (absent: nothing waits). */
  waitingSince?: number;
}
export interface LiveView {
  agents: LiveAgent[];
  conversations: LiveConversation[];
}

export type SuperviseAction = { op: 'reassign'; conversationId: string; to: string } | { op: 'close'; conversationId: string };
export type SuperviseResult = { ok: true } | { ok: false; status: 400 | 404 | 409; error: string };

/** Since when the user has waited for an agent: the first user message after the last agent reply. */
function waitingSince<M>(c: Conv<M>): number | undefined {
  let since: number | undefined;
  for (const h of c.history) {
    if (h.from === 'agent') since = undefined;
    else if (h.from === 'user' && since === undefined) since = h.ts;
  }
  return since;
}

export function liveView<M>(h: FrameHost<M>): LiveView {
  const agents: LiveAgent[] = [];
  for (const a of h.agents.values()) {
    if (a.id === SYSTEM_AGENT) continue;
    agents.push({ id: a.id, online: a.sinks.length > 0, status: a.status, conversations: a.convs.size });
  }
  const conversations: LiveConversation[] = [];
  for (const c of h.convs.values()) {
    const lc: LiveConversation = { conversationId: c.id, channel: c.offer.channel, userId: c.offer.userId, agentId: c.agentId, since: c.agentId === null ? c.queuedAt : c.assignedAt ?? c.queuedAt };
    if (c.group !== undefined) lc.group = c.group;
    const w = waitingSince(c);
    if (w !== undefined) lc.waitingSince = w;
    conversations.push(lc);
  }
  agents.sort((x, y) => x.id.localeCompare(y.id));
  conversations.sort((x, y) => x.since - y.since);
  return { agents, conversations };
}

/** Re-assign (to a connected agent, whatever its status or cap: the supervisor decides) or close a conversation. */
export function supervise<M>(h: FrameHost<M>, act: SuperviseAction): SuperviseResult {
  const c = h.convs.get(act.conversationId);
  if (!c) return { ok: false, status: 404, error: 'no such conversation with the bridge' };
  const from = c.agentId !== null ? h.agents.get(c.agentId) : undefined;
  if (act.op === 'close') {
    const agentId = c.agentId ?? 'supervisor';
    if (c.agentId !== null) h.keepClosed(c, c.agentId);
    h.convs.delete(c.id);
    if (from) {
      from.convs.delete(c.id);
      h.deliver(from, { type: 'closed', conversationId: c.id, by: 'supervisor' });
    }
    h.cb.event({ event: 'closed', conversationId: c.id, agentId, by: 'supervisor', agentsOnline: h.agents.online() }, c.meta);
    h.drain();
    return { ok: true };
  }
  const target = h.agents.get(act.to);
  if (!target || target.id === SYSTEM_AGENT || target.sinks.length === 0) return { ok: false, status: 409, error: `agent "${act.to}" is not connected` };
  if (target === from) return { ok: true };
  if (from) {
    from.convs.delete(c.id);
    h.deliver(from, { type: 'closed', conversationId: c.id, by: 'reassigned' });
    c.offer = { ...c.offer, transferredFrom: from.id, reason: 'transfer' };
    delete c.offer.note;
    h.cb.event({ event: 'transferred', conversationId: c.id, from: from.id, to: target.id, agentsOnline: h.agents.online() }, c.meta);
  } else h.convs.dequeue(c.id);
  h.assign(c, target, from !== undefined);
  h.announceQueue();
  return { ok: true };
}

/** POST ops/api/supervise's body: {op:'reassign', conversationId, to} or {op:'close', conversationId}. */
export function superviseRequest(body: unknown): { ok: true; act: SuperviseAction } | { ok: false; error: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const id = b.conversationId;
  if (typeof id !== 'string' || !id || id.length > 512) return { ok: false, error: 'need "conversationId"' };
  if (b.op === 'close') return { ok: true, act: { op: 'close', conversationId: id } };
  if (b.op === 'reassign' && validAgentId(b.to)) return { ok: true, act: { op: 'reassign', conversationId: id, to: b.to } };
  return { ok: false, error: '"op" is "close", or "reassign" with an agent id in "to"' };
}
