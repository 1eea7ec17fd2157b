/**
 * `keyword-match`: answers (or routes) a message by keyword rules, in rule order = priority. By default one
 * "answered" output and one "otherwise"; with routing 'rules' one output per rule, as the core switch node
 * (layout in lib/bot/keyword-outputs.ts). All rules are compiled into one automaton per deploy
 * (lib/bot/keyword-rules.ts).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { compileRules, RuleError, type CompiledRules, type KeywordRule, type RuleMatch } from '../lib/bot/keyword-rules';
import { keywordLayout, routingOf, unwiredRuleOutputs } from '../lib/bot/keyword-outputs';
import { watchTextFile, type FileSource } from '../shared/file-source';
import { opsEvent } from '../shared/events';
import { statusText } from '../shared/status-text';
import { wecomMsg } from '../shared/node-kit';
import type { WecomMsg } from '../lib/messages';

interface KeywordMatchDef extends NodeDef {
  rules?: KeywordRule[];
  matchAll?: boolean | string;
  rulesFile?: string;
  msgRules?: boolean | string;
  outputs?: number;
  routing?: string;
  wires?: string[][];
}

type Msg = WecomMsg;

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Rules from a JSON file: an array of rules, or {rules: [...]}. */
function parseRulesJson(text: string): KeywordRule[] {
  const data = JSON.parse(text);
  const rules = Array.isArray(data) ? data : data && Array.isArray(data.rules) ? data.rules : null;
  if (!rules) throw new RuleError(0, 'the file must hold an array of rules or {"rules": [...]}');
  return rules;
}

export = function register(RED: NodeAPI) {
  function KeywordMatchNode(this: Node, config: KeywordMatchDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const rules: KeywordRule[] = Array.isArray(config.rules) ? config.rules : [];
    const all = bool(config.matchAll);
    const rulesFile = (config.rulesFile || '').trim();
    const hasExtra = rulesFile !== '' || bool(config.msgRules);
    const layout = keywordLayout(routingOf(config.routing), rules, hasExtra);
    // a rule output with no wire drops what it matches: say so once, at start
    const unwired = unwiredRuleOutputs(layout, config.wires);
    if (unwired.length) {
      node.warn(`${RED._('keyword-match.errors.unwired')} ${unwired.map((o) => `${o.port + 1} (${o.label})`).join(', ')}`);
    }

    let compiled: CompiledRules | null = null;
    let extra: CompiledRules | null = null;
    let extraRules: KeywordRule[] = [];
    let configError: Error | null = null;
    let file: FileSource | null = null;

    const showOk = () => {
      if (configError) return;
      const n = rules.length + (extra ? extra.size : 0);
      node.status({ fill: 'green', shape: 'dot', text: statusText('keyword-match.status.rules', { n }) });
    };
    const showError = (err: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: 'keyword-match.status.badRule' });
      node.error(RED._('keyword-match.errors.badRules', { error: err.message }));
    };

    try {
      compiled = compileRules(rules);
    } catch (e) {
      configError = e as Error;
      showError(configError);
    }

    const setExtra = (list: KeywordRule[]) => {
      extra = compileRules(list);
      extraRules = list;
      showOk();
    };

    if (rulesFile) {
      file = watchTextFile(
        rulesFile,
        RED.settings.userDir,
        (text) => setExtra(parseRulesJson(text)),
        (err) => {
          node.status({ fill: 'red', shape: 'ring', text: 'keyword-match.status.fileError' });
          node.error(RED._('keyword-match.errors.file', { file: rulesFile, error: err.message }));
        },
      );
    }
    if (!configError && !(rulesFile && !extra)) showOk();

    const outputFor = (m: RuleMatch, fromExtra: boolean) => {
      const rule = fromExtra ? extraRules[m.ruleIndex] : rules[m.ruleIndex];
      const reply = rule && typeof rule.reply === 'string' && rule.reply !== '' ? rule.reply : undefined;
      return {
        port: layout.portFor(m.ruleIndex, fromExtra, reply !== undefined),
        reply,
        info: { rule: m.ruleIndex + 1, keyword: m.keyword, mode: m.mode, label: rule?.label || undefined, source: fromExtra ? ('extra' as const) : ('rules' as const) },
      };
    };

    node.on('input', (input: NodeMessage, send, done) => {
      const msg = wecomMsg(input);
      if (msg.rules !== undefined) {
        if (!bool(config.msgRules)) {
          done(new Error(RED._('keyword-match.errors.msgRulesOff')));
          return;
        }
        try {
          const list = Array.isArray(msg.rules) ? (msg.rules as KeywordRule[]) : parseRulesJson(String(msg.rules));
          setExtra(list);
        } catch (e) {
          node.status({ fill: 'red', shape: 'ring', text: 'keyword-match.status.badRule' });
          done(e as Error);
          return;
        }
        if (msg.payload === undefined || msg.payload === null || msg.payload === '') {
          done();
          return;
        }
      }
      if (configError || !compiled) {
        done(configError ?? new Error('no rules'));
        return;
      }
      const text = typeof msg.payload === 'string' ? msg.payload : msg.payload === undefined || msg.payload === null ? '' : String(msg.payload);
      let hits: Array<ReturnType<typeof outputFor>>;
      try {
        hits = compiled.match(text, { all }).map((m) => outputFor(m, false));
        if (extra && (all || hits.length === 0)) {
          const more = extra.match(text, { all });
          // the extra output carries the best rule of the extra set
          if (more.length) hits.push(outputFor(more[0], true));
        }
      } catch (e) {
        done(e as Error);
        return;
      }
      if (hits.length) opsEvent(RED, 'keyword.hit', msg, { rule: hits[0].info.rule, label: hits[0].info.label, keyword: hits[0].info.keyword, source: hits[0].info.source, answered: hits[0].reply !== undefined, text });
      // one slot per output; in 'answer' routing several rules can share the answered output
      const out: Array<Msg[] | null> = new Array(layout.outputs).fill(null);
      if (hits.length === 0) {
        out[layout.otherwise] = [msg];
      } else {
        const copies = hits.map((_h, i) => (i === 0 ? msg : (RED.util.cloneMessage(msg) as Msg)));
        hits.forEach((h, i) => {
          const m = copies[i];
          if (h.reply !== undefined) m.payload = h.reply;
          m.keyword = h.info;
          (out[h.port] = out[h.port] || []).push(m);
        });
      }
      send(out);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (file) file.close();
      file = null;
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('keyword-match', KeywordMatchNode);
};
