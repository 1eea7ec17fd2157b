/**
 * Turn a decrypted, parsed app callback (protocol §3) into the package's message contract:
 * { payload, topic, wecom } — see types.ts. Also the dedupe key WeCom's re-sends share.
 */
import { createHash } from 'node:crypto';
import { str, type XmlRecord } from './xml';
import { appConversationId, type WecomMeta } from '../contract/wecom-meta';

/** A WecomMsg as wecom-in emits it (a type literal, so it is a NodeMessage as it stands). */
export type InboundMessage = {
  payload: string;
  topic: string;
  wecom: WecomMeta;
};

const PLACEHOLDER: Record<string, string> = {
  image: '[image]',
  voice: '[voice]',
  video: '[video]',
  location: '[location]',
  link: '[link]',
  file: '[file]',
};

/** Events WeCom spells in lower case but WeChat MP spells in capitals: normalised to lower case. */
const LOWER_CASE_EVENTS = new Set(['click', 'view', 'subscribe', 'unsubscribe', 'enter_agent', 'location']);

export function normaliseEvent(event: string): string {
  const lower = event.toLowerCase();
  return LOWER_CASE_EVENTS.has(lower) ? lower : event;
}

/**
 * A user id as WeCom gives one user: letters, digits and _-@. (app UserID, 微信客服 external_userid), never the
 * list syntax of the send APIs (`a|b`, `@all`, commas, spaces). A reply goes back to msg.wecom.userId, so a
 * signed callback naming `@all` or `a|b` would make the bot answer everyone / both: refused here, before it is
 * recorded or reaches a send.
 */
export function isSingleUserId(id: string): boolean {
  return /^[A-Za-z0-9_\-@.]{1,128}$/.test(id) && !/^@all$/i.test(id) && !id.startsWith('@');
}

/** False when a decrypted callback names its user with list syntax (openCallback answers it 400). */
export function namesOneUser(rec: XmlRecord): boolean {
  const from = str(rec, 'FromUserName');
  // an event without a sender (none is known of) has nobody to answer
  if (from === '' && str(rec, 'MsgType') === 'event') return true;
  return isSingleUserId(from);
}

/** What an id WeCom sends in a callback may look like (length and characters), by XML field. */
const ID_FIELDS: Readonly<Record<string, RegExp>> = {
  MsgId: /^[A-Za-z0-9_-]{1,64}$/,
  AgentID: /^\d{1,12}$/,
  CreateTime: /^\d{1,12}$/,
  ToUserName: /^[A-Za-z0-9_\-@.]{1,128}$/,
  OpenKfId: /^[A-Za-z0-9_-]{1,64}$/,
  Token: /^[A-Za-z0-9_-]{1,256}$/,
  MediaId: /^[A-Za-z0-9_\-@.=+/]{1,512}$/,
  ThumbMediaId: /^[A-Za-z0-9_\-@.=+/]{1,512}$/,
  Event: /^[A-Za-z0-9_.-]{1,64}$/,
  ChangeType: /^[A-Za-z0-9_.-]{1,64}$/,
};
/** Free-text keys (EventKey …) are only capped: they end up hashed in a store key. */
const MAX_EVENT_KEY = 1024;

/**
 * The first field of a decrypted callback that is not a plausible WeCom id (its name, for a 400 that quotes no
 * value), or null. Every id that becomes part of a store key or a reply address passes here first, so an
 * over-long or odd id is a clear 400, never a store error (500) that WeCom would send again.
 */
export function badIdField(rec: XmlRecord): string | null {
  if (!namesOneUser(rec)) return 'FromUserName';
  for (const [field, re] of Object.entries(ID_FIELDS)) {
    const v = str(rec, field);
    if (v !== '' && !re.test(v)) return field;
  }
  if (str(rec, 'EventKey').length > MAX_EVENT_KEY) return 'EventKey';
  return null;
}

/** Store keys longer than this are replaced by their SHA-256 (every backend takes that length). */
const MAX_PLAIN_KEY = 200;

/** `key` itself when short, else a fixed-length digest of it (same input, same key). */
export function boundedKey(key: string): string {
  return key.length <= MAX_PLAIN_KEY ? key : `h:${createHash('sha256').update(key).digest('base64url')}`;
}

export function toInbound(rec: XmlRecord, corpId: string, fallbackAgentId: string): InboundMessage {
  const msgType = str(rec, 'MsgType').toLowerCase() || 'unknown';
  const userId = str(rec, 'FromUserName');
  const agentId = str(rec, 'AgentID') || fallbackAgentId;
  const createTime = Number(str(rec, 'CreateTime')) || 0;
  const conversationId = appConversationId(corpId, agentId, userId);
  const wecom: WecomMeta = {
    channel: 'app',
    corpId,
    agentId,
    userId,
    msgType,
    msgId: str(rec, 'MsgId'),
    createTime,
    conversationId,
    raw: rec,
  };
  let payload: string;
  if (msgType === 'text') payload = str(rec, 'Content');
  else if (msgType === 'event') {
    wecom.event = normaliseEvent(str(rec, 'Event'));
    payload = `[event:${wecom.event}]`;
  } else payload = PLACEHOLDER[msgType] ?? `[${msgType}]`;
  return { payload, topic: conversationId, wecom };
}

/** The key WeCom's re-sends of one callback share (MsgId; events by user + time + event + key). */
export function dedupeKey(rec: XmlRecord): string {
  const msgId = str(rec, 'MsgId');
  if (msgId) return boundedKey(`m:${msgId}`);
  return boundedKey([
    'e',
    str(rec, 'AgentID'),
    str(rec, 'FromUserName'),
    str(rec, 'CreateTime'),
    str(rec, 'Event').toLowerCase(),
    str(rec, 'EventKey'),
    str(rec, 'ChangeType'),
    str(rec, 'Token'),
    str(rec, 'OpenKfId'),
  ].join('|'));
}
