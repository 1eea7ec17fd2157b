/**
 * `faq-lookup`: answers a message from a FAQ knowledge base (lib/bot/faq-bot.ts). Three outputs:
 * answer (confident answer, or a small-talk reply with msg.faq.smallTalk), suggest (您是不是想问 1/2/3; a
 * numbered reply from the same conversation answers that entry, lib/bot/faq-suggest.ts) and miss.
 */
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { createFaqBot, type FaqBot, type FaqDecision } from '../lib/bot/faq-bot';
import { EmbeddingReranker } from '../lib/bot/faq-rerank';
import { makePending, stepPending, suggestionText, type Pending } from '../lib/bot/faq-suggest';
import { contextKV } from '../lib/state/context-store';
import { DEFAULT_SUGGEST_TTL_S, num, parseKb } from '../lib/bot/faq-data';
import { watchTextFile, type FileSource } from '../shared/file-source';
import { opsEvent } from '../shared/events';
import { statusText } from '../shared/status-text';
import { nodeContext, wecomMsg } from '../shared/node-kit';
import type { WecomMsg } from '../lib/messages';

interface FaqLookupDef extends NodeDef {
  entries?: unknown[];
  kbFile?: string;
  synonyms?: string;
  synonymsFile?: string;
  builtinSynonyms?: boolean | string;
  smallTalk?: boolean | string;
  smallTalkPhrases?: string;
  smallTalkFile?: string;
  smallTalkReplies?: string;
  answerConfidence?: number | string;
  suggestConfidence?: number | string;
  suggestTtl?: number | string;
  store?: string;
  rerankUrl?: string;
  rerankModel?: string;
  rerankBudget?: number | string;
}

type Msg = WecomMsg;
const off = (v: unknown) => v === false || v === 'false';
const optNum = (v: unknown) => (v === '' || v === undefined || v === null ? undefined : num(v, NaN));

export = function register(RED: NodeAPI) {
  function FaqLookupNode(this: Node<{ rerankKey?: string }>, config: FaqLookupDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const key = (this.credentials || {}).rerankKey;
    const ttlMs = Math.max(1, num(config.suggestTtl, DEFAULT_SUGGEST_TTL_S)) * 1000;
    const kv = contextKV(nodeContext(node), config.store);
    const userDir = RED.settings.userDir;
    const reranker = (config.rerankUrl || '').trim()
      ? new EmbeddingReranker({ url: config.rerankUrl!, model: config.rerankModel || undefined, apiKey: key, budgetMs: num(config.rerankBudget, 300), cacheDir: userDir ? path.join(userDir, 'wecom-faq-cache') : undefined })
      : null;
    // the sources a bot is built from: the KB (dialog, file or msg.kb) and the dialog + file word lists
    const src = { entries: (Array.isArray(config.entries) ? config.entries : []) as unknown, synFile: '', stFile: '' };
    let bot: FaqBot | null = null;
    const fail = (err: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: 'faq-lookup.status.kbError' });
      node.error(RED._('faq-lookup.errors.kb', { error: err.message }));
    };
    const build = () => {
      const b = createFaqBot({
        entries: src.entries as never,
        synonymsText: (config.synonyms || '') + '\n' + src.synFile,
        builtinSynonyms: !off(config.builtinSynonyms),
        smallTalk: !off(config.smallTalk),
        smallTalkText: (config.smallTalkPhrases || '') + '\n' + src.stFile,
        repliesText: config.smallTalkReplies || '',
        answerAt: optNum(config.answerConfidence),
        suggestAt: optNum(config.suggestConfidence),
        reranker,
      });
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
    watch(config.synonymsFile, (t) => (src.synFile = t));
    watch(config.smallTalkFile, (t) => (src.stFile = t));
    watch(config.kbFile, (t, full) => ((src.entries = parseKb(t, full)), (kbLoaded = true)));
    ready = true;
    if (kbLoaded) tryBuild();

    const reply = (msg: Msg, d: FaqDecision, b: FaqBot, text: string) => {
      const e = d.index !== undefined ? b.index.entries[d.index] : null;
      const band = d.kind === 'answer' && d.score === 1 && d.confidence === 1 ? 'picked' : d.kind;
      opsEvent(RED, d.kind === 'answer' ? 'faq.answer' : d.kind === 'suggest' ? 'faq.suggest' : d.kind === 'smallTalk' && d.reply ? 'faq.answer' : 'faq.miss', msg, { faqId: e?.id, faqIds: d.candidates.map((c) => c.id), score: d.score, confidence: d.confidence, band, text });
      msg.faq = { id: e ? e.id : null, question: e ? e.question : null, score: d.score, confidence: d.confidence, candidates: d.candidates, ...(d.smallTalk ? { smallTalk: d.smallTalk } : {}), ...(d.reranked ? { reranked: true } : {}) };
      if (d.kind === 'smallTalk') {
        if (!d.reply) return [null, null, msg];
        msg.payload = d.reply;
        return [msg, null, null];
      }
      if (d.kind === 'answer' && e) {
        msg.payload = e.answer;
        return [msg, null, null];
      }
      if (d.kind === 'suggest') {
        msg.payload = suggestionText(d.candidates.map((c) => c.question), RED._('faq-lookup.suggest.prompt'), (n) => RED._('faq-lookup.suggest.hint', { choices: RED._(`faq-lookup.suggest.choices${n}`) }));
        return [null, msg, null];
      }
      return [null, null, msg];
    };

    node.on('input', async (input: NodeMessage, send, done) => {
      const msg = wecomMsg(input);
      try {
        if (msg.kb !== undefined) {
          src.entries = typeof msg.kb === 'string' ? JSON.parse(msg.kb) : msg.kb;
          build();
          if (msg.payload === undefined || msg.payload === null || msg.payload === '') return done();
        }
        const b = bot;
        if (!b) return done(new Error(RED._('faq-lookup.errors.noKb')));
        const text = typeof msg.payload === 'string' ? msg.payload : msg.payload == null ? '' : String(msg.payload);
        const conv = (msg.wecom && typeof msg.wecom === 'object' && msg.wecom.conversationId) || msg.topic;
        const pkey = conv ? 'faq-pending:' + String(conv) : null;
        if (pkey) {
          const step = stepPending(await kv.get<Pending>(pkey), text, Date.now(), ttlMs);
          if (step.action !== 'none') await kv.set(pkey, undefined);
          const ei = step.action === 'choose' ? b.index.entries.findIndex((e) => e.id === step.id) : -1;
          if (ei >= 0) {
            const e = b.index.entries[ei];
            send(reply(msg, { kind: 'answer', index: ei, score: 1, confidence: 1, candidates: [{ id: e.id, question: e.question, score: 1 }] }, b, text) as never);
            return done();
          }
        }
        const d = await b.decide(text);
        if (d.kind === 'suggest' && pkey) await kv.set(pkey, makePending(d.candidates.map((c) => c.id), Date.now()));
        send(reply(msg, d, b, text) as never);
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const f of files.splice(0)) f.close();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('faq-lookup', FaqLookupNode, { credentials: { rerankKey: { type: 'password' } } } as never);
};
