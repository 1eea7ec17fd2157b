/**
 * Users' media for agents, without Node-RED: frames carry a signed URL instead of WeCom's media_id
 * (link.ts), and GET <bridge path>/media/<ref> decides here who gets what — the agent's credential,
 * the ref's signature and age — and how the stream from WeCom's media/get is answered (headers, size cap).
 */
import { Transform } from 'node:stream';
import type { ClosedFrame, HandoffFrame, MediaInfo, MessageFrame } from '../protocol';
import { checkCredential } from '../agent-token';
import type { MediaLinker, MediaRef } from './link';
import { MediaGetError, type MediaStream } from '../../wecom/media-get';
import type { WecomMeta } from '../../contract/wecom-meta';

export type BridgeFrame = HandoffFrame | MessageFrame | ClosedFrame;

/** User media in a frame for agents: WeCom media_id → a URL the bridge serves (frames without media unchanged). */
export function linkFrameMedia(linker: MediaLinker, f: BridgeFrame, wecom: WecomMeta | undefined): BridgeFrame {
  const accountId = wecom?.accountId;
  if (!accountId) return f;
  const link = (m: MediaInfo | undefined) => (m && m.mediaId ? linker.link(m, accountId, wecom.channel) : m);
  if (f.type === 'message' && f.media?.mediaId) return { ...f, media: link(f.media) };
  if (f.type === 'handoff' && f.history.some((h) => h.media?.mediaId)) return { ...f, history: f.history.map((h) => (h.media?.mediaId ? { ...h, media: link(h.media) } : h)) };
  return f;
}

export type MediaAccess = { ok: true; ref: MediaRef } | { ok: false; status: 401 | 404 | 410; text: string };

/** May this credential read the media behind `ref`? 401 without the bridge's credential, 404 forged, 410 expired. */
export function mediaAccess(token: string, linker: MediaLinker, credential: string | null, ref: string): MediaAccess {
  if (!checkCredential(token, credential)) return { ok: false, status: 401, text: 'Unauthorized' };
  const r = linker.open(ref);
  if (r === null) return { ok: false, status: 404, text: 'Not Found' };
  if (r === 'expired') return { ok: false, status: 410, text: 'Gone: media links are valid for 72 hours' };
  return { ok: true, ref: r };
}

/** The response headers for a media stream. */
export function mediaHeaders(m: MediaStream, ref: MediaRef): Record<string, string> {
  const name = m.filename ?? ref.name ?? 'media';
  const h: Record<string, string> = { 'Content-Type': m.contentType };
  if (m.length !== undefined) h['Content-Length'] = String(m.length);
  h['Content-Disposition'] = `inline; filename*=UTF-8''${encodeURIComponent(name)}`;
  h['Cache-Control'] = 'private, max-age=3600';
  return h;
}

/** Counts bytes through and fails beyond `max` (WeCom sent no Content-Length or a wrong one). */
export function capped(max: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > max) cb(new MediaGetError('media larger than the cap', 413));
      else cb(null, chunk);
    },
  });
}
