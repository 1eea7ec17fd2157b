/**
 * Read a request body as UTF-8 text with a hard size cap, without any framework parser.
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

export function readBody(req: IncomingMessage & { body?: unknown }, limit: number): Promise<string> {
  // Some other middleware (httpNodeMiddleware) may already have read it.
  if (typeof req.body === 'string') {
    return Buffer.byteLength(req.body) > limit ? Promise.reject(new BodyTooLarge(limit)) : Promise.resolve(req.body);
  }
  if (Buffer.isBuffer(req.body)) {
    return req.body.length > limit ? Promise.reject(new BodyTooLarge(limit)) : Promise.resolve(req.body.toString('utf8'));
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
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}
