/**
 * Every node type's config schema by type, and the functions the runtime and the editor use on them
 * (scripts/build.js bundles this module for the editor as resources/config-schemas.js → window.WecomConfig).
 */
import { aiAnswerSchema } from './ai-answer';
import { aiEndpointSchema } from './ai-endpoint';
import { faqLookupSchema } from './faq-lookup';
import { handoffSchema } from './handoff';
import { keywordMatchSchema } from './keyword-match';
import { loadConfig, validField, type Config, type NodeSchema } from './schema';
import { wecomAccountSchema } from './wecom-account';
import { wecomEventsSchema } from './wecom-events';
import { wecomInSchema } from './wecom-in';
import { wecomOutSchema } from './wecom-out';
import { wsBridgeSchema } from './ws-bridge';

export const SCHEMAS: Readonly<Record<string, NodeSchema>> = Object.fromEntries(
  [wecomAccountSchema, wecomInSchema, wecomOutSchema, keywordMatchSchema, faqLookupSchema, handoffSchema, wsBridgeSchema, wecomEventsSchema, aiEndpointSchema, aiAnswerSchema].map((s) => [s.type, s as NodeSchema]),
);

export { loadConfig, validField };
export type { Config, NodeSchema };
