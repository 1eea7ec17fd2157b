/**
 * The message contract every node of this package relies on.
 *
 * `wecom-in` (and the 微信客服 puller) emit messages with:
 *   msg.payload = the text for text messages, a short placeholder such as "[image]" otherwise
 *   msg.wecom   = WecomMeta (below)
 *   msg.topic   = msg.wecom.conversationId
 *
 * Downstream nodes never need anything else to answer the right user: `wecom-out` reads `msg.wecom`.
 */

export type Channel = 'app' | 'kf';

/**
 * Who the user is, as WeCom tells it (wecom-in looks it up once and caches it in the state store):
 * 微信客服 customers from kf/customer/batchget, app members from user/get. Every field is optional.
 */
export interface CustomerProfile {
  /** 微信客服: the WeChat nickname; app: the member's name. */
  name?: string;
  /** Picture URL (微信客服: WeChat's avatar; app: the member's avatar). */
  avatar?: string;
  /** 0 unknown, 1 male, 2 female. */
  gender?: number;
  /** 微信客服: the entry point the customer came through (enter_session_context.scene) and its scene_param. */
  scene?: string;
  sceneParam?: string;
  /** 微信客服: the 视频号 that brought the customer (its nickname), when WeCom says. */
  channelsName?: string;
  /** App members: department ids (as strings). */
  department?: string[];
}

export interface WecomMeta {
  /** 'app' for a self-built app (自建应用) message, 'kf' for a 微信客服 customer message. */
  channel: Channel;
  corpId: string;
  /** The app's AgentID (string), also set for kf messages (the app that pulled them). */
  agentId: string;
  /** Member UserID (app) or external_userid (kf). */
  userId: string;
  /** The 微信客服 account (open_kfid), kf channel only. */
  openKfId?: string;
  /** text, image, voice, video, location, link, event, file, … (WeCom's own names). */
  msgType: string;
  /** MsgId for app messages, msgid for kf messages; a string (64-bit ids must never become numbers). */
  msgId: string;
  /** Unix seconds. */
  createTime: number;
  /** Event name for msgType 'event' (lower case for click/view; kf events use their event_type). */
  event?: string;
  /**
   * Stable id of one user on one app or kf account:
   *   app: `app:<corpId>:<agentId>:<userId>`   kf: `kf:<corpId>:<openKfId>:<userId>`
   */
  conversationId: string;
  /** 微信客服: the id of the `msgmenu` item the customer tapped (text.menu_id); msg.payload is the item's text. */
  menuId?: string;
  /** The parsed inner message (app: XML fields; kf: the sync_msg entry). */
  raw: Record<string, unknown>;
  /** Id of the wecom-account config node the message came through, so wecom-out can find the account. */
  accountId?: string;
  /** Internal: passive-reply slot key (wecom-in ↔ wecom-out); not for users. */
  replyKey?: string;
  /** Internal: this message's inbox entry (wecom-in), settled once its outcome is recorded; not for users. */
  inbox?: { s: string; id: string };
  /** Who the user is, when the account's profile lookup is on and WeCom answered (see CustomerProfile). */
  customer?: CustomerProfile;
}

export function appConversationId(corpId: string, agentId: string, userId: string): string {
  return `app:${corpId}:${agentId}:${userId}`;
}

export function kfConversationId(corpId: string, openKfId: string, externalUserId: string): string {
  return `kf:${corpId}:${openKfId}:${externalUserId}`;
}

/** Account settings shared by every node that uses one wecom-account config node. */
export interface AccountSettings {
  corpId: string;
  agentId: string;
  apiBase: string;
  agentSecret?: string;
  kfSecret?: string;
  token?: string;
  encodingAESKey?: string;
  /** While rotating the callback keys: the old Token / EncodingAESKey, still accepted (and answered with). */
  previousToken?: string;
  previousEncodingAESKey?: string;
}
