/** wecom-out's fields (nodes/wecom-out/wecom-out.html). */
import { choice, defineSchema, flag, nodeRef, num, text } from './schema';

export const wecomOutSchema = defineSchema(
  'wecom-out',
  {
    name: text(),
    account: nodeRef('wecom-account', true),
    channel: choice(['auto', 'app', 'kf'], 'auto'),
    msgtype: choice(['text', 'markdown'], 'text'),
    mediaType: choice(['file', 'image', 'voice', 'video'], 'file'),
    openKfId: text('', { pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    errorOutput: flag(false),
    maxHoldSec: num(120, { min: 0, max: 3600 }),
    concurrency: num(8, { min: 1, max: 64 }),
    dupCheckSec: num(60, { min: 0, max: 14400 }),
    retrySec: num(180, { min: 0 }),
    replayAfterSec: num(10, { min: 1 }),
    outputs: num(1),
  },
  [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }],
);
