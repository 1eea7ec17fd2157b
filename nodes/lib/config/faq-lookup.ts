/** faq-lookup's fields (nodes/faq-lookup/faq-lookup.html; read by lib/bot/faq-bot.ts). */
import { defineSchema, deprecated, dropFields, fillMissing, flag, list, nodeRef, num, text } from './schema';

export const faqLookupSchema = defineSchema(
  'faq-lookup',
  {
    name: text(),
    entries: list(),
    kbFile: text(),
    synonyms: text(),
    synonymsFile: text(),
    builtinSynonyms: flag(true),
    smallTalk: flag(true),
    smallTalkPhrases: text(),
    smallTalkFile: text(),
    smallTalkReplies: text(),
    answerConfidence: num('', { min: 0, max: 1 }),
    suggestConfidence: num('', { min: 0, max: 1 }),
    suggestTtl: num(300, { min: 1 }),
    /** The ai-endpoint whose embeddings re-rank candidates (instead of rerankUrl). */
    aiEndpoint: nodeRef('ai-endpoint'),
    rerankUrl: text(),
    rerankModel: text(),
    rerankBudget: num(300, { min: 0 }),
    /** Before version 1: raw-score thresholds, replaced by the calibrated confidences (and ignored since). */
    answerThreshold: deprecated(),
    suggestThreshold: deprecated(),
    /** Before version 2: the context store of the pending did-you-mean (the state store replaced it). */
    store: deprecated(),
  },
  [
    {
      to: 1,
      note: 'answerThreshold / suggestThreshold (raw scores, ignored since the calibrated confidences) removed; built-in synonyms and small talk on when unset',
      up: (c) => dropFields(fillMissing(c, { builtinSynonyms: true, smallTalk: true }), ['answerThreshold', 'suggestThreshold']),
    },
    {
      to: 2,
      note: 'store removed: the pending did-you-mean is kept in the state store (every instance on Redis sees it)',
      up: (c) => dropFields(c, ['store']),
    },
  ],
  /** The re-ranker's API key. */
  { rerankKey: {} },
);
