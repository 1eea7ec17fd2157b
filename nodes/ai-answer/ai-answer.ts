/**
 * `ai-answer` (AI 回答): answers a message the FAQ could not, from the company's own material, through the
 * model of an ai-endpoint config node — or hands it on. Two outputs: 1 answer (msg.payload = the checked
 * answer, msg.ai), 2 no answer (msg.payload unchanged, msg.ai.reason) — wired to handoff in the bundled flow.
 * Retrieval, prompt, checks, budgets and the Dify conversation map are the pure core in lib/ai/.
 */
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { AiAnswerer, type AiInfo, type AiOutcome } from '../lib/ai/answer';
import { DocFolder } from '../lib/ai/docs';
import { Analyzer } from '../lib/bot/faq/search-index';
import { num } from '../lib/bot/faq/data';
import { payloadText } from '../lib/bot/text/msg-text';
import { acquireStore, type StoreHandle } from '../shared/state';
import { faqIndexOf } from '../shared/faq-registry';
import { opsEvent } from '../shared/ops/events';
import { statusText } from '../shared/status-text';
import { nodeType, onClose, wecomMsg } from '../shared/node-kit';
import { aiAnswerSchema } from '../lib/config/ai-answer';
import { aiEndpointOf } from '../shared/ai-endpoint-node';
import { isTransferRequest } from '../lib/contract/kinds';

interface AiAnswerDef extends NodeDef {
  endpoint?: string;
  faq?: string;
  docsDir?: string;
  company?: string;
  tone?: string;
  prompt?: string;
  topFaq?: number | string;
  topDocs?: number | string;
  historyTurns?: number | string;
  minCitations?: number | string;
  userPerMinute?: number | string;
  budget?: number | string;
  redact?: boolean | string;
  debug?: boolean | string;
}

const on = (v: unknown) => v === true || v === 'true';

export = function register(RED: NodeAPI) {
  function AiAnswerNode(this: Node, config: AiAnswerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const endpoint = aiEndpointOf(RED, config.endpoint);
    const client = endpoint?.client() ?? null;
    let shared: StoreHandle | null = null;
    const userDir = RED.settings.userDir;
    const docsDir = (config.docsDir || '').trim();
    const answerer = new AiAnswerer({
      client,
      store: () => (shared ??= acquireStore(RED)).store,
      scope: endpoint?.id ?? 'none',
      faq: () => faqIndexOf(config.faq || undefined),
      docs: docsDir ? new DocFolder(path.resolve(userDir ?? process.cwd(), docsDir), new Analyzer()) : null,
      template: config.prompt,
      company: config.company,
      tone: config.tone,
      topFaq: num(config.topFaq, 3),
      topDocs: num(config.topDocs, 3),
      historyTurns: num(config.historyTurns, 3),
      minCitations: num(config.minCitations, 1),
      userPerMinute: num(config.userPerMinute, 6),
      budgetMs: Math.max(0.5, num(config.budget, 8)) * 1000,
      redact: on(config.redact),
      debug: on(config.debug),
    });
    const counts = { answered: 0, handed: 0 };
    const idle = () =>
      client
        ? node.status({ fill: 'green', shape: 'dot', text: statusText('ai-answer.status.ready', { endpoint: endpoint!.describe() }) })
        : node.status({ fill: 'grey', shape: 'ring', text: endpoint ? statusText('ai-answer.status.badEndpoint', { problem: endpoint.problems.join(', ') }) : 'ai-answer.status.off' });
    idle();

    node.on('input', async (input: NodeMessage, send, done) => {
      const msg = wecomMsg(input);
      // a request for a person (faq-lookup's "none of these", a function node) is not the model's to answer
      if (isTransferRequest(msg)) return send([null, msg]), done();
      try {
        const w = msg.wecom;
        const text = payloadText(msg.payload).trim();
        const conversationId = typeof w?.conversationId === 'string' ? w.conversationId : typeof msg.topic === 'string' ? msg.topic : 'anonymous';
        let out: AiOutcome;
        if (!text || (w && typeof w.msgType === 'string' && w.msgType !== 'text')) out = { answered: false, ai: { ...blank(client), reason: 'no_answer', detail: 'not a text message' } };
        else out = await answerer.answer({ conversationId, user: typeof w?.userId === 'string' ? w.userId : conversationId, text });
        record(msg, text, out);
        msg.ai = out.ai;
        if (out.answered) {
          counts.answered++;
          msg.payload = out.text;
          send([msg, null]);
        } else {
          counts.handed++;
          send([null, msg]);
        }
        if (client) node.status({ fill: 'green', shape: 'dot', text: statusText('ai-answer.status.counts', counts) });
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    /** The decision in the event record: cited ids and costs, never the key; the prompt only with the debug switch. */
    function record(msg: ReturnType<typeof wecomMsg>, text: string, out: AiOutcome): void {
      const { prompt, reply, ...ai } = out.ai;
      const debug = on(config.debug) ? { prompt, reply } : {};
      opsEvent(RED, out.answered ? 'ai.answer' : 'ai.miss', msg, { ...ai, text, ...(out.answered ? { answer: out.text } : {}), ...debug });
    }

    onClose(node, () => shared?.release());
  }
  RED.nodes.registerType('ai-answer', nodeType(AiAnswerNode, aiAnswerSchema));
};

function blank(client: { settings: { provider: string; model: string } } | null): AiInfo {
  return { provider: client?.settings.provider ?? 'none', model: client?.settings.model ?? '', cited: [], material: [], promptTokens: 0, completionTokens: 0, latencyMs: 0 };
}
