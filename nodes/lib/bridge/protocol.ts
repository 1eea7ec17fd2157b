/**
 * The agent bridge protocol: JSON text frames between Node-RED (`ws-bridge`) and the agents' console.
 * Every frame is an object with a `type`. See docs/agent-protocol.md for the prose and examples.
 *
 * To agents:   welcome, sync, queue, handoff, message, budget, closed, undelivered, ack, error
 * From agents: hello, reply, close, accept, transfer, received, ping; the agent's tools (tool-frames.ts):
 *              status, note, canned, search
 * Every frame from an agent is answered with exactly one `ack` or `error` (an optional `id` is echoed),
 * except `received`. Unknown fields are ignored both ways.
 */
import { parseToolFrame, TOOL_TYPES, type AgentStatus, type CannedReply, type ToolFrame } from './tool-frames';

import type { CustomerProfile } from '../contract/wecom-meta';

/** The protocol version announced in `welcome`, and what this server supports. */
export const PROTOCOL_VERSION = 2;
export const FEATURES = ['system', 'agent-token', 'media', 'groups', 'transfer', 'seq', 'received', 'status', 'notes', 'canned', 'search', 'sync', 'customer', 'budget'] as const;

/**
 * `note`: an agent's internal note (never sent to the customer). `system`: the bridge's own lines (handed over,
 * transferred, a reply not delivered): see HistoryItem.system.
 */
export type From = 'user' | 'bot' | 'agent' | 'note' | 'system';

/** Who the customer is (微信客服: kf/customer/batchget; app: user/get), when WeCom told us. */
export type CustomerInfo = CustomerProfile;

/**
 * 微信客服's reply budget as the agent sees it: `replies` the agent may still send (after `reserved` kept for the
 * closing notice), until `until` (ms, 48 h after the customer's last message). Absent: no such limit (app).
 */
export interface BudgetInfo {
  replies: number;
  reserved: number;
  until: number;
}

/** A bridge's own line in a conversation's history (from: 'system'). */
export interface SystemLine {
  kind: 'handoff' | 'transfer' | 'undelivered';
  /** handoff: why. */
  reason?: string;
  /** transfer: who passed it on, and their note. */
  from?: string;
  note?: string;
  /** undelivered: WeCom's code or the broken rule, and the message. */
  errcode?: number;
  rule?: string;
  message?: string;
}

/**
 * A picture, voice, video or file. Towards agents it carries `url` (served by ws-bridge); inside the handoff
 * node (before ws-bridge links it) it carries the WeCom `mediaId` instead.
 */
export interface MediaInfo {
  type: 'image' | 'voice' | 'video' | 'file';
  url?: string;
  mediaId?: string;
  mime?: string;
  name?: string;
  size?: number;
}
export interface LocationInfo {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  scale?: number;
}
export interface LinkInfo {
  title?: string;
  description?: string;
  url?: string;
  picUrl?: string;
}
/** The structured part of a non-text user message. */
export interface Attachments {
  msgType?: string;
  media?: MediaInfo;
  location?: LocationInfo;
  link?: LinkInfo;
}

export interface HistoryItem extends Attachments {
  from: From;
  text: string;
  ts: number;
  /** Who of the agents' side wrote it (an agent id, or the person a system link named). */
  agentId?: string;
  /** from: 'system' only. */
  system?: SystemLine;
}

/** One closed conversation as search answers it. */
export interface ClosedRecord {
  conversationId: string;
  channel: string;
  userId: string;
  agentId: string;
  closedAt: number;
  history: HistoryItem[];
  customer?: { name?: string; avatar?: string };
  rating?: number;
}

export type ClosedBy = 'agent' | 'timeout' | 'user' | 'reassigned' | 'transferred' | 'supervisor';

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
  /** The conversation's group (absent: no group). */
  group?: string;
  /** After a transfer: who passed it on, and their note. */
  transferredFrom?: string;
  note?: string;
  /** The 微信客服 account (open_kfid) the customer wrote to. */
  openKfId?: string;
  customer?: CustomerInfo;
  budget?: BudgetInfo;
  seq?: number;
}
export interface MessageFrame extends Attachments {
  type: 'message';
  conversationId: string;
  userId: string;
  msgType: string;
  text: string;
  msgId: string;
  ts: number;
  customer?: CustomerInfo;
  /** The budget after this customer message (微信客服: it starts again). */
  budget?: BudgetInfo;
  seq?: number;
}
/** The reply budget of a conversation changed (a reply or notice was sent). */
export interface BudgetFrame {
  type: 'budget';
  conversationId: string;
  budget: BudgetInfo;
  seq?: number;
}
/** One conversation as it stands: what a console shows, whole (`sync`). */
export interface ConversationSnapshot {
  conversationId: string;
  channel: string;
  userId: string;
  openKfId?: string;
  customer?: CustomerInfo;
  group?: string;
  reason: string;
  /** Every conversation in a sync is the agent's own and open. */
  status: 'active';
  history: HistoryItem[];
  budget?: BudgetInfo;
  transferredFrom?: string;
  note?: string;
  /** When it came to this agent (ms). */
  since: number;
}
/**
 * Right after `welcome`: every conversation assigned to the agent, whole. A console replaces what it held with
 * it; `seq` is the last frame it includes (frames up to it that are replayed next are already in it).
 */
