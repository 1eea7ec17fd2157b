/**
 * The WeCom callback endpoint logic, independent of any HTTP framework: URL verification (GET)
 * and data callbacks (POST). Every rejection is a CallbackError with the HTTP status to answer.
 */
import { decrypt, encrypt, makeNonce, signature, verifySignature, WecomCryptoError, CryptoErrorCode } from './crypto';
import { buildXml, parseXml, str, XmlError, type XmlRecord } from './xml';
import { badIdField } from './inbound';

export interface CallbackKeys {
  token: string;
  aesKey: Buffer;
  /** receiveid to require: the Corp ID for self-built apps. */
  receiveId: string;
  /**
   * While the Token / EncodingAESKey are being rotated: the values WeCom may still sign and encrypt with (each
   * defaults to the current one). A callback opened with them is answered with them.
   */
  previous?: { token: string; aesKey: Buffer };
}

/** A callback whose timestamp is further than this from our clock is refused (WeCom's clock and ours: NTP). */
export const MAX_CLOCK_SKEW_S = 300;

export interface FreshnessCheck {
  /** Seconds either side of `now` a timestamp may be (default MAX_CLOCK_SKEW_S). */
  maxSkewS?: number;
  /** Our clock (ms). */
  now?: number;
}

export interface CallbackQuery {
  msg_signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  echostr?: unknown;
}

export class CallbackError extends Error {
  readonly status: number;
  /** Official library code when the cause was crypto, else undefined. */
  readonly code?: number;
  constructor(status: number, message: string, code?: number) {
    super(message);
    this.name = 'CallbackError';
    this.status = status;
    this.code = code;
  }
}

/** A correctly signed callback whose timestamp is too far from our clock (a replay, or a clock that drifted). */
export class StaleCallback extends CallbackError {
  constructor(message: string) {
    super(403, message, CryptoErrorCode.ValidateSignature);
    this.name = 'StaleCallback';
  }
}

function param(q: CallbackQuery, name: keyof CallbackQuery): string {
  const v = q[name];
  if (typeof v !== 'string' || v === '') throw new CallbackError(401, `missing query parameter ${name}`);
  return v;
}

function fromCrypto(err: unknown): CallbackError {
  if (err instanceof WecomCryptoError) return new CallbackError(400, err.message, err.code);
  if (err instanceof XmlError) return new CallbackError(400, err.message, CryptoErrorCode.ParseXml);
  return new CallbackError(400, (err as Error)?.message ?? 'bad request');
}

/** The key sets a callback may use: the current one, then (while rotating) the previous one. */
function keySets(keys: CallbackKeys): CallbackKeys[] {
  const p = keys.previous;
  if (!p || (p.token === keys.token && p.aesKey.equals(keys.aesKey))) return [keys];
  return [keys, { token: p.token, aesKey: p.aesKey, receiveId: keys.receiveId }];
}

/**
 * Check the signature with each key set and decrypt with the first that signed it: the plaintext and the key
 * set (replies go out with the keys WeCom used). 403 when no set signed it.
 */
