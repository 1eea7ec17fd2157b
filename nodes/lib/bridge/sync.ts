/**
 * What a console needs to show an agent's conversations whole after a reload or from another browser (the
 * `sync` frame): customer, channel, 客服 account, history (with the bridge's own system lines) and the reply
 * budget, all from the hub's record of the conversation — nothing rebuilt from a last frame.
 */
import type { BudgetInfo, ConversationSnapshot, HistoryItem, SyncFrame, SystemLine } from './protocol';
import type { Agent, Conv } from './types';

export function snapshotOf<M>(c: Conv<M>): ConversationSnapshot {
  const o = c.offer;
  const s: ConversationSnapshot = {
    conversationId: c.id,
    channel: o.channel,
    userId: o.userId,
    reason: o.reason,
    status: 'active',
    history: c.history.map((h) => ({ ...h })),
    since: c.assignedAt ?? c.queuedAt,
  };
  if (o.openKfId) s.openKfId = o.openKfId;
  if (o.customer) s.customer = { ...o.customer };
  if (c.group !== undefined) s.group = c.group;
  if (o.budget) s.budget = { ...o.budget };
  if (o.transferredFrom) s.transferredFrom = o.transferredFrom;
  if (o.note) s.note = o.note;
  return s;
}

/** The sync frame for an agent: its conversations, and the last seq they include. */
export function syncFrame<M>(a: Agent, get: (id: string) => Conv<M> | undefined): SyncFrame {
  const conversations: ConversationSnapshot[] = [];
  for (const id of a.convs) {
    const c = get(id);
    if (c && c.agentId === a.id) conversations.push(snapshotOf(c));
  }
  return { type: 'sync', conversations, seq: a.outbox.lastSeq() };
}

/** A system line for a conversation's history. */
export function systemLine(system: SystemLine, ts = Date.now()): HistoryItem {
  return { from: 'system', text: '', ts, system };
}

/** The budget after `n` more replies were sent (the bridge's own count until handoff reports WeCom's). */
export function spend(b: BudgetInfo | undefined, n: number): BudgetInfo | undefined {
  return b ? { ...b, replies: Math.max(0, b.replies - n) } : undefined;
}

/** Why an agent may not reply now (微信客服's budget or window), or null. */
export function budgetProblem(b: BudgetInfo | undefined, now: number): 'window_closed' | 'no_budget' | null {
  if (!b) return null;
  if (b.until <= now) return 'window_closed';
  if (b.replies <= 0) return 'no_budget';
  return null;
}
