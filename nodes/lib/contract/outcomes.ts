/**
 * The outcomes the domains hand back into the message contract (msg.faq.candidates, msg.keyword.mode,
 * msg.wecomResult, msg.bridge): defined here, at the bottom, so the contract imports no domain; each domain
 * imports its own outcome type from here.
 */

/** One FAQ entry considered for a message (faq-lookup's msg.faq.candidates). */
export interface FaqCandidate {
  id: string;
  question: string;
  score: number;
}

/** How a keyword rule compares (keyword-match's msg.keyword.mode). */
export type MatchMode = 'contains' | 'exact' | 'startsWith' | 'word' | 'regex';

/** What wecom-out reports for a message sent (msg.wecomResult). */
export interface SendOutcome {
  errcode: 0;
  channel: 'app' | 'kf';
  msgtype: string;
  /** msgid of the last part */
  msgid?: string;
  msgids: string[];
  parts: number;
  /** true when the (first) text went back as the passive reply */
  passive?: boolean;
  mediaId?: string;
  invaliduser?: string;
}

/** The agents' hub's events (ws-bridge output 2 as msg.bridge). */
export type BridgeEvent =
  | { event: 'assigned'; conversationId: string; agentId: string; agentsOnline: number; group?: string; transfer?: boolean; queuedAt?: number }
  | { event: 'queued'; conversationId: string; position: number; agentsOnline: number; groupOnline: number; group?: string; requeued?: boolean; transfer?: boolean }
  | { event: 'closed'; conversationId: string; agentId: string; by: 'agent' | 'supervisor'; agentsOnline: number }
  | { event: 'transferred'; conversationId: string; from: string; to: string; note?: string; agentsOnline: number }
  /** An agent's internal note (never sent to the customer): handoff keeps it in the conversation's transcript. */
  | { event: 'note'; conversationId: string; agentId?: string; text: string; ts: number }
  | { event: 'presence'; agentsOnline: number; queued: number; agentId?: string; online?: boolean; status?: 'online' | 'busy' | 'away' }
  | { event: 'overflow'; agentId: string; conversations: number; agentsOnline: number };
