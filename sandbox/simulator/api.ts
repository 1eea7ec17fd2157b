/**
 * The simulated /cgi-bin APIs with WeCom's documented validation and error codes (protocol §4–§6).
 * Where WeCom's exact code is undocumented the simulator uses 40058 (invalid parameter) and says why
 * in errmsg (e.g. a reused kf msgid).
 */
import { SimState, rand } from './state';

export interface ApiConfig {
  corpId: string;
  agentId: string;
  agentSecret: string;
  kfSecret?: string;
  /** Messages per sync_msg page at most (to exercise has_more). */
  kfPageSize: number;
  /** App messages per member per minute before WeCom silently drops (30). */
  perUserPerMinute: number;
  /** Calls per API per window before 45009 (WeCom: 10 000/min per corp and API). */
  apiPerWindow: number;
  rateWindowMs: number;
  /** access_token lifetime, s (7200). */
  tokenLifetimeSec: number;
}

export interface ApiRequest {
  query: URLSearchParams;
  json: Record<string, unknown>;
  raw: Buffer;
  contentType: string;
}

export type Answer = Record<string, unknown> & { errcode: number };

const ok = (extra: Record<string, unknown> = {}): Answer => ({ errcode: 0, errmsg: 'ok', ...extra });
const err = (errcode: number, errmsg: string): Answer => ({ errcode, errmsg: `${errmsg}, hint: [sim-${rand(4)}]` });
const bytes = (s: unknown) => Buffer.byteLength(String(s ?? ''), 'utf8');
const H48 = 48 * 3600 * 1000;
const APP_TYPES = new Set(['text', 'markdown', 'image', 'voice', 'video', 'file', 'news', 'textcard', 'mpnews', 'template_card', 'miniprogram_notice']);
const KF_TYPES = new Set(['text', 'image', 'voice', 'video', 'file', 'link', 'msgmenu', 'location', 'miniprogram', 'ca_link']);
const MEDIA = new Set(['image', 'voice', 'video', 'file']);
const TRANSITIONS: Record<number, number[]> = { 0: [1, 2, 3, 4], 1: [1, 2, 3, 4], 2: [2, 3, 4], 3: [3, 4], 4: [] };
const MEDIA_LIMIT: Record<string, number> = { image: 10 << 20, voice: 2 << 20, video: 10 << 20, file: 20 << 20 };

export function summary(msgtype: string, content: Record<string, unknown> | undefined): string {
  if (!content) return `[${msgtype}]`;
  if (typeof content.content === 'string') return content.content;
  if (typeof content.title === 'string') return content.title;
  if (typeof content.head_content === 'string') return content.head_content;
  return `[${msgtype}]`;
}

export class SimApi {
  constructor(
    private readonly st: SimState,
    private readonly cfg: ApiConfig,
  ) {}

  private auth(q: URLSearchParams): { who: 'agent' | 'kf' } | Answer {
    const t = q.get('access_token');
    if (!t) return err(41001, 'access_token missing');
    const e = this.st.tokens.get(t);
    if (!e) return err(40014, 'invalid access_token');
    if (Date.now() >= e.expiresAt) return err(42001, 'access_token expired');
    return { who: e.who };
  }

  private readonly calls = new Map<string, number[]>();

  /** 45009 once an API was called more than apiPerWindow times within rateWindowMs. */
  private limited(api: string): boolean {
    const now = Date.now();
    const times = (this.calls.get(api) ?? []).filter((t) => now - t < this.cfg.rateWindowMs);
    if (times.length >= this.cfg.apiPerWindow) {
      this.calls.set(api, times);
      return true;
    }
    times.push(now);
    this.calls.set(api, times);
    return false;
  }

