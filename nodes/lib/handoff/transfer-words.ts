/**
 * Transfer and cancel words of `handoff`, matched with the shared keyword-rule matcher (same modes and
 * exclude patterns as `keyword-match`). Word lists are given as text: one entry per line or comma-separated.
 */
import { compileRules, type CompiledRules, type MatchMode, MATCH_MODES } from '../bot/keyword/rules';

export const DEFAULT_TRANSFER_WORDS = ['人工', '客服', '转人工', '人工客服'];
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
  return compileRules([{ keywords: words, mode, exclude }]);
}

export function matches(rules: CompiledRules | null, text: string): string | null {
  if (!rules || !text) return null;
  const m = rules.match(text);
  return m.length > 0 ? m[0].keyword : null;
}
