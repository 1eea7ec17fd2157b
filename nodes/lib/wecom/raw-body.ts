/**
 * Read a request body as UTF-8 text with a hard size cap and a time limit, without any framework parser.
 * Errors carry the HTTP status to answer with (413 too large, 408 too slow, 415 an encoding WeCom never
 * sends, 400 a body some other middleware already consumed).
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export class BodyTooLarge extends BodyError {
  constructor(limit: number) {
    super(413, `request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** Default time a client gets to send the whole body. */
export const BODY_TIMEOUT_MS = 10_000;

export function readBody(req: IncomingMessage & { body?: unknown; rawBodyError?: Error }, limit: number, timeoutMs = BODY_TIMEOUT_MS): Promise<string> {
  // the pre-parser of shared/http-routes.ts already tried and failed (too large, too slow, …)
  if (req.rawBodyError) return Promise.reject(req.rawBodyError);
  // Our pre-parser (shared/http-routes.ts) or some other middleware may already have read it.
  if (typeof req.body === 'string') {
    return Buffer.byteLength(req.body) > limit ? Promise.reject(new BodyTooLarge(limit)) : Promise.resolve(req.body);
  }
  if (Buffer.isBuffer(req.body)) {
    return req.body.length > limit ? Promise.reject(new BodyTooLarge(limit)) : Promise.resolve(req.body.toString('utf8'));
  }
  if (req.readableEnded || (req.body !== undefined && req.body !== null && typeof req.body === 'object' && Object.keys(req.body).length > 0)) {
    // parsed by another body parser: the raw text (which the signature covers) is gone; never wait for it
    return Promise.reject(new BodyError(400, 'request body already consumed by another parser'));
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    req.resume();
    return Promise.reject(new BodyError(415, `content-encoding ${encoding} is not accepted`));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(() => fail(new BodyError(408, `request body not received within ${timeoutMs} ms`)), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        fail(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => fail(err));
    // 'close' also follows a complete body: build the error only when it is one (an Error costs a stack trace).
    req.on('close', () => {
      if (!failed) fail(new BodyError(400, 'connection closed before the body was complete'));
    });
  });
}
