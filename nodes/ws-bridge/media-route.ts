/**
 * GET <bridge path>/media/<ref>: a user's picture, voice, video or file for an agent, streamed from WeCom's
 * media/get with the agent's credential (Bearer or ?token=). The ref is signed by the bridge (media-link.ts)
 * and names the wecom-account node the media came through.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { Transform, pipeline } from 'node:stream';
import { mountRoutes } from '../shared/http-routes';
import type { WecomAccountNode } from '../shared/account-node';
import { checkCredential } from '../lib/handoff/agent-token';
import type { MediaLinker } from '../lib/handoff/media-link';
import { MediaGetError, openMedia } from '../lib/wecom/media-get';

export interface MediaRouteOptions {
  /** Route path under httpNodeRoot, e.g. /wecom/ws/media/:ref */
  route: string;
  token: string;
  linker: MediaLinker;
  maxBytes: number;
}

function credentialOf(req: Request): string | null {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  if (m) return m[1].trim();
  return typeof req.query.token === 'string' ? req.query.token : null;
}

/** Counts bytes through and fails beyond `max` (WeCom sent no Content-Length or a wrong one). */
function capped(max: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > max) cb(new MediaGetError('media larger than the cap', 413));
      else cb(null, chunk);
    },
  });
}

export function mountMediaRoute(RED: NodeAPI, o: MediaRouteOptions): () => void {
  const get = async (req: Request, res: Response) => {
    const fail = (status: number, text: string) => {
      if (!res.headersSent) res.status(status).type('text/plain').send(text);
    };
    if (!checkCredential(o.token, credentialOf(req))) return fail(401, 'Unauthorized');
    const ref = o.linker.open(String(req.params.ref ?? ''));
    if (ref === null) return fail(404, 'Not Found');
    if (ref === 'expired') return fail(410, 'Gone: media links are valid for 72 hours');
    const account = RED.nodes.getNode(ref.accountId) as WecomAccountNode | null;
    if (!account || typeof account.api !== 'function') return fail(502, 'the wecom-account of this media is not deployed');
    try {
      const api = account.api(ref.channel === 'kf' ? 'kf' : 'agent');
      const m = await openMedia(account.settings.apiBase, await api.accessToken(), ref.mediaId, o.maxBytes);
      const name = m.filename ?? ref.name ?? 'media';
      res.status(200);
      res.setHeader('Content-Type', m.contentType);
      if (m.length !== undefined) res.setHeader('Content-Length', String(m.length));
      res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(name)}`);
      res.setHeader('Cache-Control', 'private, max-age=3600');
      pipeline(m.body, capped(o.maxBytes), res, (err) => {
        if (err && !res.headersSent) fail(err instanceof MediaGetError ? err.status : 502, err.message);
        else if (err) res.destroy();
      });
    } catch (err) {
      if (err instanceof MediaGetError) return fail(err.status, err.message);
      return fail(502, `media could not be read: ${(err as Error).message}`);
    }
  };
  return mountRoutes(RED, o.route, { get: (req, res) => void get(req, res) });
}
