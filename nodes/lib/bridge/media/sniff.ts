/**
 * What a user's media really is, from its first bytes (magic numbers), never from what WeCom or the user
 * says: only a short list of passive types may be shown inline on our origin (JPEG, PNG, GIF, WebP, AMR,
 * MP3, MP4); everything else — HTML, SVG, PDF, scripts, unknown — is served as an attachment of type
 * application/octet-stream, so no browser ever runs it as a page of the bridge's origin.
 */
import { Readable } from 'node:stream';

/** Bytes read before deciding (enough for every signature below). */
export const SNIFF_BYTES = 16;

const at = (b: Buffer, off: number, ascii: string) => b.length >= off + ascii.length && b.toString('latin1', off, off + ascii.length) === ascii;

/** The passive type these first bytes are, or null (anything else). */
export function sniffPassive(b: Buffer): string | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (at(b, 0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (at(b, 0, 'GIF87a') || at(b, 0, 'GIF89a')) return 'image/gif';
  if (at(b, 0, 'RIFF') && at(b, 8, 'WEBP')) return 'image/webp';
  if (at(b, 0, '#!AMR')) return 'audio/amr';
  if (at(b, 0, 'ID3')) return 'audio/mpeg';
  // an MPEG audio layer III frame header: 11 sync bits, a defined version, layer bits 01
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x18) !== 0x08 && (b[1] & 0x06) === 0x02) return 'audio/mpeg';
  if (at(b, 4, 'ftyp')) return 'video/mp4';
  return null;
}

/** The response headers for user media: inline only for a sniffed passive type, never active content. */
export function inertMediaHeaders(sniffed: string | null, name: string, length?: number): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': sniffed ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Disposition': `${sniffed ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Cache-Control': 'private, max-age=3600',
  };
  if (length !== undefined) h['Content-Length'] = String(length);
  return h;
}

/** The first `n` bytes of a stream (fewer if it ends first) and a stream of all its bytes, head included. */
export async function peekHead(body: Readable, n = SNIFF_BYTES): Promise<{ head: Buffer; body: Readable }> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(chunk);
    len += chunk.length;
  }
  const all = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (all.length) yield all;
    if (ended) return;
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.(); // the reader stopped early: let go of the source
    }
  }
  return { head: all.subarray(0, n), body: Readable.from(rest()) };
}
