/**
 * Config node `ai-endpoint` (AI 服务): one model endpoint — an OpenAI-compatible API or a Dify app — shared by
 * ai-answer (chat) and faq-lookup (embeddings for its re-ranker). Blank fields come from WECOM_AI_*; the key
 * is a password credential and never leaves the Authorization header (lib/ai/settings.ts, lib/ai/client.ts).
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { AiClient } from '../lib/ai/client';
import { aiProblems, describeEndpoint, resolveAiSettings, type AiEndpointFields } from '../lib/ai/settings';
import type { AiEndpointNode } from '../shared/ai-endpoint-node';
import { opsGauges } from '../shared/ops/events';
import { nodeType } from '../shared/node-kit';
import { aiEndpointSchema } from '../lib/config/ai-endpoint';
import { credentialTypes } from '../lib/config/schema';

export = function register(RED: NodeAPI): void {
  function AiEndpoint(this: AiEndpointNode, def: NodeDef & AiEndpointFields) {
    RED.nodes.createNode(this, def);
    this.settings = resolveAiSettings({ ...def, apiKey: (this.credentials || {}).apiKey });
    this.problems = aiProblems(this.settings, def.provider);
    let client: AiClient | null = null;
    this.client = () => (this.problems.length ? null : (client ??= new AiClient(this.settings)));
    this.describe = () => describeEndpoint(this.settings);
    const budget = this.settings.dailyBudget;
    if (budget > 0) opsGauges(this, () => ({ agentsOnline: 0, queued: 0, groups: {}, aiBudget: budget }));
  }
  RED.nodes.registerType('ai-endpoint', nodeType(AiEndpoint, aiEndpointSchema), { credentials: credentialTypes(aiEndpointSchema) });
};
