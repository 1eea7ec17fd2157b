/**
 * The structured event record: one JSON object per decision the pipeline makes, written once as a JSON
 * line (writer.ts) and read back by the ops view (rollup.ts). Pure: no Node-RED import.
 *
 * Every event has `ts` (ms) and `type`; `conversationId` and `channel` when it concerns a conversation.
 */
export type OpsEventType =
  | 'message.in' // a user message reached handoff for the first time       {text, msgType}
  | 'keyword.hit' // a keyword rule matched                                  {rule, label, keyword, answered}
  | 'faq.answer' // faq-lookup answered                                       {faqId, score, band: 'answer'|'picked', text}
  | 'faq.suggest' // 您是不是想问 offered                                     {faqIds, score, band: 'suggest', text}
  | 'faq.miss' // no FAQ entry close enough; band 'declined': "none of these" tapped {score, band, text}
  | 'handoff' // the conversation was handed to the agents                   {reason, requeued}
  | 'queued' // it waits for an agent                                         {position, group}
  | 'assigned' // an agent has it                                             {agentId, group, queuedAt}
  | 'transfer' // an agent passed it on                                       {agentId, to}
  | 'closed' // the human part ended                                          {by, agentId}
  | 'reply' // an agent replied                                               {agentId}
  | 'delivery' // wecom-out's result                                          {ok, from: 'bot'|'agent'|'notice', errcode}
  | 'presence' // agents online changed                                      {agentsOnline, queued, groups, agentId, status}
  | 'refused' // a request refused for safety (no conversation)               {surface: 'callback'|'ws'|'ops'|'metrics'|'console', reason: 'stale'|'throttled'}
  | 'ai.answer' // ai-answer answered from the material                        {provider, model, cited, promptTokens, completionTokens, latencyMs, text, answer}
  | 'ai.miss' // ai-answer handed on                                            {reason, detail, cited, promptTokens, completionTokens, latencyMs, text}
  | 'rating'; // the user rated the agent's service (满意度)                 {agentId, score: 1 非常满意 … 4 不满意}

export const EVENT_TYPES: readonly OpsEventType[] = [
  'message.in', 'keyword.hit', 'faq.answer', 'faq.suggest', 'faq.miss', 'handoff', 'queued', 'assigned',
  'transfer', 'closed', 'reply', 'delivery', 'presence', 'refused', 'ai.answer', 'ai.miss', 'rating',
];

export interface OpsEvent {
  ts: number;
  type: OpsEventType;
  conversationId?: string;
  channel?: string;
  text?: string;
  [field: string]: unknown;
}

const TYPES = new Set<string>(EVENT_TYPES);
/** Longest user text kept in an event (characters). */
export const MAX_TEXT = 500;

/** A clean event from loose fields: known type, numeric ts, text capped, undefined fields dropped; null if unusable. */
export function makeEvent(type: string, fields: Record<string, unknown>, now = Date.now()): OpsEvent | null {
  if (!TYPES.has(type)) return null;
  const e: OpsEvent = { ts: typeof fields.ts === 'number' && Number.isFinite(fields.ts) ? fields.ts : now, type: type as OpsEventType };
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'ts' || k === 'type' || v === undefined || typeof v === 'function') continue;
    e[k] = k === 'text' && typeof v === 'string' && v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
  }
  return e;
}

/** Parse one JSON line of the record; null for a blank, torn or foreign line. */
export function parseEvent(line: string): OpsEvent | null {
  if (!line) return null;
  try {
    const e = JSON.parse(line) as OpsEvent;
    return e && typeof e === 'object' && typeof e.ts === 'number' && TYPES.has(e.type) ? e : null;
  } catch {
    return null;
  }
}
