/**
 * WeCom callback crypto (the WXBizMsgCrypt scheme): SHA1 signature over the sorted
 * [token, timestamp, nonce, data], AES-256-CBC with IV = key[0..16), PKCS#7 padding to 32 bytes,
 * plaintext = random(16) | msg_len (u32 BE) | msg | receiveid.
 *
 * Stricter than the official libraries: the padding, the length field and the receiveid are all
 * checked, and every failure is a WecomCryptoError carrying the official error code.
 */
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CryptoErrorCode = {
  ValidateSignature: -40001,
  ParseXml: -40002,
  ComputeSignature: -40003,
  IllegalAesKey: -40004,
  ValidateCorpid: -40005,
  EncryptAES: -40006,
  DecryptAES: -40007,
  IllegalBuffer: -40008,
  EncodeBase64: -40009,
  DecodeBase64: -40010,
  GenReturnXml: -40011,
} as const;
export type CryptoErrorCodeValue = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

export class WecomCryptoError extends Error {
  readonly code: CryptoErrorCodeValue;
  constructor(code: CryptoErrorCodeValue, message: string) {
    super(message);
    this.name = 'WecomCryptoError';
    this.code = code;
  }
}

const BLOCK = 32;
const KEY_RE = /^[A-Za-z0-9]{43}$/;
const TOKEN_RE = /^[A-Za-z0-9]{1,32}$/;
const HEX40 = /^[0-9a-fA-F]{40}$/;

/** One-shot hashing (Node ≥ 20.12) where available; it skips creating a Hash object per call. */
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** Bytes that a strict base64 string of this length and padding decodes to. */
function base64Length(text: string): number {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - pad;
}

export function isValidEncodingAESKey(value: unknown): value is string {
  return typeof value === 'string' && KEY_RE.test(value);
}

export function isValidToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_RE.test(value);
}

/** The 32-byte AES key from a 43-character EncodingAESKey. Throws -40004 when it is not one. */
export function aesKeyFrom(encodingAESKey: string): Buffer {
  if (!isValidEncodingAESKey(encodingAESKey)) {
    throw new WecomCryptoError(CryptoErrorCode.IllegalAesKey, 'EncodingAESKey must be exactly 43 letters or digits');
  }
  const key = Buffer.from(encodingAESKey + '=', 'base64');
  if (key.length !== 32) throw new WecomCryptoError(CryptoErrorCode.IllegalAesKey, 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

/** msg_signature = hex(SHA1(sorted(token, timestamp, nonce, data).join(''))). */
export function signature(token: string, timestamp: string, nonce: string, data: string): string {
  const joined = [token, timestamp, nonce, data].sort().join('');
  return oneShotHash ? oneShotHash('sha1', joined, 'hex') : createHash('sha1').update(joined, 'utf8').digest('hex');
}

/** Constant-time check of a received msg_signature. Returns false for anything that is not a match. */
export function verifySignature(token: string, timestamp: string, nonce: string, data: string, msgSignature: string): boolean {
  if (typeof msgSignature !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof data !== 'string') {
    return false;
  }
  if (msgSignature.length !== 40 || !HEX40.test(msgSignature)) return false;
  const expected = Buffer.from(signature(token, timestamp, nonce, data), 'hex');
  return timingSafeEqual(expected, Buffer.from(msgSignature, 'hex'));
}

export interface Decrypted {
  /** The message (XML or JSON text, or the echostr plaintext). */
  message: string;
  /** The receiveid found after the message (corpid for self-built apps). */
  receiveId: string;
  /** The 16 random bytes at the start of the plaintext. */
  random: Buffer;
}

export type KeyInput = string | Buffer;

function keyOf(key: KeyInput): Buffer {
  return typeof key === 'string' ? aesKeyFrom(key) : key;
}

/**
 * Decrypt a base64 ciphertext. With `expectedReceiveId` given (a string, possibly empty), a different
 * receiveid is rejected with -40005.
 */
export function decrypt(key: KeyInput, ciphertext: string, expectedReceiveId?: string): Decrypted {
  const aesKey = keyOf(key);
  if (typeof ciphertext !== 'string' || ciphertext.length === 0 || ciphertext.length % 4 !== 0) {
    throw new WecomCryptoError(CryptoErrorCode.DecodeBase64, 'ciphertext is not base64');
  }
  const data = Buffer.from(ciphertext, 'base64');
  // Node's decoder skips characters outside the alphabet, so any such character shows as missing bytes.
  if (data.length !== base64Length(ciphertext)) {
    throw new WecomCryptoError(CryptoErrorCode.DecodeBase64, 'ciphertext is not base64');
  }
  if (data.length === 0 || data.length % BLOCK !== 0) {
    throw new WecomCryptoError(CryptoErrorCode.IllegalBuffer, 'ciphertext length is not a multiple of 32 bytes');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    decipher.setAutoPadding(false);
    // Without auto-padding and with whole blocks, update() returns every block; final() adds nothing.
    plain = decipher.update(data);
  } catch {
    throw new WecomCryptoError(CryptoErrorCode.DecryptAES, 'AES decryption failed');
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || pad > plain.length) {
    throw new WecomCryptoError(CryptoErrorCode.IllegalBuffer, 'bad padding');
  }
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new WecomCryptoError(CryptoErrorCode.IllegalBuffer, 'bad padding');
  }
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) throw new WecomCryptoError(CryptoErrorCode.IllegalBuffer, 'plaintext too short');
  const msgLen = content.readUInt32BE(16);
  if (20 + msgLen > content.length) throw new WecomCryptoError(CryptoErrorCode.IllegalBuffer, 'message length out of range');
  const message = content.subarray(20, 20 + msgLen).toString('utf8');
  const receiveId = content.subarray(20 + msgLen).toString('utf8');
  if (expectedReceiveId !== undefined && receiveId !== expectedReceiveId) {
    throw new WecomCryptoError(CryptoErrorCode.ValidateCorpid, 'receiveid does not match the configured Corp ID');
  }
  return { message, receiveId, random: content.subarray(0, 16) };
}

/** Encrypt a message for a passive reply (or a test). `random` defaults to 16 fresh random bytes. */
export function encrypt(key: KeyInput, message: string, receiveId: string, random?: Buffer | string): string {
  const aesKey = keyOf(key);
  const rand = random === undefined ? randomBytes(16) : Buffer.isBuffer(random) ? random : Buffer.from(random, 'utf8');
  if (rand.length !== 16) throw new WecomCryptoError(CryptoErrorCode.EncryptAES, 'random must be 16 bytes');
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([rand, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = BLOCK - (body.length % BLOCK);
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  try {
    const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  } catch {
    throw new WecomCryptoError(CryptoErrorCode.EncryptAES, 'AES encryption failed');
  }
}

/** A random nonce of digits, as WeCom uses. */
export function makeNonce(): string {
  return String(randomBytes(4).readUInt32BE(0));
}
