/** wecom-account's fields (the secrets are credentials, not config: nodes/wecom-account/wecom-account.html). */
import { defineSchema, text } from './schema';

export const wecomAccountSchema = defineSchema(
  'wecom-account',
  {
    name: text(),
    corpId: text('', { pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    agentId: text('', { pattern: '^\\d{1,12}$' }),
    apiBase: text('', { pattern: '^https?://[^\\s/]+(/\\S*)?$' }),
  },
  [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }],
);
