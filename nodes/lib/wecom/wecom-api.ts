/**
 * `WecomApi`: the WeCom server API for one app secret (or the 微信客服 secret), for flows, function
 * nodes and plain Node.js. One instance per secret; instances of the same (API base, corpId, secret)
 * share one cached access_token, and instances of the same API base share one HTTP pool.
 *
 *   const api = new WecomApi({ corpId, secret, agentId });
 *   await api.sendText('zhangsan', '你好');           // = the seed's WecomAPI().send_text_message(user_id, "你好")
 *
 * Errors are `WecomApiError` (api, errcode, errmsg, kind, fix); they never contain the access token.
 */
import { ApiClient, type ApiAnswer, type ClientStats } from './api/client';
import type { RetryOptions } from './api/retry';
import { appBody, kfBody, newKfMsgId, type AppSendOptions, type AppTarget } from './api/message-bodies';
import { splitUtf8, MAX_TEXT_BYTES } from './api/text-split';
import { RecentBodies } from './api/recent-bodies';
import { uploadMedia, type MediaSource, type MediaType, type Uploaded } from './api/media';
import { DEFAULT_API_BASE } from './account-settings';
import { KF_BATCH_MAX, kfCustomerProfile, memberProfile } from './api/profile-bodies';
import type { CustomerProfile } from '../contract/wecom-meta';
import type { StateStore } from '../state/store';

export interface WecomApiOptions {
  corpId: string;
  /** The app's Secret (or the 微信客服 Secret for kf calls). */
  secret: string;
  /** The app's AgentID; required for message/send. */
  agentId?: string;
  /** Default https://qyapi.weixin.qq.com (a simulator or proxy in tests). */
  apiBase?: string;
  retry?: RetryOptions;
  /** HTTP connections to the API host (default 64). */
  connections?: number;
  /** enable_duplicate_check interval for message/send, seconds (0 = off; default 0). */
  duplicateCheckSec?: number;
  /** Share the access_token with other instances through this state store (see api/shared-token). */
  tokenStore?: StateStore;
}

export interface SendResult {
  errcode: number;
  /** msgid of the last part (app: for message/recall; kf: ours). */
  msgid?: string;
  /** One msgid per part sent. */
  msgids: string[];
  parts: number;
  invaliduser?: string;
}

/** The answer of kf/sync_msg. */
export interface SyncAnswer {
  next_cursor?: string;
  has_more?: number;
  msg_list?: Array<Record<string, unknown>>;
}

export class WecomApi {
  readonly corpId: string;
  readonly agentId: string;
  private readonly client: ApiClient;
  private readonly dupSec: number;
  /** Bodies sent with enable_duplicate_check: an intended repeat is sent without the check. */
  private readonly recent = new RecentBodies();

  constructor(o: WecomApiOptions) {
    this.corpId = o.corpId;
    this.agentId = o.agentId ?? '';
    this.dupSec = o.duplicateCheckSec ?? 0;
    this.client = new ApiClient({ apiBase: (o.apiBase || DEFAULT_API_BASE).replace(/\/+$/, ''), corpId: o.corpId, secret: o.secret, retry: o.retry, connections: o.connections, tokenStore: o.tokenStore });
  }

  get stats(): ClientStats {
    return this.client.stats;
  }

  /** Any API under /cgi-bin (GET without json, POST with it). */
  call(api: string, json?: unknown, query?: Record<string, string | number | undefined>): Promise<ApiAnswer> {
    return this.client.call(api, { method: json === undefined ? 'GET' : 'POST', json, query });
  }

  /** Send a text to one member (app message); text over 2048 bytes goes out as several messages, in order. */
  sendText(userId: string, text: string, o: AppSendOptions = {}): Promise<SendResult> {
    return this.sendAppText('text', { touser: userId }, text, o);
  }

  async sendAppText(msgtype: 'text' | 'markdown', to: AppTarget, text: string, o: AppSendOptions = {}): Promise<SendResult> {
    const parts = splitUtf8(text, MAX_TEXT_BYTES);
    const result: SendResult = { errcode: 0, msgids: [], parts: 0 };
    for (const part of parts) {
      const r = await this.sendAppMessage(msgtype, { content: part }, to, o);
      result.msgids.push(...r.msgids);
      result.msgid = r.msgid;
      result.parts++;
      if (r.invaliduser) result.invaliduser = r.invaliduser;
    }
    return result;
  }

  /** message/send with any msgtype and its content object. */
  async sendAppMessage(msgtype: string, content: Record<string, unknown>, to: AppTarget, o: AppSendOptions = {}): Promise<SendResult> {
    if (!this.agentId) throw new TypeError('agentId is required for app messages');
    const body = appBody(this.agentId, to, msgtype, content, { duplicateCheckSec: this.dupSec, ...o });
    // A caller that sets duplicateCheckSec has decided about repeats itself (wecom-out's durable record).
    if (body.enable_duplicate_check === 1 && !o.repeatDecided) this.recent.keep(body);
    const ans = await this.client.call('message/send', { method: 'POST', json: body });
    const msgid = ans.msgid === undefined ? undefined : String(ans.msgid);
    const invaliduser = typeof ans.invaliduser === 'string' && ans.invaliduser ? ans.invaliduser : undefined;
    return { errcode: 0, msgid, msgids: msgid ? [msgid] : [], parts: 1, invaliduser };
  }

