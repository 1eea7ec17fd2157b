/**
 * Credentials in HTTP headers, shared by the bridge's WebSocket, its media route and the ops/metrics pages:
 * `Authorization: Bearer x`, `Basic base64(any:x)`, or (agents only) `?token=x`.
 */
import { sameSecret } from './same-secret';

/** The token of an `Authorization: Bearer x` header, else null. */
export function bearerOf(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return m ? m[1].trim() : null;
}

/** An agent's credential: the Bearer token, else the `token` query parameter (null when neither). */
export function agentCredential(authorization: unknown, queryToken: unknown): string | null {
  return bearerOf(authorization) ?? (typeof queryToken === 'string' ? queryToken : null);
}

/** The secret of an `Authorization: Bearer x` or `Basic base64(any:x)` header. */
export function givenSecret(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const bearer = bearerOf(authorization);
  if (bearer !== null) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (!basic) return null;
  const plain = Buffer.from(basic[1], 'base64').toString('utf8');
  const i = plain.indexOf(':');
  return i < 0 ? null : plain.slice(i + 1);
}

/** The header carries `secret` (never true while no secret is set). */
export function hasSecret(secret: string, authorization: unknown): boolean {
  const given = givenSecret(authorization);
  return secret !== '' && given !== null && sameSecret(given, secret);
}
