/**
 * Stream a temporary media from WeCom (`GET /cgi-bin/media/get`, for app and 微信客服 media alike) without
 * holding it in memory: the caller gets the body as a stream plus its type, name and length. WeCom answers
 * errors as JSON (e.g. 40007 invalid or expired media_id).
 */
import type { Readable } from 'node:stream';
import { request } from 'undici';

export class MediaGetError extends Error {
  constructor(
    message: string,
    /** HTTP status to answer the reader with: 404 unknown/expired media, 413 too large, 502 WeCom failed. */
    readonly status: number,
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'MediaGetError';
  }
}

export interface MediaStream {
  body: Readable;
  contentType: string;
  filename?: string;
  /** Content-Length when WeCom sent one. */
  length?: number;
}

/** The file name of a Content-Disposition header (filename*= or filename=), if any. */
export function dispositionName(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(v);
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(v);
  const raw = star?.[1] ?? plain?.[1];
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw.trim());
  } catch {
    return raw.trim();
  }
}

export async function openMedia(apiBase: string, accessToken: string, mediaId: string, maxBytes: number, timeoutMs = 30_000): Promise<MediaStream> {
  const url = `${apiBase.replace(/\/+$/, '')}/cgi-bin/media/get?access_token=${encodeURIComponent(accessToken)}&media_id=${encodeURIComponent(mediaId)}`;
  let res;
  try {
    res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    throw new MediaGetError(`WeCom media/get failed: ${(err as Error).message}`, 502);
  }
  const contentType = String(res.headers['content-type'] ?? 'application/octet-stream');
  if (res.statusCode !== 200) {
    res.body.destroy();
    throw new MediaGetError(`WeCom media/get answered HTTP ${res.statusCode}`, 502);
  }
  if (/json|text\/plain/i.test(contentType)) {
    const ans = (await res.body.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    const errcode = Number(ans.errcode ?? -1);
    throw new MediaGetError(`WeCom media/get: ${errcode} ${String(ans.errmsg ?? '').replace(/access_token=\w+/g, 'access_token=…')}`, errcode === 40007 ? 404 : 502, errcode);
  }
  const len = Number(res.headers['content-length']);
  const length = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : undefined;
  if (length !== undefined && length > maxBytes) {
    res.body.destroy();
    throw new MediaGetError(`the media is ${length} bytes, more than the ${maxBytes} allowed`, 413);
  }
  const disp = res.headers['content-disposition'];
  return { body: res.body, contentType, filename: dispositionName(Array.isArray(disp) ? disp[0] : disp), length };
}
