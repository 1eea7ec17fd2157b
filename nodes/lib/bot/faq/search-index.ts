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
import { Analyzer, firstClause, type AnalyzerOptions } from './analyser';
import { CharIndex, hanChars } from './chars';
import type { EntryText } from './coverage';

export { Analyzer, firstClause, DEFAULT_SYNONYMS, DEFAULT_STOP_WORDS } from './analyser';
export type { AnalyzerOptions } from './analyser';

export interface FaqEntry {
  id?: string;
  question: string;
  alternates?: string[];
  answer: string;
  /** Questions this entry must never answer (marked wrong in the ops view; bot.ts respects them). */
  never?: string[];
}

import type { FaqCandidate } from '../../contract/outcomes';
export type { FaqCandidate };

/** What the confidence model reads about the best candidate (all 0…1 unless said otherwise). */
export interface FaqFeatures {
  /** Raw score of the best and the runner-up candidate. */
  score: number;
  second: number;
  /** Share of the message's content words (IDF-weighted) found in the best entry's questions. */
  cover: number;
  /** Same, counting the entry's answer too. */
  coverAll: number;
  /** IDF share of the rarest message word the KB knows (in another entry) but the best entry lacks. */
  missing: number;
  /** IDF-weighted share of the message's words the KB never uses (another topic, or noise). */
  unknown: number;
  /** Words the best entry matches and the runner-up does not, minus the reverse (IDF share, -1…1). */
  distinct: number;
  /** Number of content words in the message. */
  words: number;
  /** Number of Han characters + latin words in the message's content. */
  chars: number;
  /** Salient message words the best entry does not cover but the KB uses elsewhere (set by bot.ts; coverage.ts). */
  uncovered?: number;
  /** Salient message words the KB never uses (set by bot.ts). */
  foreign?: number;
  /** Share of the best entry's salient question words the message explains (set by bot.ts; coverage.ts). */
  explained?: number;
}

export interface FaqResult {
  /** Best entry, or null when the KB is empty or nothing shares a term with the message. */
  best: (FaqCandidate & { answer: string; index: number }) | null;
  /** Top candidates, best first (at most `topK`). */
  candidates: FaqCandidate[];
  /** Features of the best candidate for the confidence model (null when there is no candidate). */
  features: FaqFeatures | null;
}

export interface FaqIndexOptions extends AnalyzerOptions {
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
  /**
   * Factor on the score of a multi-clause message's first clause ranked alone (0 = off). 0.6 is the largest
   * value that changes no prediction on faq-eval dev, where many first clauses are context, not the question.
   */
  mainClause: 0.6,
  /** Factor on the character-level score for messages of 2–4 Han characters of content (0 = off). */
  charWeight: 0.4,
};

