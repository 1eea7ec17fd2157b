/** ai-answer's fields (nodes/ai-answer/ai-answer.html). */
import { defineSchema, flag, nodeRef, num, text } from './schema';

export const aiAnswerSchema = defineSchema(
  'ai-answer',
  {
    name: text(),
    endpoint: nodeRef('ai-endpoint'),
    /** The faq-lookup node whose knowledge base is retrieved from ('' = the first one). */
    faq: text(),
    docsDir: text(),
    company: text(),
    tone: text(),
    prompt: text(),
    topFaq: num(3, { min: 0, max: 20 }),
    topDocs: num(3, { min: 0, max: 20 }),
    historyTurns: num(3, { min: 0, max: 20 }),
    minCitations: num(1, { min: 0, max: 10 }),
    userPerMinute: num(6, { min: 0, max: 1000 }),
    budget: num(8, { min: 0.5, max: 120 }),
    redact: flag(true),
    debug: flag(false),
  },
  [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }],
);
