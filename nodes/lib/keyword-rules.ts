/**
 * Keyword rules: several keywords per rule, a match mode per rule, optional excludes, order = priority.
 *
 * compileRules() builds, once, one Aho–Corasick automaton over the normalised keywords of every
 * contains / startsWith / exact / word rule, so matching a message costs one pass over its text
 * (plus a jieba cut only when a 'word' keyword occurs), however many rules there are.
 *
 * Modes (all compared on normalise()d text, see text-normalise.ts):
 *  - contains:   the keyword occurs anywhere in the message;
 *  - exact:      the whole message equals the keyword;
 *  - startsWith: the message starts with the keyword;
 *  - word:       the keyword occurs on jieba word boundaries (人工 matches 转人工 but not 人工智能 or 人工费);
 *  - regex:      the keyword is a JavaScript regular expression (`pattern` or `/pattern/flags`), tested
 *                against the trimmed raw message and against the normalised message.
 * Excludes: plain text (contained in the normalised message) or `/regex/flags` (tested like regex keywords).
 * A rule whose exclude matches never matches that message.
 */
import { AhoCorasick } from './aho-corasick';
import { normalise } from './text-normalise';
import { spansOfNormalised } from './tokenise';

export type MatchMode = 'contains' | 'exact' | 'startsWith' | 'word' | 'regex';
export const MATCH_MODES: readonly MatchMode[] = ['contains', 'exact', 'startsWith', 'word', 'regex'];

export interface KeywordRule {
  keywords: string[];
  mode: MatchMode;
  exclude?: string[];
  reply?: string;
  label?: string;
}

export interface RuleMatch {
  ruleIndex: number;
  keyword: string;
  mode: MatchMode;
}

export class RuleError extends Error {
  readonly ruleIndex: number;
  constructor(ruleIndex: number, message: string) {
    super(`rule ${ruleIndex + 1}: ${message}`);
    this.name = 'RuleError';
    this.ruleIndex = ruleIndex;
  }
}

export interface CompiledRules {
  /** Matching rules in priority order (rule order); only the first unless opts.all. */
  match(text: string, opts?: { all?: boolean }): RuleMatch[];
  /** Number of rules compiled. */
  readonly size: number;
  /** Number of keywords compiled (all modes). */
  readonly keywordCount: number;
}

interface Exclude {
  plain?: string;
  re?: RegExp;
}

interface Pattern {
  rule: number;
  keyword: string;
  mode: MatchMode;
}

/** Parse `/body/flags` into a RegExp, or `body` as a plain pattern when asRegex. Throws on bad syntax. */
export function parseRegex(src: string, asRegex: boolean): RegExp | undefined {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(src);
  if (m) return new RegExp(m[1], m[2].replace(/[gy]/g, ''));
  return asRegex ? new RegExp(src) : undefined;
}

function testRegex(re: RegExp, raw: string, norm: string): boolean {
  return re.test(raw) || re.test(norm);
}

