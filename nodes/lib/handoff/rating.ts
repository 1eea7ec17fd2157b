/**
 * Satisfaction rating (满意度) after an agent closes: the closing notice asks for it in the same message (so it
 * costs no extra reply of 微信客服's budget) — a `msgmenu` with 非常满意 / 满意 / 一般 / 不满意 on 微信客服, text
 * with 1–4 in the app — and the user's next message, when it is one of those, is the answer: recorded on the
 * conversation and reported for the ops view, never answered by the bot.
 */
export const RATING_LABELS = ['非常满意', '满意', '一般', '不满意'] as const;
/** How long after the close an answer counts (ms). */
export const RATING_WINDOW_MS = 30 * 60_000;
const PROMPT = '请为本次服务评分：';

/** The closing notice with the rating question: a msgmenu for 微信客服, text with 1–4 for the app. */
export function ratingNotice(closing: string, channel: string | undefined): string | Record<string, unknown> {
  if (channel === 'kf') {
    return {
      msgtype: 'msgmenu',
      msgmenu: {
        head_content: `${closing}\n${PROMPT}`.trim(),
        list: RATING_LABELS.map((content, i) => ({ type: 'click', click: { id: `rate_${i + 1}`, content } })),
      },
    };
  }
  return `${closing}\n${PROMPT}${RATING_LABELS.map((l, i) => `${i + 1} ${l}`).join('，')}（回复数字）`.trim();
}

/** The score (1 非常满意 … 4 不满意) a reply gives, or null when it is no rating. */
export function ratingScore(text: string): number | null {
  const t = text.trim().replace(/[\s。.!！]+$/u, '');
  if (/^[1-4]$/.test(t)) return Number(t);
  const i = (RATING_LABELS as readonly string[]).indexOf(t);
  return i >= 0 ? i + 1 : null;
}
