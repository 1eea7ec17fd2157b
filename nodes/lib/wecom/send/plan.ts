/**
 * Turn an outgoing Node-RED message into a send plan (pure, no I/O): channel, recipient, message type,
 * content, media to upload first, text parts (2048-byte split) and the per-user queue key.
 *
 *   msg.payload  string → text (or markdown with msgtype 'markdown'); Buffer → media upload;
 *                object {msgtype, <msgtype>: {...}} → that message (media objects may carry
 *                {path} or {data|buffer, filename} instead of media_id)
 *   msg.msgtype  overrides the node's message type
 *   msg.wecom    channel, userId, openKfId (replies need nothing else); touser/toparty/totag (app)
 */
import { APP_MSGTYPES, KF_MSGTYPES, MEDIA_MSGTYPES, TEXT_MSGTYPES, type AppTarget } from '../api/message-bodies';
import { splitUtf8, MAX_TEXT_BYTES } from '../api/text-split';
import type { MediaSource, MediaType } from '../api/media';
import { KF_MENU_MAX } from '../../contract/outcomes';

export interface PlanDefaults {
  /** 'auto' = msg.wecom.channel, else app. */
  channel?: 'auto' | 'app' | 'kf';
  /** Message type for string payloads ('text' or 'markdown'). */
  msgtype?: string;
  /** Media type for Buffer payloads (default 'file'). */
  mediaType?: MediaType;
  /** Default 微信客服 account for proactive kf sends. */
  openKfId?: string;
}

/** The defaults from a node's fields (channel, msgtype, mediaType, openKfId); anything unknown → the default. */
export function planDefaults(f: { channel?: unknown; msgtype?: unknown; mediaType?: unknown; openKfId?: unknown }): PlanDefaults {
  return {
    channel: f.channel === 'app' || f.channel === 'kf' ? f.channel : 'auto',
    msgtype: f.msgtype === 'markdown' ? 'markdown' : 'text',
    mediaType: f.mediaType === 'image' || f.mediaType === 'voice' || f.mediaType === 'video' ? f.mediaType : 'file',
    openKfId: typeof f.openKfId === 'string' ? f.openKfId.trim() || undefined : undefined,
  };
}

export interface SendPlan {
  channel: 'app' | 'kf';
  msgtype: string;
  /** app recipients */
  to: AppTarget;
  /** kf recipient */
  openKfId?: string;
  userId?: string;
  /** Member ids (app) the per-user budget applies to. */
  users: string[];
  queueKey: string;
  /** text/markdown parts, in order */
  texts?: string[];
  /** other types: the object under msgtype */
  content?: Record<string, unknown>;
  /** upload first, then put the media_id into content.media_id */
  media?: { type: MediaType; src: MediaSource };
  /** passive-reply slot of the message being answered */
  replyKey?: string;
  /** 微信客服: replies of the customer's 5 to leave unused (an agent's reply keeps the last for the closing notice). */
  keep?: number;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

type Wecom = Record<string, unknown>;

const asList = (v: unknown): string[] => {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  return String(v).split('|').filter(Boolean);
};

function mediaFrom(obj: Record<string, unknown>, type: MediaType, filename?: string): { type: MediaType; src: MediaSource } | undefined {
  if (typeof obj.media_id === 'string' && obj.media_id) return undefined;
  const data = obj.data ?? obj.buffer;
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) return { type, src: { data: data as Buffer, filename: (obj.filename as string) || filename, contentType: obj.contentType as string | undefined } };
  if (typeof obj.path === 'string' && obj.path) return { type, src: { path: obj.path, filename: (obj.filename as string) || filename } };
  throw new PlanError(`a ${type} message needs media_id, a Buffer (data) or a file path`);
}

/** A 微信客服 msgmenu: a list of 1…KF_MENU_MAX items (WeCom refuses more with 95008). */
function checkMenu(content: Record<string, unknown> | undefined): void {
  const list = content?.list;
  if (!Array.isArray(list) || list.length === 0) throw new PlanError('a msgmenu needs msgmenu.list with at least one item');
  if (list.length > KF_MENU_MAX) throw new PlanError(`a msgmenu has at most ${KF_MENU_MAX} items (got ${list.length})`);
}