/** Compile rules into one matcher; throws RuleError (with the rule index) for a malformed rule. */
export function compileRules(rules: KeywordRule[]): CompiledRules {
  if (!Array.isArray(rules)) throw new RuleError(0, 'rules must be an array');
  const ac = new AhoCorasick();
  const patterns: Pattern[] = [];
  const regexRules: Array<{ rule: number; list: Array<{ keyword: string; re: RegExp }> }> = [];
  const excludes: Array<Exclude[] | undefined> = [];
  const modes: MatchMode[] = [];
  let keywordCount = 0;
  let hasWord = false;

  rules.forEach((rule, i) => {
    if (!rule || typeof rule !== 'object') throw new RuleError(i, 'not an object');
    const mode = (rule.mode ?? 'contains') as MatchMode;
    if (!MATCH_MODES.includes(mode)) throw new RuleError(i, `unknown mode "${String(rule.mode)}"`);
    modes[i] = mode;
    const kws = Array.isArray(rule.keywords) ? rule.keywords : typeof rule.keywords === 'string' ? [rule.keywords] : null;
    if (!kws) throw new RuleError(i, 'keywords must be an array of strings');
    if (mode === 'regex') {
      const list: Array<{ keyword: string; re: RegExp }> = [];
      for (const k of kws) {
        if (typeof k !== 'string' || k === '') continue;
        try {
          list.push({ keyword: k, re: parseRegex(k, true)! });
        } catch (e) {
          throw new RuleError(i, `bad regular expression ${JSON.stringify(k)}: ${(e as Error).message}`);
        }
      }
      keywordCount += list.length;
      if (list.length) regexRules.push({ rule: i, list });
    } else {
      for (const k of kws) {
        if (typeof k !== 'string') throw new RuleError(i, 'keywords must be strings');
        const n = normalise(k);
        if (n === '') continue;
        ac.add(n);
        patterns.push({ rule: i, keyword: k, mode });
        keywordCount++;
        if (mode === 'word') hasWord = true;
      }
    }
    if (rule.exclude !== undefined && rule.exclude !== null) {
      if (!Array.isArray(rule.exclude)) throw new RuleError(i, 'exclude must be an array of strings');
      const ex: Exclude[] = [];
      for (const e of rule.exclude) {
        if (typeof e !== 'string' || e.trim() === '') continue;
        let re: RegExp | undefined;
        try {
          re = parseRegex(e.trim(), false);
        } catch (err) {
          throw new RuleError(i, `bad exclude pattern ${JSON.stringify(e)}: ${(err as Error).message}`);
        }
        if (re) ex.push({ re });
        else {
          const p = normalise(e);
          if (p) ex.push({ plain: p });
        }
      }
      if (ex.length) excludes[i] = ex;
    }
  });
  ac.build();

  const excluded = (rule: number, raw: string, norm: string): boolean => {
    const ex = excludes[rule];
    if (!ex) return false;
    for (const e of ex) {
      if (e.plain !== undefined ? norm.includes(e.plain) : testRegex(e.re!, raw, norm)) return true;
    }
    return false;
  };

  return {
    size: rules.length,
    keywordCount,
    match(text: string, opts?: { all?: boolean }): RuleMatch[] {
      const raw = typeof text === 'string' ? text.trim() : text === undefined || text === null ? '' : String(text);
      const norm = normalise(raw);
      // candidate keyword hits per rule: the first qualifying keyword (by position in the text)
      const best = new Map<number, RuleMatch>();
      let wordHits: Array<{ p: number; start: number; end: number }> | undefined;
      if (norm !== '') {
        ac.scan(norm, (id, start, end) => {
          const p = patterns[id];
          if (best.has(p.rule)) return;
          switch (p.mode) {
            case 'contains':
              break;
            case 'startsWith':
              if (start !== 0) return;
              break;
            case 'exact':
              if (start !== 0 || end !== norm.length) return;
              break;
            case 'word':
              (wordHits ??= []).push({ p: id, start, end });
              return;
            default:
              return;
          }
          best.set(p.rule, { ruleIndex: p.rule, keyword: p.keyword, mode: p.mode });
        });
      }
      if (hasWord && wordHits) {
        const spans = spansOfNormalised(norm);
        const starts = new Set<number>();
        const ends = new Set<number>();
        for (const s of spans) {
          starts.add(s.start);
          ends.add(s.end);
        }
        for (const h of wordHits) {
          const p = patterns[h.p];
          if (best.has(p.rule)) continue;
          if (starts.has(h.start) && ends.has(h.end)) best.set(p.rule, { ruleIndex: p.rule, keyword: p.keyword, mode: 'word' });
        }
      }
      for (const r of regexRules) {
        if (best.has(r.rule)) continue;
        for (const k of r.list) {
          if (testRegex(k.re, raw, norm)) {
            best.set(r.rule, { ruleIndex: r.rule, keyword: k.keyword, mode: 'regex' });
            break;
          }
        }
      }
      if (best.size === 0) return [];
      const order = Array.from(best.keys()).sort((a, b) => a - b);
      const out: RuleMatch[] = [];
      for (const rule of order) {
        if (excluded(rule, raw, norm)) continue;
        out.push(best.get(rule)!);
        if (!opts?.all) break;
      }
      return out;
    },
  };
}