export interface SyncFrame {
  type: 'sync';
  conversations: ConversationSnapshot[];
  seq: number;
}
export interface ClosedFrame {
  type: 'closed';
  conversationId: string;
  by: ClosedBy;
  seq?: number;
}
export interface WelcomeFrame {
  type: 'welcome';
  version: number;
  features: readonly string[];
  /** null on a system link. */
  agentId: string | null;
  system: boolean;
  /** The agent's groups; empty = every group. */
  groups: string[];
  conversations: string[];
  queued: number;
  /** The last seq given to a frame for this agent (0: none). */
  seq: number;
  /** online, busy or away (busy and away are offered no new conversations). */
  status?: AgentStatus;
}
/** An agent's reply that did not reach the user: WeCom refused it (errcode) or a media rule was broken (rule). */
export interface UndeliveredFrame {
  type: 'undelivered';
  conversationId: string;
  text: string;
  errcode?: number;
  rule?: string;
  media?: { name?: string; mime?: string; size?: number };
  message: string;
  seq?: number;
}
export interface QueueItem {
  conversationId: string;
  channel: string;
  userId: string;
  reason: string;
  group?: string;
  customer?: CustomerInfo;
  /** Position within its group (0 = next). */
  position: number;
  text: string;
  ts: number;
}
/** The conversations waiting that this agent may take, oldest first; sent on connect and whenever that changes. */
export interface QueueFrame {
  type: 'queue';
  queued: number;
  conversations: QueueItem[];
}
export interface AckFrame {
  type: 'ack';
  ref: string;
  id?: string | number;
  conversationId?: string;
  /** ref 'canned': both lists after the frame's change. */
  canned?: { team: CannedReply[]; personal: CannedReply[] };
  /** ref 'search': matching closed conversations, newest first. */
  results?: ClosedRecord[];
  /** ref 'status': the agent's status now. */
  status?: AgentStatus;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  id?: string | number;
  ref?: string;
}
export type ToAgentFrame = HandoffFrame | MessageFrame | ClosedFrame | WelcomeFrame | SyncFrame | QueueFrame | UndeliveredFrame | BudgetFrame | AckFrame | ErrorFrame;

export interface HelloFrame {
  type: 'hello';
  agentId?: string;
  groups?: string[];
  /** Everything up to this seq has been processed (the client acknowledges). */
  ack?: number;
  id?: string | number;
}
/** Media an agent sends: a URL on an allowed origin, or base64 bytes. */
export interface OutgoingMedia {
  url?: string;
  data?: string;
  name?: string;
  mime?: string;
}
export interface ReplyFrame {
  type: 'reply';
  conversationId: string;
  text: string;
  media?: OutgoingMedia;
  /** On a system link: which of its people acted. */
  agentId?: string;
  id?: string | number;
}
export interface CloseFrame {
  type: 'close';
  conversationId: string;
  agentId?: string;
  id?: string | number;
}
export interface AcceptFrame {
  type: 'accept';
  conversationId: string;
  agentId?: string;
  id?: string | number;
}
export interface TransferFrame {
  type: 'transfer';
  conversationId: string;
  /** An agent id, or "group:<name>". */
  to: string;
  note?: string;
  agentId?: string;
  id?: string | number;
}
export interface ReceivedFrame {
  type: 'received';
  seq: number;
  id?: string | number;
}
export interface PingFrame {
  type: 'ping';
  id?: string | number;
}
export type FromAgentFrame = HelloFrame | ReplyFrame | CloseFrame | AcceptFrame | TransferFrame | ReceivedFrame | PingFrame | ToolFrame;

