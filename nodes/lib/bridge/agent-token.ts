/**
 * Agent tokens: a credential that binds one agent id, signed with the bridge's shared token.
 *
 *   wat1.<base64url(JSON {a: agentId, e: expiry unix s, g?: groups})>.<base64url(HMAC-SHA256(shared, "wat1." + payload))>
 *
 * The existing customer-service system mints them (any HMAC library) or calls `mintAgentToken`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseGroups, validAgentId } from './protocol';
import { sameSecret } from '../wecom/same-secret';

const PREFIX = 'wat1.';

export interface AgentClaims {
  agentId: string;
  /** Expiry, unix seconds. */
  expiresAt: number;
  /** Groups fixed by the token (absent: the agent chooses). */
  groups?: string[];
}

export interface MintOptions {
  /** Lifetime in seconds (default 12 h); ignored when expiresAt is given. */
  ttlSec?: number;
  /** Expiry, unix seconds. */
  expiresAt?: number;
  groups?: string[];
}

function sign(secret: string, signed: string): string {
  return createHmac('sha256', secret).update(signed).digest('base64url');
}

/** A signed token for `agentId`, checked by a ws-bridge whose Token is `secret`. */
export function mintAgentToken(secret: string, agentId: string, o: MintOptions = {}): string {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('mintAgentToken needs the bridge token (secret)');
  if (!validAgentId(agentId)) throw new TypeError('agentId may use letters, digits and _ . @ : - (1–128)');
  const e = o.expiresAt ?? Math.floor(Date.now() / 1000) + (o.ttlSec ?? 12 * 3600);
  const body: Record<string, unknown> = { a: agentId, e };
  if (o.groups !== undefined) body.g = parseGroups(o.groups);
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${PREFIX}${payload}.${sign(secret, PREFIX + payload)}`;
}

export function isAgentToken(s: string): boolean {
  return s.startsWith(PREFIX);
}

/** The claims of a valid, unexpired token, else null (bad signature, malformed, expired). */
export function verifyAgentToken(secret: string, token: string, nowMs = Date.now()): AgentClaims | null {
  if (!secret || !isAgentToken(token)) return null;
  const rest = token.slice(PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return null;
  const payload = rest.slice(0, dot);
  const given = Buffer.from(rest.slice(dot + 1));
  const want = Buffer.from(sign(secret, PREFIX + payload));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    if (!validAgentId(c.a) || typeof c.e !== 'number' || c.e * 1000 <= nowMs) return null;
    const claims: AgentClaims = { agentId: c.a, expiresAt: c.e };
    if (c.g !== undefined) claims.groups = parseGroups(c.g);
    return claims;
  } catch {
    return null;
  }
}

/** What a credential presented to the bridge is: the shared token, a valid agent token, or nothing. */
export function checkCredential(shared: string, given: string | null, nowMs = Date.now()): { shared: true } | { shared: false; claims: AgentClaims } | null {
  if (!shared || given === null || given === '') return null;
  if (sameSecret(given, shared)) return { shared: true };
  const claims = verifyAgentToken(shared, given, nowMs);
  return claims ? { shared: false, claims } : null;
}
