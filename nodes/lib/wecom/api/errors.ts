/**
 * Typed errors of the WeCom API client. Messages name the API and the errcode and, for configuration
 * errors, what to fix in the WeCom admin console. They never contain the access token or a secret.
 */

export type ApiErrorKind =
  /** Wrong settings in the admin console or the account node: retrying cannot help. */
  | 'config'
  /** The request itself is wrong (too long, bad media id, …): fix the message. */
  | 'request'
  /** A 微信客服 session rule (48 h window, 5 replies, session state). */
  | 'session'
  /** Transient (network, timeout, 5xx, -1, 45033) after all retries. */
  | 'transient'
  /** Frequency limit (45009) still hit after waiting. */
  | 'rate'
  /** Anything else WeCom answered. */
  | 'api';

/** What to fix, per errcode, for configuration and session errors. */
export const ERR_HINTS: Record<number, { kind: ApiErrorKind; fix: string }> = {
  40001: { kind: 'config', fix: 'the Secret is wrong or was reset: copy it again from 应用管理 → your app → Secret (微信客服 Secret for kf calls)' },
  40013: { kind: 'config', fix: 'the Corp ID is wrong: copy it from 我的企业 → 企业信息 → 企业ID' },
  40056: { kind: 'config', fix: 'the Agent ID is wrong: copy it from 应用管理 → your app → AgentId' },
  48002: { kind: 'config', fix: 'this API is not permitted for the app: check the app\'s API permissions (and 微信客服 → 可调用接口的应用)' },
  60011: { kind: 'config', fix: 'the user/party is outside the app\'s visible range (可见范围): add them in 应用管理 → your app' },
  60020: { kind: 'config', fix: 'this server\'s IP is not trusted: add it under 应用管理 → your app → 企业可信IP (takes about a minute)' },
  81013: { kind: 'config', fix: 'no recipient is valid for this app: check the UserIDs and the app\'s visible range (可见范围)' },
  95000: { kind: 'config', fix: 'the 微信客服 account (open_kfid) is invalid: check it in 微信客服 → 账号' },
  95004: { kind: 'config', fix: 'the 微信客服 account (open_kfid) does not exist' },
  95011: { kind: 'config', fix: 'the Secret does not fit this 微信客服 edition (联合版/独立版): use the Secret of the app bound in 微信客服 → 可调用接口的应用' },
  95012: { kind: 'config', fix: 'the Secret does not fit this 微信客服 edition (联合版/独立版): use the Secret of the app bound in 微信客服 → 可调用接口的应用' },
  95017: { kind: 'config', fix: 'the 微信客服 API switch is off: bind the app in 微信客服 → 可调用接口的应用 and set the account to 通过API管理' },
  95023: { kind: 'config', fix: 'the 微信客服 API is granted to another (代开发) app' },
  95001: { kind: 'session', fix: 'already 5 replies since the customer\'s last message: wait until the customer writes again' },
  95002: { kind: 'session', fix: 'more than 48 h since the customer\'s last message: wait until the customer writes again' },
  95013: { kind: 'session', fix: 'the 微信客服 session has ended' },
  95016: { kind: 'session', fix: 'this session state change is not allowed (e.g. the session is with a human servicer or ended)' },
  95018: { kind: 'session', fix: 'the session state does not allow an API send (it must be 未处理 0 or 智能助手 1, within 48 h)' },
  45002: { kind: 'request', fix: 'the content is too long' },
  44004: { kind: 'request', fix: 'the text is empty' },
  45001: { kind: 'request', fix: 'the media file is too large' },
  45008: { kind: 'request', fix: 'a news message has more than 8 articles' },
  40007: { kind: 'request', fix: 'the media_id is invalid or expired (3 days): upload the media again' },
  40058: { kind: 'request', fix: 'a parameter is invalid' },
};

/** errcodes that mean "get a new access_token and try once more". */
export const TOKEN_ERRCODES = new Set([40014, 42001, 41001]);
/** errcodes that are transient and retried with backoff. */
export const TRANSIENT_ERRCODES = new Set([-1, 45033]);
export const RATE_LIMIT_ERRCODE = 45009;

export class WecomApiError extends Error {
  /** API path, e.g. "message/send" (never the full URL, which carries the token). */
  readonly api: string;
  /** WeCom's errcode; 0 for network errors and HTTP failures. */
  readonly errcode: number;
  /** WeCom's errmsg with the access token removed. */
  readonly errmsg: string;
  readonly kind: ApiErrorKind;
  /** What to fix, when known. */
  readonly fix?: string;
  /** HTTP status when the failure was HTTP-level. */
  readonly status?: number;
  constructor(o: { api: string; errcode: number; errmsg: string; kind?: ApiErrorKind; status?: number }) {
    const hint = ERR_HINTS[o.errcode];
    const kind = o.kind ?? hint?.kind ?? 'api';
    const errmsg = redact(o.errmsg);
    const fix = hint?.fix;
    const head = o.errcode !== 0 ? `WeCom ${o.api} failed: errcode ${o.errcode}` : `WeCom ${o.api} failed`;
    super(`${head}${errmsg ? ` (${errmsg})` : ''}${fix ? ` — ${fix}` : ''}`);
    this.name = 'WecomApiError';
    this.api = o.api;
    this.errcode = o.errcode;
    this.errmsg = errmsg;
    this.kind = kind;
    this.fix = fix;
    this.status = o.status;
  }
}

/** Remove anything that looks like an access token or secret from a string. */
export function redact(text: string | undefined): string {
  if (!text) return '';
  return String(text)
    .replace(/(access_token|corpsecret|secret)=[^&\s"']*/gi, '$1=***')
    .slice(0, 500);
}
