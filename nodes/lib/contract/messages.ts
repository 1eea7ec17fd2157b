/**
 * The typed message contract between this package's nodes: what each node sets on `msg` and what the
 * next one reads. No Node-RED import; `WecomMsg` is assignable to Node-RED's `NodeMessage` (the
 * reverse, for a message arriving at a node, is done once in nodes/shared/node-kit.ts).
 *
 * Fields set by a function node (`msg.handoff.action`, `msg.faq.miss`, …) are read defensively: the
 * types say what is meant, the code still checks what arrives.
 */
import type { WecomMeta } from './wecom-meta';
import type { BridgeEvent, FaqCandidate, FaqChoice, MatchMode, SendOutcome } from './outcomes';

export type { WecomMeta, Channel } from './wecom-meta';
export type { BridgeEvent, FaqCandidate, FaqChoice, KfMenuItem, KfMenuPayload, MatchMode, SendOutcome } from './outcomes';

/** `msg.handoff`: set by handoff on its outputs, or by a function node to steer handoff. */
export interface HandoffTag {
  /** Into handoff (function node): 'transfer' = hand to a human now, 'release' = back to the bot. */
  action?: string;
  /**
   * Into handoff with action 'transfer': why (default 'no_answer'; other values transfer at once). faq-lookup sets
   * `{action:'transfer', reason:'faq_declined'}` when a 微信客服 customer taps "none of these" on its did-you-mean.
   */
  reason?: string;
  /** Into handoff: the agent group to queue in (overrides the group mapping). */
  group?: string;
  /** Out of handoff output 3: which notice this is (queue, joined, miss, closedUser, …). */
  notice?: string;
  /** Out of handoff: the conversation (= msg.wecom.conversationId). */
  conversationId?: string;
  /** Out of handoff output 2: the agent the conversation is assigned to, if any. */
  agentId?: string;
  /** Out of handoff output 2 (to ws-bridge): the frame restores an existing conversation after a restart. */
  restore?: boolean;
  /** Out of handoff output 2: queue in the fallback group. */
  fallback?: unknown;
  [extra: string]: unknown;
}

/**
 * `msg.bridge`: set by ws-bridge. Output 1 carries `{event:'reply', conversationId, agentId, media?}` with an
 * agent's answer (to wecom-out, whose result goes back to handoff); output 2 carries the hub's events
 * (assigned, queued, closed, transferred, presence, overflow; see BridgeEvent), `{event:'activity'}`, and
 * `{event:'leader'}` when this instance's ws-bridge has just taken the agents' hub (several instances on one store:
 * the new hub starts empty, so handoff re-offers the active conversations).
 * One flat shape so handoff can read any of them; every field but `event` depends on the event.
 */
export interface BridgeInfo {
  event: string;
  conversationId?: string;
  agentId?: string;
  agentsOnline?: number;
  /** queued: place in the queue (0 = next). */
  position?: number;
  /** queued: agents online in the conversation's group. */
  groupOnline?: number;
  group?: string;
  /** assigned/queued as part of an agent-to-agent transfer. */
  transfer?: boolean;
  requeued?: boolean;
  /** assigned: since when the user waited for an agent (ms; not for a transfer or a re-offer). */
  queuedAt?: number;
  /** transferred: from / to agent ids and the agent's note. */
  from?: string;
  to?: string;
  note?: string;
  /** note: an agent's internal note on the conversation (never sent to the customer) and when it was written. */
  text?: string;
  ts?: number;
  /** closed: who closed it. */
  by?: string;
  /** presence: conversations waiting; one agent's presence. */
  queued?: number;
  online?: boolean;
  /** presence: the agent's status (online, busy, away) when it changed. */
  status?: string;
  /** presence: agents online per group, when reported. */
  groups?: unknown;
  /** overflow: conversations of the agent. */
  conversations?: number;
  /** reply with media: what was sent (no data). */
  media?: { name?: string; mime?: string; size?: number };
  /** reply (微信客服): replies of the customer's budget wecom-out leaves for the closing notice. */
  reserve?: number;
}

