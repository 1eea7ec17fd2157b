/**
 * FAQ retrieval for Chinese customer-service messages. Pure: no Node-RED import.
 *
 * Pipeline (query and knowledge base alike):
 *   normalise() → synonym canonicalisation (longest first, e.g. 退钱→退款, 价钱/收费→价格)
 *   → jieba words → stop words dropped (请问, 麻烦, 在吗, 你们, 吗, 了 …)
 *   → terms = content words + Han character bigrams inside runs of content words.
 * Every variant of an entry (its question and each alternate, 标准问 + 相似问) is indexed on its own
 * in an inverted index; term weights are IDF over entries (words count more than bigrams).
 * A variant's score combines how much of the query it explains and how much of itself the query
 * contains (a weighted Dice over IDF weights, so it is normalised by the best possible self-score
 * and lies in 0…1). An entry's score is its best variant, with a small bonus for query terms found
 * in the entry's other variants and answer (a weak field). Earlier query terms weigh a little more,
 * because a message that asks two things is about its first question.
 */
import { normalise } from './text-normalise';
import { wordsOfNormalised } from './tokenise';

export interface FaqEntry {
  id?: string;
  question: string;
  alternates?: string[];
  answer: string;
}

export interface FaqCandidate {
  id: string;
  question: string;
  score: number;
}

export interface FaqResult {
  /** Best entry, or null when the KB is empty or nothing shares a term with the message. */
  best: (FaqCandidate & { answer: string; index: number }) | null;
  /** Top candidates, best first (at most `topK`). */
  candidates: FaqCandidate[];
}

export interface FaqIndexOptions {
  /** Extra or replacing synonyms: variant → canonical (e.g. {"退钱": "退款"}). */
  synonyms?: Record<string, string> | Array<[string, string]>;
  /** Keep the built-in synonym list (default true). */
  builtinSynonyms?: boolean;
  /** Extra stop words. */
  stopWords?: string[];
  /** Scoring constants (advanced; the defaults were chosen on the dev set). */
  tuning?: Partial<typeof DEFAULT_TUNING>;
}

export const DEFAULT_TUNING = {
  /** Weight of a word term vs a character-bigram term. */
  wordWeight: 1,
  bigramWeight: 0.6,
  /** Exponent of query coverage (vs variant coverage) in a variant's score. */
  alpha: 0.55,
  /** Share of the score from query terms found anywhere in the entry's questions. */
  entryBonus: 0.2,
  /** Share of the score from query terms found in the entry's answer. */
  answerBonus: 0.12,
  /** Weight lost by the last query term relative to the first. */
  positionDecay: 0.3,
};

/** Built-in synonyms: variant → canonical term. General customer-service usage, not tied to one KB. */
export const DEFAULT_SYNONYMS: Record<string, string> = {
  // money / price
  '价钱': '价格', '价位': '价格', '收费': '价格', '费用': '价格', '多少钱': '价格', '几多钱': '价格',
  '要钱': '价格', '报价': '价格', '价目': '价格', '售价': '价格', '资费': '价格', '贵不贵': '价格',
  '不要钱': '免费', '不收费': '免费', '不花钱': '免费', '白嫖': '免费',
  // refunds / arrival of money
  '退钱': '退款', '退费': '退款', '钱退': '退款', '退回来': '退款到账', '退回': '退款', '返还': '退款',
  '到帐': '到账', '入账': '到账', '到卡': '到账', '到我卡上': '到账', '没收到钱': '没到账', '没到账': '没到账',
  // goods return / exchange
  '退掉': '退货', '换一个': '换货', '换个': '换货',
  // invoices
  '发漂': '发票', '发标': '发票', '开票': '开发票', '专票': '专用发票', '普票': '普通发票', '税票': '发票',
  // account
  '登陆': '登录', '登入': '登录', '账户': '账号', '帐号': '账号', '帐户': '账号', '用户名': '账号',
  '手机号码': '手机号', '电话号码': '手机号', '验证码': '验证码', '忘了': '忘记', '忘掉': '忘记',
  // coupons
  '优惠卷': '优惠券', '优惠劵': '优惠券', '代金券': '优惠券', '抵用券': '优惠券', '红包': '优惠券',
  // shipping
  '快递费': '运费', '邮费': '运费', '寄件': '发货', '发出': '发货', '寄出': '发货', '发或': '发货',
  '物流': '快递', '包裹': '快递',
  // repairs / warranty
  '质保': '保修', '保修期': '保修', '维修': '报修', '修理': '报修', '修一下': '报修', '坏掉': '坏了', '故障': '坏了',
  // human agent / contact
  '人工客服': '人工', '真人': '人工', '客服电话': '电话', '联系方式': '电话', '热线': '电话',
  // how / when / can
  '如何': '怎么', '怎样': '怎么', '咋': '怎么', '怎么样': '怎么', '怎么弄': '怎么', '怎么办': '怎么',
  '多长时间': '多久', '几天': '多久', '多少天': '多久', '什么时候': '多久', '啥时候': '多久',
  '啥': '什么', '能不能': '可以', '能否': '可以', '可不可以': '可以', '行不行': '可以', '能': '可以',
  '区别': '不同', '不一样': '不同', '差别': '不同', '差异': '不同',
  // misc
  '收银机': '收银设备', '一体机': '收银设备', 'pos机': '收银设备',
  '付钱': '付款', '支付': '付款', '交钱': '付款', '缴费': '付款',
  '取消掉': '取消', '撤销': '取消',
  '软件': '系统',
};