function openWith(keys: CallbackKeys, ts: string, nonce: string, ciphertext: string, sig: string): { plain: string; keys: CallbackKeys } {
  let failure: unknown = null;
  for (const k of keySets(keys)) {
    if (!verifySignature(k.token, ts, nonce, ciphertext, sig)) continue;
    try {
      return { plain: decrypt(k.aesKey, ciphertext, k.receiveId).message, keys: k };
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== null) throw fromCrypto(failure);
  throw new CallbackError(403, 'signature mismatch', CryptoErrorCode.ValidateSignature);
}

/**
 * 403 unless the (signed) timestamp is within the allowed skew of our clock: a captured callback cannot be played
 * again later. The reason names the skew only, never a secret.
 */
export function checkFresh(ts: string, check: FreshnessCheck = {}): void {
  const max = check.maxSkewS ?? MAX_CLOCK_SKEW_S;
  const now = (check.now ?? Date.now()) / 1000;
  const t = /^\d{1,12}$/.test(ts) ? Number(ts) : NaN;
  if (!Number.isFinite(t)) throw new StaleCallback('stale timestamp (not a number of seconds)');
  const off = Math.round(t - now);
  if (Math.abs(off) > max) throw new StaleCallback(`stale timestamp (${off > 0 ? '+' : ''}${off} s from our clock, more than ${max} s)`);
}

/** GET: verify the signature over echostr, check the timestamp, decrypt it, and return the plaintext to answer. */
export function verifyUrl(keys: CallbackKeys, query: CallbackQuery, fresh: FreshnessCheck = {}): string {
  const sig = param(query, 'msg_signature');
  const ts = param(query, 'timestamp');
  const nonce = param(query, 'nonce');
  // Express has already percent-decoded it; a '+' that became a space goes back to '+'.
  const echostr = param(query, 'echostr').replace(/ /g, '+');
  const opened = openWith(keys, ts, nonce, echostr, sig);
  checkFresh(ts, fresh);
  return opened.plain;
}

export interface OpenedCallback {
  /** The inner message, parsed. */
  message: XmlRecord;
  timestamp: string;
  nonce: string;
  /** The key set it was signed with: seal the passive reply with these. */
  keys: CallbackKeys;
}

/** Extract the ciphertext from an XML or JSON envelope. */
function envelopeCiphertext(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new CallbackError(400, 'malformed JSON envelope', CryptoErrorCode.ParseXml);
    }
    const enc = json.encrypt ?? json.Encrypt;
    if (typeof enc !== 'string' || enc === '') throw new CallbackError(400, 'envelope has no Encrypt', CryptoErrorCode.ParseXml);
    return enc;
  }
  let env: XmlRecord;
  try {
    env = parseXml(body);
  } catch (err) {
    throw fromCrypto(err);
  }
  const enc = str(env, 'Encrypt');
  if (!enc) throw new CallbackError(400, 'envelope has no Encrypt', CryptoErrorCode.ParseXml);
  return enc;
}

/** POST: signature first (current keys, then previous ones), then the timestamp, decrypt, receiveid, and parse the inner XML. */
export function openCallback(keys: CallbackKeys, query: CallbackQuery, body: string, fresh: FreshnessCheck = {}): OpenedCallback {
  const sig = param(query, 'msg_signature');
  const ts = param(query, 'timestamp');
  const nonce = param(query, 'nonce');
  const ciphertext = envelopeCiphertext(body);
  const opened = openWith(keys, ts, nonce, ciphertext, sig);
  checkFresh(ts, fresh);
  try {
    const message = parseXml(opened.plain);
    const bad = badIdField(message);
    if (bad === 'FromUserName') throw new CallbackError(400, 'FromUserName is not a single user id');
    if (bad) throw new CallbackError(400, `${bad} is not a valid WeCom id`);
    return { message, timestamp: ts, nonce, keys: opened.keys };
  } catch (err) {
    if (err instanceof CallbackError) throw err;
    throw fromCrypto(err);
  }
}

/** Wrap a reply plaintext into the encrypted passive-reply envelope (protocol §1.8). */
export function sealReply(keys: CallbackKeys, replyXml: string, timestamp = String(Math.floor(Date.now() / 1000)), nonce = makeNonce()): string {
  const enc = encrypt(keys.aesKey, replyXml, keys.receiveId);
  const sig = signature(keys.token, timestamp, nonce, enc);
  return `<xml><Encrypt><![CDATA[${enc}]]></Encrypt><MsgSignature><![CDATA[${sig}]]></MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
}

/** Build the encrypted POST a WeCom server would send (used by the simulator and tests). */
export function sealCallback(keys: CallbackKeys, innerXml: string, agentId?: string, timestamp = String(Math.floor(Date.now() / 1000)), nonce = makeNonce()): { query: Record<string, string>; body: string } {
  const enc = encrypt(keys.aesKey, innerXml, keys.receiveId);
  const sig = signature(keys.token, timestamp, nonce, enc);
  const body = buildXml({ ToUserName: keys.receiveId, AgentID: agentId, Encrypt: enc });
  return { query: { msg_signature: sig, timestamp, nonce }, body };
}
