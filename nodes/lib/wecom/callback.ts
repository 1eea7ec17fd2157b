/**
 * The WeCom callback endpoint logic, independent of any HTTP framework: URL verification (GET)
 * and data callbacks (POST). Every rejection is a CallbackError with the HTTP status to answer.
 */
import { decrypt, encrypt, makeNonce, signature, verifySignature, WecomCryptoError, CryptoErrorCode } from './crypto';
import { buildXml, parseXml, str, XmlError, type XmlRecord } from './xml';
import { namesOneUser } from './inbound';

export interface CallbackKeys {
  token: string;
  aesKey: Buffer;
  /** receiveid to require: the Corp ID for self-built apps. */
  receiveId: string;
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

/** GET: verify the signature over echostr, decrypt it, and return the plaintext to answer. */
export function verifyUrl(keys: CallbackKeys, query: CallbackQuery): string {
  const sig = param(query, 'msg_signature');
  const ts = param(query, 'timestamp');
  const nonce = param(query, 'nonce');
  // Express has already percent-decoded it; a '+' that became a space goes back to '+'.
  const echostr = param(query, 'echostr').replace(/ /g, '+');
  if (!verifySignature(keys.token, ts, nonce, echostr, sig)) {
    throw new CallbackError(403, 'signature mismatch', CryptoErrorCode.ValidateSignature);
  }
  try {
    return decrypt(keys.aesKey, echostr, keys.receiveId).message;
  } catch (err) {
    throw fromCrypto(err);
  }
}

export interface OpenedCallback {
  /** The inner message, parsed. */
  message: XmlRecord;
  timestamp: string;
  nonce: string;
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

/** POST: signature first, then decrypt, receiveid, and parse the inner XML. */
export function openCallback(keys: CallbackKeys, query: CallbackQuery, body: string): OpenedCallback {
  const sig = param(query, 'msg_signature');
  const ts = param(query, 'timestamp');
  const nonce = param(query, 'nonce');
  const ciphertext = envelopeCiphertext(body);
  if (!verifySignature(keys.token, ts, nonce, ciphertext, sig)) {
    throw new CallbackError(403, 'signature mismatch', CryptoErrorCode.ValidateSignature);
  }
  let plain: string;
  try {
    plain = decrypt(keys.aesKey, ciphertext, keys.receiveId).message;
  } catch (err) {
    throw fromCrypto(err);
  }
  try {
    const message = parseXml(plain);
    if (!namesOneUser(message)) throw new CallbackError(400, 'FromUserName is not a single user id');
    return { message, timestamp: ts, nonce };
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
