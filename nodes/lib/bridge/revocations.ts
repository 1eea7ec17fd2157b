/**
 * Revoked agent tokens, kept in the state store so every instance honours them: "agent X's tokens issued at
 * or before time T are void" (agent `*`: every agent's). A record lives as long as the longest token lifetime
 * the bridge accepts (after that no token it covers can still be valid). Instances hear of a new revocation
 * through the store's publish/subscribe and close the sockets it covers at once; a socket's later frames and
 * every new connection check the cached cut-off too.
 */
import type { StateStore } from '../state/store';
import type { AgentClaims } from './agent-token';

const KEY = 'bridge:revoked:';
const CHANNEL = 'bridge:revoked';
/** Every agent's tokens. */
export const ALL_AGENTS = '*';

export interface Revocation {
  agentId: string;
  /** Tokens issued at or before this time (unix s) are void. */
  before: number;
}

function isRevocation(v: unknown): v is Revocation {
  const r = v as Revocation | null;
  return !!r && typeof r === 'object' && typeof r.agentId === 'string' && typeof r.before === 'number';
}

export class Revocations {
  private cutoffs = new Map<string, number>();
  private off: (() => void) | null = null;

  constructor(
    private store: StateStore,
    /** How long a revocation must last: the longest token lifetime accepted (ms). */
    private keepMs: number,
  ) {}

  /** Listen for revocations made by any instance; `revoked` hears each (to close the sockets it covers). */
  listen(revoked: (r: Revocation) => void): () => void {
    this.off = this.store.subscribe(CHANNEL, (m) => {
      if (!isRevocation(m)) return;
      this.note(m.agentId, m.before);
      revoked(m);
    });
    return () => this.off?.();
  }

  private note(agentId: string, before: number): void {
    this.cutoffs.set(agentId, Math.max(before, this.cutoffs.get(agentId) ?? 0));
  }

  /** Void `agentId`'s tokens issued up to `before` (default now), on every instance. */
  async revoke(agentId: string, before = Math.floor(Date.now() / 1000)): Promise<Revocation> {
    const at = await this.store.update<number, number>(KEY + agentId, (cur) => {
      const value = Math.max(before, cur ?? 0);
      return { value, result: value, ttlMs: this.keepMs };
    });
    this.note(agentId, at);
    const r = { agentId, before: at };
    await this.store.publish(CHANNEL, r);
    return r;
  }

  /** Read the store's cut-offs for `agentId` (and every agent) into the cache, before admitting a token. */
  async load(agentId: string): Promise<void> {
    const [mine, all] = await Promise.all([this.store.get<number>(KEY + agentId), this.store.get<number>(KEY + ALL_AGENTS)]);
    if (typeof mine === 'number') this.note(agentId, mine);
    if (typeof all === 'number') this.note(ALL_AGENTS, all);
  }

  /** Is this token void (from the cache: `load` its agent first)? */
  revoked(c: AgentClaims): boolean {
    const cut = Math.max(this.cutoffs.get(c.agentId) ?? -1, this.cutoffs.get(ALL_AGENTS) ?? -1);
    return c.issuedAt <= cut;
  }
}
