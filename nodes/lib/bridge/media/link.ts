/**
 * Media URLs for agents: a signed, expiring reference to one WeCom media (account, channel, media_id and
 * what the agent is told about it), so ws-bridge can serve it later without keeping any state.
 *
 *   ref = m1.<base64url(JSON {c: accountId, k: 'app'|'kf', m: media_id, t: type, n: name, y: mime, e: expiry s})>.<HMAC-SHA256>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MediaInfo } from '../protocol';

/** How long a media URL stays valid: WeCom keeps temporary media 3 days. */
export const MEDIA_URL_TTL_SEC = 72 * 3600;

export interface MediaRef {
  accountId: string;
  channel: 'app' | 'kf';
  mediaId: string;
  type: MediaInfo['type'];
  name?: string;
  mime?: string;
  /** unix s */
  expiresAt: number;
}

export class MediaLinker {
  private key: Buffer;

  /** `secret` is the bridge token; `base` the URL path prefix, e.g. /wecom/ws/media/. */
  constructor(
    secret: string,
    private base: string,
    private now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', secret).update('wecom media links').digest();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  /** The media as agents see it: with `url`, without the media_id. */
  link(m: MediaInfo, accountId: string, channel: 'app' | 'kf'): MediaInfo {
    if (!m.mediaId) return m;
    const body = { c: accountId, k: channel, m: m.mediaId, t: m.type, n: m.name, y: m.mime, e: Math.floor(this.now() / 1000) + MEDIA_URL_TTL_SEC };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    const { mediaId: _id, ...rest } = m;
    return { ...rest, url: `${this.base}m1.${payload}.${this.sign(payload)}` };
  }

  /** The reference behind a URL's last segment: null when forged or malformed, 'expired' when too old. */
  open(ref: string): MediaRef | 'expired' | null {
    const m = /^m1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(ref);
    if (!m) return null;
    const given = Buffer.from(m[2]);
    const want = Buffer.from(this.sign(m[1]));
    if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
    try {
      const b = JSON.parse(Buffer.from(m[1], 'base64url').toString()) as Record<string, unknown>;
      if (typeof b.e !== 'number' || typeof b.m !== 'string' || typeof b.c !== 'string') return null;
      if (b.e * 1000 < this.now()) return 'expired';
      return { accountId: b.c, channel: b.k === 'kf' ? 'kf' : 'app', mediaId: b.m, type: b.t as MediaInfo['type'], name: b.n as string | undefined, mime: b.y as string | undefined, expiresAt: b.e };
    } catch {
      return null;
    }
  }
}