/** Growable Int32 buffer (index build only). */
class IntBuf {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

export interface FaqSearchOptions {
  /**
   * Very long posting lists (terms in more than 5 % of a large KB, e.g. 怎么 / 可以) are only walked when
   * they can still lift an unseen entry to this score; entries below it reached only through such terms
   * may be left out of the candidates. Default 0.16 (the shipped suggest threshold). Set 0 for an exact
   * top-k. Only terms in more than 200 entries count as long, so KBs up to 200 entries are always exact.
   */
  longListFloor?: number;
}

/** Default longListFloor: the shipped suggest threshold (data.ts DEFAULT_SUGGEST_THRESHOLD). */
export const DEFAULT_LONG_LIST_FLOOR = 0.16;

/**
 * Inverted index over term ids (typed arrays, CSR layout) plus a forward index per variant and per answer.
 * search() generates candidates from the rarest query terms first (MaxScore): it stops as soon as the
 * query terms not yet used cannot lift an unseen entry above the current k-th score (or minScore), and
 * scores each candidate exactly from the forward index, so common terms (怎么, 设置 …) still count for the
 * candidates without their long posting lists being walked.
 */
export class FaqIndex {
  readonly entries: Array<FaqEntry & { id: string }>;
  private readonly analyzer: Analyzer;
  private readonly k: typeof DEFAULT_TUNING;
  /** term → term id (words and '\u0001'-prefixed bigrams; answer-only terms too). */
  private readonly termIds = new Map<string, number>();
  /** Per term: IDF over entries (a term never in a question gets the IDF of a term found once). */
  private idf: Float64Array = new Float64Array(0);
  /** Per term: number of entries whose questions contain it. */
  private df: Int32Array = new Int32Array(0);
  /** term → entries (CSR) whose questions contain it, ascending. */
  private postStart: Int32Array = new Int32Array(1);
  private postEntries: Int32Array = new Int32Array(0);
  /** entry → its variants [entVar[e], entVar[e+1]); variant → its term ids (CSR); variant self-score. */
  private entVar: Int32Array = new Int32Array(1);
  private varStart: Int32Array = new Int32Array(1);
  private varTerms: Int32Array = new Int32Array(0);
  private varSelf: Float64Array = new Float64Array(0);
  /** entry → answer term ids (CSR). */
  private ansStart: Int32Array = new Int32Array(1);
  private ansTerms: Int32Array = new Int32Array(0);
  // per-query scratch, reused (search() is synchronous)
  private qSlot: Int32Array = new Int32Array(0);
  private seen: Int32Array = new Int32Array(0);
  private acc: Float64Array = new Float64Array(0);
  private accF: Float64Array = new Float64Array(0);
  /** Per posting: max over the entry's variants of the term's share of the variant's self-score. */
  private postFrac: Float32Array = new Float32Array(0);
  /** Per term: max over variants containing it of its share of the variant's self-score. */
  private maxFrac: Float64Array = new Float64Array(0);
  private touched: Int32Array = new Int32Array(0);
  private epoch = 0;
  /** Per entry: content words of each question variant (for the character index, built on first use). */
  private varWords: string[][] = [];
  private chars: CharIndex | null = null;

