/**
 * The two chat protocols the ai-answer node speaks, plain JSON over HTTP (http.ts):
 *  - OpenAI-compatible `POST {base}/chat/completions` (DeepSeek, 通义千问 compatible mode, Kimi, Ollama, vLLM,
 *    OneAPI/NewAPI, FastGPT …) and `POST {base}/embeddings`;
 *  - a Dify chat app's `POST {base}/chat-messages` in blocking mode (Dify retrieves from its own knowledge).
 * Pure: no Node-RED import.
 */
import { AiCallError, postJson, Slots } from './http';
import type { AiEndpointSettings } from './settings';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
  attempts: number;
}

/** A passage Dify's retrieval used (metadata.retriever_resources). */
export interface DifySource {
  id: string;
  text: string;
}

export interface DifyReply extends ChatReply {
  conversationId: string;
  sources: DifySource[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** A failed answer's HTTP status as an error (the body is not quoted: it may echo what was sent). */
function httpError(status: number): AiCallError {
  return new AiCallError(`the AI endpoint answered HTTP ${status}`, 'error', status);
}

export class AiClient {
  readonly slots: Slots;
  constructor(readonly settings: AiEndpointSettings) {
    this.slots = new Slots(settings.maxConcurrency);
  }

  private url(path: string): string {
    const base = this.settings.baseUrl;
    return base.endsWith(path) ? base : base + path;
  }

  /** Deadline of a call starting now: the caller's budget, never past the endpoint's own timeout. */
  deadline(budgetMs?: number): number {
    return Date.now() + Math.min(budgetMs ?? Infinity, this.settings.timeoutMs);
  }

  async chat(messages: ChatMessage[], deadline: number, opts: { temperature?: number; maxTokens?: number } = {}): Promise<ChatReply> {
    const body: Record<string, unknown> = { model: this.settings.model, messages, temperature: opts.temperature ?? 0, stream: false };
    if (opts.maxTokens) body.max_tokens = opts.maxTokens;
    const r = await postJson({ url: this.url('/chat/completions'), body, apiKey: this.settings.apiKey, deadline, slots: this.slots });
    if (r.status >= 400) throw httpError(r.status);
    const choice = obj(Array.isArray(r.json.choices) ? r.json.choices[0] : undefined);
    const usage = obj(r.json.usage);
    return { text: str(obj(choice.message).content), promptTokens: int(usage.prompt_tokens), completionTokens: int(usage.completion_tokens), attempts: r.attempts };
  }

  /** Dify: one blocking chat message; a conversation id Dify no longer knows (404) starts a new one. */
  async difyChat(q: { query: string; user: string; conversationId?: string; inputs?: Record<string, string> }, deadline: number): Promise<DifyReply> {
    const send = (conversationId: string) =>
      postJson({
        url: this.url('/chat-messages'),
        body: { inputs: q.inputs ?? {}, query: q.query, response_mode: 'blocking', conversation_id: conversationId, user: q.user },
        apiKey: this.settings.apiKey,
        deadline,
        slots: this.slots,
      });
    let r = await send(q.conversationId ?? '');
    if (r.status === 404 && q.conversationId) r = await send('');
    if (r.status >= 400) throw httpError(r.status);
    const meta = obj(r.json.metadata);
    const usage = obj(meta.usage);
    const sources = (Array.isArray(meta.retriever_resources) ? meta.retriever_resources : []).map((x, i) => {
      const s = obj(x);
      const name = str(s.document_name) || str(s.dataset_name) || 'dify';
      return { id: `doc:${name}#${int(s.position) || i + 1}`, text: str(s.content) };
    });
    return {
      text: str(r.json.answer),
      conversationId: str(r.json.conversation_id),
      promptTokens: int(usage.prompt_tokens),
      completionTokens: int(usage.completion_tokens),
      sources,
      attempts: r.attempts,
    };
  }

  /** OpenAI-compatible embeddings (one vector per text, in order). */
  async embed(texts: string[], deadline: number): Promise<number[][]> {
    const body: Record<string, unknown> = { input: texts };
    if (this.settings.embeddingModel) body.model = this.settings.embeddingModel;
    const r = await postJson({ url: this.url('/embeddings'), body, apiKey: this.settings.apiKey, deadline, slots: this.slots });
    if (r.status >= 400) throw httpError(r.status);
    const data = Array.isArray(r.json.data) ? r.json.data : [];
    const out: number[][] = new Array(texts.length);
    data.forEach((d, i) => {
      const e = obj(d);
      const at = typeof e.index === 'number' ? e.index : i;
      if (Array.isArray(e.embedding) && at >= 0 && at < texts.length) out[at] = e.embedding as number[];
    });
    for (let i = 0; i < texts.length; i++) if (!out[i]) throw new AiCallError('the embeddings endpoint returned too few vectors', 'error');
    return out;
  }
}
