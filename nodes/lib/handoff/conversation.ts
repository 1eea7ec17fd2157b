/**
 * One conversation's handoff state, as stored: bot → queued → human → bot.
 * Pure functions only; persistence is in conversation-store.ts, the decisions in handoff-engine.ts.
 */
import type { HistoryItem, From } from '../bridge/protocol';
import type { WecomMeta } from '../contract/wecom-meta';

export type ConvState = 'bot' | 'queued' | 'human';

export interface Conversation {
  id: string;
  state: ConvState;
  /** Agent id while `human` ('wecom' for a native WeCom transfer). */
  agent?: string;
  /** Why it left the bot: keyword, no_answer, repeat_miss, agent_request, … */
  reason?: string;
  /** When the current state began (ms). */
  since: number;
  /** Last user, bot or agent message (ms); the idle timeout counts from here. */
  lastActivity: number;
  /** Consecutive bot misses (reset by a bot answer or a transfer). */
  misses: number;
  transcript: HistoryItem[];
  /** The last msg.wecom of the user, minus raw and replyKey: how notices and agent replies reach the user. */
  wecom?: WecomMeta;
  /** Local date (schedule time zone) the off-hours notice was last sent. */
  offHoursDay?: string;
  /** True when handed to a WeCom 接待人员 via kf/service_state/trans instead of the bridge. */
  native?: boolean;
  /** msgId of the last user message recorded (a message coming back from the bot path is not recorded twice). */
  lastUserMsgId?: string;
  /** The agents' group this conversation was handed to (ws-bridge groups). */
  group?: string;
  /** Queued and told so by the bridge (no agent took it at once): the bot may answer meanwhile. */
  waiting?: boolean;
  /** Asked for a rating after the agent closed: whom it rates, until when an answer counts (rating.ts). */
  rateAgent?: string;
  rateUntil?: number;
  /** The user's last rating (1 非常满意 … 4 不满意) and whom it rated. */
  rating?: { agent: string; score: number; ts: number };
}

export function newConversation(id: string, now: number): Conversation {
  return { id, state: 'bot', since: now, lastActivity: now, misses: 0, transcript: [] };
}

export function record(c: Conversation, from: From, text: string, ts: number, max: number): void {
  keep(c, { from, text, ts }, max);
  c.lastActivity = Math.max(c.lastActivity, ts);
}

/** Keep an item in the transcript without counting it as activity (an agent's note, a transfer line), in time order. */
export function keep(c: Conversation, item: HistoryItem, max: number): void {
  let i = c.transcript.length;
  while (i > 0 && c.transcript[i - 1].ts > item.ts) i--;
  c.transcript.splice(i, 0, item);
  if (c.transcript.length > max) c.transcript.splice(0, c.transcript.length - max);
}

/** A copy of msg.wecom that is safe to store: no raw payload, no passive-reply slot. */
export function storableWecom(w: WecomMeta): WecomMeta {
  const { raw: _raw, replyKey: _rk, inbox: _in, ...rest } = w;
  return { ...rest, raw: {} };
}

export function toBot(c: Conversation, now: number): void {
  c.state = 'bot';
  c.since = now;
  delete c.agent;
  delete c.reason;
  delete c.native;
  c.misses = 0;
}

export function toQueued(c: Conversation, reason: string, now: number): void {
  c.state = 'queued';
  c.reason = reason;
  c.since = now;
  delete c.agent;
  delete c.waiting;
  c.misses = 0;
}

export function toHuman(c: Conversation, agent: string, now: number): void {
  c.state = 'human';
  c.agent = agent;
  c.since = now;
}

/**
 * When this conversation's next timer is due (ms), or null: idle timeout after the last activity
 * (queued or human), queue timeout after entering the queue. Derived only from stored timestamps,
 * so a restart re-arms the same deadlines.
 */
export function nextDeadline(c: Conversation, idleMs: number, queueMs: number): { at: number; kind: 'idle' | 'queue' } | null {
  if (c.state === 'bot') return null;
  let best: { at: number; kind: 'idle' | 'queue' } | null = null;
  if (idleMs > 0) best = { at: c.lastActivity + idleMs, kind: 'idle' };
  if (queueMs > 0 && c.state === 'queued') {
    const q = c.since + queueMs;
    if (!best || q < best.at) best = { at: q, kind: 'queue' };
  }
  return best;
}
