/** ai-endpoint's fields, and its API key (a Node-RED credential). */
import { choice, defineSchema, num, text } from './schema';

export const aiEndpointSchema = defineSchema(
  'ai-endpoint',
  {
    name: text(),
    /** '' = WECOM_AI_PROVIDER (else openai). */
    provider: choice(['', 'openai', 'dify'], ''),
    baseUrl: text('', { pattern: '^https?://[^\\s/]+(/\\S*)?$' }),
    model: text(),
    embeddingModel: text(),
    timeout: num(8, { min: 1, max: 600 }),
    maxConcurrency: num(8, { min: 1, max: 1000 }),
    dailyBudget: num(0, { min: 0, max: 1e12 }),
  },
  [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }],
  { apiKey: {} },
);
