/**
 * The bridge's shared token and what is derived from it. The shared token itself is only ever compared
 * (constant time); agent tokens and media links are signed with keys derived from it by HKDF-SHA256 with
 * different labels, so a captured agent token or media link says nothing usable about the other key, and
 * neither is the raw shared token. During a rotation the previous shared token is accepted too (its keys
 * verify, they never sign).
 */
import { hkdfSync } from 'node:crypto';
import { sameSecret } from '../security/same-secret';

/** Shortest shared token accepted, and the fewest distinct characters (a "tiny alphabet" below that). */
export const MIN_SHARED_CHARS = 24;
export const MIN_DISTINCT_CHARS = 8;

/** HKDF labels (info): one key per use. */
export const AGENT_TOKEN_LABEL = 'wecom agent token v2';
export const MEDIA_LINK_LABEL = 'wecom media link v2';

/** Why `token` is too weak to guard the agents' link, or null when it is fine. */
export function sharedTokenProblem(token: string): string | null {
  if (token.length < MIN_SHARED_CHARS) return `the agent token has ${token.length} characters; use at least ${MIN_SHARED_CHARS} random ones (e.g. openssl rand -hex 24)`;
  if (new Set(token).size < MIN_DISTINCT_CHARS) return `the agent token uses only ${new Set(token).size} different characters; use a random one (e.g. openssl rand -hex 24)`;
  return null;
}

/** A 32-byte key for one use (`label`) derived from a shared token. */
export function deriveKey(shared: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(shared, 'utf8'), Buffer.alloc(0), label, 32));
}

export class BridgeSecrets {
  /** The current shared token first, then the previous one (rotation grace), if any. */
  readonly shared: readonly string[];
  /** Agent-token keys, current first (only the first signs). */
  readonly tokenKeys: readonly Buffer[];
  /** Media-link keys, current first (only the first signs). */
  readonly mediaKeys: readonly Buffer[];

  constructor(current: string, previous = '') {
    this.shared = [current, previous].filter((s) => s !== '' && s !== undefined);
    this.tokenKeys = this.shared.map((s) => deriveKey(s, AGENT_TOKEN_LABEL));
    this.mediaKeys = this.shared.map((s) => deriveKey(s, MEDIA_LINK_LABEL));
  }

  /** Is `given` the shared token (current or previous)? Never true while none is set. */
  isShared(given: string): boolean {
    let hit = false;
    for (const s of this.shared) hit = sameSecret(given, s) || hit; // compare with every one: no early exit
    return hit;
  }
}
