/**
 * The did-you-mean state machine of faq-lookup, pure: a suggestion (您是不是想问 1/2/3) is remembered per
 * conversation for a while; a numbered reply — or, on 微信客服, a tap on the suggestion's menu item — from the same
 * conversation answers that entry, a tap on "none of these" asks for a person, any other message (or an expired
 * suggestion) clears it. The caller keeps the Pending value in the state store (pending.ts).
 *
 * A pending suggestion is used once: the message that answers (or clears) it is written into it (`by`), so that
 * message, emitted again after a crash, gets the same step, and no later message picks from it.
 */
import { createHash } from 'node:crypto';
import { FAQ_SUGGEST_TEXTS } from '../../user-texts';
import { faqMenuId, parseFaqMenuId, KF_MENU_MAX, type KfMenuPayload } from '../../contract/outcomes';

export interface Pending {
  /** The suggested entries' ids, in the order shown (1, 2, 3). */
  ids: string[];
  /** When it was offered (ms). */
  at: number;
  /** Names this offer in its menu item ids (faqMenuId): a tap on an older menu is stale. */
  offer?: string;
  /** The question the suggestion answered (for the event of a "none of these"). */
  q?: string;
  /** The message that used it (its msgId), once used. */
  by?: string;
}

/** One message as the did-you-mean sees it. */
export interface PendingInput {
  text: string;
  /** 微信客服: the tapped menu item's id (msg.wecom.menuId). */
  menuId?: string;
  /** The message's id (msg.wecom.msgId), to recognise it when it is emitted again. */
  msgId?: string;
}

export type PendingStep =
  /** The message picks suggestion `id` (by its number or its menu item): answer it. */
  | { action: 'choose'; id: string; via: 'number' | 'menu' }
  /** "None of these" was tapped: hand the conversation to a person (`asked`: the question, when known). */
  | { action: 'decline'; asked?: string }
  /** A tap on a suggestion of a menu that is not open any more: its text is a new question. */
  | { action: 'stale' }
  /** A suggestion is open but this message does not pick it: it is used up, go on. */
  | { action: 'clear' }
  /** Nothing open. */
  | { action: 'none' };

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** A numbered choice (1, 2, 第2个, 第二条, ② …) as 1…9, or null. */
export function parseChoice(text: string): number | null {
  const s = String(text ?? '').normalize('NFKC').replace(/[\s.。、,，!！?？]+/g, '');
  const m = /^(?:选|选择|第)?([1-9一二两三四五六七八九])(?:个|条|项|号)?(?:吧|呢|吗|啊)?$/.exec(s);
  if (!m) return null;
  return /[1-9]/.test(m[1]) ? Number(m[1]) : CN_DIGITS[m[1]];
}

/** Whether `pending` can still be answered by message `msgId`: not expired, not used by another message. */
export function isOpen(pending: Pending | undefined | null, now: number, ttlMs: number, msgId?: string): pending is Pending {
  if (!pending || !Array.isArray(pending.ids) || now - pending.at > ttlMs) return false;
  return pending.by === undefined || (msgId !== undefined && msgId !== '' && pending.by === msgId);
}

/** The step for a message, given the conversation's pending suggestion (if any). */
export function stepPending(pending: Pending | undefined | null, input: PendingInput, now: number, ttlMs: number): PendingStep {
  const open = isOpen(pending, now, ttlMs, input.msgId) ? pending : null;
  const tap = parseFaqMenuId(input.menuId);
  if (tap) {
    const mine = open !== null && open.offer !== undefined && open.offer === tap.offer;
    if (tap.n === 0) return { action: 'decline', ...(mine && open.q ? { asked: open.q } : {}) };
    const id = mine ? open.ids[tap.n - 1] : undefined;
    return id !== undefined ? { action: 'choose', id, via: 'menu' } : { action: 'stale' };
  }
  if (!open) return { action: 'none' };
  const n = parseChoice(input.text);
  const id = n !== null ? open.ids[n - 1] : undefined;
  return id !== undefined ? { action: 'choose', id, via: 'number' } : { action: 'clear' };
}

/** A pending suggestion for candidate ids (at most 3), its offer named by `seed` (the message's id). */
export function makePending(ids: string[], now: number, seed?: string, q?: string): Pending {
  const p: Pending = { ids: ids.slice(0, 3), at: now };
  if (seed) p.offer = offerName(seed);
  if (q) p.q = q.slice(0, 300);
  return p;
}

/** A short name for an offer, the same for the same message (a message emitted again sends the same menu). */
export function offerName(seed: string): string {
  return createHash('sha1').update(seed).digest('hex').slice(0, 10);
}

/** The suggestion message: prompt, numbered questions (at most 3), hint (texts: nodes/lib/user-texts.ts). */
export function suggestionText(questions: string[], texts: { prompt: string; hint(choices: number): string } = FAQ_SUGGEST_TEXTS): string {
  const top = questions.slice(0, 3);
  return [texts.prompt, ...top.map((q, i) => `${i + 1}. ${q}`), texts.hint(top.length)].join('\n');
}

/** An item's text: WeCom shows a short line, so a long question is cut. */
const MENU_ITEM_CHARS = 60;
const itemText = (q: string) => ([...q].length > MENU_ITEM_CHARS ? [...q].slice(0, MENU_ITEM_CHARS - 1).join('') + '…' : q);

/**
 * The suggestion as a 微信客服 menu: the prompt, one click item per question (at most 3, ids faq_<offer>_1…), a last
 * item "none of these" (faq_<offer>_0) and the tail; never more than WeCom's 10 items.
 */
export function suggestionMenu(questions: string[], offer: string, texts: { prompt: string; none: string; menuTail: string } = FAQ_SUGGEST_TEXTS): KfMenuPayload {
  const top = questions.slice(0, Math.min(3, KF_MENU_MAX - 1));
  const item = (id: string, content: string) => ({ type: 'click' as const, click: { id, content } });
  return {
    msgtype: 'msgmenu',
    msgmenu: {
      head_content: texts.prompt,
      list: [...top.map((q, i) => item(faqMenuId(offer, i + 1), itemText(q))), item(faqMenuId(offer, 0), texts.none)],
      tail_content: texts.menuTail,
    },
  };
}
