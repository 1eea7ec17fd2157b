/**
 * The callback driver: plays WeChat users. Encrypts each callback with the app's Token and
 * EncodingAESKey, POSTs it to the callback URL, re-sends (same body) when no 200 comes within the
 * deadline (WeCom: 5 s, up to 3 re-sends), and records passive replies found in the answer.
 */
import { sealCallback, type CallbackKeys } from '../../nodes/lib/wecom/callback';
import { buildXml, parseXml, str } from '../../nodes/lib/wecom/xml';
import { decrypt, verifySignature } from '../../nodes/lib/wecom/crypto';
import { SimState, rand } from './state';

export interface DriverConfig {
  keys: CallbackKeys;
  corpId: string;
  agentId: string;
  callbackUrl?: string;
  /** How long to wait for an answer before re-sending (5000). */
  deadlineMs: number;
  /** Re-sends after the first attempt (3). */
  resends: number;
  /**
   * Pause before re-sending after a quick error answer (non-200 or a refused connection), as WeCom does not
   * re-send in the same instant; a timed-out attempt has already waited `deadlineMs` (1000).
   */
  resendDelayMs?: number;
}

/** A user's picture, voice, video or file (the simulator keeps the bytes for media/get). */
export interface UserMedia {
  channel: 'app' | 'kf';
  userId: string;
  type: 'image' | 'voice' | 'video' | 'file';
  data: Buffer | Uint8Array;
  filename?: string;
  contentType?: string;
  openKfId?: string;
}

const WELCOME_LIFE_MS = 20_000;
const SYNC_TOKEN_LIFE_MS = 10 * 60_000;

export class Driver {
  constructor(
    private readonly st: SimState,
    readonly cfg: DriverConfig,
  ) {}

  async userSays(o: { channel: 'app' | 'kf'; userId: string; text: string; openKfId?: string; menuId?: string }): Promise<{ msgId: string; status: number }> {
    if (!o.userId) throw new TypeError('userId is required');
    if (typeof o.text !== 'string' || o.text === '') throw new TypeError('text is required');
    if (o.menuId !== undefined && o.channel !== 'kf') throw new TypeError('menuId (a msgmenu tap) is 微信客服 only');
    // a tap on a msgmenu item arrives as a text with the item's content and its id in text.menu_id
    const body = o.menuId ? { msgtype: 'text', text: { content: o.text, menu_id: o.menuId } } : undefined;
    return o.channel === 'kf' ? this.kfSays(o.userId, o.text, o.openKfId || this.st.openKfIds[0], body) : this.appSays(o.userId, o.text);
  }

  async userSends(o: UserMedia): Promise<{ msgId: string; mediaId: string; status: number }> {
    if (!o.userId) throw new TypeError('userId is required');
    if (!['image', 'voice', 'video', 'file'].includes(o.type)) throw new TypeError('type is image, voice, video or file');
    const data = Buffer.from(o.data);
    const mediaId = `sim_user_${o.type}_${rand(12)}`;
    const filename = o.filename || `${o.type}.bin`;
    this.st.media.set(mediaId, { type: o.type, size: data.length, filename, data, contentType: o.contentType });
    const label = `[${o.type}]`;
    if (o.channel === 'kf') {
      const { msgId, status } = await this.kfSays(o.userId, label, o.openKfId || this.st.openKfIds[0], { msgtype: o.type, [o.type]: { media_id: mediaId } });
      return { msgId, mediaId, status };
    }
    const msgId = this.st.nextMsgId();
    const fields: Record<string, unknown> = { ToUserName: this.cfg.corpId, FromUserName: o.userId, CreateTime: Math.floor(Date.now() / 1000), MsgType: o.type, MediaId: mediaId };
    if (o.type === 'image') fields.PicUrl = `https://wework.qpic.cn/sim/${mediaId}`;
    if (o.type === 'voice') fields.Format = 'amr';
    Object.assign(fields, { MsgId: msgId, AgentID: Number(this.cfg.agentId) });
    this.st.record({ direction: 'user', channel: 'app', userId: o.userId, msgtype: o.type, text: label, data: { msgId, mediaId } });
    const status = await this.post(buildXml(fields), o.userId);
    return { msgId, mediaId, status };
  }

