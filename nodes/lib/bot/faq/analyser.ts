/**
 * Text analysis for the FAQ index: normalise, synonym canonicalisation on word boundaries (longest
 * first, e.g. 退钱→退款, 价钱/收费→价格), jieba words, stop words dropped, and the terms the index
 * stores (content words + Han character bigrams inside runs of content words). Pure: no Node-RED import.
 */
import { normalise } from '../text/normalise';
import { wordsOfNormalised } from '../text/tokenise';
import { DEFAULT_SYNONYMS, FAQ_TRAD_MAP } from './synonyms';

export interface AnalyzerOptions {
  /** Extra or replacing synonyms: variant → canonical (e.g. {"退钱": "退款"}). */
  synonyms?: Record<string, string> | Array<[string, string]>;
  /** Keep the built-in synonym list (default true). */
  builtinSynonyms?: boolean;
  /** Extra stop words. */
  stopWords?: string[];
}

/**
 * The first clause of a message with several (split at sentence punctuation, or at whitespace next to a
 * CJK character), or null when the message is one clause.
 */
export function firstClause(text: string): string | null {
  const parts = String(text ?? '')
    .split(/[。？！?!；;，,、…~～\n]+|(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])/u)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts.length >= 2 ? parts[0] : null;
}

export { DEFAULT_SYNONYMS } from './synonyms';

/** Built-in stop words: politeness, particles, pronouns and filler that say nothing about the intent. */
export const DEFAULT_STOP_WORDS: string[] = (
  '请问 请 在 有 有没有 没有 麻烦 麻烦问下 问下 问一下 问问 想问 想问下 在吗 在不在 在么 你好 您好 亲 亲亲 哈喽 hello hi 谢谢 多谢 感谢 ' +
  '你们 您们 我们 咱们 你 您 我 他 她 它 他们 的 地 得 了 吗 嘛 么 呢 啊 呀 吧 哦 噢 嗯 哈 啦 喔 哇 诶 额 呃 ' +
  '一下 下 是 就 都 也 又 还是 这个 那个 这 那 个 一 和 跟 与 及 或 或者 然后 而且 但是 可是 就是 那么 这么 ' +
  '现在 刚刚 刚才 已经 请教 帮 帮忙 帮我 给 让 想 要 需要 得了 好 好的 ok 嗯嗯 呢么 呗 哎 唉 老板 客服 小姐姐'
).split(/\s+/).filter(Boolean);

const FAQ_TRAD_CLASS = `[${Array.from(FAQ_TRAD_MAP.keys()).join('')}]`;
const FAQ_TRAD_RE = new RegExp(FAQ_TRAD_CLASS, 'gu');
const FAQ_TRAD_TEST = new RegExp(FAQ_TRAD_CLASS, 'u');
/** normalise() plus the FAQ's extra traditional → simplified characters. */
export function faqNormalise(text: string): string {
  const n = normalise(text);
  return FAQ_TRAD_TEST.test(n) ? n.replace(FAQ_TRAD_RE, (c) => FAQ_TRAD_MAP.get(c) ?? c) : n;
}

const HAN = /\p{Script=Han}/u;
/** Han test per BMP code unit, filled lazily from the regex (0 unknown, 1 no, 2 yes). */
const HAN_BMP = new Uint8Array(65536);
function isHan(c: number, ch: string): boolean {
  if (ch.length > 1) return HAN.test(ch);
  let v = HAN_BMP[c];
  if (v === 0) v = HAN_BMP[c] = HAN.test(ch) ? 2 : 1;
  return v === 2;
}

/** Prepared text analysis shared by queries and KB entries. */
export class Analyzer {
  private readonly synMap: Map<string, string>;
  private readonly synMaxLen: number;
  private readonly stop: Set<string>;

