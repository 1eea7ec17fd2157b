/**
 * The FAQ decision for one message, pure of Node-RED: small talk first (its own reply, never an FAQ entry),
 * then lexical retrieval (search-index.ts), the confidence model (confidence.ts) and, when configured and
 * the lexical answer is not certain, semantic re-ranking of the top candidates (rerank.ts).
 * Outcome: answer / suggest (您是不是想问) / miss, or smallTalk.
 */
import { FaqIndex, validateEntries, type FaqCandidate, type FaqEntry, type FaqFeatures } from './search-index';
import { num, parseSynonyms } from './data';
import { confidence, DEFAULT_CONFIDENCE, type ConfidenceModel } from './confidence';
import { SmallTalk, DEFAULT_SMALL_TALK_REPLIES, SMALL_TALK_KINDS, parseSmallTalk, type SmallTalkKind } from './smalltalk';
import type { EmbeddingReranker } from './rerank';
import { explain, explainedShare, isSalient, knownBy, type Explanation } from './coverage';

export interface FaqDecision {
  kind: 'answer' | 'suggest' | 'miss' | 'smallTalk';
  /** Entry index answered (kind answer). */
  index?: number;
  /** Confidence of the best candidate (0…1). */
  confidence: number;
  /** Raw lexical score of the best candidate. */
  score: number;
  candidates: FaqCandidate[];
  smallTalk?: SmallTalkKind;
  /** Reply text for small talk ('' = no reply configured for that kind). */
  reply?: string;
  /** The semantic re-ranker was consulted and answered in time. */
  reranked?: boolean;
  /** Salient words of the message the best entry does not explain (coverage.ts): why it was not answered. */
  uncovered?: string[];
}

export interface FaqBotOptions {
  model?: ConfidenceModel;
  /** Override the model's thresholds (confidence 0…1). */
  answerAt?: number;
  suggestAt?: number;
  /** null disables the small-talk layer. */
  smallTalk?: SmallTalk | null;
  replies?: Partial<Record<SmallTalkKind, string>>;
  reranker?: EmbeddingReranker | null;
  /** No re-ranking call at or above this confidence (default 0.9). */
  certainAt?: number;
  /** With the re-ranker: answer when the re-ranked best has at least this cosine (default 0.8). */
  rerankAnswerCosine?: number;
  /** Lexical candidates re-ranked (default 5). */
  rerankTopK?: number;
  /** Answer only when the entry explains the message (default true; coverage.ts). */
  coverage?: boolean;
  /** Most salient message words, known to the KB, that an answered entry may leave unexplained (default 2; fewer than it explains). */
  maxUncovered?: number;
  /**
   * Of those, most words the KB never uses, and only in a message of which the entry explains at least three
   * salient words (default 0: a word of another topic always blocks the answer). 1 answers more long messages
   * with context (扫码枪还没拆封，可以七天无理由退吗) but, leave-one-KB-out, answered 1 of 31 frozen off-topic
   * messages on three retail KBs (over the 2 % ceiling of issue #21).
   */
  maxForeign?: number;
  /** A runner-up that explains more of the message is preferred when it scores at least this share of the best (default 0.5; 1 = never). */
  preferRatio?: number;
}

/** The lexical decision plus what re-ranking needs: whether to call it, and all lexical candidates. */
export type LexicalDecision = FaqDecision & { needsRerank: boolean; all: FaqCandidate[]; features?: FaqFeatures };

export class FaqBot {
  readonly answerAt: number;
  readonly suggestAt: number;
  readonly maxUncovered: number;
  readonly maxForeign: number;
  readonly preferRatio: number;
  private readonly model: ConfidenceModel;
  /** Some entry has a never list (otherwise no question key is computed). */
  private readonly hasNever: boolean;

  constructor(readonly index: FaqIndex, private readonly o: FaqBotOptions = {}) {
    this.model = o.model ?? DEFAULT_CONFIDENCE;
    this.hasNever = index.entries.some((e) => e.never !== undefined && e.never.length > 0);
    this.answerAt = Number.isFinite(o.answerAt) ? (o.answerAt as number) : this.model.answer;
    this.maxUncovered = o.maxUncovered ?? 2;
    this.maxForeign = o.maxForeign ?? 0;
    this.preferRatio = o.preferRatio ?? 0.5;
    this.suggestAt = Math.min(this.answerAt, Number.isFinite(o.suggestAt) ? (o.suggestAt as number) : this.model.suggest);
  }

