/**
 * What runs on the model's answer before anything reaches the customer (a failed check = no answer):
 *  - NO_ANSWER (or an empty reply) → no_answer;
 *  - citations: `[f12]`, `[doc:退款政策#3]` (also 【】) must name material that was given; at least
 *    `minCitations` valid ones; citations of unknown ids make the answer ungrounded;
 *  - facts: every number, price, URL and phone number in the answer must appear in the cited material;
 *  - the customer sees plain text: citations and markdown removed, split at 2048 bytes like wecom-out.
 * Also the optional redaction of phone and ID-card numbers before a message leaves for the model.
 * Pure: no Node-RED import.
 */
import { MAX_TEXT_BYTES, splitUtf8 } from '../wecom/api/text-split';
import { NO_ANSWER, type Material } from './prompt';

const CITE = /[[【]\s*((?:f|doc:)[^\][【】\s]*?)\s*[\]】]/giu;

/** The ids cited in `text`, in order, without repeats. */
export function citations(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CITE)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

/** Markdown a WeCom text message would show as symbols: emphasis, headings, code, links, list bullets. */
export function stripMarkdown(text: string): string {
  return text
    .replace(/```[a-z]*\n?([\s\S]*?)```/gi, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, '$1 $2')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 $2')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '· ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\*)/g, '$1$2')
    .replace(/^\s*([-*_]\s*){3,}$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const FULL_DIGITS = /[０-９]/g;
const halfWidth = (s: string) => s.replace(FULL_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[．]/g, '.');

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'，。）)】\]]+/gi;
const PHONE_RE = /(?<!\d)(?:\d{3,4}[- ]){1,2}\d{4,8}(?!\d)/g;
const NUMBER_RE = /\d+(?:[,，]\d{3})*(?:\.\d+)?/g;

/** Numbers written with Chinese numerals (两百九十九 → 299), so 三十元 cannot slip past the check on 30. */
const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };
const CN_NUM_RE = /(?:[零〇一二两三四五六七八九十百千万]{2,}|[二两三四五六七八九十])(?=元|块|天|年|小时|分钟|周|次|件|折|倍|个月|月|日|岁|台|张|份|%|％)/g;
function cnToNumber(s: string): number | null {
  let total = 0;
  let section = 0;
  let digit = -1;
  for (const ch of s) {
    if (ch in CN_DIGIT) digit = CN_DIGIT[ch];
    else if (ch === '万') {
      total = (total + section + Math.max(0, digit)) * 10000;
      section = 0;
      digit = -1;
    } else if (ch in CN_UNIT) {
      section += (digit < 0 ? 1 : digit) * CN_UNIT[ch];
      digit = -1;
    }
  }
  const n = total + section + Math.max(0, digit);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** The facts of a text the check compares: numbers (as plain digits), URLs (lower case, no trailing slash). */
export function facts(text: string): { numbers: Set<string>; urls: Set<string> } {
  const t = halfWidth(text);
  const urls = new Set<string>();
  const noUrls = t.replace(URL_RE, (u) => (urls.add(u.toLowerCase().replace(/^https?:\/\//, '').replace(/[/.]+$/, '')), ' '));
  const numbers = new Set<string>();
  // a phone number written with separators (400-880-1234, 010 1234 5678) is one number: its digits
  const joined = noUrls.replace(PHONE_RE, (p) => p.replace(/\D/g, ''));
  for (const m of joined.matchAll(NUMBER_RE)) numbers.add(m[0].replace(/[,，]/g, '').replace(/^0+(?=\d)/, ''));
  for (const m of noUrls.matchAll(CN_NUM_RE)) {
    const n = cnToNumber(m[0]);
    if (n !== null) numbers.add(String(n));
  }
  return { numbers, urls };
}

/** Facts in `answer` that the material does not contain (empty = grounded). */
export function unsupportedFacts(answer: string, material: string): string[] {
  const a = facts(answer);
  const m = facts(material);
  const out: string[] = [];
  for (const n of a.numbers) if (!m.numbers.has(n)) out.push(n);
  for (const u of a.urls) if (![...m.urls].some((x) => x === u)) out.push(u);
  return out;
}

export type CheckFailure = 'no_answer' | 'ungrounded';

export interface CheckOptions {
  /** Valid citations an answer needs (default 1; 0 = none needed, the facts are then checked against all material). */
  minCitations?: number;
  /** Longest answer in WeCom messages of 2048 bytes (default 3). */
  maxParts?: number;
}

export type CheckResult =
  | { ok: true; text: string; parts: string[]; cited: string[] }
  | { ok: false; reason: CheckFailure; detail: string; cited: string[] };

/** Check the model's reply against the material it was given. */
export function checkAnswer(reply: string, material: Material[], o: CheckOptions = {}): CheckResult {
  const raw = String(reply ?? '').trim();
  const cited = citations(raw);
  if (!raw || raw.replace(/[\s。.！!]/g, '').toUpperCase() === NO_ANSWER || raw.toUpperCase().includes(NO_ANSWER)) return { ok: false, reason: 'no_answer', detail: 'model', cited };
  const known = new Map(material.map((m) => [m.id, m.text]));
  const unknown = cited.filter((id) => !known.has(id));
  if (unknown.length) return { ok: false, reason: 'ungrounded', detail: 'unknown citation ' + unknown.join(', '), cited };
  const need = o.minCitations ?? 1;
  if (cited.length < need) return { ok: false, reason: 'ungrounded', detail: 'no citation', cited };
  const text = stripMarkdown(raw.replace(CITE, '').replace(/[ \t]+([，。！？,.!?])/g, '$1')).replace(/[ \t]{2,}/g, ' ');
  const source = (cited.length ? cited.map((id) => known.get(id) ?? '') : material.map((m) => m.text)).join('\n');
  const bad = unsupportedFacts(text, source);
  if (bad.length) return { ok: false, reason: 'ungrounded', detail: 'not in the material: ' + bad.join(', '), cited };
  if (!text) return { ok: false, reason: 'no_answer', detail: 'empty', cited };
  const parts = splitUtf8(text, MAX_TEXT_BYTES);
  if (parts.length > (o.maxParts ?? 3)) return { ok: false, reason: 'ungrounded', detail: 'too long', cited };
  return { ok: true, text, parts, cited };
}

/** Mainland mobile numbers and 18-digit ID-card numbers, replaced before a message leaves for the model. */
export function redact(text: string): string {
  return text.replace(/(?<!\d)\d{17}[\dXx](?![\dA-Za-z])/g, '[身份证号]').replace(/(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g, '[手机号]');
}