  handle(api: string, req: ApiRequest): Promise<Answer> | Answer {
    this.st.count(api);
    if (this.limited(api)) {
      this.st.count('rateLimited');
      return err(45009, 'api freq out of limit');
    }
    if (api === 'gettoken') return this.gettoken(req.query);
    const a = this.auth(req.query);
    if ('errcode' in a) return a;
    switch (api) {
      case 'message/send':
        return a.who === 'kf' && this.cfg.kfSecret !== this.cfg.agentSecret ? err(48002, 'api forbidden for this secret') : this.messageSend(req.json);
      case 'media/upload':
        return this.mediaUpload(req);
      case 'kf/account/list':
        return ok({ account_list: this.st.openKfIds.map((id, i) => ({ open_kfid: id, name: `Sandbox 客服 ${i + 1}`, avatar: '', manage_privilege: true })) });
      case 'kf/sync_msg':
        return this.syncMsg(req.json);
      case 'kf/send_msg':
        return this.kfSend(req.json);
      case 'kf/send_msg_on_event':
        return this.kfSendOnEvent(req.json);
      case 'kf/service_state/get':
        return this.stateGet(req.json);
      case 'kf/service_state/trans':
        return this.stateTrans(req.json);
      case 'kf/customer/batchget':
        return this.kfCustomers(req.json);
      case 'user/get':
        return a.who === 'kf' && this.cfg.kfSecret !== this.cfg.agentSecret ? err(48002, 'api forbidden for this secret') : this.userGet(req.query);
      default:
        return err(40058, `unknown api ${api}`);
    }
  }

  private gettoken(q: URLSearchParams): Answer {
    if (q.get('corpid') !== this.cfg.corpId) return err(40013, 'invalid corpid');
    const secret = q.get('corpsecret');
    const who = secret === this.cfg.agentSecret ? 'agent' : this.cfg.kfSecret && secret === this.cfg.kfSecret ? 'kf' : null;
    if (!who) return err(40001, 'invalid secret');
    const cur = this.st.currentToken.get(who);
    const e = cur ? this.st.tokens.get(cur) : undefined;
    if (cur && e && Date.now() < e.expiresAt) return ok({ access_token: cur, expires_in: Math.round((e.expiresAt - Date.now()) / 1000) });
    const token = rand(32);
    this.st.tokens.set(token, { who, expiresAt: Date.now() + this.cfg.tokenLifetimeSec * 1000 });
    this.st.currentToken.set(who, token);
    return ok({ access_token: token, expires_in: this.cfg.tokenLifetimeSec });
  }

  private checkText(content: unknown): Answer | null {
    const c = (content as Record<string, unknown> | undefined)?.content;
    if (typeof c !== 'string' || c === '') return err(44004, 'empty content');
    if (bytes(c) > 2048) return err(45002, 'content size out of limit');
    return null;
  }

  private checkBody(msgtype: string, content: unknown): Answer | null {
    const c = content as Record<string, unknown> | undefined;
    if (!c || typeof c !== 'object') return err(40058, `${msgtype} object missing`);
    if (msgtype === 'text' || msgtype === 'markdown') return this.checkText(c);
    if (MEDIA.has(msgtype) && !this.st.media.has(String(c.media_id ?? ''))) return err(40007, 'invalid media_id');
    if (msgtype === 'news') {
      const n = Array.isArray(c.articles) ? c.articles.length : 0;
      if (n < 1 || n > 8) return err(45008, 'article size out of limit');
    }
    if (msgtype === 'textcard' && (!c.title || !c.description || !c.url)) return err(40058, 'textcard needs title, description, url');
    return null;
  }

  private messageSend(b: Record<string, unknown>): Answer {
    if (String(b.agentid ?? '') !== this.cfg.agentId) return err(40056, 'invalid agentid');
    const msgtype = String(b.msgtype ?? '');
    if (!APP_TYPES.has(msgtype)) return err(40008, 'invalid message type');
    const users = String(b.touser ?? '').split('|').filter(Boolean);
    if (users.length === 0 && !b.toparty && !b.totag) return err(40058, 'touser, toparty and totag are all empty');
    if (users.length > 1000) return err(40058, 'too many users');
    const bad = this.checkBody(msgtype, b[msgtype]);
    if (bad) return bad;
    const msgid = rand(16);
    if (Number(b.enable_duplicate_check) === 1) {
      const interval = Math.min(14400, Number(b.duplicate_check_interval) || 1800) * 1000;
      const key = JSON.stringify(b);
      const at = this.st.dupBodies.get(key);
      if (at !== undefined && Date.now() - at < interval) {
        this.st.count('duplicatesSuppressed');
        return ok({ invaliduser: '', invalidparty: '', invalidtag: '', msgid });
      }
      this.st.dupBodies.set(key, Date.now());
    }
    const content = b[msgtype] as Record<string, unknown>;
    for (const u of users) {
      const now = Date.now();
      const times = (this.st.appSends.get(u) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= this.cfg.perUserPerMinute) {
        this.st.count('dropped');
        continue;
      }
      times.push(now);
      this.st.appSends.set(u, times);
      this.st.record({ direction: 'bot', channel: 'app', userId: u, msgtype, text: summary(msgtype, content), data: content });
    }
    return ok({ invaliduser: '', invalidparty: '', invalidtag: '', unlicenseduser: '', msgid });
  }