  /** Small talk or the lexical decision, synchronously (no re-ranking). */
  decideLexical(text: string): LexicalDecision {
    const st = this.o.smallTalk === null ? null : (this.o.smallTalk ?? DEFAULT_SMALL_TALK).detect(text);
    if (st) {
      const reply = this.o.replies?.[st.kind] ?? DEFAULT_SMALL_TALK_REPLIES[st.kind];
      return { kind: 'smallTalk', smallTalk: st.kind, reply, confidence: 0, score: 0, candidates: [], needsRerank: false, all: [] };
    }
    const k = this.o.reranker ? Math.max(3, this.o.rerankTopK ?? 5) : 3;
    const res = this.index.search(text, k, { longListFloor: 0.16 });
    const lexConf = confidence(res.features, this.model);
    const score = res.best ? res.best.score : 0;
    const all = res.candidates;
    const top3 = all.slice(0, 3);
    // (re-ordered below when a runner-up explains the message better)
    if (!res.best) return { kind: 'miss', confidence: lexConf, score, candidates: top3, needsRerank: false, all };
    if (this.o.coverage === false) {
      const base = { confidence: lexConf, score, candidates: top3, needsRerank: this.rerankable(lexConf, all), all };
      if (lexConf >= this.answerAt) return { kind: 'answer', index: res.best.index, ...base };
      return { kind: lexConf >= this.suggestAt ? 'suggest' : 'miss', ...base };
    }
    const words = this.index.contentWords(text);
    // the candidate that explains the message best (fewest unexplained words, then most explained) among those
    // scoring at least half the best: 收银机保修几年 is about 保修 even if 收银机 lifts another entry
    const idx = all.map((c) => this.indexOf(c.id));
    const exs = idx.slice(0, 3).map((i) => this.explainOf(words, i));
    let pick = 0;
    for (let i = 1; i < exs.length; i++) {
      const a = exs[i];
      const b = exs[pick];
      if (all[i].score < this.preferRatio * all[0].score || a.covered.length === 0) continue;
      if (a.uncovered.length < b.uncovered.length || (a.uncovered.length === b.uncovered.length && a.covered.length > b.covered.length)) pick = i;
    }
    const best = idx[pick];
    const ex = exs[pick];
    const uncovered = ex.uncovered;
    // a salient word the KB never uses is another topic: it blocks the answer; words the KB uses elsewhere are
    // context (收银员 忘记密码) that the confidence weighs
    const foreign = uncovered.filter((w) => !knownBy(w, (p) => this.index.knows(p)));
    const lexFeatures = pick === 0 ? res.features! : this.index.featuresFor(text, [best, ...idx.filter((_, i) => i !== pick)], [all[pick].score, ...all.filter((_, i) => i !== pick).map((c) => c.score)]);
    const features = { ...lexFeatures, uncovered: uncovered.length - foreign.length, foreign: foreign.length, explained: explainedShare(this.index.variantWords(best), { own: words.join(''), answer: '' }) };
    const conf = confidence(features, this.model);
    if (pick > 0) top3.unshift(...top3.splice(pick, 1));
    const key = this.hasNever ? questionKey(words, text) : '';
    const never = (i: number) => this.hasNever && this.index.entries[i]?.never !== undefined && this.neverKeys(i).has(key);
    const base = { confidence: conf, score, uncovered, features, all };
    if (never(best)) {
      // marked wrong for this question: that entry neither answers nor is offered
      const offered = top3.filter((c) => !never(this.indexOf(c.id)) && this.explainOf(words, this.indexOf(c.id)).covered.length > 0);
      return { kind: offered.length ? 'suggest' : 'miss', candidates: offered.length ? offered : top3, ...base, needsRerank: false };
    }
    // nothing salient explained (only generic words matched): no answer, no did-you-mean
    if (ex.covered.length === 0) return { kind: 'miss', candidates: top3, ...base, needsRerank: false };
    if ((foreign.length === 0 || (foreign.length <= this.maxForeign && ex.covered.length >= FOREIGN_CONTEXT)) && uncovered.length <= this.maxUncovered && uncovered.length < ex.covered.length && conf >= this.answerAt) {
      return { kind: 'answer', index: best, candidates: top3, ...base, needsRerank: this.rerankable(conf, all) };
    }
    // did-you-mean: only entries that explain at least one salient word of the message
    const offered = top3.filter((c) => !never(this.indexOf(c.id)) && this.explainOf(words, this.indexOf(c.id)).covered.length > 0);
    const kind = offered.length > 0 && (conf >= this.suggestAt || uncovered.length > 0) ? 'suggest' : 'miss';
    return { kind, candidates: kind === 'suggest' ? offered : top3, ...base, needsRerank: this.rerankable(conf, all) };
  }

