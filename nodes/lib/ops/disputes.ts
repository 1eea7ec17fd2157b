/**
 * Disputed answers: a user who replies 不对 / 没用 / 答非所问 / 转人工 (and the like) right after the FAQ bot
 * answered says the answer was wrong. The rollup keeps, per hour, the question, the entry and the answer given,
 * and the reply, for the ops view. Pure: no Node-RED import.
 */
import type { OpsEvent } from './event';
import { normalise } from '../bot/text/normalise';

/** A whole reply (after normalising) that disputes the answer just given. */
const DISPUTE = /^(不对|不是|不是这个|错了|答错了|没用|没有用|没帮助|答非所问|不是我要的|不是我问的|转人工|人工|人工客服|找人工|我要人工)$/;
const PER_HOUR = 50;

export interface Disputed {
  /** The user's question the bot answered. */
  question: string;
  faqId?: string;
  answer?: string;
  /** What the user replied. */
  reply: string;
  ts: number;
  conversationId?: string;
}
/** conversationId → the bot's last answer (until the user's next message decides). */
export type LastAnswer = Map<string, { question: string; faqId?: string; answer?: string }>;

const strip = (s: string) => normalise(s).replace(/[\s\p{P}\p{S}]+/gu, '');

/** Is this reply a dispute of the answer before it? */
export function isDispute(reply: string): boolean {
  return DISPUTE.test(strip(reply));
}

/** Follow one event: remember answers, and record a dispute into `list` (the event's hour). */
export function disputeEvent(list: Disputed[], last: LastAnswer, e: OpsEvent): void {
  const conv = e.conversationId;
  if (!conv) return;
  if (e.type === 'faq.answer' && e.band !== 'smallTalk' && typeof e.faqId === 'string') {
    last.set(conv, { question: String(e.text ?? ''), faqId: e.faqId, answer: typeof e.answer === 'string' ? e.answer : undefined });
    return;
  }
  if (e.type !== 'message.in') return;
  const a = last.get(conv);
  if (!a) return;
  last.delete(conv);
  const reply = String(e.text ?? '');
  if (!isDispute(reply) || list.length >= PER_HOUR) return;
  const d: Disputed = { question: a.question, reply, ts: e.ts, conversationId: conv };
  if (a.faqId) d.faqId = a.faqId;
  if (a.answer) d.answer = a.answer;
  list.push(d);
}
