/**
 * Unanswered questions grouped by similarity: each question becomes a set of jieba words and Han
 * bigrams (the bot's own tokeniser, lib/bot/text/tokenise.ts); questions join the group whose first (most
 * frequent) question shares enough of that set (Jaccard ≥ threshold). Pure: no Node-RED import.
 */
import { bigramsOfNormalised, wordsOfNormalised } from '../bot/text/tokenise';
import { normalise } from '../bot/text/normalise';

/** One unanswered question as the ops record keeps it (rollup.ts). */
export interface Unanswered {
  text: string;
  count: number;
  last: number;
  miss: number;
  declined: number;
  examples: string[];
  /** The question's token set for clustering (tokenSet below), computed once when the question is first seen. */
  tokens?: string[];
}

export interface UnansweredGroup {
  /** Stable id: the normalised text of the group's first question. */
  id: string;
  /** The most frequent question of the group. */
  label: string;
  count: number;
  miss: number;
  declined: number;
  last: number;
  /** Every distinct question in the group, most frequent first. */
  questions: Array<{ text: string; count: number }>;
  /** The latest examples as users typed them, newest last. */
  examples: string[];
}

const PUNCT = /^[\p{P}\p{S}\s]+$/u;
const STOP = new Set(['的', '了', '吗', '呢', '吧', '啊', '我', '你', '是', '在', '怎么', '什么', '请问', '一下', '有', '要', '想', '能', '可以']);

const cache = new Map<string, Set<string>>();
/** The token set of a question (cached by its text; words without punctuation or stop words, plus Han bigrams). */
export function tokenSet(text: string): Set<string> {
  let s = cache.get(text);
  if (s) return s;
  const norm = normalise(text);
  s = new Set<string>();
  for (const w of wordsOfNormalised(norm)) if (!PUNCT.test(w) && !STOP.has(w)) s.add(w);
  for (const g of bigramsOfNormalised(norm)) s.add('#' + g);
  if (cache.size > 20000) cache.clear();
  cache.set(text, s);
  return s;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const t of small) if (big.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Group unanswered questions; groups sorted by count (then latest) descending. */
export function clusterUnanswered(items: Unanswered[], threshold = 0.34): UnansweredGroup[] {
  const sorted = [...items].sort((a, b) => b.count - a.count || b.last - a.last);
  const groups: Array<{ g: UnansweredGroup; tokens: Set<string>; ex: Array<{ t: string; ts: number }> }> = [];
  const byToken = new Map<string, number[]>();
  for (const u of sorted) {
    const tokens = u.tokens ? new Set(u.tokens) : tokenSet(u.text);
    let best = -1;
    let bestSim = threshold;
    const seen = new Set<number>();
    for (const t of tokens) {
      for (const gi of byToken.get(t) ?? []) {
        if (seen.has(gi)) continue;
        seen.add(gi);
        const sim = jaccard(tokens, groups[gi].tokens);
        if (sim >= bestSim) {
          bestSim = sim;
          best = gi;
        }
      }
    }
    if (best < 0) {
      best = groups.length;
      groups.push({
        g: { id: normalise(u.text), label: u.text, count: 0, miss: 0, declined: 0, last: 0, questions: [], examples: [] },
        tokens,
        ex: [],
      });
      for (const t of tokens) {
        const l = byToken.get(t);
        if (l) l.push(best);
        else byToken.set(t, [best]);
      }
    }
    const { g, ex } = groups[best];
    g.count += u.count;
    g.miss += u.miss;
    g.declined += u.declined;
    g.last = Math.max(g.last, u.last);
    g.questions.push({ text: u.text, count: u.count });
    for (const x of u.examples) ex.push({ t: x, ts: u.last });
  }
  return groups
    .map(({ g, ex }) => {
      g.examples = [...new Set(ex.sort((a, b) => a.ts - b.ts).map((x) => x.t))].slice(-5);
      return g;
    })
    .sort((a, b) => b.count - a.count || b.last - a.last);
}
