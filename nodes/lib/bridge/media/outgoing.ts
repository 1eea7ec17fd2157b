/**
 * Media an agent sends (reply.media): bytes from an allow-listed URL or from base64, at most `maxBytes`
 * (streamed, never read beyond the cap), checked against WeCom's rules for the type it will be sent as.
 */
import { request } from 'undici';
import type { OutgoingMedia } from '../protocol';
import { brokenRule, defaultName, formatMb, kindOf, MEDIA_RULES, mimeOfName, type MediaKind } from './rules';
import { dispositionName } from '../../wecom/media-get';

export interface ResolvedMedia {
  data: Buffer;
  kind: MediaKind;
  name: string;
  mime: string;
  size: number;
}

/** The media cannot be sent: `rule` names the WeCom rule (or the cap) it breaks, if that is why. */
export class MediaRejected extends Error {
  constructor(
    message: string,
    readonly info: { name?: string; mime?: string; size?: number },
    readonly rule?: string,
  ) {
    super(message);
    this.name = 'MediaRejected';
  }
}

export interface MediaOutOptions {
  /** Allowed URL origins (e.g. https://files.example.com). */
  origins: string[];
  maxBytes: number;
  timeoutMs?: number;
}

/** Why a media cannot even be tried (for a `bad_media` error), or null. */
export function mediaProblem(m: OutgoingMedia, origins: string[]): string | null {
  if (m.data !== undefined) return null;
  let u: URL;
  try {
    u = new URL(m.url ?? '');
  } catch {
    return '"media.url" is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return '"media.url" must be http or https';
  if (!origins.includes(u.origin)) return `"media.url" is not on an allowed origin (${origins.length ? origins.join(', ') : 'none set: use base64 "data"'})`;
  return null;
}

const stripParams = (ct: string | undefined): string | undefined => (ct ? ct.split(';')[0].trim().toLowerCase() || undefined : undefined);

function tooBig(size: number, mime: string, name: string, max: number): MediaRejected {
  const kind = kindOf(mime);
  const rule = size > MEDIA_RULES[kind].max ? MEDIA_RULES[kind].rule : `media ≤ ${formatMb(max)} (this bridge's Max media)`;
  return new MediaRejected(`not sent: ${name} is ${formatMb(size)}; ${rule}`, { name, mime, size }, rule);
}

function finish(data: Buffer, mime: string, name: string): ResolvedMedia {
  const kind = kindOf(mime);
  const rule = brokenRule(kind, data.length);
  if (rule) throw new MediaRejected(`not sent: ${name} is ${data.length < 1024 ? `${data.length} bytes` : formatMb(data.length)}; WeCom takes ${rule}`, { name, mime, size: data.length }, rule);
  return { data, kind, name, mime, size: data.length };
}

export async function resolveOutgoing(m: OutgoingMedia, o: MediaOutOptions): Promise<ResolvedMedia> {
  if (m.data !== undefined) {
    const pad = m.data.endsWith('==') ? 2 : m.data.endsWith('=') ? 1 : 0;
    const size = (m.data.length / 4) * 3 - pad;
    const mime = m.mime ?? mimeOfName(m.name) ?? 'application/octet-stream';
    const name = m.name ?? defaultName(kindOf(mime), mime);
    if (size > o.maxBytes) throw tooBig(size, mime, name, o.maxBytes);
    return finish(Buffer.from(m.data, 'base64'), mime, name);
  }
  const problem = mediaProblem(m, o.origins);
  if (problem) throw new MediaRejected(problem, { name: m.name, mime: m.mime });
  const url = new URL(m.url!);
  const timeout = o.timeoutMs ?? 30_000;
  let res;
  try {
    res = await request(url, { method: 'GET', headersTimeout: timeout, bodyTimeout: timeout });
  } catch (err) {
    throw new MediaRejected(`not sent: ${url.origin}${url.pathname} could not be fetched (${(err as Error).message})`, { name: m.name, mime: m.mime });
  }
  const disp = res.headers['content-disposition'];
  const name = m.name ?? dispositionName(Array.isArray(disp) ? disp[0] : disp) ?? (decodeURIComponent(url.pathname.split('/').pop() || '') || undefined);
  const headerMime = stripParams(res.headers['content-type'] as string | undefined);
  const mime = m.mime ?? (headerMime && headerMime !== 'application/octet-stream' ? headerMime : undefined) ?? mimeOfName(name) ?? 'application/octet-stream';
  const fileName = name ?? defaultName(kindOf(mime), mime);
  if (res.statusCode !== 200) {
    res.body.destroy();
    throw new MediaRejected(`not sent: ${url.origin}${url.pathname} answered HTTP ${res.statusCode}`, { name: fileName, mime });
  }
  const len = Number(res.headers['content-length']);
  if (Number.isFinite(len) && len > o.maxBytes) {
    res.body.destroy();
    throw tooBig(len, mime, fileName, o.maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > o.maxBytes) {
      res.body.destroy();
      throw tooBig(size, mime, fileName, o.maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return finish(Buffer.concat(chunks, size), mime, fileName);
}
