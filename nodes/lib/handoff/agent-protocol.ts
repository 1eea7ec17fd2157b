/**
 * The agent bridge protocol: JSON text frames between Node-RED (`ws-bridge`) and the agents' console.
 * Every frame is an object with a `type`. See docs/agent-protocol.md for the prose and examples.
 *
 * To agents:   welcome, queue, handoff, message, closed, undelivered, ack, error
 * From agents: hello, reply, close, accept, ping
 * Every frame from an agent is answered with exactly one `ack` or `error` (an optional `id` is echoed).
 */

export type From = 'user' | 'bot' | 'agent';
export interface HistoryItem {
  from: From;
  text: string;
  ts: number;
}

export type ClosedBy = 'agent' | 'timeout' | 'user' | 'reassigned';

export interface HandoffFrame {
  type: 'handoff';
  conversationId: string;
  channel: string;
  userId: string;
  reason: string;
  text: string;
  history: HistoryItem[];
  ts: number;
  /** True when the conversation was offered before (re-queued after an agent left, or restored after a restart). */
  requeued?: boolean;
}
export interface MessageFrame {
  type: 'message';
  conversationId: string;
  userId: string;
  msgType: string;
  text: string;
  msgId: string;
  ts: number;
}
export interface ClosedFrame {
  type: 'closed';
  conversationId: string;
  by: ClosedBy;
}
export interface WelcomeFrame {
  type: 'welcome';
  agentId: string;
  conversations: string[];
  queued: number;
}
/** An agent's reply that WeCom did not take (e.g. 微信客服's 5-replies-per-customer-message limit, 95001). */
export interface UndeliveredFrame {
  type: 'undelivered';
  conversationId: string;
  text: string;
  errcode?: number;
  message: string;
}
/** The conversations waiting for an agent, oldest first; sent on connect and whenever the queue changes. */
export interface QueueFrame {
  type: 'queue';
  queued: number;
  conversations: Array<{ conversationId: string; channel: string; userId: string; reason: string; text: string; ts: number }>;
}
export interface AckFrame {
  type: 'ack';
  ref: string;
  id?: string | number;
  conversationId?: string;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  id?: string | number;
  ref?: string;
}
export type ToAgentFrame = HandoffFrame | MessageFrame | ClosedFrame | WelcomeFrame | QueueFrame | UndeliveredFrame | AckFrame | ErrorFrame;

export interface HelloFrame {
  type: 'hello';
  agentId: string;
  id?: string | number;
}
export interface ReplyFrame {
  type: 'reply';
  conversationId: string;
  text: string;
  id?: string | number;
}
export interface CloseFrame {
  type: 'close';
  conversationId: string;
  id?: string | number;
}
export interface AcceptFrame {
  type: 'accept';
  conversationId: string;
  id?: string | number;
}
export interface PingFrame {
  type: 'ping';
  id?: string | number;
}
export type FromAgentFrame = HelloFrame | ReplyFrame | CloseFrame | AcceptFrame | PingFrame;

export const ERROR_CODES = [
  'bad_json', // not JSON, or not a JSON object
  'bad_frame', // a known type with missing or wrong fields
  'unknown_type', // `type` missing or not one of hello/reply/close/accept/ping
  'no_agent_id', // a frame other than hello before the agent identified itself
  'agent_mismatch', // hello with a different agentId than the connection already has
  'not_found', // no such conversation (unknown, closed, or not with the bridge)
  'not_assigned', // the conversation is assigned to another agent (or still queued: accept it first)
  'taken', // accept of a conversation another agent already has
  'capacity', // accept while the agent is at its concurrency cap
  'too_long', // reply text longer than the limit
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Longest reply text accepted (WeCom text messages are limited to about 2048 bytes; wecom-out chunks). */
export const MAX_REPLY_CHARS = 4000;
const MAX_ID_LEN = 128;

export class FrameError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly id?: string | number,
    readonly ref?: string,
  ) {
    super(message);
  }
  toFrame(): ErrorFrame {
    const f: ErrorFrame = { type: 'error', code: this.code, message: this.message };
    if (this.id !== undefined) f.id = this.id;
    if (this.ref !== undefined) f.ref = this.ref;
    return f;
  }
}

function str(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

/** Parse and validate one frame from an agent. Throws FrameError (never anything else). */
export function parseAgentFrame(text: string): FromAgentFrame {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new FrameError('bad_json', 'frame is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameError('bad_json', 'frame must be a JSON object');
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? (o.id as string | number) : undefined;
  const type = o.type;
  if (typeof type !== 'string') throw new FrameError('unknown_type', 'frame has no "type"', id);
  const need = (field: string, max = MAX_ID_LEN): string => {
    const val = o[field];
    if (!str(val, max)) throw new FrameError('bad_frame', `"${type}" needs a non-empty string "${field}"`, id, type);
    return val;
  };
  switch (type) {
    case 'hello':
      return { type, agentId: need('agentId'), id };
    case 'reply': {
      const conversationId = need('conversationId', 512);
      if (typeof o.text !== 'string' || o.text.trim() === '') throw new FrameError('bad_frame', '"reply" needs a non-empty string "text"', id, type);
      if (o.text.length > MAX_REPLY_CHARS) throw new FrameError('too_long', `reply text is longer than ${MAX_REPLY_CHARS} characters`, id, type);
      return { type, conversationId, text: o.text, id };
    }
    case 'close':
    case 'accept':
      return { type, conversationId: need('conversationId', 512), id };
    case 'ping':
      return { type, id };
    default:
      throw new FrameError('unknown_type', `unknown frame type "${type.slice(0, 40)}"`, id);
  }
}

export function ack(ref: string, id?: string | number, conversationId?: string): AckFrame {
  const f: AckFrame = { type: 'ack', ref };
  if (id !== undefined) f.id = id;
  if (conversationId !== undefined) f.conversationId = conversationId;
  return f;
}

/** A valid agent id: what `?agent=` or a hello frame may carry. */
export function validAgentId(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9_.@:-]{1,128}$/.test(v);
}
