/**
 * Who may open an agent WebSocket, decided from the upgrade request alone (no sockets here): the shared
 * token (with ?agent= or X-Agent-Id: that agent; without: the system link) or an agent token (that agent
 * only, with the groups it fixes); an origin allow-list; ?groups=a,b and ?ack=N.
 *
 * The credential travels in `Authorization: Bearer`, or — for browsers, which cannot set headers on a
 * WebSocket — in the subprotocol list: `wecom-agent, wecom-auth.<base64url(credential)>` (the bridge answers
 * `wecom-agent`), so it is in no URL. `?token=` is still read for older clients.
 */
import { parseGroups, validAgentId } from './protocol';
import type { Credential } from './agent-token';
import type { CredentialCheck } from './media/serve';
import type { OpenOptions } from './types';
import { bearerOf } from '../security/http-auth';

/** The subprotocol the bridge speaks (answered when offered), and the prefix of the credential one. */
export const AGENT_SUBPROTOCOL = 'wecom-agent';
export const AUTH_SUBPROTOCOL_PREFIX = 'wecom-auth.';

export interface UpgradeRequest {
  /** The request target (path and query). */
  url: string | undefined;
  authorization?: unknown;
  origin?: unknown;
  /** The X-Agent-Id header. */
  agentHeader?: unknown;
  /** The Sec-WebSocket-Protocol header. */
  protocols?: unknown;
}

export type Admission = { ok: true; agentId: string | null; opts: OpenOptions; credential: Credential } | { ok: false; status: 400 | 401 | 403; text: string };

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

/** The credential of a `wecom-auth.<base64url>` subprotocol, else null. */
export function subprotocolCredential(protocols: unknown): string | null {
  if (typeof protocols !== 'string') return null;
  for (const p of protocols.split(',')) {
    const v = p.trim();
    if (v.startsWith(AUTH_SUBPROTOCOL_PREFIX)) return Buffer.from(v.slice(AUTH_SUBPROTOCOL_PREFIX.length), 'base64url').toString('utf8') || null;
  }
  return null;
}

/** Admit or refuse an agent's upgrade request: 401 without a valid credential, 403 for a foreign origin or agent. */
export function admitAgent(check: CredentialCheck, origins: string[], req: UpgradeRequest): Admission {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const given = bearerOf(req.authorization) ?? subprotocolCredential(req.protocols) ?? url.searchParams.get('token');
  const cred = check(given);
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
  return { ok: true, agentId, opts, credential: cred };
}

