/**
 * The bridge hub's vocabulary: agents and their connections, conversations, options, events and callbacks
 * (hub.ts runs them; ws-bridge feeds it connections and frames).
 */
import type { ClosedRecord, HandoffFrame, HistoryItem, OutgoingMedia, ToAgentFrame } from './protocol';
import type { AgentStatus, CannedFrame, CannedReply } from './tool-frames';
import type { Outbox } from './agent-outbox';

/** The agent record of the system link (not a valid agent id, so no agent can claim it). */
export const SYSTEM_AGENT = '*system';

export interface AgentSink {
  /** Send one frame; false when the socket can no longer take it (it is then kept). */
  send(frame: ToAgentFrame): boolean;
  /** Close the connection (another connection of the same agent replaced it). */
  close(code: number, reason: string): void;
}

export interface HubOptions {
  maxPerAgent: number;
  bufferSize: number;
  graceMs: number;
  /** Longest history kept per conversation for re-offers. */
  historyMax?: number;
  /** Where an agent's frames wait for delivery/acknowledgement (default: in memory). */
  outbox?: (agentId: string) => Outbox;
  /** Why a reply's media cannot be tried (answered with a bad_media error), or null. */
  checkMedia?: (m: OutgoingMedia, agentId: string) => string | null;
  /** A frame as one agent (or SYSTEM_AGENT) gets it, e.g. with media links bound to it; the kept frame is unchanged. */
  forAgent?: (f: ToAgentFrame, agentId: string) => ToAgentFrame;
  /** Canned replies, closed conversations and search (agent-tools.ts); without it those frames get `unavailable`. */
  tools?: AgentToolsStore;
}

/** Where the agents' tools keep what they keep (the state store). */
export interface AgentToolsStore {
  canned(agentId: string, f: CannedFrame): Promise<{ team: CannedReply[]; personal: CannedReply[] }>;
  search(agentId: string, q: string): Promise<ClosedRecord[]>;
  /** A conversation left its agent (closed): kept 30 days for search. Never rejects. */
  closed(rec: ClosedRecord): void;
}

import type { BridgeEvent } from '../contract/outcomes';
export type { BridgeEvent };

export interface ReplyExtra {
  /** On a system link: the person who acted. */
  actor?: string;
  media?: OutgoingMedia;
  /** 微信客服: replies wecom-out must leave unused for the closing notice. */
  reserve?: number;
  /** The history item of this reply (media: the router adds the URL agents read it from). */
  item?: HistoryItem;
}

export interface HubCallbacks<M> {
  reply(conversationId: string, meta: M | undefined, agentId: string, text: string, extra: ReplyExtra): void;
  event(e: BridgeEvent, meta: M | undefined): void;
}

export interface Agent {
  id: string;
  system: boolean;
  /** Open connections; the last one is used (agents have at most one, the system link may have several). */
  sinks: AgentSink[];
  convs: Set<string>;
  outbox: Outbox;
  /** The client acknowledges: frames are kept until `received`, not just until written. */
  acking: boolean;
  grace: NodeJS.Timeout | null;
  order: number;
  /** Empty = every group. */
  groups: string[];
  fixedGroups: boolean;
  /** The queue as last sent to this agent (ids joined), so unchanged snapshots are not resent. */
  queueKey: string | null;
  /** Its conversations are being re-queued (overflow): it is not offered them again in the same breath. */
  releasing?: boolean;
  /** online takes new conversations; busy and away are offered none (they keep theirs, and may accept). */
  status: AgentStatus;
}

export interface Conv<M> {
  id: string;
  meta: M | undefined;
  agentId: string | null;
  offer: HandoffFrame;
  history: HistoryItem[];
  queuedAt: number;
  group?: string;
  /** Offer to any agent while no agent of the group is online. */
  fallback: boolean;
  /** Transferred to a group and not yet assigned: its assignment is a transfer (no "joined" notice). */
  transferring?: boolean;
  /** When its agent got it (for the supervisor's view). */
  assignedAt?: number;
}

/** One connection; agentId is SYSTEM_AGENT for a system link. */
export interface Connection {
  agentId: string | null;
  sink: AgentSink;
  /** Bound by an agent token: can never be another agent. */
  bound: boolean;
  system: boolean;
  /** No frame received yet (a system link may still name its agent with hello). */
  fresh: boolean;
}

export interface OpenOptions {
  groups?: string[];
  /** Groups fixed by an agent token. */
  fixedGroups?: boolean;
  /** The client acknowledges and has processed everything up to this seq. */
  ack?: number;
  /** An agent token named the agent. */
  bound?: boolean;
  /** This named connection speaks for a whole system (client mode's `upstream`): no cap, frames may name who acted. */
  system?: boolean;
}

export interface FromHandoffOptions {
  /** The conversation waits for nobody: while no agent of its group is online, any agent may take it. */
  fallback?: boolean;
}