  private async mediaUpload(req: ApiRequest): Promise<Answer> {
    const type = req.query.get('type') ?? '';
    if (!MEDIA.has(type)) return err(40004, 'invalid media type');
    if (!/^multipart\/form-data/i.test(req.contentType)) return err(41005, 'media data missing (multipart/form-data expected)');
    let file: unknown;
    try {
      const fd = await new Response(new Uint8Array(req.raw), { headers: { 'content-type': req.contentType } }).formData();
      file = fd.get('media');
    } catch {
      return err(41005, 'malformed multipart body');
    }
    if (!file || typeof file === 'string') return err(41005, 'media data missing: field "media" must be a file');
    const f = file as File;
    if (!f.name) return err(40058, 'the media part needs a filename');
    if (f.size <= 5) return err(40006, 'invalid file size (must be > 5 bytes)');
    if (f.size > MEDIA_LIMIT[type]) return err(45001, 'media size out of limit');
    const id = `sim_${type}_${rand(12)}`;
    this.st.media.set(id, { type, size: f.size, filename: f.name, data: Buffer.from(await f.arrayBuffer()), contentType: f.type || undefined });
    return ok({ type, media_id: id, created_at: String(Math.floor(Date.now() / 1000)) });
  }

  /** media/get: the bytes of a temporary media (uploaded, or sent by a user), or an error answer. */
  mediaGet(q: URLSearchParams): Answer | { data: Buffer; contentType: string; filename: string } {
    this.st.count('media/get');
    const a = this.auth(q);
    if ('errcode' in a) return a;
    const m = this.st.media.get(q.get('media_id') ?? '');
    if (!m || !m.data) return err(40007, 'invalid media_id');
    return { data: m.data, contentType: m.contentType || 'application/octet-stream', filename: m.filename };
  }

  private syncMsg(b: Record<string, unknown>): Answer {
    const open = String(b.open_kfid ?? '');
    const log = this.st.kfLog.get(open);
    if (!log) return err(95000, 'invalid open_kfid');
    if (b.token !== undefined && b.token !== '') {
      const exp = this.st.syncTokens.get(String(b.token));
      if (exp === undefined || Date.now() > exp) return err(95007, 'invalid msg token');
    }
    let start = 0;
    if (b.cursor) {
      const m = /^c(\d+)$/.exec(Buffer.from(String(b.cursor), 'base64url').toString());
      if (!m) return err(40058, 'invalid cursor');
      start = Number(m[1]);
    }
    const limit = Math.min(Math.max(1, Number(b.limit) || 1000), 1000, this.cfg.kfPageSize);
    const page = log.slice(start, start + limit);
    const next = start + page.length;
    return ok({ next_cursor: Buffer.from(`c${next}`).toString('base64url'), has_more: next < log.length ? 1 : 0, msg_list: page });
  }

  private kfSend(b: Record<string, unknown>): Answer {
    const open = String(b.open_kfid ?? '');
    const ids = this.st.kfMsgIds.get(open);
    if (!ids) return err(95000, 'invalid open_kfid');
    const msgid = b.msgid === undefined ? rand(16) : String(b.msgid);
    if (!/^[0-9a-zA-Z_-]{1,32}$/.test(msgid)) return err(40058, 'invalid msgid: ≤32 chars of [0-9a-zA-Z_-]');
    if (ids.has(msgid)) return err(40058, 'msgid already used in this kf account');
    const msgtype = String(b.msgtype ?? '');
    if (!KF_TYPES.has(msgtype)) return err(40008, 'invalid message type');
    const s = this.st.session(open, String(b.touser ?? ''));
    if (!s || Date.now() - s.lastCustomerAt > H48) return err(95002, 'out of 48 hours window');
    if (s.state !== 0 && s.state !== 1) return err(95018, 'invalid session state for api send');
    if (s.repliesSinceCustomer >= 5) return err(95001, 'send msg count limit');
    const bad = this.checkBody(msgtype, b[msgtype]);
    if (bad) return bad;
    if (msgtype === 'msgmenu' && Array.isArray((b.msgmenu as Record<string, unknown>).list) && ((b.msgmenu as { list: unknown[] }).list.length > 10)) return err(95008, 'too many menu items');
    ids.add(msgid);
    s.repliesSinceCustomer++;
    s.state = 1;
    const content = b[msgtype] as Record<string, unknown>;
    this.st.record({ direction: 'bot', channel: 'kf', userId: s.userId, openKfId: open, msgtype, text: summary(msgtype, content), data: { ...content, msgid } });
    return ok({ msgid });
  }

