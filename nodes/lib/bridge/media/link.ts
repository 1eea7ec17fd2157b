/**
 * Media URLs for agents: a signed, expiring reference to one WeCom media (account, channel, media_id and
 * what the agent is told about it), so ws-bridge can serve it later without keeping any state. Each frame
 * an agent gets carries the link bound to that agent (a second signature over the ref and the agent id):
 * an agent token opens only links bound to its own agent; the shared token opens any.
 *
 *   ref   = m2.<base64url(JSON {c: accountId, k: 'app'|'kf', m: media_id, t: type, n: name, y: mime, e: expiry s})>.<HMAC>
 *   bound = <ref>.<base64url(agentId)>.<HMAC(ref + "|" + agentId)>
 *   HMAC  = HMAC-SHA256 with the media-link key (HKDF of the shared token, label "wecom media link v2")
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MediaInfo } from '../protocol';
import type { BridgeSecrets } from '../secrets';

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
  /** The agent the link was given to (absent: an unbound link, for the shared token only). */
  agentId?: string;
}

const REF = /^(m2\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+))(?:\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+))?$/;

export class MediaLinker {
  /** `secrets` are the bridge's; `base` the URL path prefix, e.g. /wecom/ws/media/. */
  constructor(
    private secrets: BridgeSecrets,
    private base: string,
    private now: () => number = Date.now,
  ) {}

  private sign(data: string, key = this.secrets.mediaKeys[0]): string {
    return createHmac('sha256', key ?? Buffer.alloc(32)).update(data).digest('base64url');
  }

  /** Signed by any of the keys (current or previous shared token). */
  private signed(data: string, sig: string): boolean {
    const given = Buffer.from(sig);
    let ok = false;
    for (const key of this.secrets.mediaKeys) {
      const want = Buffer.from(this.sign(data, key));
      if (given.length === want.length && timingSafeEqual(given, want)) ok = true;
    }
    return ok;
  }

  /** The media as agents see it: with `url` (not yet bound to an agent), without the media_id. */
  link(m: MediaInfo, accountId: string, channel: 'app' | 'kf'): MediaInfo {
    if (!m.mediaId) return m;
    const body = { c: accountId, k: channel, m: m.mediaId, t: m.type, n: m.name, y: m.mime, e: Math.floor(this.now() / 1000) + MEDIA_URL_TTL_SEC };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    const { mediaId: _id, ...rest } = m;
    return { ...rest, url: `${this.base}m2.${payload}.${this.sign(payload)}` };
  }

  /** `url` bound to `agentId` (a URL that is not one of this bridge's unbound links is returned as it is). */
  bind(url: string, agentId: string): string {
    if (!url.startsWith(this.base)) return url;
    const m = REF.exec(url.slice(this.base.length));
    if (!m || m[4] !== undefined) return url;
    return `${url}.${Buffer.from(agentId).toString('base64url')}.${this.sign(`${m[1]}|${agentId}`)}`;
  }

  /** The reference behind a URL's last segment: null when forged or malformed, 'expired' when too old. */
  open(ref: string): MediaRef | 'expired' | null {
    const m = REF.exec(ref);
    if (!m || !this.signed(m[2], m[3])) return null;
    let agentId: string | undefined;
    if (m[4] !== undefined) {
      agentId = Buffer.from(m[4], 'base64url').toString();
      if (!this.signed(`${m[1]}|${agentId}`, m[5])) return null;
    }
    try {
      const b = JSON.parse(Buffer.from(m[2], 'base64url').toString()) as Record<string, unknown>;
      if (typeof b.e !== 'number' || typeof b.m !== 'string' || typeof b.c !== 'string') return null;
      if (b.e * 1000 < this.now()) return 'expired';
      const r: MediaRef = { accountId: b.c, channel: b.k === 'kf' ? 'kf' : 'app', mediaId: b.m, type: b.t as MediaInfo['type'], name: b.n as string | undefined, mime: b.y as string | undefined, expiresAt: b.e };
      if (agentId !== undefined) r.agentId = agentId;
      return r;
    } catch {
      return null;
    }
  }
}
