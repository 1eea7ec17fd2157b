/**
 * The settings of one AI endpoint (the `ai-endpoint` config node), resolved from the node's fields with the
 * WECOM_AI_* environment variables for blank ones, and checked. Pure: no Node-RED import.
 *
 * The API key is only ever put in the Authorization header: nothing here or in client.ts puts it in a
 * message, an error or a log line.
 */

export type AiProvider = 'openai' | 'dify';

export interface AiEndpointSettings {
  provider: AiProvider;
  /** Base URL, e.g. https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1 (Dify: https://api.dify.ai/v1). */
  baseUrl: string;
  apiKey: string;
  /** Chat model (openai provider). */
  model: string;
  /** Embeddings model ('' = no embeddings: faq-lookup keeps its lexical ranking). */
  embeddingModel: string;
  /** One request's limit, ms (the caller's own time budget may be shorter). */
  timeoutMs: number;
  /** Requests in flight at once through this endpoint. */
  maxConcurrency: number;
  /** Tokens per day across every instance on the store (0 = no limit). */
  dailyBudget: number;
}

/** The fields of an ai-endpoint node as saved (numbers may be text). */
export interface AiEndpointFields {
  provider?: string;
  baseUrl?: string;
  model?: string;
  embeddingModel?: string;
  timeout?: number | string;
  maxConcurrency?: number | string;
  dailyBudget?: number | string;
  apiKey?: string;
}

export const AI_DEFAULTS = { timeoutMs: 8000, maxConcurrency: 8, dailyBudget: 0 } as const;

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const count = (v: unknown, dflt: number, min: number) => {
  const n = typeof v === 'number' ? v : parseFloat(String(v ?? ''));
  return Number.isFinite(n) && n >= min ? Math.floor(n) : dflt;
};

/** Fields first, then WECOM_AI_BASE_URL / _API_KEY / _MODEL / _EMBEDDING_MODEL / _PROVIDER. */
export function resolveAiSettings(f: AiEndpointFields, env: NodeJS.ProcessEnv = process.env): AiEndpointSettings {
  const provider = (text(f.provider) || text(env.WECOM_AI_PROVIDER) || 'openai').toLowerCase();
  return {
    provider: provider === 'dify' ? 'dify' : 'openai',
    baseUrl: (text(f.baseUrl) || text(env.WECOM_AI_BASE_URL)).replace(/\/+$/, ''),
    apiKey: text(f.apiKey) || text(env.WECOM_AI_API_KEY),
    model: text(f.model) || text(env.WECOM_AI_MODEL),
    embeddingModel: text(f.embeddingModel) || text(env.WECOM_AI_EMBEDDING_MODEL),
    timeoutMs: count(f.timeout, AI_DEFAULTS.timeoutMs / 1000, 1) * 1000,
    maxConcurrency: count(f.maxConcurrency, AI_DEFAULTS.maxConcurrency, 1),
    dailyBudget: count(f.dailyBudget, AI_DEFAULTS.dailyBudget, 0),
  };
}

export type AiProblem = 'noBaseUrl' | 'badBaseUrl' | 'noModel' | 'badProvider';

/** What keeps the endpoint from being used (empty: usable). The key may be blank (a local Ollama needs none). */
export function aiProblems(s: AiEndpointSettings, rawProvider?: string): AiProblem[] {
  const out: AiProblem[] = [];
  const p = text(rawProvider).toLowerCase();
  if (p && p !== 'openai' && p !== 'dify') out.push('badProvider');
  if (!s.baseUrl) out.push('noBaseUrl');
  else if (!/^https?:\/\/[^/\s]+/i.test(s.baseUrl)) out.push('badBaseUrl');
  if (s.provider === 'openai' && !s.model) out.push('noModel');
  return out;
}

/** A short, key-free description for status and logs: `openai deepseek-chat @ api.deepseek.com`. */
export function describeEndpoint(s: AiEndpointSettings): string {
  let host = s.baseUrl;
  try {
    host = new URL(s.baseUrl).host;
  } catch {
    /* shown as typed */
  }
  return `${s.provider}${s.provider === 'openai' && s.model ? ' ' + s.model : ''} @ ${host}`;
}