  /** The cached access token, for calls that stream (media/get); never log it. */
  accessToken(): Promise<string> {
    return this.client.accessToken();
  }

  uploadMedia(type: MediaType, src: MediaSource): Promise<Uploaded> {
    return uploadMedia(this.client, type, src);
  }

  // ---- 微信客服 ----------------------------------------------------------------------------------

  /**
   * kf/send_msg. `msgid` is our idempotency key: give the same one for the same logical message
   * (a fresh one is made when omitted); a retry after a lost answer can then never post twice.
   */
  async kfSendMsg(openKfId: string, externalUserId: string, msgtype: string, content: Record<string, unknown>, msgid = newKfMsgId()): Promise<SendResult> {
    const body = kfBody(openKfId, externalUserId, msgid, msgtype, content);
    await this.client.call('kf/send_msg', {
      method: 'POST',
      json: body,
      alreadyDone: (a) => Number(a.errcode) === 40058 && /msgid/i.test(String(a.errmsg ?? '')),
    });
    return { errcode: 0, msgid, msgids: [msgid], parts: 1 };
  }

  /** Text to a 微信客服 customer, split at 2048 bytes; msgids are derived from `baseMsgId` per part. */
  async kfSendText(openKfId: string, externalUserId: string, text: string, baseMsgId = newKfMsgId()): Promise<SendResult> {
    const parts = splitUtf8(text, MAX_TEXT_BYTES);
    const result: SendResult = { errcode: 0, msgids: [], parts: 0 };
    for (let i = 0; i < parts.length; i++) {
      const id = parts.length === 1 ? baseMsgId : `${baseMsgId.slice(0, 28)}_${i}`;
      const r = await this.kfSendMsg(openKfId, externalUserId, 'text', { content: parts[i] }, id);
      result.msgids.push(id);
      result.msgid = r.msgid;
      result.parts++;
    }
    return result;
  }

  async kfSyncMsg(o: { openKfId: string; cursor?: string; token?: string; limit?: number }): Promise<SyncAnswer> {
    const ans = await this.client.call('kf/sync_msg', {
      method: 'POST',
      json: { open_kfid: o.openKfId, cursor: o.cursor || undefined, token: o.token || undefined, limit: o.limit ?? 1000 },
    });
    return ans as SyncAnswer;
  }

  async kfSendMsgOnEvent(code: string, msgtype: string, content: Record<string, unknown>, msgid = newKfMsgId()): Promise<SendResult> {
    await this.client.call('kf/send_msg_on_event', {
      method: 'POST',
      json: { code, msgid, msgtype, [msgtype]: content },
      alreadyDone: (a) => Number(a.errcode) === 40058 && /msgid/i.test(String(a.errmsg ?? '')),
    });
    return { errcode: 0, msgid, msgids: [msgid], parts: 1 };
  }

  async kfGetServiceState(openKfId: string, externalUserId: string): Promise<{ serviceState: number; servicerUserId?: string }> {
    const ans = await this.client.call('kf/service_state/get', { method: 'POST', json: { open_kfid: openKfId, external_userid: externalUserId } });
    return { serviceState: Number(ans.service_state), servicerUserId: (ans.servicer_userid as string | undefined) || undefined };
  }

  async kfTransServiceState(openKfId: string, externalUserId: string, serviceState: number, servicerUserId?: string): Promise<{ msgCode?: string }> {
    const ans = await this.client.call('kf/service_state/trans', {
      method: 'POST',
      json: { open_kfid: openKfId, external_userid: externalUserId, service_state: serviceState, servicer_userid: servicerUserId },
    });
    return { msgCode: (ans.msg_code as string | undefined) || undefined };
  }

  /**
   * 微信客服 customers' nickname, avatar, gender and entry context (kf/customer/batchget, at most 100 ids per
   * call; more are asked in several calls). Ids WeCom does not know are missing from the map.
   */
  async kfCustomers(externalUserIds: string[]): Promise<Map<string, CustomerProfile>> {
    const out = new Map<string, CustomerProfile>();
    for (let i = 0; i < externalUserIds.length; i += KF_BATCH_MAX) {
      const ids = externalUserIds.slice(i, i + KF_BATCH_MAX);
      const ans = await this.client.call('kf/customer/batchget', { method: 'POST', json: { external_userid_list: ids, need_enter_session_context: 1 } });
      const list = Array.isArray(ans.customer_list) ? (ans.customer_list as Array<Record<string, unknown>>) : [];
      for (const c of list) if (typeof c.external_userid === 'string') out.set(c.external_userid, kfCustomerProfile(c));
    }
    return out;
  }

  /** An app member's name, avatar, gender and departments (user/get; needs the app's contact visibility). */
  async getMember(userId: string): Promise<CustomerProfile> {
    return memberProfile(await this.client.call('user/get', { method: 'GET', query: { userid: userId } }));
  }

  async kfListAccounts(offset = 0, limit = 100): Promise<Array<{ open_kfid: string; name?: string }>> {
    const ans = await this.client.call('kf/account/list', { method: 'POST', json: { offset, limit } });
    return (ans.account_list as Array<{ open_kfid: string; name?: string }>) ?? [];
  }

  /** Release the HTTP pool share of this instance. */
  close(): Promise<void> {
    return this.client.close();
  }
}

export { WecomApiError } from './api/errors';
