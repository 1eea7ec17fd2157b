/** handoff's fields (nodes/handoff/handoff.html; read by lib/handoff/options.ts). Blank texts: lib/user-texts.ts. */
import { choice, defineSchema, fillMissing, flag, list, nodeRef, num, text } from './schema';

const MODES = ['word', 'contains', 'exact', 'startsWith', 'regex'] as const;

export const handoffSchema = defineSchema(
  'handoff',
  {
    name: text(),
    store: text(),
    transferWords: text(),
    transferMode: choice(MODES, 'word'),
    transferExclude: text(),
    cancelWords: text(),
    cancelMode: choice(MODES, 'contains'),
    cancelExclude: text(),
    missThreshold: num(1, { min: 1 }),
    idleTimeout: num(30, { min: 0 }),
    idleUnit: choice(['ms', 's', 'min', 'h'], 'min'),
    queueTimeout: num(10, { min: 0 }),
    botWhileQueued: flag(true),
    transcriptMax: num(20, { min: 1 }),
    schedule: text(),
    holidays: text(),
    timeZone: text('Asia/Shanghai'),
    native: flag(false),
    account: nodeRef('wecom-account'),
    servicer: text(),
    transferText: text(),
    queueText: text(),
    noAgentText: text(),
    joinedText: text(),
    closedAgentText: text(),
    closedTimeoutText: text(),
    closedUserText: text(),
    queueTimeoutText: text(),
    offHoursText: text(),
    missText: text(),
    transferredText: text(),
    groupMap: list(),
    groupFallback: choice(['wait', 'any'], 'wait'),
    /** 微信客服: replies of the customer's 5 the agent leaves for the closing notice. */
    reserveClose: num(1, { min: 0, max: 4 }),
    /** Ask for a satisfaction rating (满意度) with the closing notice when an agent closes (lib/handoff/rating.ts). */
    rating: flag(false),
  },
  [
    {
      to: 1,
      note: 'the bot kept answering while queued when unset',
      up: (c) => fillMissing(c, { botWhileQueued: true }),
    },
  ],
);