/** Built-in stop words: politeness, particles, pronouns and filler that say nothing about the intent. */
export const DEFAULT_STOP_WORDS: string[] = (
  '请问 请 在 有 有没有 没有 麻烦 麻烦问下 问下 问一下 问问 想问 想问下 在吗 在不在 在么 你好 您好 亲 亲亲 哈喽 hello hi 谢谢 多谢 感谢 ' +
  '你们 您们 我们 咱们 你 您 我 他 她 它 他们 的 地 得 了 吗 嘛 么 呢 啊 呀 吧 哦 噢 嗯 哈 啦 喔 哇 诶 额 呃 ' +
  '一下 下 是 就 都 也 又 还是 这个 那个 这 那 个 一 和 跟 与 及 或 或者 然后 而且 但是 可是 就是 那么 这么 ' +
  '现在 刚刚 刚才 已经 请教 帮 帮忙 帮我 给 让 想 要 需要 得了 好 好的 ok 嗯嗯 呢么 呗 哎 唉 老板 客服 小姐姐'
).split(/\s+/).filter(Boolean);

const HAN = /\p{Script=Han}/u;

/** Prepared text analysis shared by queries and KB entries. */
export class Analyzer {
  private readonly synMap: Map<string, string>;
  private readonly stop: Set<string>;

  constructor(opts: FaqIndexOptions = {}) {
    const map = new Map<string, string>();
    const add = (from: string, to: string) => {
      const f = normalise(from);
      const t = normalise(to);
      if (f && t && f !== t) map.set(f, t);
    };
    if (opts.builtinSynonyms !== false) for (const [f, t] of Object.entries(DEFAULT_SYNONYMS)) add(f, t);
    if (opts.synonyms) {
      const list = Array.isArray(opts.synonyms) ? opts.synonyms : Object.entries(opts.synonyms);
      for (const [f, t] of list) if (typeof f === 'string' && typeof t === 'string') add(f, t);
    }
    this.synMap = map;
    this.stop = new Set(DEFAULT_STOP_WORDS.concat(opts.stopWords ?? []).map((w) => normalise(w)));
  }

  /**
   * normalise, jieba words, then synonyms applied on word boundaries (a span of 1–4 consecutive words
   * whose concatenation is a synonym is replaced by the canonical term's words; longest span first),
   * so 支付 → 付款 never touches 支付宝, and 多少钱 (多少|钱) still becomes 价格.
   */
  canonicalWords(text: string): string[] {
    const ws = wordsOfNormalised(normalise(text));
    if (this.synMap.size === 0) return ws;
    const out: string[] = [];
    for (let i = 0; i < ws.length; ) {
      let done = false;
      for (let L = Math.min(4, ws.length - i); L >= 1 && !done; L--) {
        const key = L === 1 ? ws[i] : ws.slice(i, i + L).join('');
        const to = this.synMap.get(key);
        if (to !== undefined) {
          out.push(...this.canonCut(to));
          i += L;
          done = true;
        }
      }
      if (!done) out.push(ws[i++]);
    }
    return out;
  }

