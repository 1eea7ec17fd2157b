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
