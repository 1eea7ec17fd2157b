/**
 * One AI answer, pure of Node-RED: retrieve material (FAQ entries from the lexical index, passages from the
 * documents folder), ask the model under a hard time budget (OpenAI-compatible with the grounded prompt, or a
 * Dify app with its own retrieval), check the reply (checks.ts) and say either "answer this" or "no answer,
 * because …" — so the customer always gets the answer or a human, never a guess.
 */
import type { FaqIndex } from '../bot/faq/search-index';
import type { StateStore } from '../state/store';
import { AiClient, type ChatMessage, type DifySource } from './client';
import { AiCallError } from './http';
import { checkAnswer, redact } from './checks';
import type { DocFolder } from './docs';
import { AiLedger } from './ledger';
import { buildMessages, type Material, type Turn } from './prompt';

export type NoAnswerReason = 'no_answer' | 'ungrounded' | 'timeout' | 'error' | 'budget' | 'off';

/** msg.ai: what the node decided and what it cost (never the key; the prompt only with `debug`). */
export interface AiInfo {
  provider: string;
  model: string;
  /** Material ids the answer cites (on no-answer: what the reply cited, if anything). */
  cited: string[];
  /** Material ids retrieved and given to the model. */
  material: string[];
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  reason?: NoAnswerReason;
  /** Which check failed, or the error (no secrets). */
  detail?: string;
  /** The model's reply before the checks (debug only). */
  reply?: string;
  /** The messages sent (debug only). */
  prompt?: ChatMessage[];
}

export type AiOutcome = { answered: true; text: string; parts: string[]; ai: AiInfo } | { answered: false; ai: AiInfo & { reason: NoAnswerReason } };

export interface AiAnswerOptions {
  client: AiClient | null;
  store: () => StateStore;
  /** One budget, history and Dify conversation map per endpoint (its config node id). */
  scope: string;
  /** The FAQ index to retrieve from (faq-lookup's), when there is one. */
  faq?: () => FaqIndex | null;
  docs?: DocFolder | null;
  template?: string;
  company?: string;
  tone?: string;
  /** FAQ entries / document passages given to the model (default 3 / 3). */
  topFaq?: number;
  topDocs?: number;
  /** Lowest lexical FAQ score given to the model (default 0.25; an entry sharing one common word scores about 0.2). */
  minFaqScore?: number;
  /** Turns of the conversation sent for follow-ups (default 3; 0 = none), kept this long (default 30 min). */
  historyTurns?: number;
  historyTtlMs?: number;
  minCitations?: number;
  maxParts?: number;
  /** Replace phone and ID-card numbers before anything leaves for the model. */
  redact?: boolean;
  /** Requests per user per minute (0 = no limit; default 6). */
  userPerMinute?: number;
  /** Hard time budget of one answer, ms (default 8000). */
  budgetMs?: number;
  /** Keep the prompt and the raw reply in msg.ai (never in the event record unless the node's debug switch says so). */
  debug?: boolean;
}

export interface AiQuestion {
  conversationId: string;
  user: string;
  text: string;
}

export class AiAnswerer {
  readonly ledger: AiLedger;
  constructor(readonly o: AiAnswerOptions) {
    this.ledger = new AiLedger(o.store, o.scope);
  }

  /** FAQ entries and document passages for `text` (and the previous question, for follow-ups). */
  retrieve(text: string, history: Turn[]): Material[] {
    const out = new Map<string, string>();
    const queries = [text, ...(history.length ? [history[history.length - 1].q + ' ' + text] : [])];
    const index = this.o.faq?.() ?? null;
    for (const q of queries) {
      if (index) {
        const byId = new Map(index.entries.map((e) => [e.id, e]));
        for (const c of index.search(q, this.o.topFaq ?? 3).candidates) {
          const e = byId.get(c.id);
          if (e && c.score >= (this.o.minFaqScore ?? 0.25) && !out.has('f' + c.id)) out.set('f' + c.id, `问：${e.question} 答：${e.answer}`);
        }
      }
      for (const p of this.o.docs?.current().search(q, this.o.topDocs ?? 3) ?? []) if (!out.has(p.id)) out.set(p.id, (p.heading ? p.heading + '：' : '') + p.text);
    }
    return [...out].map(([id, t]) => ({ id, text: t }));
  }