  constructor(entries: FaqEntry[], opts: FaqIndexOptions = {}) {
    this.k = { ...DEFAULT_TUNING, ...(opts.tuning ?? {}) };
    const WORD_W = this.k.wordWeight;
    const BIGRAM_W = this.k.bigramWeight;
    this.analyzer = new Analyzer(opts);
    this.entries = validateEntries(entries);
    const N = this.entries.length;
    const ids = this.termIds;
    const answerIds = new Map<string, Int32Array>();
    const stamp: number[] = []; // per term id: the text it was last seen in (dedupe within a text)
    let stampNow = 0;
    const idOf = (t: string): number => {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
        stamp.push(0);
      }
      return id;
    };
    const dfList: number[] = [];
    const entVar = new Int32Array(N + 1);
    const varStart = new IntBuf();
    const varTerms = new IntBuf();
    const ansStart = new Int32Array(N + 1);
    const ansTerms = new IntBuf();
    const pairsT = new IntBuf(); // (term, entry) pairs for the postings
    let nVar = 0;
    const entrySeen = new Map<number, true>();
    this.entries.forEach((e, ei) => {
      entVar[ei] = nVar;
      entrySeen.clear();
      const texts = [e.question, ...(e.alternates ?? [])];
      const words: string[] = [];
      this.varWords.push(words);
      for (const text of texts) {
        if (typeof text !== 'string' || text.trim() === '') continue;
        const start = varTerms.n;
        stampNow++;
        let content = '';
        for (const { t, kind } of this.analyzer.terms(text)) {
          if (kind === 0) content += t;
          const id = idOf(t);
          if (stamp[id] === stampNow) continue;
          stamp[id] = stampNow;
          varTerms.push(id);
          if (!entrySeen.has(id)) {
            entrySeen.set(id, true);
            pairsT.push(id);
            pairsT.push(ei);
            while (dfList.length <= id) dfList.push(0);
            dfList[id]++;
          }
        }
        words.push(content);
        if (varTerms.n === start) continue;
        varStart.push(start);
        nVar++;
      }
      ansStart[ei] = ansTerms.n;
      // identical answers (common: "请联系客服…") are analysed once per build
      const answer = e.answer ?? '';
      const known = answerIds.get(answer);
      if (known) {
        for (const id of known) ansTerms.push(id);
      } else {
        stampNow++;
        const from = ansTerms.n;
        for (const { t } of this.analyzer.terms(answer)) {
          const id = idOf(t);
          if (stamp[id] === stampNow) continue;
          stamp[id] = stampNow;
          ansTerms.push(id);
        }
        answerIds.set(answer, ansTerms.a.slice(from, ansTerms.n));
      }
    });
    entVar[N] = nVar;
    ansStart[N] = ansTerms.n;
    varStart.push(varTerms.n);
    const T = ids.size;
    const df = new Int32Array(T);
    df.set(dfList.slice(0, T));
    const idf = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const n = Math.max(1, df[t]); // unseen in questions: as rare as a term found once
      idf[t] = Math.log(1 + (N - n + 0.5) / (n + 0.5));
    }
    // postings (CSR) by counting sort over (term, entry) pairs; entries ascend within a term
    const postStart = new Int32Array(T + 1);
    const pairs = pairsT.a;
    const nPairs = pairsT.n;
    for (let i = 0; i < nPairs; i += 2) postStart[pairs[i] + 1]++;
    for (let t = 0; t < T; t++) postStart[t + 1] += postStart[t];
    const fill = postStart.slice(0, T);
    const postEntries = new Int32Array(nPairs / 2);
    for (let i = 0; i < nPairs; i += 2) postEntries[fill[pairs[i]]++] = pairs[i + 1];
    this.varStart = varStart.done();
    this.varTerms = varTerms.done();
    const termNames: string[] = new Array(T);
    for (const [t, id] of ids) termNames[id] = t;
    const varSelf = new Float64Array(nVar);
    for (let v = 0; v < nVar; v++) {
      let sum = 0;
      for (let i = this.varStart[v]; i < this.varStart[v + 1]; i++) {
        const id = this.varTerms[i];
        sum += (termNames[id].charCodeAt(0) === 1 ? BIGRAM_W : WORD_W) * idf[id];
      }
      varSelf[v] = sum;
    }
    // per term: the largest share of a variant's self-score it accounts for (bounds variant coverage)
    const maxFrac = new Float64Array(T);
    for (let v = 0; v < nVar; v++) {
      if (varSelf[v] <= 0) continue;
      for (let i = this.varStart[v]; i < this.varStart[v + 1]; i++) {
        const id = this.varTerms[i];
        const f = ((termNames[id].charCodeAt(0) === 1 ? BIGRAM_W : WORD_W) * idf[id]) / varSelf[v];
        if (f > maxFrac[id]) maxFrac[id] = f;
      }
    }
    this.maxFrac = maxFrac;
    // per posting (term, entry): the largest share of the term in one of the entry's variants
    const postFrac = new Float32Array(postEntries.length);
    const cursor = postStart.slice(0, T);
    for (let e = 0; e < N; e++) {
      // entries ascend within each term's list, so the entry's posting is at the term's cursor
      for (let v = entVar[e]; v < entVar[e + 1]; v++) {
        if (varSelf[v] <= 0) continue;
        for (let i = this.varStart[v]; i < this.varStart[v + 1]; i++) {
          const id = this.varTerms[i];
          const f = ((termNames[id].charCodeAt(0) === 1 ? BIGRAM_W : WORD_W) * idf[id]) / varSelf[v];
          const p = cursor[id];
          if (f > postFrac[p]) postFrac[p] = Math.fround(f) < f ? f * (1 + 1e-6) : f;
        }
      }
      for (let v = entVar[e]; v < entVar[e + 1]; v++) for (let i = this.varStart[v]; i < this.varStart[v + 1]; i++) {
        const id = this.varTerms[i];
        if (postEntries[cursor[id]] === e) cursor[id]++;
      }
    }
    this.postFrac = postFrac;
    this.idf = idf;
    this.df = df;
    this.postStart = postStart;
    this.postEntries = postEntries;
    this.entVar = entVar;
    this.varSelf = varSelf;
    this.ansStart = ansStart;
    this.ansTerms = ansTerms.done();
    this.qSlot = new Int32Array(T).fill(-1);
    this.seen = new Int32Array(N);
    this.acc = new Float64Array(N);
    this.accF = new Float64Array(N);
    this.touched = new Int32Array(N);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The content words of a text as the index sees them (normalised, synonyms applied, stop words dropped). */
  contentWords(text: string): string[] {
    const out: string[] = [];
    for (const { t, kind } of this.analyzer.terms(text)) if (kind === 0) out.push(t);
    return out;
  }