export const ERROR_CODES = [
  'bad_json', // not JSON, or not a JSON object
  'bad_frame', // a known type with missing or wrong fields
  'bad_media', // media without url/data, a url outside the allowed origins, data that is not base64
  'unknown_type', // `type` missing or not one of hello/reply/close/accept/ping
  'no_agent_id', // a frame other than hello before the agent identified itself
  'agent_mismatch', // hello with a different agentId than the connection already has
  'not_found', // no such conversation (unknown, closed, or not with the bridge)
  'not_assigned', // the conversation is assigned to another agent (or still queued: accept it first)
  'taken', // accept of a conversation another agent already has
  'capacity', // accept while the agent is at its concurrency cap
  'too_long', // reply text longer than the limit
  'unknown_agent', // transfer to an agent that is not connected (nor within its grace period)
  'not_in_group', // accept of a conversation of a group the agent is not in
  'no_budget', // 微信客服: no reply left for this customer message (the last is kept for the closing notice)
  'window_closed', // 微信客服: 48 h since the customer last wrote; nothing can be sent until they write again
  'unavailable', // canned replies or search while the state store cannot answer
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Longest reply text accepted (WeCom text messages are limited to about 2048 bytes; wecom-out chunks). */
export const MAX_REPLY_CHARS = 4000;
const MAX_ID_LEN = 128;
const MAX_NOTE_CHARS = 1000;
const GROUP_RE = /^[^\s,]{1,64}$/;

/** A valid group name: 1–64 characters, no spaces or commas. */
export function validGroup(v: unknown): v is string {
  return typeof v === 'string' && GROUP_RE.test(v);
}

/** Groups from `?groups=a,b` or a hello frame; throws on a bad name. */
export function parseGroups(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  if (!Array.isArray(list)) throw new Error('groups must be a list of names');
  for (const g of list) if (!validGroup(g)) throw new Error('a group name has 1–64 characters without spaces or commas');
  return [...new Set(list as string[])];
}

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
  // On a system link: which of its people acted (optional everywhere; ignored on agent connections).
  const actor = (): string | undefined => {
    if (o.agentId === undefined || o.agentId === null) return undefined;
    if (!validAgentId(o.agentId)) throw new FrameError('bad_frame', 'agentId may use letters, digits and _ . @ : - (1–128)', id, type);
    return o.agentId;
  };
  const withActor = <F extends { agentId?: string }>(f: F): F => {
    const who = actor();
    if (who !== undefined) f.agentId = who;
    return f;
  };
  switch (type) {
    case 'hello': {
      const f: HelloFrame = { type, id };
      if (o.agentId !== undefined) f.agentId = need('agentId');
      if (o.groups !== undefined) {
        try {
          f.groups = parseGroups(o.groups);
        } catch (err) {
          throw new FrameError('bad_frame', (err as Error).message, id, type);
        }
      }
      if (o.ack !== undefined) {
        if (!Number.isSafeInteger(o.ack) || (o.ack as number) < 0) throw new FrameError('bad_frame', '"ack" must be a seq (integer ≥ 0)', id, type);
        f.ack = o.ack as number;
      }
      return f;
    }
    case 'reply': {
      const conversationId = need('conversationId', 512);
      const media = o.media === undefined || o.media === null ? undefined : parseMedia(o.media, id);
      const text = o.text === undefined && media ? '' : o.text;
      if (typeof text !== 'string' || (text.trim() === '' && !media)) throw new FrameError('bad_frame', '"reply" needs a non-empty string "text" or a "media"', id, type);
      if (text.length > MAX_REPLY_CHARS) throw new FrameError('too_long', `reply text is longer than ${MAX_REPLY_CHARS} characters`, id, type);
      const f: ReplyFrame = { type, conversationId, text, id };
      if (media) f.media = media;
      return withActor(f);
    }
    case 'close':
    case 'accept':
      return withActor<CloseFrame | AcceptFrame>({ type, conversationId: need('conversationId', 512), id });
    case 'transfer': {
      const conversationId = need('conversationId', 512);
      const to = need('to', 200);
      const group = to.startsWith('group:') ? to.slice(6) : null;
      if (group !== null ? !validGroup(group) : !validAgentId(to)) throw new FrameError('bad_frame', '"to" is an agent id or "group:<name>"', id, type);
      if (o.note !== undefined && (typeof o.note !== 'string' || o.note.length > MAX_NOTE_CHARS)) throw new FrameError('bad_frame', `"note" is a string of at most ${MAX_NOTE_CHARS} characters`, id, type);
      const f: TransferFrame = { type, conversationId, to, id };
      if (typeof o.note === 'string' && o.note) f.note = o.note;
      return withActor(f);
    }
    case 'received':
      if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) throw new FrameError('bad_frame', '"received" needs "seq" (integer ≥ 0)', id, type);
      return { type, seq: o.seq as number, id };
    case 'ping':
      return { type, id };
    default:
      if (TOOL_TYPES.has(type)) {
        const f = parseToolFrame(type, o, id, (field, why) => new FrameError('bad_frame', `"${type}.${field}" is ${why}`, id, type));
        return f.type === 'note' ? withActor(f) : f;
      }
      throw new FrameError('unknown_type', `unknown frame type "${type.slice(0, 40)}"`, id);
  }
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseMedia(v: unknown, id: string | number | undefined): OutgoingMedia {
  const bad = (why: string) => new FrameError('bad_media', why, id, 'reply');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('"media" must be an object with "url" or "data"');
  const m = v as Record<string, unknown>;
  const out: OutgoingMedia = {};
  if (typeof m.url === 'string' && m.url) out.url = m.url;
  else if (typeof m.data === 'string' && m.data) {
    const data = m.data.replace(/\s+/g, '');
    if (data.length % 4 !== 0 || !B64.test(data)) throw bad('"media.data" is not base64');
    out.data = data;
  } else throw bad('"media" needs "url" or base64 "data"');
  if (m.name !== undefined) {
    if (typeof m.name !== 'string' || m.name.length > 200) throw bad('"media.name" is a string of at most 200 characters');
    out.name = m.name;
  }
  if (m.mime !== undefined) {
    if (typeof m.mime !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(m.mime)) throw bad('"media.mime" is a MIME type such as image/png');
    out.mime = m.mime.toLowerCase();
  }
  return out;
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