  private rerankable(conf: number, all: FaqCandidate[]): boolean {
    return !!this.o.reranker && this.o.reranker.ready && all.length > 0 && conf < (this.o.certainAt ?? 0.9);
  }

  private readonly nevers = new Map<number, Set<string>>();
  /** Keys of the questions an entry must never answer (its `never` list), computed on first use. */
  private neverKeys(i: number): Set<string> {
    let set = this.nevers.get(i);
    if (!set) {
      set = new Set((this.index.entries[i].never ?? []).map((q) => questionKey(this.index.contentWords(q), q)));
      this.nevers.set(i, set);
    }
    return set;
  }

  /** Entry `index` is marked never to answer this message (its `never` list has the same question). */
  neverAnswers(text: string, index: number): boolean {
    const e = this.index.entries[index];
    return !!e?.never?.length && this.neverKeys(index).has(questionKey(this.index.contentWords(text), text));
  }

  private readonly ids = new Map<string, number>();
  private indexOf(id: string): number {
    if (this.ids.size === 0) this.index.entries.forEach((e, i) => this.ids.set(e.id, i));
    return this.ids.get(id) ?? -1;
  }

  private explainOf(words: string[], index: number): Explanation {
    return explain(words, index >= 0 ? this.index.entryText(index) : { own: '', answer: '' });
  }

  /** The entry may answer the message: it explains every salient word (always, with coverage off) and is not marked never to. */
  explains(text: string, index: number): boolean {
    if (this.neverAnswers(text, index)) return false;
    return this.o.coverage === false || this.explainOf(this.index.contentWords(text), index).uncovered.length === 0;
  }

  /** The full decision, re-ranking the top candidates when configured (never longer than its budget). */
  async decide(text: string): Promise<FaqDecision> {
    const { needsRerank, all, ...lex } = this.decideLexical(text);
    if (!needsRerank || !this.o.reranker) return lex;
    const rr = await this.o.reranker.rerank(text, all.map((c) => ({ index: this.indexOf(c.id), score: c.score })));
    if (!rr || rr.order.length === 0) return lex;
    const entries = this.index.entries;
    const candidates = rr.order.slice(0, 3).map((o) => ({ id: entries[o.index].id, question: entries[o.index].question, score: o.score }));
    const top = rr.order[0];
    const gap = top.cosine - (rr.order[1]?.cosine ?? 0);
    const sameBest = lex.kind === 'answer' && lex.index === top.index;
    if (sameBest || (top.cosine >= (this.o.rerankAnswerCosine ?? 0.8) && gap >= 0.02 && this.explains(text, top.index))) {
      return { ...lex, kind: 'answer', index: top.index, candidates, reranked: true };
    }
    return { ...lex, kind: lex.kind === 'answer' ? 'suggest' : lex.kind, index: undefined, candidates, reranked: true };
  }
}

const DEFAULT_SMALL_TALK = new SmallTalk();
/** Salient words an entry must explain before a word the KB never uses may be taken for context. */
const FOREIGN_CONTEXT = 3;

