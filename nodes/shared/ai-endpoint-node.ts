/** What an `ai-endpoint` config node offers the nodes that use it (ai-answer, faq-lookup's re-ranker). */
import type { Node, NodeAPI } from 'node-red';
import type { AiClient } from '../lib/ai/client';
import type { AiEndpointSettings, AiProblem } from '../lib/ai/settings';

export interface AiEndpointNode extends Node<{ apiKey?: string }> {
  settings: AiEndpointSettings;
  problems: AiProblem[];
  /** The shared client, or null when the endpoint is not usable (see problems). */
  client(): AiClient | null;
  /** Key-free description for status and logs. */
  describe(): string;
}

/** The ai-endpoint config node with this id (null when unset or missing). */
export function aiEndpointOf(RED: NodeAPI, id: string | undefined): AiEndpointNode | null {
  return id ? ((RED.nodes.getNode(id) as AiEndpointNode | null) ?? null) : null;
}

/** Where embeddings come from for faq-lookup's re-ranker. */
export interface EmbeddingsSource {
  url: string;
  model?: string;
  apiKey?: string;
}

/**
 * faq-lookup's re-ranker: the chosen ai-endpoint (OpenAI-compatible, with an embedding model), else — for flows
 * saved before ai-endpoint existed — the node's own legacy fields (rerankUrl, rerankModel, rerankKey).
 */
export function embeddingsSource(ep: AiEndpointNode | null, legacy: { url?: string; model?: string; apiKey?: string }): EmbeddingsSource | null {
  if (ep) {
    const s = ep.settings;
    const usable = s.provider === 'openai' && s.embeddingModel && !ep.problems.some((p) => p === 'noBaseUrl' || p === 'badBaseUrl');
    return usable ? { url: s.baseUrl, model: s.embeddingModel, apiKey: s.apiKey || undefined } : null;
  }
  const url = (legacy.url || '').trim();
  return url ? { url, model: legacy.model || undefined, apiKey: legacy.apiKey } : null;
}