  async answer(q: AiQuestion): Promise<AiOutcome> {
    const started = Date.now();
    const s = this.o.client?.settings;
    const info: AiInfo = { provider: s?.provider ?? 'none', model: s ? (s.provider === 'dify' ? 'dify' : s.model) : '', cited: [], material: [], promptTokens: 0, completionTokens: 0, latencyMs: 0 };
    const no = (reason: NoAnswerReason, detail?: string): AiOutcome => ({ answered: false, ai: { ...info, reason, detail, latencyMs: Date.now() - started } });
    const client = this.o.client;
    if (!client) return no('off', 'no AI endpoint configured');
    const budgetMs = this.o.budgetMs ?? 8000;
    const deadline = client.deadline(budgetMs);
    let timer: NodeJS.Timeout | undefined;
    // the HTTP call stops at the deadline; this makes the whole answer (store included) stop there too
    const late = new Promise<AiOutcome>((resolve) => (timer = setTimeout(() => resolve(no('timeout', 'time budget')), Math.max(0, deadline - started) + 20)));
    let out: AiOutcome;
    try {
      out = await Promise.race([this.run(q, client, deadline, info, no), late]);
    } catch (e) {
      out = no(e instanceof AiCallError && e.kind === 'timeout' ? 'timeout' : 'error', (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
    out.ai.latencyMs = Date.now() - started;
    return out;
  }

  private async run(q: AiQuestion, client: AiClient, deadline: number, info: AiInfo, no: (r: NoAnswerReason, d?: string) => AiOutcome): Promise<AiOutcome> {
    const s = client.settings;
    if (!(await this.ledger.allowUser(q.user || q.conversationId, this.o.userPerMinute ?? 6))) return no('budget', 'user rate limit');
    if (s.dailyBudget > 0 && (await this.ledger.spentToday()) >= s.dailyBudget) return no('budget', 'daily token budget spent');
    const text = this.o.redact ? redact(q.text) : q.text;
    const keep = this.o.historyTurns ?? 3;
    const history = keep > 0 && s.provider === 'openai' ? (await this.ledger.history(q.conversationId)).slice(-keep) : [];
    let reply: string;
    let material: Material[];
    if (s.provider === 'dify') {
      const r = await client.difyChat({ query: text, user: q.conversationId, conversationId: await this.ledger.difyConversation(q.conversationId) }, deadline);
      if (r.conversationId) await this.ledger.setDifyConversation(q.conversationId, r.conversationId);
      await this.count(info, r.promptTokens, r.completionTokens);
      reply = citeDify(r.text, r.sources);
      material = r.sources;
    } else {
      material = this.retrieve(text, history);
      info.material = material.map((m) => m.id);
      if (material.length === 0) return no('no_answer', 'no material');
      const messages = buildMessages({ template: this.o.template, company: this.o.company, tone: this.o.tone, material, history, question: text });
      if (this.o.debug) info.prompt = messages;
      const r = await client.chat(messages, deadline);
      await this.count(info, r.promptTokens, r.completionTokens);
      reply = r.text;
    }
    if (this.o.debug) info.reply = reply;
    const c = checkAnswer(reply, material, { minCitations: this.o.minCitations, maxParts: this.o.maxParts });
    info.cited = c.cited;
    if (!c.ok) return no(c.reason, c.detail);
    if (keep > 0 && s.provider === 'openai') await this.ledger.remember(q.conversationId, { q: text, a: c.text }, keep, this.o.historyTtlMs ?? 30 * 60_000);
    return { answered: true, text: c.text, parts: c.parts, ai: { ...info } };
  }

  private async count(info: AiInfo, prompt: number, completion: number): Promise<void> {
    info.promptTokens += prompt;
    info.completionTokens += completion;
    await this.ledger.spend(prompt + completion);
  }
}

/** A Dify reply cites nothing itself: its retriever resources are the citations (when the app returns them). */
function citeDify(text: string, sources: DifySource[]): string {
  return sources.length && text.trim() ? `${text} ${sources.map((x) => `[${x.id}]`).join('')}` : text;
}
