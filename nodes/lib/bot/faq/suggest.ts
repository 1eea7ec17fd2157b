/**
 * The did-you-mean state machine of faq-lookup, pure: a suggestion (您是不是想问 1/2/3) is remembered per
 * conversation for a while; a numbered reply from the same conversation answers that entry, any other
 * message (or an expired suggestion) clears it. The caller stores the Pending value (a context store).
 */
import { FAQ_SUGGEST_TEXTS } from '../../user-texts';

export interface Pending {
  ids: string[];
  at: number;
}

export type PendingStep =
  /** The message picks suggestion `id`: answer it and clear the pending suggestion. */
  | { action: 'choose'; id: string }
  /** A pending suggestion exists but this message does not pick it (or it expired): clear it, go on. */
  | { action: 'clear' }
  /** Nothing pending. */
  | { action: 'none' };

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** A numbered choice (1, 2, 第2个, 第二条, ② …) as 1…9, or null. */
export function parseChoice(text: string): number | null {
  const s = String(text ?? '').normalize('NFKC').replace(/[\s.。、,，!！?？]+/g, '');
  const m = /^(?:选|选择|第)?([1-9一二两三四五六七八九])(?:个|条|项|号)?(?:吧|呢|吗|啊)?$/.exec(s);
  if (!m) return null;
  return /[1-9]/.test(m[1]) ? Number(m[1]) : CN_DIGITS[m[1]];
}

/** The step for a message, given the conversation's pending suggestion (if any). */
export function stepPending(pending: Pending | undefined | null, text: string, now: number, ttlMs: number): PendingStep {
  if (!pending || !Array.isArray(pending.ids)) return { action: 'none' };
  if (now - pending.at > ttlMs) return { action: 'clear' };
  const n = parseChoice(text);
  const id = n !== null ? pending.ids[n - 1] : undefined;
  return id !== undefined ? { action: 'choose', id } : { action: 'clear' };
}

/** A pending suggestion for candidate ids (at most 3). */
export function makePending(ids: string[], now: number): Pending {
  return { ids: ids.slice(0, 3), at: now };
}

/** The suggestion message: prompt, numbered questions (at most 3), hint (texts: nodes/lib/user-texts.ts). */
export function suggestionText(questions: string[], texts: { prompt: string; hint(choices: number): string } = FAQ_SUGGEST_TEXTS): string {
  const top = questions.slice(0, 3);
  return [texts.prompt, ...top.map((q, i) => `${i + 1}. ${q}`), texts.hint(top.length)].join('\n');
}
