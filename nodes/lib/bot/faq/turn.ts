/**
 * One message through faq-lookup, pure of Node-RED: the conversation's pending did-you-mean first (a numbered
 * reply picks that entry, suggest.ts), else the bot's decision (bot.ts), a suggestion being remembered
 * for the conversation; then what the node sends: the output, the payload, msg.faq and the event it records.
 */
import type { FaqBot, FaqDecision } from './bot';
import { makePending, stepPending, suggestionText, type Pending } from './suggest';
import type { AsyncKV } from '../../state/backends/context-store';
import type { FaqInfo, WecomMsg } from '../../contract/messages';

/** Outputs of faq-lookup. */
export const FAQ_ANSWER = 0;
export const FAQ_SUGGEST = 1;
export const FAQ_MISS = 2;

export interface FaqTurn {
  port: typeof FAQ_ANSWER | typeof FAQ_SUGGEST | typeof FAQ_MISS;
  /** The new msg.payload (an answer, a small-talk reply or the suggestion), undefined to leave it. */
  payload?: string;
  faq: FaqInfo;
  /** The ops event recorded for the message (nodes/lib/ops/event.ts). */
  event: { type: 'faq.answer' | 'faq.suggest' | 'faq.miss'; fields: Record<string, unknown> };
}

/** Where a conversation's pending suggestion is kept: by msg.wecom.conversationId, else msg.topic; null = none. */
export function pendingKey(msg: WecomMsg): string | null {
  const conv = (msg.wecom && typeof msg.wecom === 'object' && msg.wecom.conversationId) || msg.topic;
  return conv ? 'faq-pending:' + String(conv) : null;
}

/** The decision for a text in a conversation (`key` from pendingKey), keeping its did-you-mean state in `kv`. */
export async function faqDecide(bot: FaqBot, kv: AsyncKV, key: string | null, text: string, ttlMs: number, now: () => number = Date.now): Promise<FaqDecision> {
  if (key) {
    const step = stepPending(await kv.get<Pending>(key), text, now(), ttlMs);
    if (step.action !== 'none') await kv.set(key, undefined);
    const index = step.action === 'choose' ? bot.index.entries.findIndex((e) => e.id === step.id) : -1;
    if (index >= 0) {
      const e = bot.index.entries[index];
      return { kind: 'answer', index, score: 1, confidence: 1, candidates: [{ id: e.id, question: e.question, score: 1 }] };
    }
  }
  const d = await bot.decide(text);
  if (d.kind === 'suggest' && key) await kv.set(key, makePending(d.candidates.map((c) => c.id), now()));
  return d;
}

/** What the node sends for a decision (`text`: the user's message, for the event). */
export function faqTurn(bot: FaqBot, d: FaqDecision, text: string): FaqTurn {
  const e = d.index !== undefined ? bot.index.entries[d.index] : null;
  // a suggestion picked by its number is an answer with score and confidence 1
  const band = d.kind === 'answer' && d.score === 1 && d.confidence === 1 ? 'picked' : d.kind;
  const type = d.kind === 'answer' ? 'faq.answer' : d.kind === 'suggest' ? 'faq.suggest' : d.kind === 'smallTalk' && d.reply ? 'faq.answer' : 'faq.miss';
  // the answer given is kept (cut) for the ops view's disputed answers
  const answer = d.kind === 'answer' && e ? e.answer.slice(0, 300) : undefined;
  const event = { type, fields: { faqId: e?.id, faqIds: d.candidates.map((c) => c.id), score: d.score, confidence: d.confidence, band, text, answer } } as const;
  const faq: FaqInfo = {
    id: e ? e.id : null,
    question: e ? e.question : null,
    score: d.score,
    confidence: d.confidence,
    candidates: d.candidates,
    ...(d.smallTalk ? { smallTalk: d.smallTalk } : {}),
    ...(d.reranked ? { reranked: true } : {}),
    ...(d.uncovered && d.uncovered.length ? { uncovered: d.uncovered } : {}),
  };
  if (d.kind === 'smallTalk') return d.reply ? { port: FAQ_ANSWER, payload: d.reply, faq, event } : { port: FAQ_MISS, faq, event };
  if (d.kind === 'answer' && e) return { port: FAQ_ANSWER, payload: e.answer, faq, event };
  if (d.kind === 'suggest') return { port: FAQ_SUGGEST, payload: suggestionText(d.candidates.map((c) => c.question)), faq, event };
  return { port: FAQ_MISS, faq, event };
}
