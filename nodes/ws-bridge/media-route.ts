/**
 * GET <bridge path>/media/<ref>: a user's picture, voice, video or file for an agent, streamed from WeCom's
 * media/get with the agent's credential (`Authorization: Bearer`; `?token=` still read for older clients), as
 * inert content (the type sniffed from the first bytes, lib/bridge/media/sniff.ts). Who gets what is decided in
 * lib/bridge/media/serve.ts; this file is the express and wecom-account glue.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream';
import { mountRoutes } from '../shared/http-routes';
import type { WecomAccountNode } from '../shared/account-node';
import type { MediaLinker } from '../lib/bridge/media/link';
import { capped, mediaAccess, mediaHeaders, type CredentialCheck } from '../lib/bridge/media/serve';
import { peekHead, sniffPassive } from '../lib/bridge/media/sniff';
import type { SentMedia } from '../lib/bridge/media/sent';
import { agentCredential } from '../lib/security/http-auth';
import { MediaGetError, openMedia } from '../lib/wecom/media-get';

export interface MediaRouteOptions {
  /** Route path under httpNodeRoot, e.g. /wecom/ws/media/:ref */
  route: string;
  /** Who may read: the bridge's credential check (tokens, lifetime cap, revocation). */
  check: CredentialCheck;
  linker: MediaLinker;
  maxBytes: number;
  /** Media agents sent (s1.<id> refs). */
  sent?: SentMedia;
  /** Read what the state store knows about a credential (its agent's revocations) before it is checked. */
  prepare?: (credential: string | null) => Promise<void>;
}

export function mountMediaRoute(RED: NodeAPI, o: MediaRouteOptions): () => void {
  const get = async (req: Request, res: Response) => {
    const fail = (status: number, text: string) => {
      if (!res.headersSent) res.status(status).type('text/plain').send(text);
    };
    const credential = agentCredential(req.headers.authorization, req.query.token);
    try {
      await o.prepare?.(credential);
    } catch {
      return fail(503, 'the state store is not available');
    }
    const own = o.sent?.get(String(req.params.ref ?? ''));
    if (own) {
      if (!o.check(credential)) return fail(401, 'Unauthorized');
      res.status(200).set(mediaHeaders({ length: own.data.length, filename: own.name }, own, sniffPassive(own.data))).end(own.data);
      return;
    }
    const access = mediaAccess(o.check, o.linker, credential, String(req.params.ref ?? ''));
    if (!access.ok) return fail(access.status, access.text);
    const ref = access.ref;
    const account = RED.nodes.getNode(ref.accountId) as WecomAccountNode | null;
    if (!account || typeof account.api !== 'function') return fail(502, 'the wecom-account of this media is not deployed');
    try {
      const api = account.api(ref.channel === 'kf' ? 'kf' : 'agent');
      const m = await openMedia(account.settings.apiBase, await api.accessToken(), ref.mediaId, o.maxBytes);
      const { head, body } = await peekHead(m.body);
      res.status(200);
      for (const [k, v] of Object.entries(mediaHeaders(m, ref, sniffPassive(head)))) res.setHeader(k, v);
      pipeline(body, capped(o.maxBytes), res, (err) => {
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
