/**
 * `keyword-match`: answers (or routes) a message by keyword rules, in rule order = priority. By default one
 * "answered" output and one "otherwise"; with routing 'rules' one output per rule, as the core switch node
 * (layout in lib/bot/keyword/outputs.ts). The matching and routing are in lib/bot/keyword/matcher.ts (all
 * rules compiled into one automaton per deploy, lib/bot/keyword/rules.ts).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { KeywordMatcher, type KeywordConfig, type KeywordHit } from '../lib/bot/keyword/matcher';
import { noPayload, payloadText } from '../lib/bot/text/msg-text';
import { watchTextFile, type FileSource } from '../shared/file-source';
import { opsEvent } from '../shared/ops/events';
import { showFault, statusText } from '../shared/status-text';
import { nodeType, onClose, wecomMsg } from '../shared/node-kit';
import { keywordMatchSchema } from '../lib/config/keyword-match';
import type { WecomMsg } from '../lib/contract/messages';
import { isFaqMenuTap } from '../lib/contract/kinds';

type KeywordMatchDef = NodeDef & KeywordConfig & { wires?: string[][] };

export = function register(RED: NodeAPI) {
  function KeywordMatchNode(this: Node, config: KeywordMatchDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const matcher = new KeywordMatcher(config);
    // a rule output with no wire drops what it matches: say so once, at start
    const unwired = matcher.unwired(config.wires);
    if (unwired.length) node.warn(`${RED._('keyword-match.errors.unwired')} ${unwired.join(', ')}`);

    const showOk = () => {
      if (!matcher.error) node.status({ fill: 'green', shape: 'dot', text: statusText('keyword-match.status.rules', { n: matcher.size }) });
    };
    if (matcher.error) showFault(node, 'keyword-match.status.badRule', RED._('keyword-match.errors.badRules', { error: matcher.error.message }));

    let file: FileSource | null = null;
    const { rulesFile } = matcher;
    if (rulesFile) {
      file = watchTextFile(
        rulesFile,
        RED.settings.userDir,
        (text) => {
          matcher.setExtra(text);
          showOk();
        },
        (err) => showFault(node, 'keyword-match.status.fileError', RED._('keyword-match.errors.file', { file: rulesFile, error: err.message })),
      );
    }
    if (!matcher.error && !(rulesFile && !matcher.extraLoaded)) showOk();

    node.on('input', (input: NodeMessage, send, done) => {
      const msg = wecomMsg(input);
      if (msg.rules !== undefined) {
        if (!matcher.msgRules) return done(new Error(RED._('keyword-match.errors.msgRulesOff')));
        try {
          matcher.setExtra(msg.rules);
          showOk();
        } catch (e) {
          node.status({ fill: 'red', shape: 'ring', text: 'keyword-match.status.badRule' });
          return done(e as Error);
        }
        if (noPayload(msg.payload)) return done();
      }
      const text = payloadText(msg.payload);
      let hits: KeywordHit[];
      try {
        // a tap on faq-lookup's did-you-mean menu is that node's to answer: no rule takes it
        hits = isFaqMenuTap(msg) ? [] : matcher.match(text);
      } catch (e) {
        return done(e as Error);
      }
      if (hits.length) {
        const { info, reply } = hits[0];
        opsEvent(RED, 'keyword.hit', msg, { rule: info.rule, label: info.label, keyword: info.keyword, source: info.source, answered: reply !== undefined, text });
      }
      send(matcher.route(msg, hits, (m) => RED.util.cloneMessage(m) as WecomMsg));
      done();
    });

    onClose(node, () => {
      file?.close();
      file = null;
    });
  }
  RED.nodes.registerType('keyword-match', nodeType(KeywordMatchNode, keywordMatchSchema));
};
