/**
 * Keyword rules: several keywords per rule, a match mode per rule, optional excludes, order = priority.
 *
 * compileRules() builds, once, one Aho–Corasick automaton over the normalised keywords of every
 * contains / startsWith / exact / word rule, so matching a message costs one pass over its text
 * (plus one jieba cut only when a 'word' rule is the one being decided), however many rules there are.
 *
 * Modes (all compared on normalise()d text, see text/normalise.ts):
 *  - contains:   the keyword occurs anywhere in the message;
 *  - exact:      the whole message equals the keyword;
 *  - startsWith: the message starts with the keyword;
 *  - word:       the keyword occurs on jieba word boundaries (人工 matches 转人工 but not 人工智能 or 人工费);
 *  - regex:      the keyword is a JavaScript regular expression (`pattern` or `/pattern/flags`), tested
 *                against the trimmed raw message and against the normalised message.
 * Excludes: plain text (contained in the normalised message) or `/regex/flags` (tested like regex keywords).
 * A rule whose exclude matches never matches that message.
 */
import { AhoCorasick } from '../text/aho-corasick';
import { normalise } from '../text/normalise';
import { spansOfNormalised } from '../text/tokenise';

import type { MatchMode } from '../../contract/outcomes';
export type { MatchMode };
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

interface WordBoundaries {
  /** Whether [start, end) starts and ends on jieba word boundaries. */
  on(start: number, end: number): boolean;
}

/**
 * Lazy jieba word boundaries of a normalised text. jieba segments whitespace-separated blocks
 * independently, so only the chunk (between single spaces) holding an occurrence is cut, once.
 */
function wordBoundaries(norm: string): WordBoundaries {
  const chunks = new Map<number, Set<number>>(); // chunk start → absolute boundary offsets
  const chunkAt = (pos: number): Set<number> => {
    const cs = pos === 0 ? 0 : norm.lastIndexOf(' ', pos - 1) + 1;
    let b = chunks.get(cs);
    if (!b) {
      let ce = norm.indexOf(' ', cs);
      if (ce < 0) ce = norm.length;
      b = new Set<number>([cs]);
      for (const sp of spansOfNormalised(norm.slice(cs, ce))) b.add(cs + sp.end);
      chunks.set(cs, b);
    }
    return b;
  };
  let whole: { starts: Set<number>; ends: Set<number> } | undefined;
  return {
    on(start: number, end: number): boolean {
      if (norm.lastIndexOf(' ', end - 1) >= start) {
        // an occurrence across a space (a keyword containing one): cut the whole text
        if (!whole) {
          whole = { starts: new Set(), ends: new Set() };
          for (const sp of spansOfNormalised(norm)) {
            whole.starts.add(sp.start);
            whole.ends.add(sp.end);
          }
        }
        return whole.starts.has(start) && whole.ends.has(end);
      }
      const b = chunkAt(start);
      return b.has(start) && b.has(end);
    },
  };
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

  // per-message scratch (match() is synchronous and re-entrant-free, so these are reused)
  const nRules = rules.length;
  const stamp = new Int32Array(nRules);
  const direct = new Int32Array(nRules); // pattern id of the first qualifying non-word hit (when stamped)
  const isRegexRule = new Uint8Array(nRules);
  const regexOf: Array<Array<{ keyword: string; re: RegExp }> | undefined> = [];
  for (const r of regexRules) {
    isRegexRule[r.rule] = 1;
    regexOf[r.rule] = r.list;
  }
  const regexRuleIds = regexRules.map((r) => r.rule);
  let epoch = 0;

  return {
    size: rules.length,
    keywordCount,
    match(text: string, opts?: { all?: boolean }): RuleMatch[] {
      const raw = typeof text === 'string' ? text.trim() : text === undefined || text === null ? '' : String(text);
      const norm = normalise(raw);
      const all = !!opts?.all;
      if (++epoch === 0x7fffffff) {
        stamp.fill(0);
        epoch = 1;
      }
      const ep = epoch;
      // one pass of the automaton: candidate rules, the first qualifying keyword per rule (by end offset)
      const cands: number[] = regexRuleIds.slice();
      let wordHits: number[] | undefined; // triples (pattern, start, end)
      if (norm !== '') {
        ac.scan(norm, (id, start, end) => {
          const p = patterns[id];
          const r = p.rule;
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
              if (stamp[r] !== ep) {
                stamp[r] = ep;
                direct[r] = -1;
                cands.push(r);
              }
              (wordHits ??= []).push(id, start, end);
              return;
            default:
              return;
          }
          if (stamp[r] !== ep) {
            stamp[r] = ep;
            direct[r] = id;
            cands.push(r);
          }
        });
      }
      if (cands.length === 0) return [];
      cands.sort((a, b) => a - b);
      // word boundaries (jieba, per space-delimited chunk) only when a word rule is actually examined
      let bounds: WordBoundaries | undefined;
      const out: RuleMatch[] = [];
      for (const r of cands) {
        let m: RuleMatch | undefined;
        if (isRegexRule[r]) {
          for (const k of regexOf[r]!) {
            if (testRegex(k.re, raw, norm)) {
              m = { ruleIndex: r, keyword: k.keyword, mode: 'regex' };
              break;
            }
          }
        } else if (direct[r] >= 0) {
          const p = patterns[direct[r]];
          m = { ruleIndex: r, keyword: p.keyword, mode: p.mode };
        } else {
          // when the rule's first hit is a whole space-delimited chunk it is on word boundaries without a
          // jieba cut (jieba segments whitespace-separated blocks independently)
          const wh = wordHits!;
          let i = 0;
          while (patterns[wh[i]].rule !== r) i += 3;
          const st = wh[i + 1];
          const en = wh[i + 2];
          if ((st === 0 || norm.charCodeAt(st - 1) === 32) && (en === norm.length || norm.charCodeAt(en) === 32)) {
            m = { ruleIndex: r, keyword: patterns[wh[i]].keyword, mode: 'word' };
          }
        }
        if (!m && !isRegexRule[r] && direct[r] < 0) {
          const wh = wordHits!;
          for (let i = 0; i < wh.length; i += 3) {
            const p = patterns[wh[i]];
            if (p.rule === r && (bounds ??= wordBoundaries(norm)).on(wh[i + 1], wh[i + 2])) {
              m = { ruleIndex: r, keyword: p.keyword, mode: 'word' };
              break;
            }
          }
        }
        if (!m || excluded(r, raw, norm)) continue;
        out.push(m);
        if (!all) break;
      }
      return out;
    },
  };
}
