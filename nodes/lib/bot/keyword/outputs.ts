/**
 * Output layout of the keyword-match node, shared by its runtime and its tests (the editor's .html repeats
 * the same few lines in browser JS).
 *
 *  - 'answer' (the default for new nodes): output 0 "answered" carries every rule that has a reply
 *    (msg.payload = the reply, msg.keyword = the rule), output 1 "otherwise" everything else. A rule
 *    without a reply only tags the message (msg.keyword) and lets it continue on "otherwise".
 *  - 'rules' (one output per rule, as the core switch node; also what a node saved before this option
 *    existed gets, so its wiring keeps working): one output per rule in rule order, then one output for
 *    the rules of a file / msg.rules when those are enabled, then "otherwise".
 */
export type KeywordRouting = 'answer' | 'rules';

export interface KeywordLayout {
  routing: KeywordRouting;
  /** Number of outputs. */
  outputs: number;
  /** Output of a rule of the node's own list (index), or of the extra set when `extra` is true. */
  portFor(ruleIndex: number, extra: boolean, hasReply: boolean): number;
  otherwise: number;
  /** Outputs a rule can send to (the ones that must be wired), each with a label for messages. */
  ruleOutputs: Array<{ port: number; label: string }>;
}

/** A missing or unknown routing option means per-rule outputs: that is how nodes saved earlier work. */
export function routingOf(v: unknown): KeywordRouting {
  return v === 'answer' ? 'answer' : 'rules';
}

export function keywordLayout(
  routing: KeywordRouting,
  rules: ReadonlyArray<{ label?: string; keywords?: string[] }>,
  hasExtra: boolean,
): KeywordLayout {
  if (routing === 'answer') {
    return {
      routing,
      outputs: 2,
      otherwise: 1,
      portFor: (_i, _extra, hasReply) => (hasReply ? 0 : 1),
      ruleOutputs: rules.length || hasExtra ? [{ port: 0, label: 'answered' }] : [],
    };
  }
  const extraPort = rules.length;
  const otherwise = rules.length + (hasExtra ? 1 : 0);
  const ruleOutputs = rules.map((r, i) => ({ port: i, label: `${i + 1}: ${r.label || (r.keywords || []).join(' / ')}` }));
  if (hasExtra) ruleOutputs.push({ port: extraPort, label: 'file / msg.rules' });
  return {
    routing,
    outputs: otherwise + 1,
    otherwise,
    portFor: (i, extra) => (extra ? extraPort : i),
    ruleOutputs,
  };
}

/** The rule outputs that have no wire (`wires` as in the node's config: one array of node ids per output). */
export function unwiredRuleOutputs(layout: KeywordLayout, wires: unknown): Array<{ port: number; label: string }> {
  const w = Array.isArray(wires) ? wires : [];
  return layout.ruleOutputs.filter((o) => !Array.isArray(w[o.port]) || w[o.port].length === 0);
}