  private async appSays(userId: string, text: string) {
    const msgId = this.st.nextMsgId();
    const inner = buildXml({ ToUserName: this.cfg.corpId, FromUserName: userId, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: text, MsgId: msgId, AgentID: Number(this.cfg.agentId) });
    this.st.record({ direction: 'user', channel: 'app', userId, msgtype: 'text', text, data: { msgId } });
    const status = await this.post(inner, userId);
    return { msgId, status };
  }

  private async kfSays(userId: string, text: string, openKfId: string, body: Record<string, unknown> = { msgtype: 'text', text: { content: text } }) {
    const log = this.st.kfLog.get(openKfId);
    if (!log) throw new TypeError(`unknown openKfId ${openKfId}`);
    const now = Date.now();
    const { s, isNew } = this.st.ensureSession(openKfId, userId);
    if (isNew) {
      const code = rand(16);
      this.st.codes.set(code, { expiresAt: now + WELCOME_LIFE_MS, used: false, openKfId, userId });
      log.push({
        msgid: this.st.nextMsgId(), send_time: Math.floor(now / 1000), origin: 4, msgtype: 'event',
        event: { event_type: 'enter_session', open_kfid: openKfId, external_userid: userId, scene: 'sandbox', scene_param: '', welcome_code: code },
      });
    }
    if (s.state === 4) s.state = 0;
    s.lastCustomerAt = now;
    s.repliesSinceCustomer = 0;
    const msgId = this.st.nextMsgId();
    log.push({ msgid: msgId, open_kfid: openKfId, external_userid: userId, send_time: Math.floor(now / 1000), origin: 3, ...body });
    this.st.record({ direction: 'user', channel: 'kf', userId, openKfId, msgtype: String(body.msgtype), text, data: { msgId } });
    const token = `ENC${rand(20)}`;
    this.st.syncTokens.set(token, now + SYNC_TOKEN_LIFE_MS);
    const inner = buildXml({ ToUserName: this.cfg.corpId, CreateTime: Math.floor(now / 1000), MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: openKfId });
    const status = await this.post(inner, userId);
    return { msgId, status };
  }

  /** POST one callback with WeCom's re-send rule; resolves the final HTTP status (0 = no answer / no URL). */
  private async post(innerXml: string, userId: string): Promise<number> {
    const url = this.cfg.callbackUrl;
    if (!url) return 0;
    const { query, body } = sealCallback(this.cfg.keys, innerXml, this.cfg.agentId);
    const target = `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(query).toString()}`;
    let status = 0;
    let timedOut = false;
    for (let attempt = 0; attempt <= this.cfg.resends; attempt++) {
      if (attempt > 0 && !timedOut) await new Promise((r) => setTimeout(r, this.cfg.resendDelayMs ?? 1000));
      if (attempt > 0) this.st.count('callbackResends');
      this.st.count('callbacks');
      try {
        const res = await fetch(target, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, signal: AbortSignal.timeout(this.cfg.deadlineMs) });
        const text = await res.text();
        status = res.status;
        if (res.status === 200) {
          if (text.trim() !== '') this.passiveReply(text, userId);
          return status;
        }
        timedOut = false;
      } catch (err) {
        status = 0;
        timedOut = (err as Error).name === 'TimeoutError';
      }
    }
    return status;
  }

  private passiveReply(envelope: string, userId: string): void {
    try {
      const env = parseXml(envelope);
      const enc = str(env, 'Encrypt');
      if (!verifySignature(this.cfg.keys.token, str(env, 'TimeStamp'), str(env, 'Nonce'), enc, str(env, 'MsgSignature'))) {
        this.st.count('badPassiveReplies');
        return;
      }
      const inner = parseXml(decrypt(this.cfg.keys.aesKey, enc, this.cfg.keys.receiveId).message);
      const msgtype = str(inner, 'MsgType') || 'text';
      this.st.record({ direction: 'bot', channel: 'app', userId: str(inner, 'ToUserName') || userId, msgtype, text: str(inner, 'Content') || `[${msgtype}]`, data: { passive: true } });
    } catch {
      this.st.count('badPassiveReplies');
    }
  }
}
