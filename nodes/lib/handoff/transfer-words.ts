/**
 * Transfer and cancel words of `handoff`, matched with the shared keyword-rule matcher (same modes and
 * exclude patterns as `keyword-match`). Word lists are given as text: one entry per line or comma-separated.
 * An entry written `/pattern/flags` is a regular expression whatever the list's mode, so one list can mix
 * words and rules (the default 客服 rule below is one, visible and editable in the handoff dialog).
 */
import { compileRules, type CompiledRules, type KeywordRule, type MatchMode, MATCH_MODES } from '../bot/keyword/rules';

/**
 * 客服 transfers only as a request for a person — 客服, 找客服, 我要客服, 转客服, 客服呢, 人工客服 — never when
 * the message asks about 客服 (周末有客服吗, 客服几点上班, 客服电话多少: questions the FAQ answers). The whole
 * message must be the request: optional 我/我要/请/帮我 …, optional 找/转/联系/叫 …, 客服, optional 呢/吧/在吗.
 */
export const KF_REQUEST_RULE = '/^(?:我|我要|我想|想|要|请|麻烦|帮我|给我)?(?:找|转|转接|联系|叫|接|要|换)?(?:个|一下|下|一个)?(?:人工|真人)?客服(?:呢|吧|啊|呀|嘛|在吗|在不在|在哪|在哪里|在哪儿|快来)?[\\s!！。.~～…]*$/';
export const DEFAULT_TRANSFER_WORDS = ['人工', '转人工', '人工客服', KF_REQUEST_RULE];
export const DEFAULT_TRANSFER_EXCLUDE = ['不用转人工', '不要转人工', '不需要人工', '不用人工', '客服电话', '客服热线'];
export const DEFAULT_CANCEL_WORDS = ['取消人工', '取消转人工', '不用转人工', '不要转人工', '结束人工', '返回机器人'];

export interface WordListConfig {
  words?: string | string[];
  mode?: string;
  exclude?: string | string[];
}

/** Split a list given as text (new lines or commas; a regex `/…/` entry is kept whole on its line). */
export function splitList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((s) => String(s).trim()).filter(Boolean);
  const out: string[] = [];
  for (const line of v.split(/\r?\n/)) {
    const t = line.trim();
    if (!t) continue;
    if (/^\/.*\/[a-z]*$/.test(t)) out.push(t);
    else out.push(...t.split(/[,，]/).map((s) => s.trim()).filter(Boolean));
  }
  return out;
}

/** Compile one word list into a matcher; null when the list is empty (feature off). Throws RuleError. */
export function compileWordList(cfg: WordListConfig, defaults: { words: string[]; mode: MatchMode; exclude: string[] }): CompiledRules | null {
  const words = splitList(cfg.words) ?? defaults.words;
  if (words.length === 0) return null;
  const mode = (MATCH_MODES as readonly string[]).includes(cfg.mode ?? '') ? (cfg.mode as MatchMode) : defaults.mode;
  const exclude = splitList(cfg.exclude) ?? defaults.exclude;
  const isRule = (w: string) => mode !== 'regex' && /^\/.+\/[a-z]*$/.test(w);
  const rules: KeywordRule[] = [];
  const plain = words.filter((w) => !isRule(w));
  const regexes = words.filter(isRule);
  if (plain.length) rules.push({ keywords: plain, mode, exclude });
  if (regexes.length) rules.push({ keywords: regexes, mode: 'regex', exclude });
  return compileRules(rules);
}

export function matches(rules: CompiledRules | null, text: string): string | null {
  if (!rules || !text) return null;
  const m = rules.match(text);
  return m.length > 0 ? m[0].keyword : null;
}