  private readonly texts = new Map<number, EntryText>();
  /** An entry's canonical texts (for faq-coverage.ts), computed on first use. */
  entryText(i: number): EntryText {
    let t = this.texts.get(i);
    if (!t) {
      const e = this.entries[i];
      const canon = (x: string) => this.analyzer.canonicalWords(x).join('');
      t = { own: [e.question, ...(e.alternates ?? [])].map(canon).join('|'), answer: canon(e.answer) };
      this.texts.set(i, t);
    }
    return t;
  }

  /**
   * The KB uses `piece` somewhere (questions, alternates or answers): as a word, or as a run of characters whose
   * adjacent pairs all occur in the KB's content (for words jieba cuts differently in the message).
   */
  knows(piece: string): boolean {
    if (this.termIds.has(piece)) return true;
    const c = Array.from(piece);
    if (c.length < 2) return false;
    for (let i = 0; i + 1 < c.length; i++) if (!this.termIds.has('\u0001' + c[i] + c[i + 1])) return false;
    return true;
  }

  private readonly variantWordsOf = new Map<number, string[][]>();
  /** The content words of each of an entry's question and alternates, computed on first use. */
  variantWords(i: number): string[][] {
    let v = this.variantWordsOf.get(i);
    if (!v) {
      const e = this.entries[i];
      v = [e.question, ...(e.alternates ?? [])].filter((x) => typeof x === 'string' && x.trim() !== '').map((x) => this.contentWords(x));
      this.variantWordsOf.set(i, v);
    }
    return v;
  }

  /** IDF of an unseen term: as rare as a term found once. */
  private idfOf(t: string): number {
    const id = this.termIds.get(t);
    return id !== undefined ? this.idf[id] : Math.log(1 + (this.entries.length - 0.5) / 1.5);
  }