  private kfSendOnEvent(b: Record<string, unknown>): Answer {
    const c = this.st.codes.get(String(b.code ?? ''));
    if (!c || c.used || Date.now() > c.expiresAt) return err(40058, 'invalid or expired code (welcome_code lives 20 s, single use)');
    const msgtype = String(b.msgtype ?? '');
    if (msgtype !== 'text' && msgtype !== 'msgmenu') return err(40008, 'only text or msgmenu for event messages');
    const bad = msgtype === 'text' ? this.checkText(b.text) : null;
    if (bad) return bad;
    const msgid = b.msgid === undefined ? rand(16) : String(b.msgid);
    const ids = this.st.kfMsgIds.get(c.openKfId)!;
    if (ids.has(msgid)) return err(40058, 'msgid already used in this kf account');
    ids.add(msgid);
    c.used = true;
    const content = b[msgtype] as Record<string, unknown>;
    this.st.record({ direction: 'bot', channel: 'kf', userId: c.userId, openKfId: c.openKfId, msgtype, text: summary(msgtype, content), data: { ...content, msgid, onEvent: true } });
    return ok({ msgid });
  }

  /** kf/customer/batchget: 1–100 external_userid; unknown ones are listed in invalid_external_userid. */
  private kfCustomers(b: Record<string, unknown>): Answer {
    const ids = b.external_userid_list;
    if (!Array.isArray(ids) || ids.length === 0) return err(40058, 'external_userid_list is required');
    if (ids.length > 100) return err(40058, 'external_userid_list: at most 100 ids');
    const customer_list: Array<Record<string, unknown>> = [];
    const invalid: string[] = [];
    for (const id of ids.map(String)) {
      const c = this.st.directory.customer(id);
      if (!c) invalid.push(id);
      else {
        if (Number(b.need_enter_session_context) !== 1) delete c.enter_session_context;
        customer_list.push(c);
      }
    }
    return ok({ customer_list, invalid_external_userid: invalid });
  }

  private userGet(q: URLSearchParams): Answer {
    const id = q.get('userid') ?? '';
    if (!id) return err(40058, 'userid is required');
    const m = this.st.directory.member(id);
    return m ? ok(m) : err(60111, 'userid not found');
  }

  private stateGet(b: Record<string, unknown>): Answer {
    const open = String(b.open_kfid ?? '');
    if (!this.st.kfLog.has(open)) return err(95000, 'invalid open_kfid');
    const s = this.st.session(open, String(b.external_userid ?? ''));
    return ok({ service_state: s ? s.state : 4, servicer_userid: s?.state === 3 ? s.servicer : undefined });
  }

  private stateTrans(b: Record<string, unknown>): Answer {
    const open = String(b.open_kfid ?? '');
    if (!this.st.kfLog.has(open)) return err(95000, 'invalid open_kfid');
    const s = this.st.session(open, String(b.external_userid ?? ''));
    const to = Number(b.service_state);
    const from = s ? s.state : 4;
    if (!s || !(TRANSITIONS[from] ?? []).includes(to)) return err(95016, `state change ${from} → ${to} not allowed`);
    if (to === 3 && !b.servicer_userid) return err(95014, 'servicer_userid required for state 3');
    s.state = to;
    s.servicer = to === 3 ? String(b.servicer_userid) : undefined;
    if (to === 2 || to === 3 || to === 4) {
      const code = rand(16);
      this.st.codes.set(code, { expiresAt: Date.now() + (to === 4 ? 20_000 : H48), used: false, openKfId: open, userId: s.userId });
      return ok({ msg_code: code });
    }
    return ok();
  }
}