  private readonly cutCache = new Map<string, string[]>();
  private canonCut(t: string): string[] {
    let c = this.cutCache.get(t);
    if (!c) {
      c = wordsOfNormalised(t);
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
      const chars = Array.from(run);
      for (let i = 0; i + 1 < chars.length; i++) {
        if (HAN.test(chars[i]) && HAN.test(chars[i + 1])) out.push({ t: '\u0001' + chars[i] + chars[i + 1], kind: 1, pos: runPos });
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

interface Variant {
  entry: number;
  /** Σ of term weights of this variant (its self-score). */
  self: number;
}


export class FaqIndex {
  readonly entries: Array<FaqEntry & { id: string }>;
  private readonly analyzer: Analyzer;
  private readonly variants: Variant[] = [];
  /** term → variant ids (each at most once). */
  private readonly postings = new Map<string, number[]>();
  /** term → entry ids whose variants contain it (for the entry bonus). */
  private readonly entryPostings = new Map<string, number[]>();
  private readonly answerPostings = new Map<string, number[]>();
  private readonly idf = new Map<string, number>();
  private readonly acc: Float64Array;
  private readonly accQ: Float64Array;
  private readonly accD: Float64Array;

  private readonly k: typeof DEFAULT_TUNING;

  constructor(entries: FaqEntry[], opts: FaqIndexOptions = {}) {
    this.k = { ...DEFAULT_TUNING, ...(opts.tuning ?? {}) };
    const WORD_W = this.k.wordWeight;
    const BIGRAM_W = this.k.bigramWeight;
    this.analyzer = new Analyzer(opts);
    this.entries = validateEntries(entries);
    const N = this.entries.length;
    const variantTerms: Array<Map<string, number>> = [];
    const df = new Map<string, number>();
    this.entries.forEach((e, ei) => {
      const seenEntry = new Set<string>();
      const texts = [e.question, ...(e.alternates ?? [])].filter((t) => typeof t === 'string' && t.trim() !== '');
      for (const text of texts) {
        const tm = new Map<string, number>();
        for (const { t, kind } of this.analyzer.terms(text)) tm.set(t, kind === 0 ? WORD_W : BIGRAM_W);
        if (tm.size === 0) continue;
        const vid = this.variants.length;
        this.variants.push({ entry: ei, self: 0 });
        variantTerms.push(tm);
        for (const t of tm.keys()) {
          push(this.postings, t, vid);
          if (!seenEntry.has(t)) {
            seenEntry.add(t);
            push(this.entryPostings, t, ei);
            df.set(t, (df.get(t) ?? 0) + 1);
          }
        }
      }
      const ans = new Set(this.analyzer.terms(e.answer ?? '').map((x) => x.t));
      for (const t of ans) push(this.answerPostings, t, ei);
    });
    for (const [t, n] of df) this.idf.set(t, Math.log(1 + (N - n + 0.5) / (n + 0.5)));
    variantTerms.forEach((tm, vid) => {
      let s = 0;
      for (const [t, w] of tm) s += w * (this.idf.get(t) ?? 0);
      this.variants[vid].self = s;
    });
    this.acc = new Float64Array(this.variants.length);
    this.accQ = new Float64Array(this.variants.length);
    this.accD = new Float64Array(this.entries.length * 2);
  }

  get size(): number {
    return this.entries.length;
  }

  /** IDF of an unseen term: as rare as a term found once. */
  private idfOf(t: string): number {
    return this.idf.get(t) ?? Math.log(1 + (this.entries.length - 0.5) / 1.5);
  }

  /** Rank entries for a message. */
  search(text: string, topK = 3): FaqResult {
    const { wordWeight: WORD_W, bigramWeight: BIGRAM_W, alpha: ALPHA, entryBonus: ENTRY_BONUS, answerBonus: ANSWER_BONUS } = this.k;
    const terms = this.analyzer.terms(text);
    const qw = new Map<string, number>();
    for (const { t, kind, pos } of terms) {
      // earlier terms weigh a little more (a message asking two things is labelled by the first)
      const w = (kind === 0 ? WORD_W : BIGRAM_W) * (1 - this.k.positionDecay * pos);
      if (!qw.has(t) || qw.get(t)! < w) qw.set(t, w);
    }
    let qSelf = 0;
    for (const [t, w] of qw) qSelf += w * this.idfOf(t);
    if (qSelf === 0 || this.variants.length === 0) return { best: null, candidates: [] };

    const acc = this.acc;
    const nE = this.entries.length;
    const entryAcc = this.accD; // [0,nE): variant-union coverage, [nE,2nE): answer coverage
    const touched: number[] = [];
    const touchedE: number[] = [];
    for (const [t, w] of qw) {
      const idf = this.idfOf(t);
      const list = this.postings.get(t);
      if (list) {
        // doc-side weight: bigram or word, as indexed
        const dw = (t.charCodeAt(0) === 1 ? BIGRAM_W : WORD_W) * idf;
        const qv = w * idf;
        for (const v of list) {
          if (acc[v] === 0) touched.push(v);
          acc[v] += dw;
          this.accQ[v] += qv;
        }
      }
      const el = this.entryPostings.get(t);
      if (el) for (const e of el) {
        if (entryAcc[e] === 0 && entryAcc[nE + e] === 0) touchedE.push(e);
        entryAcc[e] += w * idf;
      }
      const al = this.answerPostings.get(t);
      if (al) for (const e of al) {
        if (entryAcc[e] === 0 && entryAcc[nE + e] === 0) touchedE.push(e);
        entryAcc[nE + e] += w * idf;
      }
    }
    // best variant per entry: query coverage^α × variant coverage^(1-α) (both IDF-weighted, 0…1)
    const best = new Map<number, number>();
    for (const v of touched) {
      const variant = this.variants[v];
      const cd = variant.self > 0 ? Math.min(1, acc[v] / variant.self) : 0;
      const cq = Math.min(1, this.accQ[v] / qSelf);
      acc[v] = 0;
      this.accQ[v] = 0;
      const s = Math.pow(cq, ALPHA) * Math.pow(cd, 1 - ALPHA);
      if (s > (best.get(variant.entry) ?? -1)) best.set(variant.entry, s);
    }
    const scored: Array<{ e: number; s: number }> = [];
    for (const e of touchedE) {
      const cqEntry = Math.min(1, entryAcc[e] / qSelf);
      const cqAns = Math.min(1, entryAcc[nE + e] / qSelf);
      entryAcc[e] = 0;
      entryAcc[nE + e] = 0;
      const core = best.get(e) ?? 0;
      if (core === 0 && cqEntry === 0) continue;
      const s = (1 - ENTRY_BONUS - ANSWER_BONUS) * core + ENTRY_BONUS * cqEntry + ANSWER_BONUS * cqAns;
      scored.push({ e, s });
    }
    scored.sort((a, b) => b.s - a.s || a.e - b.e);
    const candidates = scored.slice(0, Math.max(1, topK)).map(({ e, s }) => ({
      id: this.entries[e].id,
      question: this.entries[e].question,
      score: round(s),
    }));
    if (scored.length === 0) return { best: null, candidates: [] };
    const top = scored[0];
    const entry = this.entries[top.e];
    return { best: { id: entry.id, question: entry.question, answer: entry.answer, score: round(top.s), index: top.e }, candidates };
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function push(m: Map<string, number[]>, k: string, v: number) {
  const l = m.get(k);
  if (l) {
    if (l[l.length - 1] !== v) l.push(v);
  } else m.set(k, [v]);
}

/** Check and normalise KB entries (ids default to "1", "2", …). Throws a TypeError naming the bad entry. */
export function validateEntries(entries: unknown): Array<FaqEntry & { id: string }> {
  if (!Array.isArray(entries)) throw new TypeError('FAQ knowledge base must be an array of {question, answer}');
  return entries.map((raw, i) => {
    const e = raw as FaqEntry;
    if (!e || typeof e !== 'object' || typeof e.question !== 'string' || typeof e.answer !== 'string') {
      throw new TypeError(`FAQ entry ${i + 1}: needs a "question" and an "answer" string`);
    }
    const alternates = Array.isArray(e.alternates)
      ? e.alternates.filter((a) => typeof a === 'string' && a.trim() !== '')
      : typeof e.alternates === 'string'
        ? String(e.alternates).split(/[|\n]/).map((s) => s.trim()).filter(Boolean)
        : [];
    const id = e.id !== undefined && e.id !== null && String(e.id) !== '' ? String(e.id) : String(i + 1);
    return { id, question: e.question, alternates, answer: e.answer };
  });
}