  /** Rank entries for a message. */
  search(text: string, topK = 3, opts: FaqSearchOptions = {}): FaqResult {
    const K = Math.max(1, topK);
    const terms = this.analyzer.terms(text);
    let { e: topE, s: topS } = this.rank(terms, K, opts);
    // A message that asks two things is about its first question: when the message has several clauses,
    // the first clause with content is ranked on its own too, and each entry keeps its better score.
    const first = this.k.mainClause > 0 ? firstClause(text) : null;
    const firstTerms = first !== null ? this.analyzer.terms(first) : [];
    if (firstTerms.length > 0) {
      // only entries whose clause score × mainClause can beat the whole message's k-th score matter
      const kth = topE.length === K ? topS[K - 1] : 0;
      const m = this.rank(firstTerms, K, opts, kth / this.k.mainClause);
      const best = new Map<number, number>();
      topE.forEach((e, i) => best.set(e, topS[i]));
      m.e.forEach((e, i) => {
        const sc = m.s[i] * this.k.mainClause;
        if (sc > (best.get(e) ?? -1)) best.set(e, sc);
      });
      const merged = Array.from(best).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, K);
      topE = merged.map((x) => x[0]);
      topS = merged.map((x) => x[1]);
    }
    // very short messages with a word the KB does not know (a typo, another wording): a character-level
    // match is a second, weaker source of candidates
    const qWords = terms.filter((x) => x.kind === 0).map((x) => x.t);
    const qChars = this.k.charWeight > 0 ? hanChars(qWords.join('')) : [];
    if (qChars.length >= 2 && qChars.length <= 4 && (topE.length === 0 || qWords.some((w) => !this.termIds.has(w)))) {
      this.chars ??= new CharIndex(this.varWords);
      const best = new Map<number, number>();
      topE.forEach((e, i) => best.set(e, topS[i]));
      for (const [e, sc] of this.chars.search(qChars, K)) {
        const v = sc * this.k.charWeight;
        if (v > (best.get(e) ?? -1)) best.set(e, v);
      }
      const merged = Array.from(best).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, K);
      topE = merged.map((x) => x[0]);
      topS = merged.map((x) => x[1]);
    }
    if (topE.length === 0) return { best: null, candidates: [], features: null };
    const candidates = topE.map((e, i) => ({ id: this.entries[e].id, question: this.entries[e].question, score: round(topS[i]) }));
    const entry = this.entries[topE[0]];
    const features = this.features(terms, topE, topS);
    return { best: { id: entry.id, question: entry.question, answer: entry.answer, score: round(topS[0]), index: topE[0] }, candidates, features };
  }

  /**
   * The features of a message for a given order of candidates (entry indices, best first, with their scores):
   * for a decision that prefers a runner-up (bot.ts prefers the candidate that explains the message).
   */
  featuresFor(text: string, order: number[], scores: number[]): FaqFeatures {
    return this.features(this.analyzer.terms(text), order, scores);
  }

  /** Confidence features of the best candidate (words only; bigrams are left to the score). */
  private features(terms: Array<{ t: string; kind: 0 | 1 }>, topE: number[], topS: number[]): FaqFeatures {
    const words = new Map<string, number>();
    let chars = 0;
    for (const { t, kind } of terms) {
      if (kind !== 0 || words.has(t)) continue;
      words.set(t, this.idfOf(t));
      chars += /^[a-z0-9]+$/.test(t) ? 1 : t.length;
    }
    const maxIdf = Math.log(1 + (this.entries.length - 0.5) / 1.5) || 1;
    const inEntry = (e: number, answerToo: boolean): Set<number> => {
      const set = new Set<number>();
      for (let v = this.entVar[e]; v < this.entVar[e + 1]; v++) for (let i = this.varStart[v]; i < this.varStart[v + 1]; i++) set.add(this.varTerms[i]);
      if (answerToo) for (let i = this.ansStart[e]; i < this.ansStart[e + 1]; i++) set.add(this.ansTerms[i]);
      return set;
    };
    const q1 = inEntry(topE[0], false);
    const a1 = inEntry(topE[0], true);
    const q2 = topE.length > 1 ? inEntry(topE[1], false) : new Set<number>();
    let total = 0, cover = 0, coverAll = 0, missing = 0, unknown = 0, d1 = 0, d2 = 0;
    for (const [t, idf] of words) {
      total += idf;
      const id = this.termIds.get(t);
      const in1 = id !== undefined && q1.has(id);
      const in2 = id !== undefined && q2.has(id);
      if (in1) cover += idf;
      if (id === undefined) unknown += idf;
      else if (a1.has(id)) coverAll += idf;
      else missing = Math.max(missing, idf / maxIdf);
      if (in1 && !in2) d1 += idf;
      if (in2 && !in1) d2 += idf;
    }
    const T = total || 1;
    return {
      score: round(topS[0]),
      second: round(topS[1] ?? 0),
      cover: round(cover / T),
      coverAll: round(coverAll / T),
      missing: round(Math.min(1, missing)),
      unknown: round(unknown / T),
      distinct: round((d1 - d2) / T),
      words: words.size,
      chars,
    };
  }

  /** Exact top-k (entry indices, scores) for one text. */
  private rank(terms: Array<{ t: string; kind: 0 | 1; pos: number }>, topK: number, opts: FaqSearchOptions, minScore = 0): { e: number[]; s: number[] } {
    const { wordWeight: WORD_W, bigramWeight: BIGRAM_W, alpha: ALPHA, entryBonus: ENTRY_BONUS, answerBonus: ANSWER_BONUS } = this.k;
    const CORE = 1 - ENTRY_BONUS - ANSWER_BONUS;
    const qw = new Map<string, number>();
    for (const { t, kind, pos } of terms) {
      // earlier terms weigh a little more (a message asking two things is labelled by the first)
      const w = (kind === 0 ? WORD_W : BIGRAM_W) * (1 - this.k.positionDecay * pos);
      if (!qw.has(t) || qw.get(t)! < w) qw.set(t, w);
    }
    let qSelf = 0;
    for (const [t, w] of qw) qSelf += w * this.idfOf(t);
    const N = this.entries.length;
    if (qSelf === 0 || N === 0) return { e: [], s: [] };

    // known query terms: id, query-side weight qv = w·idf, document-side weight dw (word / bigram)·idf
    const qIds: number[] = [];
    const qv: number[] = [];
    const dw: number[] = [];
    let ansMax = 0;
    for (const [t, w] of qw) {
      const id = this.termIds.get(t);
      if (id === undefined) continue;
      const idf = this.idf[id];
      this.qSlot[id] = qIds.length;
      qIds.push(id);
      qv.push(w * idf);
      dw.push((t.charCodeAt(0) === 1 ? BIGRAM_W : WORD_W) * idf);
      ansMax += w * idf;
    }
    const nq = qIds.length;
    const seen = this.seen;
    if (++this.epoch === 0x7fffffff) {
      seen.fill(0);
      this.epoch = 1;
    }
    const ep = this.epoch;
    const K = Math.max(1, topK);
    const topE: number[] = [];
    const topS: number[] = [];
    const mark = new Int32Array(nq);
    let markEp = 0;
    const longFloor = opts.longListFloor ?? DEFAULT_LONG_LIST_FLOOR;
    const longDf = Math.max(200, 0.05 * N);
    const ansBound = ANSWER_BONUS * Math.min(1, ansMax / qSelf);

    const entVar = this.entVar;
    const varStart = this.varStart;
    const varTerms = this.varTerms;
    const varSelf = this.varSelf;
    const qSlot = this.qSlot;
    const ansStart = this.ansStart;
    const ansTerms = this.ansTerms;
    const scoreEntry = (e: number): number => {
      markEp++;
      let core = 0;
      let ce = 0;
      for (let v = entVar[e], ve = entVar[e + 1]; v < ve; v++) {
        let a = 0;
        let q = 0;
        for (let i = varStart[v], ie = varStart[v + 1]; i < ie; i++) {
          const j = qSlot[varTerms[i]];
          if (j < 0) continue;
          a += dw[j];
          q += qv[j];
          if (mark[j] !== markEp) {
            mark[j] = markEp;
            ce += qv[j];
          }
        }
        if (q === 0) continue;
        const self = varSelf[v];
        const cd = self > 0 ? Math.min(1, a / self) : 0;
        const cq = Math.min(1, q / qSelf);
        const s = Math.pow(cq, ALPHA) * Math.pow(cd, 1 - ALPHA);
        if (s > core) core = s;
      }
      const partial = CORE * core + ENTRY_BONUS * Math.min(1, ce / qSelf);
      // the answer can add at most ansBound: skip reading it when the entry cannot enter the top k
      const th = thetaNow();
      if (th > 0 && partial + ansBound < th) return -1;
      let ca = 0;
      for (let i = ansStart[e], ie = ansStart[e + 1]; i < ie; i++) {
        const j = qSlot[ansTerms[i]];
        if (j >= 0) ca += qv[j];
      }
      return partial + ANSWER_BONUS * Math.min(1, ca / qSelf);
    };
    const offer = (e: number, s: number) => {
      if (topE.length === K) {
        const ls = topS[K - 1];
        if (s < ls || (s === ls && e > topE[K - 1])) return;
        topE.pop();
        topS.pop();
      }
      let i = topE.length;
      while (i > 0 && (topS[i - 1] < s || (topS[i - 1] === s && topE[i - 1] > e))) i--;
      topE.splice(i, 0, e);
      topS.splice(i, 0, s);
    };

    // Upper bound of an entry's score when the query terms it can contain weigh `a` (Σ qv) in total.
    const ub = (a: number, f = 1): number => {
      const c = Math.min(1, a / qSelf);
      return CORE * Math.pow(c, ALPHA) * (f >= 1 ? 1 : Math.pow(f, 1 - ALPHA)) + ENTRY_BONUS * c + ansBound;
    };
    // Smallest `a` whose bound reaches theta (bisection; ub is increasing in a).
    const minWeightFor = (theta: number): number => {
      if (theta <= 0 || ub(0) >= theta) return 0;
      let lo = 0;
      let hi = qSelf;
      if (ub(hi) < theta) return Infinity;
      for (let it = 0; it < 40; it++) {
        const mid = (lo + hi) / 2;
        if (ub(mid) >= theta) hi = mid;
        else lo = mid;
      }
      return lo;
    };
    const thetaNow = () => Math.max(minScore, topE.length === K ? topS[K - 1] : 0);

    // 1. accumulate per entry (typed-array adds only) the weight of the query terms its questions contain
    //    (acc) and a bound on how much of one of its variants they cover (accF, from the per-posting
    //    shares); short lists first, so touched[0, nShort) are the entries with at least one rarer term
    const order = Array.from({ length: nq }, (_, j) => j).filter((j) => this.df[qIds[j]] > 0);
    order.sort((a, b) => this.df[qIds[a]] - this.df[qIds[b]] || a - b);
    const acc = this.acc;
    const accF = this.accF;
    const touched = this.touched;
    const postStart = this.postStart;
    const postEntries = this.postEntries;
    const postFrac = this.postFrac;
    // Long lists are walked only when the long terms alone could lift an entry to longFloor; otherwise
    // their weight is added to every bound as slack (slackA, slackF) and their lists are never read.
    let longR = 0;
    let longF = 0;
    for (const j of order) {
      if (this.df[qIds[j]] > longDf) {
        longR += qv[j];
        longF += this.maxFrac[qIds[j]];
      }
    }
    const walkLong = longR > 0 && ub(longR, longF) >= longFloor;
    const slackA = walkLong ? 0 : longR;
    const slackF = walkLong ? 0 : longF;
    let nt = 0;
    let nShort = -1;
    for (const j of order) {
      const id = qIds[j];
      if (nShort < 0 && this.df[id] > longDf) {
        nShort = nt;
        if (!walkLong) break;
      }
      const w = qv[j];
      for (let p = postStart[id], pe = postStart[id + 1]; p < pe; p++) {
        const e = postEntries[p];
        if (acc[e] === 0) touched[nt++] = e;
        acc[e] += w;
        accF[e] += postFrac[p];
      }
    }
    if (nShort < 0) nShort = nt;
    // 2. score exactly, best-covered first: the entries with the most weight set the k-th score, then only
    //    entries whose bound can still reach it are scored. Entries reached only through long lists must
    //    also reach longFloor.
    const P = Math.min(nt, K + 13);
    const pre: number[] = [];
    for (let i = 0; i < nt; i++) {
      const a = acc[touched[i]];
      if (pre.length === P && a <= acc[touched[pre[P - 1]]]) continue;
      let k = pre.length === P ? P - 1 : pre.length;
      if (pre.length === P) pre.pop();
      while (k > 0 && acc[touched[pre[k - 1]]] < a) k--;
      pre.splice(k, 0, i);
    }
    let theta = -1;
    let need = 0;
    let thetaL = -1;
    let needL = 0;
    const check = (i: number) => {
      const e = touched[i];
      const a = acc[e];
      const f = accF[e];
      acc[e] = 0;
      accF[e] = 0;
      if (seen[e] === ep) return;
      seen[e] = ep;
      let th: number;
      let nd: number;
      if (i < nShort) {
        th = thetaNow();
        if (th !== theta) {
          theta = th;
          need = minWeightFor(th) - slackA;
        }
        nd = need;
      } else {
        th = Math.max(thetaNow(), longFloor);
        if (th !== thetaL) {
          thetaL = th;
          needL = minWeightFor(th);
        }
        nd = needL;
      }
      if (a < nd || (th > 0 && ub(a + slackA, f + slackF) < th)) return;
      const s = scoreEntry(e);
      if (s >= 0 && s >= minScore) offer(e, s);
    };
    for (const i of pre) check(i);
    for (let i = 0; i < nt; i++) check(i);
    for (const id of qIds) this.qSlot[id] = -1;
    return { e: topE, s: topS };
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Check and normalise KB entries (ids default to "1", "2", …). Throws a TypeError naming the bad entry. */
export function validateEntries(entries: unknown): Array<FaqEntry & { id: string }> {
  if (!Array.isArray(entries)) throw new TypeError('FAQ knowledge base must be an array of {question, answer}');
  return entries.map((raw, i) => {
    const e = raw as FaqEntry;
    if (!e || typeof e !== 'object' || typeof e.question !== 'string' || typeof e.answer !== 'string') {
      throw new TypeError(`FAQ entry ${i + 1}: needs a "question" and an "answer" string`);
    }
    const alternates = textList(e.alternates);
    const id = e.id !== undefined && e.id !== null && String(e.id) !== '' ? String(e.id) : String(i + 1);
    const never = textList(e.never);
    return { id, question: e.question, alternates, answer: e.answer, ...(never.length ? { never } : {}) };
  });
}

/** A list given as an array of strings or as one string separated by | or new lines. */
function textList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((a): a is string => typeof a === 'string' && a.trim() !== '');
  return typeof v === 'string' ? v.split(/[|\n]/).map((s) => s.trim()).filter(Boolean) : [];
}
