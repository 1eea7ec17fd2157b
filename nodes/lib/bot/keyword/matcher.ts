/**
 * What keyword-match does with a message, pure of Node-RED: the node's own rules (compiled once per deploy)
 * and the extra set (a rules file or msg.rules, replaced whole), matched in rule order; each hit goes to its
 * output (outputs.ts) with the rule's reply as msg.payload and the rule as msg.keyword.
 */
import { compileRules, RuleError, type CompiledRules, type KeywordRule, type RuleMatch } from './rules';
import { keywordLayout, routingOf, unwiredRuleOutputs, type KeywordLayout } from './outputs';
import type { KeywordInfo, WecomMsg } from '../../contract/messages';

/** The fields of a keyword-match node's configuration the matcher reads. */
export interface KeywordConfig {
  rules?: KeywordRule[];
  matchAll?: boolean | string;
  rulesFile?: string;
  msgRules?: boolean | string;
  routing?: string;
}

export interface KeywordHit {
  port: number;
  /** The rule's reply, undefined when it has none (the message keeps its payload). */
  reply?: string;
  info: KeywordInfo;
}

/** A checkbox as saved: true or 'true'. */
export function flag(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Rules from a JSON file: an array of rules, or {rules: [...]}. */
export function parseRulesJson(text: string): KeywordRule[] {
  const data = JSON.parse(text);
  const rules = Array.isArray(data) ? data : data && Array.isArray(data.rules) ? data.rules : null;
  if (!rules) throw new RuleError(0, 'the file must hold an array of rules or {"rules": [...]}');
  return rules;
}

export class KeywordMatcher {
  readonly rules: KeywordRule[];
  readonly all: boolean;
  /** The rules file ('' when none). */
  readonly rulesFile: string;
  /** msg.rules may replace the extra set. */
  readonly msgRules: boolean;
  readonly layout: KeywordLayout;
  /** Why the node's own rules do not compile (every message is refused with it), or null. */
  readonly error: Error | null = null;
  private readonly compiled: CompiledRules | null = null;
  private extra: CompiledRules | null = null;
  private extraRules: KeywordRule[] = [];

  constructor(config: KeywordConfig) {
    this.rules = Array.isArray(config.rules) ? config.rules : [];
    this.all = flag(config.matchAll);
    this.rulesFile = (config.rulesFile || '').trim();
    this.msgRules = flag(config.msgRules);
    this.layout = keywordLayout(routingOf(config.routing), this.rules, this.rulesFile !== '' || this.msgRules);
    try {
      this.compiled = compileRules(this.rules);
    } catch (e) {
      this.error = e as Error;
    }
  }

  /** Rule outputs that have no wire (a rule there would drop what it matches), as "port (label)". */
  unwired(wires: unknown): string[] {
    return unwiredRuleOutputs(this.layout, wires).map((o) => `${o.port + 1} (${o.label})`);
  }

  /** Replace the extra set: a list of rules or its JSON text. Throws (keeping the previous set) when unusable. */
  setExtra(rules: unknown): void {
    const list = Array.isArray(rules) ? (rules as KeywordRule[]) : parseRulesJson(String(rules));
    this.extra = compileRules(list);
    this.extraRules = list;
  }

  /** The extra set has been loaded (from the file or msg.rules). */
  get extraLoaded(): boolean {
    return this.extra !== null;
  }

  /** Rules in use: the node's own and the extra set. */
  get size(): number {
    return this.rules.length + (this.extra ? this.extra.size : 0);
  }

  /** The hits for a text: the node's rules first (all of them with matchAll), then the best extra rule. */
  match(text: string): KeywordHit[] {
    if (this.error || !this.compiled) throw this.error ?? new Error('no rules');
    const all = this.all;
    const hits = this.compiled.match(text, { all }).map((m) => this.hit(m, false));
    if (this.extra && (all || hits.length === 0)) {
      const more = this.extra.match(text, { all });
      // the extra output carries the best rule of the extra set
      if (more.length) hits.push(this.hit(more[0], true));
    }
    return hits;
  }

  /**
   * The node's outputs for a message and its hits: one slot per output, "otherwise" when nothing matched;
   * every hit after the first gets a copy (`clone`). In 'answer' routing several rules can share an output.
   */
  route(msg: WecomMsg, hits: KeywordHit[], clone: (m: WecomMsg) => WecomMsg): Array<WecomMsg[] | null> {
    const out: Array<WecomMsg[] | null> = new Array(this.layout.outputs).fill(null);
    if (hits.length === 0) {
      out[this.layout.otherwise] = [msg];
      return out;
    }
    // copies of the message as it came in, before the first hit changes it
    const copies = hits.map((_h, i) => (i === 0 ? msg : clone(msg)));
    hits.forEach((h, i) => {
      const m = copies[i];
      if (h.reply !== undefined) m.payload = h.reply;
      m.keyword = h.info;
      (out[h.port] = out[h.port] || []).push(m);
    });
    return out;
  }

  private hit(m: RuleMatch, fromExtra: boolean): KeywordHit {
    const rule = fromExtra ? this.extraRules[m.ruleIndex] : this.rules[m.ruleIndex];
    const reply = rule && typeof rule.reply === 'string' && rule.reply !== '' ? rule.reply : undefined;
    return {
      port: this.layout.portFor(m.ruleIndex, fromExtra, reply !== undefined),
      reply,
      info: { rule: m.ruleIndex + 1, keyword: m.keyword, mode: m.mode, label: rule?.label || undefined, source: fromExtra ? 'extra' : 'rules' },
    };
  }
}