  constructor(opts: AnalyzerOptions = {}) {
    const map = new Map<string, string>();
    const add = (from: string, to: string) => {
      const f = faqNormalise(from);
      const t = faqNormalise(to);
      if (f && t && f !== t) map.set(f, t);
    };
    if (opts.builtinSynonyms !== false) for (const [f, t] of Object.entries(DEFAULT_SYNONYMS)) add(f, t);
    if (opts.synonyms) {
      const list = Array.isArray(opts.synonyms) ? opts.synonyms : Object.entries(opts.synonyms);
      for (const [f, t] of list) if (typeof f === 'string' && typeof t === 'string') add(f, t);
    }
    this.synMap = map;
    let maxLen = 0;
    for (const k of map.keys()) maxLen = Math.max(maxLen, k.length);
    this.synMaxLen = maxLen;
    this.stop = new Set(DEFAULT_STOP_WORDS.concat(opts.stopWords ?? []).map((w) => normalise(w)));
  }

  /**
   * normalise, jieba words, then synonyms applied on word boundaries (a span of 1–4 consecutive words
   * whose concatenation is a synonym is replaced by the canonical term's words; longest span first),
   * so 支付 → 付款 never touches 支付宝, and 多少钱 (多少|钱) still becomes 价格.
   */
  canonicalWords(text: string): string[] {
    return this.canonOf(wordsOfNormalised(faqNormalise(text)), 0);
  }

  private canonOf(ws: string[], depth: number): string[] {
    if (this.synMap.size === 0) return ws;
    const out: string[] = [];
    const maxLen = this.synMaxLen;
    const keys: string[] = ['', '', '', ''];
    for (let i = 0; i < ws.length; ) {
      // candidate keys: 1–4 consecutive words, no longer than the longest synonym
      let n = 0;
      let k = '';
      for (let L = 1; L <= 4 && i + L <= ws.length; L++) {
        k += ws[i + L - 1];
        if (k.length > maxLen) break;
        keys[n++] = k;
      }
      let done = false;
      for (let L = n; L >= 1; L--) {
        const to = this.synMap.get(keys[L - 1]);
        if (to !== undefined) {
          for (const w of this.canonCut(to, depth)) out.push(w);
          i += L;
          done = true;
          break;
        }
      }
      if (!done) out.push(ws[i++]);
    }
    return out;
  }

  private readonly cutCache = new Map<string, string[]>();
  /** The canonical term's words, themselves canonicalised (chains resolve; at most 3 levels, no cycles). */
  private canonCut(t: string, depth: number): string[] {
    let c = this.cutCache.get(t);
    if (!c) {
      c = wordsOfNormalised(t);
      if (depth < 3) {
        const again = this.canonOf(c, depth + 1);
        if (again.join('') !== t) c = again;
      }
      this.cutCache.set(t, c);
    }
    return c;
  }

  /** Content terms in order of appearance: words (kind 0) then bigrams inside runs of content words (kind 1). */
  terms(text: string): Array<{ t: string; kind: 0 | 1; pos: number }> {
    const ws = this.canonicalWords(text);
    const out: Array<{ t: string; kind: 0 | 1; pos: number }> = [];
    let run = '';
    let runPos = 0;
    const flush = () => {
      // bigrams of adjacent Han characters (code points) in the run
      let prev = '';
      let prevHan = false;
      for (let i = 0; i < run.length; ) {
        const c = run.charCodeAt(i);
        const d = i + 1 < run.length ? run.charCodeAt(i + 1) : 0;
        const w = c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
        const ch = w === 1 ? run[i] : run.slice(i, i + 2);
        const han = isHan(c, ch);
        if (han && prevHan) out.push({ t: '\u0001' + prev + ch, kind: 1, pos: runPos });
        prev = ch;
        prevHan = han;
        i += w;
      }
      run = '';
    };
    ws.forEach((w, i) => {
      if (this.stop.has(w)) {
        flush();
        return;
      }
      if (run === '') runPos = i / Math.max(1, ws.length);
      out.push({ t: w, kind: 0, pos: i / Math.max(1, ws.length) });
      run += w;
    });
    flush();
    return out;
  }
}