export function planSend(msg: { payload?: unknown; msgtype?: unknown; filename?: unknown; wecom?: unknown; bridge?: { reserve?: unknown } }, d: PlanDefaults = {}): SendPlan {
  const w = (msg.wecom && typeof msg.wecom === 'object' ? msg.wecom : {}) as Wecom;
  const wantChannel = d.channel && d.channel !== 'auto' ? d.channel : undefined;
  const channel: 'app' | 'kf' = (w.channel === 'kf' || w.channel === 'app' ? (w.channel as 'app' | 'kf') : wantChannel) ?? wantChannel ?? 'app';
  const allowed: readonly string[] = channel === 'app' ? APP_MSGTYPES : KF_MSGTYPES;
  const payload = msg.payload;
  const override = typeof msg.msgtype === 'string' && msg.msgtype ? msg.msgtype : undefined;
  const filename = typeof msg.filename === 'string' ? msg.filename : undefined;

  let msgtype: string;
  let content: Record<string, unknown> | undefined;
  let text: string | undefined;
  let media: SendPlan['media'];

  if (Buffer.isBuffer(payload) || payload instanceof Uint8Array) {
    msgtype = override ?? d.mediaType ?? 'file';
    if (!MEDIA_MSGTYPES.has(msgtype)) throw new PlanError(`a Buffer payload needs msgtype image, voice, video or file (got ${msgtype})`);
    media = { type: msgtype as MediaType, src: { data: payload as Buffer, filename } };
    content = {};
  } else if (payload && typeof payload === 'object') {
    const p = payload as Record<string, unknown>;
    msgtype = (typeof p.msgtype === 'string' && p.msgtype) || override || '';
    if (!msgtype) throw new PlanError('an object payload needs msgtype (e.g. {msgtype:"image", image:{media_id}})');
    const inner = p[msgtype] && typeof p[msgtype] === 'object' ? (p[msgtype] as Record<string, unknown>) : p.msgtype ? undefined : p;
    if (!inner) throw new PlanError(`payload.${msgtype} is missing`);
    if (TEXT_MSGTYPES.has(msgtype)) text = String(inner.content ?? '');
    else {
      content = { ...inner };
      if (MEDIA_MSGTYPES.has(msgtype)) {
        media = mediaFrom(inner, msgtype as MediaType, filename);
        if (media) for (const k of ['data', 'buffer', 'path', 'filename', 'contentType']) delete content[k];
      }
    }
  } else if (payload === undefined || payload === null) {
    throw new PlanError('msg.payload is empty');
  } else {
    msgtype = override ?? d.msgtype ?? 'text';
    if (!TEXT_MSGTYPES.has(msgtype)) throw new PlanError(`a text payload cannot be sent as ${msgtype}`);
    text = String(payload);
  }
  if (!allowed.includes(msgtype)) throw new PlanError(`${channel === 'app' ? 'app messages' : '微信客服'} cannot send msgtype ${msgtype} (allowed: ${allowed.join(', ')})`);
  if (text !== undefined && text.trim() === '') throw new PlanError('the text is empty');
  if (msgtype === 'msgmenu') checkMenu(content);

  const plan: SendPlan = { channel, msgtype, to: {}, users: [], queueKey: '', content, media };
  if (text !== undefined) plan.texts = splitUtf8(text, MAX_TEXT_BYTES);

  if (channel === 'app') {
    const touser = w.touser !== undefined ? asList(w.touser) : asList(w.userId);
    const toparty = asList(w.toparty);
    const totag = asList(w.totag);
    if (touser.length + toparty.length + totag.length === 0) throw new PlanError('no recipient: msg.wecom.userId (or touser/toparty/totag) is required');
    plan.to = { touser, toparty, totag };
    plan.users = touser;
    plan.queueKey = `app:${touser.join('|')}:${toparty.join('|')}:${totag.join('|')}`;
    if (typeof w.replyKey === 'string' && w.replyKey && touser.length === 1 && msgtype === 'text') plan.replyKey = w.replyKey;
  } else {
    const openKfId = (typeof w.openKfId === 'string' && w.openKfId) || d.openKfId || '';
    const userId = typeof w.userId === 'string' ? w.userId : '';
    if (!openKfId) throw new PlanError('no 微信客服 account: msg.wecom.openKfId is required');
    if (!userId) throw new PlanError('no customer: msg.wecom.userId (external_userid) is required');
    plan.openKfId = openKfId;
    plan.userId = userId;
    plan.queueKey = `kf:${openKfId}:${userId}`;
    const keep = Number(msg.bridge?.reserve);
    if (Number.isInteger(keep) && keep > 0 && keep < 5) plan.keep = keep;
  }
  return plan;
}
