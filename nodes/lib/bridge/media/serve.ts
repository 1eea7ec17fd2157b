/**
 * Users' media for agents, without Node-RED: frames carry a signed URL instead of WeCom's media_id
 * (link.ts), bound to the agent each frame is written to, and GET <bridge path>/media/<ref> decides
 * here who gets what — the credential, the agent the link was given to, the ref's signature and age — and how
 * the stream from WeCom's media/get is answered (inert headers from sniffed bytes, size cap).
 */
import { Transform } from 'node:stream';
import type { BudgetFrame, ClosedFrame, HandoffFrame, MediaInfo, MessageFrame, ToAgentFrame } from '../protocol';
import { checkCredential, type Credential } from '../agent-token';
import type { MediaLinker, MediaRef } from './link';
import { MediaGetError, type MediaStream } from '../../wecom/media-get';
import type { WecomMeta } from '../../contract/wecom-meta';
import type { BridgeSecrets } from '../secrets';
import { inertMediaHeaders } from './sniff';

export type BridgeFrame = HandoffFrame | MessageFrame | ClosedFrame | BudgetFrame;

/** User media in a frame for agents: WeCom media_id → a URL the bridge serves (frames without media unchanged). */
export function linkFrameMedia(linker: MediaLinker, f: BridgeFrame, wecom: WecomMeta | undefined): BridgeFrame {
  const accountId = wecom?.accountId;
  if (!accountId) return f;
  const link = (m: MediaInfo | undefined) => (m && m.mediaId ? linker.link(m, accountId, wecom.channel) : m);
  if (f.type === 'message' && f.media?.mediaId) return { ...f, media: link(f.media) };
  if (f.type === 'handoff' && f.history.some((h) => h.media?.mediaId)) return { ...f, history: f.history.map((h) => (h.media?.mediaId ? { ...h, media: link(h.media) } : h)) };
  return f;
}

/** A frame as one agent gets it: user media links bound to that agent (the system link's stay unbound). */
export function bindFrameMedia(linker: MediaLinker, f: ToAgentFrame, agentId: string | null): ToAgentFrame {
  if (agentId === null) return f;
  const bind = (m: MediaInfo) => (m.url ? { ...m, url: linker.bind(m.url, agentId) } : m);
  if (f.type === 'message' && f.media?.url) return { ...f, media: bind(f.media) };
  if (f.type === 'handoff' && f.history.some((h) => h.media?.url)) return { ...f, history: f.history.map((h) => (h.media?.url ? { ...h, media: bind(h.media) } : h)) };
  return f;
}

export type MediaAccess = { ok: true; ref: MediaRef } | { ok: false; status: 401 | 403 | 404 | 410; text: string };

/** What a credential may do with links, checked by the bridge (token, lifetime cap, revocation). */
export type CredentialCheck = (given: string | null) => Credential | null;

/** A CredentialCheck over the bridge's secrets (and optionally more: revocation). */
export function credentialCheck(secrets: BridgeSecrets, maxLifetimeMs: number, revoked: (c: Credential) => boolean = () => false): CredentialCheck {
  return (given) => {
    const c = checkCredential(secrets, given, Date.now(), maxLifetimeMs);
    return c && !revoked(c) ? c : null;
  };
}

/**
 * May this credential read the media behind `ref`? 401 without a credential of the bridge, 404 forged,
 * 410 expired, 403 a link given to another agent than the agent token's (the shared token reads any link).
 */
export function mediaAccess(check: CredentialCheck, linker: MediaLinker, credential: string | null, ref: string): MediaAccess {
  const cred = check(credential);
  if (!cred) return { ok: false, status: 401, text: 'Unauthorized' };
  const r = linker.open(ref);
  if (r === null) return { ok: false, status: 404, text: 'Not Found' };
  if (r === 'expired') return { ok: false, status: 410, text: 'Gone: media links are valid for 72 hours' };
  if (!cred.shared && r.agentId !== cred.claims.agentId) return { ok: false, status: 403, text: 'Forbidden: this media link was given to another agent' };
  return { ok: true, ref: r };
}

/** The response headers for a media stream whose first bytes were sniffed as `sniffed` (null: not passive). */
export function mediaHeaders(m: Pick<MediaStream, 'length' | 'filename'>, ref: Pick<MediaRef, 'name'>, sniffed: string | null): Record<string, string> {
  return inertMediaHeaders(sniffed, m.filename ?? ref.name ?? 'media', m.length);
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
