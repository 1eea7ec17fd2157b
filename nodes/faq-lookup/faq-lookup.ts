/**
 * `faq-lookup`: answers a message from a FAQ knowledge base (lib/bot/faq/bot.ts). Three outputs:
 * answer (confident answer, or a small-talk reply with msg.faq.smallTalk), suggest (您是不是想问 1/2/3, a msgmenu
 * on 微信客服; a numbered reply or a tap from the same conversation answers that entry) and miss ("none of these"
 * leaves here with msg.handoff asking for a person). One message's decision, its did-you-mean state (in the state
 * store) and what is sent are in lib/bot/faq/turn.ts.
 */
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { createFaqBot, faqBotConfig, type FaqBot, type FaqNodeFields, type FaqSources } from '../lib/bot/faq/bot';
import { EmbeddingReranker } from '../lib/bot/faq/rerank';
import { faqAsk, faqDecide, faqTurn } from '../lib/bot/faq/turn';
import { PendingSuggestions } from '../lib/bot/faq/pending';
import { noPayload, payloadText } from '../lib/bot/text/msg-text';
import { parseKb } from '../lib/bot/faq/data';
import { credentialTypes, numOf } from '../lib/config/schema';
import { watchTextFile, type FileSource } from '../shared/file-source';
import { opsEvent } from '../shared/ops/events';
import { publishFaqIndex } from '../shared/faq-registry';
import { aiEndpointOf, embeddingsSource } from '../shared/ai-endpoint-node';
import { showFault, statusText } from '../shared/status-text';
import { nodeType, onClose, wecomMsg } from '../shared/node-kit';
import { acquireStore, type StoreHandle } from '../shared/state';
import { faqLookupSchema } from '../lib/config/faq-lookup';

const F = faqLookupSchema.fields;

type FaqLookupDef = NodeDef &
  FaqNodeFields & {
    entries?: unknown[];
    kbFile?: string;
    synonymsFile?: string;
    smallTalkFile?: string;
    suggestTtl?: number | string;
    /** The ai-endpoint config node whose embedding model re-ranks (rerankUrl/Model/Key: flows saved before it). */
    aiEndpoint?: string;
    rerankUrl?: string;
    rerankModel?: string;
    rerankBudget?: number | string;
  };

export = function register(RED: NodeAPI) {
  function FaqLookupNode(this: Node<{ rerankKey?: string }>, config: FaqLookupDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const key = (this.credentials || {}).rerankKey;
    const ttlMs = numOf(F.suggestTtl, config.suggestTtl) * 1000;
    // the pending did-you-mean lives in the runtime's state store (shared by every instance on Redis)
    let handle: StoreHandle | null = null;
    let pending: PendingSuggestions | null = null;
    const pendingStore = () => (pending ??= new PendingSuggestions((handle ??= acquireStore(RED)).store, ttlMs));
    const userDir = RED.settings.userDir;
    const emb = embeddingsSource(aiEndpointOf(RED, config.aiEndpoint), { url: config.rerankUrl, model: config.rerankModel, apiKey: key });
    const reranker = emb ? new EmbeddingReranker({ ...emb, budgetMs: numOf(F.rerankBudget, config.rerankBudget), cacheDir: userDir ? path.join(userDir, 'wecom-faq-cache') : undefined }) : null;
    // the sources a bot is built from: the KB (dialog, file or msg.kb) and the dialog + file word lists
    const src: FaqSources = { entries: Array.isArray(config.entries) ? config.entries : [], synonymsFile: '', smallTalkFile: '' };
    let bot: FaqBot | null = null;
    const fail = (err: Error) => showFault(node, 'faq-lookup.status.kbError', RED._('faq-lookup.errors.kb', { error: err.message }));
    const build = () => {
      const b = createFaqBot(faqBotConfig(config, src, reranker));
      bot = b;
      node.status({ fill: 'green', shape: 'dot', text: statusText('faq-lookup.status.entries', { n: b.index.size }) });
      reranker?.prepare(b.index.entries).catch((e: Error) => node.warn(RED._('faq-lookup.errors.rerank', { error: e.message })));
    };
    const tryBuild = () => {
      try { build(); } catch (e) { fail(e as Error); } // prettier-ignore
    };
    const files: FileSource[] = [];
    let ready = false;
    let kbLoaded = !(config.kbFile || '').trim();
    const watch = (file: string | undefined, onText: (text: string, full: string) => void) => {
      if ((file || '').trim()) files.push(watchTextFile(file!.trim(), userDir, (t, full) => (onText(t, full), ready && kbLoaded && tryBuild()), fail));
    };
    watch(config.synonymsFile, (t) => (src.synonymsFile = t));
    watch(config.smallTalkFile, (t) => (src.smallTalkFile = t));
    watch(config.kbFile, (t, full) => ((src.entries = parseKb(t, full)), (kbLoaded = true)));
    ready = true;
    if (kbLoaded) tryBuild();
    publishFaqIndex(node, () => bot?.index ?? null); // ai-answer retrieves from the same knowledge base

    node.on('input', async (input: NodeMessage, send, done) => {
      const msg = wecomMsg(input);
      try {
        if (msg.kb !== undefined) {
          src.entries = typeof msg.kb === 'string' ? JSON.parse(msg.kb) : msg.kb;
          build();
          if (noPayload(msg.payload)) return done();
        }
        const b = bot;
        if (!b) return done(new Error(RED._('faq-lookup.errors.noKb')));
        const text = payloadText(msg.payload);
        const ask = faqAsk(msg, text);
        const turn = faqTurn(b, await faqDecide(b, pendingStore(), ask), text, ask.channel);
        opsEvent(RED, turn.event.type, msg, turn.event.fields);
        msg.faq = turn.faq;
        if (turn.handoff) msg.handoff = { ...msg.handoff, ...turn.handoff };
        if (turn.payload !== undefined) msg.payload = turn.payload;
        const out: Array<NodeMessage | null> = [null, null, null];
        out[turn.port] = msg;
        send(out);
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    onClose(node, () => {
      for (const f of files.splice(0)) f.close();
      return handle?.release();
    });
  }
  RED.nodes.registerType('faq-lookup', nodeType(FaqLookupNode, faqLookupSchema), { credentials: credentialTypes(faqLookupSchema) });
};
