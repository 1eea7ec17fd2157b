/** keyword-match's fields (nodes/keyword-match/keyword-match.html; read by lib/bot/keyword-matcher.ts). */
import { choice, defineSchema, fillMissing, flag, list, num, text } from './schema';

export const keywordMatchSchema = defineSchema(
  'keyword-match',
  {
    name: text(),
    routing: choice(['answer', 'rules'], 'answer'),
    rules: list(),
    matchAll: flag(false),
    rulesFile: text(),
    msgRules: flag(false),
    outputs: num(2),
  },
  [
    {
      to: 1,
      note: 'a node without routing had one output per rule: it keeps "rules" (new nodes answer on one output)',
      up: (c) => fillMissing(c, { routing: 'rules' }),
    },
  ],
);
