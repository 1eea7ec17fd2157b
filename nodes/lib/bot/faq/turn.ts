/**
 * One message through faq-lookup, pure of Node-RED: the conversation's pending did-you-mean first (a numbered
 * reply or a menu tap picks that entry, "none of these" asks for a person; suggest.ts, kept in the state store by
 * pending.ts), else the bot's decision (bot.ts), a suggestion being remembered for the conversation; then what the
 * node sends: the output, the payload (numbered text, or a msgmenu on 微信客服), msg.faq, msg.handoff and the event.
 */
import type { FaqBot, FaqDecision } from './bot';
import { makePending, suggestionMenu, suggestionText } from './suggest';
import type { PendingSuggestions } from './pending';
import type { FaqChoice, FaqInfo, HandoffTag, KfMenuPayload, WecomMsg } from '../../contract/messages';

/** Outputs of faq-lookup. */
export const FAQ_ANSWER = 0;
export const FAQ_SUGGEST = 1;
export const FAQ_MISS = 2;

/** msg.handoff.reason when a customer tapped "none of these". */
export const FAQ_DECLINED = 'faq_declined';

export interface FaqTurn {
  port: typeof FAQ_ANSWER | typeof FAQ_SUGGEST | typeof FAQ_MISS;
  /** The new msg.payload (an answer, a small-talk reply or the suggestion), undefined to leave it. */
  payload?: string | KfMenuPayload;
  faq: FaqInfo;
  /** Set as msg.handoff: "none of these" asks handoff for a person. */
  handoff?: HandoffTag;
  /** The ops event recorded for the message (nodes/lib/ops/event.ts). */
  event: { type: 'faq.answer' | 'faq.suggest' | 'faq.miss'; fields: Record<string, unknown> };
}

/** A message as faq-lookup decides it. */
export interface FaqAsk {
  text: string;
  /** Where the conversation's pending suggestion is kept (pendingKey), null = none. */
  key: string | null;
  /** 微信客服 menu tap (msg.wecom.menuId). */
  menuId?: string;
  /** The message's id (msg.wecom.msgId). */
  msgId?: string;
  /** 'kf': the suggestion is sent as a msgmenu. */
  channel?: string;
}

/** The decision for a message, with how it answered a did-you-mean and the offer a suggestion was sent as. */
export interface FaqDecided {
  d: FaqDecision;
  choice?: FaqChoice;
  /** A suggestion: the offer its menu item ids name. */
  offer?: string;
  /** "None of these": the question the suggestion was for. */
  asked?: string;
}

/** Where a conversation's pending suggestion is kept: by msg.wecom.conversationId, else msg.topic; null = none. */
export function pendingKey(msg: WecomMsg): string | null {
  const conv = (msg.wecom && typeof msg.wecom === 'object' && msg.wecom.conversationId) || msg.topic;
  return conv ? 'faq-pending:' + String(conv) : null;
}

/** What faq-lookup reads of a message; events (enter_session, …) leave the pending suggestion alone. */
export function faqAsk(msg: WecomMsg, text: string): FaqAsk {
  const w = msg.wecom && typeof msg.wecom === 'object' ? msg.wecom : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return { text, key: w?.msgType === 'event' ? null : pendingKey(msg), menuId: str(w?.menuId), msgId: str(w?.msgId), channel: str(w?.channel) };
}

const nothing = (): FaqDecision => ({ kind: 'miss', confidence: 0, score: 0, candidates: [] });

/** The decision for a message, keeping the conversation's did-you-mean in `pending`. */
export async function faqDecide(bot: FaqBot, pending: PendingSuggestions, ask: FaqAsk): Promise<FaqDecided> {
  const step = await pending.step(ask.key, ask);
  if (step.action === 'decline') return { d: nothing(), choice: 'none', asked: step.asked };
  if (step.action === 'choose') {
    const index = bot.index.entries.findIndex((e) => e.id === step.id);
    const e = bot.index.entries[index];
    // a suggestion picked is an answer with score and confidence 1; an entry gone from the KB since: a new question
    if (e) return { d: { kind: 'answer', index, score: 1, confidence: 1, candidates: [{ id: e.id, question: e.question, score: 1 }] }, choice: step.via };
  }
  const d = await bot.decide(ask.text);
  const choice = step.action === 'stale' ? 'stale' : undefined;
  if (d.kind !== 'suggest' || !ask.key) return { d, choice };
  const now = pending.now();
  const p = makePending(d.candidates.map((c) => c.id), now, ask.msgId ?? `${ask.key}:${now}`, ask.text);
  await pending.offer(ask.key, p);
  return { d, choice, offer: p.offer };
}

/** What the node sends for a decision (`text`: the user's message, for the event; `channel` 'kf' sends a menu). */
export function faqTurn(bot: FaqBot, r: FaqDecided, text: string, channel?: string): FaqTurn {
  const { d, choice } = r;
  const e = d.index !== undefined ? bot.index.entries[d.index] : null;
  const picked = choice === 'number' || choice === 'menu';
  const band = picked && d.kind === 'answer' ? 'picked' : choice === 'none' ? 'declined' : d.kind;
  const type = d.kind === 'answer' ? 'faq.answer' : d.kind === 'suggest' ? 'faq.suggest' : d.kind === 'smallTalk' && d.reply ? 'faq.answer' : 'faq.miss';
  // the answer given is kept (cut) for the ops view's disputed answers
  const answer = d.kind === 'answer' && e ? e.answer.slice(0, 300) : undefined;
  const asked = choice === 'none' && r.asked ? r.asked : text;
  const event = { type, fields: { faqId: e?.id, faqIds: d.candidates.map((c) => c.id), score: d.score, confidence: d.confidence, band, text: asked, answer } } as const;
  const faq: FaqInfo = {
    id: e ? e.id : null,
    question: e ? e.question : null,
    score: d.score,
    confidence: d.confidence,
    candidates: d.candidates,
    ...(choice ? { choice } : {}),
    ...(d.smallTalk ? { smallTalk: d.smallTalk } : {}),
    ...(d.reranked ? { reranked: true } : {}),
    ...(d.uncovered && d.uncovered.length ? { uncovered: d.uncovered } : {}),
  };
  if (choice === 'none') return { port: FAQ_MISS, faq, handoff: { action: 'transfer', reason: FAQ_DECLINED }, event };
  if (d.kind === 'smallTalk') return d.reply ? { port: FAQ_ANSWER, payload: d.reply, faq, event } : { port: FAQ_MISS, faq, event };
  if (d.kind === 'answer' && e) return { port: FAQ_ANSWER, payload: e.answer, faq, event };
  if (d.kind === 'suggest') {
    const questions = d.candidates.map((c) => c.question);
    const payload = channel === 'kf' && r.offer ? suggestionMenu(questions, r.offer) : suggestionText(questions);
    return { port: FAQ_SUGGEST, payload, faq, event };
  }
  return { port: FAQ_MISS, faq, event };
}