/**
 * What makes two messages "the same question" for an entry's never list: their salient words (coverage.ts),
 * in any order, or the normalised text when there is none. 账号被冻结了咋办 and 账号冻结了怎么办？ are the same.
 */
export function questionKey(words: string[], text: string): string {
  const salient = [...new Set(words.filter(isSalient))].sort();
  return salient.length ? salient.join(' ') : '\u0000' + words.join(' ') + '\u0000' + text.trim();
}

/** What a faq-lookup node is configured with, as plain values (texts as typed in the dialog or files). */
export interface FaqBotConfig {
  entries: FaqEntry[];
  /** Synonym lines (`退钱, 退费 => 退款`): the dialog's, then the file's. */
  synonymsText?: string;
  builtinSynonyms?: boolean;
  smallTalk?: boolean;
  /** Small-talk phrase lines (`thanks: 感恩, 多谢晒`). */
  smallTalkText?: string;
  /** Reply lines (`greeting: 您好！`; an empty reply sends that kind to the miss output). */
  repliesText?: string;
  answerAt?: number;
  suggestAt?: number;
  reranker?: EmbeddingReranker | null;
}

/** Build the index and the bot from a node's configuration (throws a clear error on a bad KB). */
export function createFaqBot(c: FaqBotConfig): FaqBot {
  const index = new FaqIndex(validateEntries(c.entries), { synonyms: parseSynonyms(c.synonymsText ?? ''), builtinSynonyms: c.builtinSynonyms !== false });
  const smallTalk = c.smallTalk === false ? null : new SmallTalk({ phrases: parseSmallTalk(c.smallTalkText ?? '') });
  const replies: Partial<Record<SmallTalkKind, string>> = {};
  for (const [kind, list] of Object.entries(parseSmallTalkReplies(c.repliesText ?? ''))) replies[kind as SmallTalkKind] = list;
  return new FaqBot(index, { smallTalk, replies, answerAt: c.answerAt, suggestAt: c.suggestAt, reranker: c.reranker ?? null });
}

/** Reply lines `kind: text` (one per line; `kind:` alone = no reply for that kind). */
export function parseSmallTalkReplies(text: string): Partial<Record<SmallTalkKind, string>> {
  const out: Partial<Record<SmallTalkKind, string>> = {};
  for (const line of String(text || '').split(/\r?\n/)) {
    const m = /^\s*([a-z]+)\s*[:：]\s?(.*)$/i.exec(line);
    if (m && (SMALL_TALK_KINDS as string[]).includes(m[1].toLowerCase())) out[m[1].toLowerCase() as SmallTalkKind] = m[2].trim();
  }
  return out;
}

/** A faq-lookup node's dialog fields as saved (checkboxes as booleans or 'true'/'false', numbers maybe as text). */
export interface FaqNodeFields {
  synonyms?: string;
  builtinSynonyms?: boolean | string;
  smallTalk?: boolean | string;
  smallTalkPhrases?: string;
  smallTalkReplies?: string;
  answerConfidence?: number | string;
  suggestConfidence?: number | string;
}

/** The texts a node's bot is built from besides its fields: the knowledge base and the word-list files. */
export interface FaqSources {
  entries: unknown;
  synonymsFile: string;
  smallTalkFile: string;
}

const off = (v: unknown) => v === false || v === 'false';
const optNum = (v: unknown) => (v === '' || v === undefined || v === null ? undefined : num(v, NaN));

/** The bot configuration of a faq-lookup node: its fields, then its files (dialog lines first). */
export function faqBotConfig(f: FaqNodeFields, src: FaqSources, reranker: EmbeddingReranker | null): FaqBotConfig {
  return {
    entries: src.entries as FaqEntry[],
    synonymsText: (f.synonyms || '') + '\n' + src.synonymsFile,
    builtinSynonyms: !off(f.builtinSynonyms),
    smallTalk: !off(f.smallTalk),
    smallTalkText: (f.smallTalkPhrases || '') + '\n' + src.smallTalkFile,
    repliesText: f.smallTalkReplies || '',
    answerAt: optNum(f.answerConfidence),
    suggestAt: optNum(f.suggestConfidence),
    reranker,
  };
}
