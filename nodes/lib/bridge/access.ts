/**
 * Who may open an agent WebSocket, decided from the upgrade request alone (no sockets here): the shared
 * token (with ?agent= or X-Agent-Id: that agent; without: the system link) or an agent token (that agent
 * only, with the groups it fixes); an origin allow-list; ?groups=a,b and ?ack=N.
 */
import { parseGroups, validAgentId } from './protocol';
import { checkCredential } from './agent-token';
import type { OpenOptions } from './types';
import { agentCredential } from '../ops/http-auth';

export interface UpgradeRequest {
  /** The request target (path and query). */
  url: string | undefined;
  authorization?: unknown;
  origin?: unknown;
  /** The X-Agent-Id header. */
  agentHeader?: unknown;
}

export type Admission = { ok: true; agentId: string | null; opts: OpenOptions } | { ok: false; status: 400 | 401 | 403; text: string };

const refuse = (status: 400 | 401 | 403): Admission => ({ ok: false, status, text: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request' });

/** Query parameters of an agent connection: ?groups=a,b and ?ack=N (throws on bad values). */
export function connectOptions(url: URL): OpenOptions {
  const o: OpenOptions = {};
  const groups = url.searchParams.get('groups');
  if (groups !== null) o.groups = parseGroups(groups);
  const ack = url.searchParams.get('ack');
  if (ack !== null) {
    if (!/^\d{1,16}$/.test(ack)) throw new Error('ack is a seq');
    o.ack = Number(ack);
  }
  return o;
}

/** Admit or refuse an agent's upgrade request: 401 without a valid credential, 403 for a foreign origin or agent. */
export function admitAgent(token: string, origins: string[], req: UpgradeRequest, nowMs = Date.now()): Admission {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const cred = checkCredential(token, agentCredential(req.authorization, url.searchParams.get('token') ?? undefined), nowMs);
  if (!cred) return refuse(401);
  if (origins.length > 0 && (typeof req.origin !== 'string' || !origins.includes(req.origin))) return refuse(403);
  let agentId = url.searchParams.get('agent') ?? (typeof req.agentHeader === 'string' ? req.agentHeader : null);
  if (agentId !== null && !validAgentId(agentId)) return refuse(400);
  let opts: OpenOptions;
  try {
    opts = connectOptions(url);
  } catch {
    return refuse(400);
  }
  if (!cred.shared) {
    // an agent token is that agent, and only that agent
    if (agentId !== null && agentId !== cred.claims.agentId) return refuse(403);
    agentId = cred.claims.agentId;
    opts.bound = true;
    if (cred.claims.groups) {
      opts.groups = cred.claims.groups;
      opts.fixedGroups = true;
    }
  }
  return { ok: true, agentId, opts };
}
