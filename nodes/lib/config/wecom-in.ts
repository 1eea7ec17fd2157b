/** wecom-in's fields (nodes/wecom-in/wecom-in.html). */
import { defineSchema, dropFields, fillMissing, flag, nodeRef, num, text, deprecated } from './schema';

export const wecomInSchema = defineSchema(
  'wecom-in',
  {
    name: text(),
    account: nodeRef('wecom-account', true),
    path: text('/wecom/callback', { required: true, pattern: '^/[A-Za-z0-9_\\-/.]*$' }),
    passiveReply: flag(false),
    passiveBudgetMs: num(3000, { min: 100, max: 4000 }),
    replayAfterSec: num(10, { min: 1 }),
    settleSec: num(60, { min: 1 }),
    /** Messages emitted and not yet settled at most (blank: WECOM_MAX_IN_FLIGHT or the inbox's default). */
    maxInFlight: num('', { min: 1 }),
    backlogWarnSec: num(60, { min: 1 }),
    maxBodyKb: num(256, { min: 1 }),
    kfStore: text(),
    kfSkipBacklog: flag(true),
    kfWelcome: text(),
    /** Look up who wrote (msg.wecom.customer: kf/customer/batchget, user/get), cached a day in the state store. */
    profiles: flag(true),
    /** Before version 1: the dedupe store's context store name (the state store replaced it). */
    dedupeStore: deprecated(),
  },
  [
    {
      to: 1,
      note: 'dedupeStore removed (deduplication is in the state store); 微信客服 backlog skipped when unset',
      up: (c) => dropFields(fillMissing(c, { kfSkipBacklog: true }), ['dedupeStore']),
    },
  ],
);
