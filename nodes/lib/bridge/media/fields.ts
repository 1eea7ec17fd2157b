/**
 * The structured part of a user's non-text message (media, location, link) from msg.wecom.raw, for agent
 * frames and the transcript. Media carry WeCom's media_id here; ws-bridge turns it into a URL it serves.
 *   app (callback XML): MediaId, Format, PicUrl; Location_X/Y, Scale, Label; Title, Description, Url
 *   微信客服 (sync_msg): image|voice|video|file.media_id; location{latitude, longitude, name, address}; link{title, desc, url, pic_url}
 */
import type { WecomMeta } from '../../contract/wecom-meta';
import type { Attachments, MediaInfo } from '../protocol';
import { defaultMime, defaultName } from './rules';

const MEDIA = new Set(['image', 'voice', 'video', 'file']);

const s = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));
const n = (v: unknown): number | undefined => {
  const x = Number(v);
  return v === undefined || v === null || v === '' || !Number.isFinite(x) ? undefined : x;
};

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export function attachmentsOf(w: WecomMeta | undefined): Attachments {
  if (!w || !w.msgType || w.msgType === 'text' || w.msgType === 'event') return {};
  const raw = (w.raw ?? {}) as Record<string, unknown>;
  const type = w.msgType;
  const out: Attachments = { msgType: type };
  const inner = (raw[type] && typeof raw[type] === 'object' ? raw[type] : undefined) as Record<string, unknown> | undefined;
  if (MEDIA.has(type)) {
    const mediaId = w.channel === 'kf' ? s(inner?.media_id) : s(raw.MediaId);
    if (mediaId) {
      const kind = type as MediaInfo['type'];
      const mime = defaultMime(kind, s(raw.Format));
      out.media = clean({ type: kind, mediaId, mime, name: s(raw.FileName) ?? s(inner?.filename) ?? defaultName(kind, mime), size: n(raw.FileSize) ?? n(inner?.size) });
    }
  } else if (type === 'location') {
    const latitude = w.channel === 'kf' ? n(inner?.latitude) : n(raw.Location_X);
    const longitude = w.channel === 'kf' ? n(inner?.longitude) : n(raw.Location_Y);
    if (latitude !== undefined && longitude !== undefined) {
      out.location = clean({ latitude, longitude, name: w.channel === 'kf' ? s(inner?.name) : s(raw.Label), address: s(inner?.address), scale: n(raw.Scale) });
    }
  } else if (type === 'link') {
    out.link = w.channel === 'kf'
      ? clean({ title: s(inner?.title), description: s(inner?.desc), url: s(inner?.url), picUrl: s(inner?.pic_url) })
      : clean({ title: s(raw.Title), description: s(raw.Description), url: s(raw.Url), picUrl: s(raw.PicUrl) });
  }
  return out;
}
