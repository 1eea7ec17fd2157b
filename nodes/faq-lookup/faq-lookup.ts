/**
 * `faq-lookup`: answers a message from a FAQ knowledge base (lib/bot/faq-index.ts). Three outputs:
 * answer (score ≥ answer threshold), suggest (grey band: 您是不是想问 1/2/3, a numbered reply from the
 * same conversation answers that entry) and miss (for the handoff).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { FaqIndex, validateEntries, type FaqEntry, type FaqResult } from '../lib/bot/faq-index';
import { contextKV, type AsyncKV, type ContextLike } from '../lib/state/context-store';
import { normalise } from '../lib/bot/text-normalise';
import { DEFAULT_ANSWER_THRESHOLD, DEFAULT_SUGGEST_THRESHOLD, DEFAULT_SUGGEST_TTL_S, num, parseKb, parseSynonyms } from '../lib/bot/faq-data';
import { watchTextFile, type FileSource } from '../shared/file-source';
import { opsEvent } from '../shared/events';

interface FaqLookupDef extends NodeDef {
  entries?: FaqEntry[];
  kbFile?: string;
  synonyms?: string;
  builtinSynonyms?: boolean | string;
  answerThreshold?: number | string;
  suggestThreshold?: number | string;
  suggestTtl?: number | string;
  store?: string;
}

type Msg = NodeMessage & { faq?: unknown; kb?: unknown; wecom?: { conversationId?: string } };

interface Pending {
  ids: string[];
  at: number;
}

export = function register(RED: NodeAPI) {
  function FaqLookupNode(this: Node, config: FaqLookupDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const answerTh = num(config.answerThreshold, DEFAULT_ANSWER_THRESHOLD);
    const suggestTh = Math.min(answerTh, num(config.suggestThreshold, DEFAULT_SUGGEST_THRESHOLD));
    const ttlMs = Math.max(1, num(config.suggestTtl, DEFAULT_SUGGEST_TTL_S)) * 1000;
    const synonyms = parseSynonyms(config.synonyms || '');
    const builtinSynonyms = !(config.builtinSynonyms === false || config.builtinSynonyms === 'false');
    const kv: AsyncKV = contextKV(node.context() as unknown as ContextLike, config.store);
    const kbFile = (config.kbFile || '').trim();

    let index: FaqIndex | null = null;
    let file: FileSource | null = null;
    const build = (entries: unknown) => {
      index = new FaqIndex(validateEntries(entries), { synonyms, builtinSynonyms });
      node.status({ fill: 'green', shape: 'dot', text: RED._('faq-lookup.status.entries', { n: String(index.size) }) });
    };
    const fail = (err: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: RED._('faq-lookup.status.kbError') });
      node.error(RED._('faq-lookup.errors.kb', { error: err.message }));
    };

    if (kbFile) {
      file = watchTextFile(kbFile, RED.settings.userDir, (text, full) => build(parseKb(text, full)), fail);
    } else {
      try {
        build(Array.isArray(config.entries) ? config.entries : []);
      } catch (e) {
        fail(e as Error);
      }
    }

    const convKey = (msg: Msg) => {
      const id = (msg.wecom && typeof msg.wecom === 'object' && msg.wecom.conversationId) || msg.topic;
      return id ? 'faq-pending:' + String(id) : null;
    };

    const answerMsg = (msg: Msg, res: FaqResult, idx: FaqIndex, entryIndex: number, score: number) => {
      const e = idx.entries[entryIndex];
      msg.payload = e.answer;
      msg.faq = { id: e.id, question: e.question, score, candidates: res.candidates };
      return msg;
    };

    node.on('input', async (msg: Msg, send, done) => {
      try {
        if (msg.kb !== undefined) {
          build(typeof msg.kb === 'string' ? JSON.parse(msg.kb) : msg.kb);
          if (msg.payload === undefined || msg.payload === null || msg.payload === '') {
            done();
            return;
          }
        }
        const idx = index;
        if (!idx) {
          done(new Error(RED._('faq-lookup.errors.noKb')));
          return;
        }
        const text = typeof msg.payload === 'string' ? msg.payload : msg.payload == null ? '' : String(msg.payload);
        const key = convKey(msg);

        // a numbered reply to a pending suggestion
        const choice = /^([1-9])$/.exec(normalise(text).replace(/^第|个$|条$/g, ''));
        if (key) {
          const pending = await kv.get<Pending>(key);
          if (pending && Date.now() - pending.at <= ttlMs && choice) {
            const id = pending.ids[Number(choice[1]) - 1];
            const ei = idx.entries.findIndex((e) => e.id === id);
            if (ei >= 0) {
              await kv.set(key, undefined);
              const cands = pending.ids.map((pid) => {
                const e = idx.entries.find((x) => x.id === pid);
                return { id: pid, question: e ? e.question : '', score: 1 };
              });
              opsEvent(RED, 'faq.answer', msg, { faqId: id, score: 1, band: 'picked', text });
              send([answerMsg(msg, { best: null, candidates: cands }, idx, ei, 1), null, null]);
              done();
              return;
            }
          } else if (pending) {
            await kv.set(key, undefined);
          }
        }

        const res = idx.search(text, 3, { longListFloor: suggestTh });
        const score = res.best ? res.best.score : 0;
        if (res.best && score >= answerTh) {
          opsEvent(RED, 'faq.answer', msg, { faqId: res.best.id, score, band: 'answer', text });
          send([answerMsg(msg, res, idx, res.best.index, score), null, null]);
        } else if (res.best && score >= suggestTh && res.candidates.length > 0) {
          const top = res.candidates.slice(0, 3);
          const lines = top.map((c, i) => `${i + 1}. ${c.question}`);
          msg.faq = { id: null, question: null, score, candidates: res.candidates };
          const choices = RED._(`faq-lookup.suggest.choices${top.length}`);
          msg.payload = RED._('faq-lookup.suggest.prompt') + '\n' + lines.join('\n') + '\n' + RED._('faq-lookup.suggest.hint', { choices });
          if (key) await kv.set(key, { ids: top.map((c) => c.id), at: Date.now() } as Pending);
          opsEvent(RED, 'faq.suggest', msg, { faqIds: top.map((c) => c.id), score, band: 'suggest', text });
          send([null, msg, null]);
        } else {
          msg.faq = { id: null, question: null, score, candidates: res.candidates };
          opsEvent(RED, 'faq.miss', msg, { score, band: 'miss', faqIds: res.candidates.slice(0, 3).map((c) => c.id), text });
          send([null, null, msg]);
        }
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (file) file.close();
      file = null;
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('faq-lookup', FaqLookupNode);
};
