/** wecom-account's fields, and its secrets (Node-RED credentials, never in the flow file). */
import { defineSchema, text } from './schema';

/** The callback Token (1–32 letters and digits) and EncodingAESKey (43) as WeCom's admin console makes them. */
const TOKEN = '^[A-Za-z0-9]{1,32}$';
const AES_KEY = '^[A-Za-z0-9]{43}$';

export const wecomAccountSchema = defineSchema(
  'wecom-account',
  {
    name: text(),
    corpId: text('', { pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    agentId: text('', { pattern: '^\\d{1,12}$' }),
    apiBase: text('', { pattern: '^https?://[^\\s/]+(/\\S*)?$' }),
  },
  [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }],
  {
    agentSecret: {},
    kfSecret: {},
    token: { pattern: TOKEN },
    encodingAESKey: { pattern: AES_KEY },
    previousToken: { pattern: TOKEN },
    previousEncodingAESKey: { pattern: AES_KEY },
  },
);