/** `msg.faq`: set by faq-lookup. A miss has `id: null`; a function node may also set `miss: true`. */
export interface FaqInfo {
  /** The answered entry's id, null when not answered. */
  id: string | null;
  question: string | null;
  /** Raw lexical score of the best candidate. */
  score: number;
  /** Confidence of the best candidate (0…1). */
  confidence: number;
  /** Up to three candidates {id, question, score, confidence}. */
  candidates: FaqCandidate[];
  /** Small talk kind (greeting, thanks, …) when the text was small talk. */
  smallTalk?: string;
  /** The semantic re-ranker answered in time. */
  reranked?: boolean;
  /** Salient words of the message the best entry does not explain: why it was not answered (issue #21). */
  uncovered?: string[];
  /** The message answered a did-you-mean: typed its number, tapped a menu item, tapped "none of these", or a stale menu. */
  choice?: FaqChoice;
  /** Set by a function node: treat as a miss. */
  miss?: boolean;
  outcome?: string;
}

/** `msg.keyword`: set by keyword-match, the rule that matched. */
export interface KeywordInfo {
  /** 1-based rule number within its source. */
  rule: number;
  /** The keyword (or regex) that matched. */
  keyword: string;
  mode: MatchMode;
  label?: string;
  /** 'rules' = the node's rules, 'extra' = msg.rules / the rules file. */
  source: 'rules' | 'extra';
}

/** `msg.error`: set by wecom-out on its error output (the message is otherwise unchanged). */
export interface SendError {
  message: string;
  /** WeCom's errcode, when WeCom answered. */
  errcode?: number;
  /** config / retry / user / … (see lib/wecom/api/errors.ts). */
  kind?: string;
}

/** `msg.agent`: set by ws-bridge on a reply, the agent (or the system link's actor) who wrote it. */
export interface AgentTag {
  id: string;
}

/**
 * A message between this package's nodes.
 *   payload      text (or a WeCom message object / Buffer into wecom-out; a frame out of handoff output 2)
 *   topic        the conversation id
 *   wecom        who the message is from / goes to (wecom-in; read by every node, wecom-out answers it)
 *   keyword      keyword-match's matched rule
 *   faq          faq-lookup's decision
 *   handoff      handoff's routing tag, or a function node's request to handoff
 *   bridge       ws-bridge's event or reply
 *   agent        ws-bridge: who replied
 *   wecomResult  wecom-out's result (success output)
 *   error        wecom-out's error (error output)
 *   msgtype, filename  into wecom-out: the WeCom message type and a file name for media
 *   rules, kb    into keyword-match / faq-lookup: rules / knowledge base for this message only
 */
export interface WecomMsg {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  wecom?: WecomMeta;
  keyword?: KeywordInfo;
  faq?: FaqInfo;
  handoff?: HandoffTag;
  bridge?: BridgeInfo;
  agent?: AgentTag;
  wecomResult?: SendOutcome;
  error?: SendError;
  msgtype?: unknown;
  filename?: unknown;
  rules?: unknown;
  kb?: unknown;
  [other: string]: unknown;
}

/** What wecom-out keeps of a message in its durable outbox: enough to send it, report it and feed it back. */
export type OutboxMsg = Pick<WecomMsg, 'payload' | 'msgtype' | 'filename' | 'topic' | 'wecom' | 'bridge' | 'handoff'>;

/** One entry of wecom-out's outbox (a StateStore stream). */
export interface OutboxEntry {
  m: OutboxMsg;
  /** Idempotency key: the user message answered + this answer (a replayed flow does not answer twice). */
  idem?: string;
  /** When it was recorded (ms): transient failures are retried until retrySec after this. */
  at: number;
}

/** A hub event as msg.bridge (every BridgeEvent is a BridgeInfo). */
export function bridgeInfo(e: BridgeEvent): BridgeInfo {
  return e;
}
