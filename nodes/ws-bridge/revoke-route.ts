/**
 * POST <bridge path>/revoke {"agentId":"alice"} (or "*" for every agent; optional "before": unix s, default
 * now): void the agent tokens issued up to then, on every instance sharing the state store. Only the shared
 * token (`Authorization: Bearer`) may revoke: whoever can mint agent tokens. The revocation itself is
 * lib/bridge/revocations.ts.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { mountRoutes } from '../shared/http-routes';
import { bearerOf } from '../lib/security/http-auth';
import { validAgentId } from '../lib/bridge/protocol';
import type { BridgeSecrets } from '../lib/bridge/secrets';
import { ALL_AGENTS, type Revocations } from '../lib/bridge/revocations';

/** The revocation a request body asks for, or why it is unusable. */
export function revokeRequest(body: unknown): { ok: true; agentId: string; before?: number } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = typeof body === 'string' ? JSON.parse(body) : body;
  } catch {
    return { ok: false, error: 'bad JSON body' };
  }
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  if (o.agentId !== ALL_AGENTS && !validAgentId(o.agentId)) return { ok: false, error: '"agentId" is an agent id or "*"' };
  if (o.before !== undefined && !(Number.isSafeInteger(o.before) && (o.before as number) > 0)) return { ok: false, error: '"before" is a time in unix seconds' };
  return { ok: true, agentId: o.agentId as string, before: o.before as number | undefined };
}

export function mountRevokeRoute(RED: NodeAPI, route: string, secrets: BridgeSecrets, revocations: Revocations): () => void {
  const post = async (req: Request, res: Response) => {
    const given = bearerOf(req.headers.authorization);
    if (given === null || !secrets.isShared(given)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return void res.status(401).type('text/plain').send('Unauthorized: revoking takes the shared token\n');
    }
    const r = revokeRequest(req.body);
    if (!r.ok) return void res.status(400).json({ error: r.error });
    try {
      res.json(await revocations.revoke(r.agentId, r.before));
    } catch (err) {
      res.status(503).json({ error: `the state store could not record it: ${(err as Error).message}` });
    }
  };
  return mountRoutes(RED, route, { post: (req, res) => void post(req, res) }, { rawBody: { limit: 4096 } });
}
