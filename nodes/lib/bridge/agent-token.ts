/**
 * Agent tokens: a credential that binds one agent id, signed with a key derived from the bridge's shared token.
 *
 *   wat2.<base64url(JSON {a: agentId, e: expiry unix s, t: issued unix s, g?: groups})>.<base64url(HMAC-SHA256(key, "wat2." + payload))>
 *   key = HKDF-SHA256(ikm = shared token, salt = empty, info = "wecom agent token v2", 32 bytes)
 *
 * The existing customer-service system mints them (any HKDF + HMAC library) or calls `mintAgentToken`.
 * A token is refused once expired, when it reaches further into the future than the bridge's lifetime cap,
 * or when its agent's tokens issued up to some time were revoked (revocations.ts). `wat1.` tokens (signed
 * with the raw shared token) are no longer accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseGroups, validAgentId } from './protocol';
import { AGENT_TOKEN_LABEL, deriveKey, type BridgeSecrets } from './secrets';

const PREFIX = 'wat2.';
export const LEGACY_PREFIX = 'wat1.';

export interface AgentClaims {
  agentId: string;
  /** Expiry, unix seconds. */
  expiresAt: number;
  /** When it was minted, unix seconds (0 when the minter left it out). */
  issuedAt: number;
  /** Groups fixed by the token (absent: the agent chooses). */
  groups?: string[];
}

export interface MintOptions {
  /** Lifetime in seconds (default 12 h); ignored when expiresAt is given. */
  ttlSec?: number;
  /** Expiry, unix seconds. */
  expiresAt?: number;
  groups?: string[];
  /** Issue time, unix seconds (default now). */
  issuedAt?: number;
}

function sign(key: Buffer, signed: string): string {
  return createHmac('sha256', key).update(signed).digest('base64url');
}

/** A signed token for `agentId`, checked by a ws-bridge whose Token is `secret`. */
export function mintAgentToken(secret: string, agentId: string, o: MintOptions = {}): string {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('mintAgentToken needs the bridge token (secret)');
  if (!validAgentId(agentId)) throw new TypeError('agentId may use letters, digits and _ . @ : - (1–128)');
  const now = Math.floor(Date.now() / 1000);
  const e = o.expiresAt ?? now + (o.ttlSec ?? 12 * 3600);
  const body: Record<string, unknown> = { a: agentId, e, t: o.issuedAt ?? now };
  if (o.groups !== undefined) body.g = parseGroups(o.groups);
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${PREFIX}${payload}.${sign(deriveKey(secret, AGENT_TOKEN_LABEL), PREFIX + payload)}`;
}

export function isAgentToken(s: string): boolean {
  return s.startsWith(PREFIX);
}

export type TokenCheck = { ok: true; claims: AgentClaims } | { ok: false; why: 'invalid' | 'legacy' | 'expired' | 'too_long' };

/** Check a token's signature (against every key), form, expiry and lifetime cap (0: no cap). */
export function checkAgentToken(keys: readonly Buffer[], token: string, nowMs = Date.now(), maxLifetimeMs = 0): TokenCheck {
  if (token.startsWith(LEGACY_PREFIX)) return { ok: false, why: 'legacy' };
  if (!isAgentToken(token)) return { ok: false, why: 'invalid' };
  const rest = token.slice(PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return { ok: false, why: 'invalid' };
  const payload = rest.slice(0, dot);
  const given = Buffer.from(rest.slice(dot + 1));
  let good = false;
  for (const key of keys) {
    const want = Buffer.from(sign(key, PREFIX + payload));
    if (given.length === want.length && timingSafeEqual(given, want)) good = true;
  }
  if (!good) return { ok: false, why: 'invalid' };
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    if (!validAgentId(c.a) || typeof c.e !== 'number') return { ok: false, why: 'invalid' };
    if (c.e * 1000 <= nowMs) return { ok: false, why: 'expired' };
    if (maxLifetimeMs > 0 && c.e * 1000 - nowMs > maxLifetimeMs) return { ok: false, why: 'too_long' };
    const claims: AgentClaims = { agentId: c.a, expiresAt: c.e, issuedAt: typeof c.t === 'number' ? c.t : 0 };
    if (c.g !== undefined) claims.groups = parseGroups(c.g);
    return { ok: true, claims };
  } catch {
    return { ok: false, why: 'invalid' };
  }
}

/** The claims of a valid, unexpired token signed for the shared token `secret`, else null. */
export function verifyAgentToken(secret: string, token: string, nowMs = Date.now()): AgentClaims | null {
  if (!secret) return null;
  const r = checkAgentToken([deriveKey(secret, AGENT_TOKEN_LABEL)], token, nowMs);
  return r.ok ? r.claims : null;
}

export type Credential = { shared: true } | { shared: false; claims: AgentClaims };

/** What a credential presented to the bridge is: the shared token, a valid agent token, or nothing (null). */
export function checkCredential(secrets: BridgeSecrets, given: string | null, nowMs = Date.now(), maxLifetimeMs = 0): Credential | null {
  if (secrets.shared.length === 0 || given === null || given === '') return null;
  if (secrets.isShared(given)) return { shared: true };
  const r = checkAgentToken(secrets.tokenKeys, given, nowMs, maxLifetimeMs);
  return r.ok ? { shared: false, claims: r.claims } : null;
}
