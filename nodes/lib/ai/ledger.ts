/**
 * What the AI answers keep in the state store, so every instance on one store (Redis) sees the same:
 * the tokens spent today against the daily budget, each user's requests in the current minute, the last
 * turns of each conversation (for follow-ups), and the Dify conversation id of each WeCom conversation.
 * Counters use incr() and the turns update(), both atomic on every backend. Pure: no Node-RED import.
 */
import type { StateStore } from '../state/store';
import type { Turn } from './prompt';

const DAY_MS = 86_400_000;
/** Budget days run on China time (UTC+8): the budget resets at midnight in Beijing. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

export function budgetDay(now = Date.now()): string {
  return new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

export class AiLedger {
  constructor(
    private readonly store: () => StateStore,
    /** Names the endpoint (its config node id): one budget per endpoint. */
    private readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  private k(kind: string, rest: string): string {
    return `ai:${kind}:${this.scope}:${rest}`;
  }

  /** Tokens spent today (all instances). */
  spentToday(): Promise<number> {
    return this.store().incr(this.k('tokens', budgetDay(this.now())), 0, 2 * DAY_MS);
  }

  /** Add tokens to today's count; resolves to the new total. */
  spend(tokens: number): Promise<number> {
    return this.store().incr(this.k('tokens', budgetDay(this.now())), Math.max(0, Math.round(tokens)), 2 * DAY_MS);
  }

  /** Count one request of `user` in this minute; true when it is within `perMinute`. */
  async allowUser(user: string, perMinute: number): Promise<boolean> {
    if (!(perMinute > 0)) return true;
    const minute = Math.floor(this.now() / 60_000);
    return (await this.store().incr(this.k('rate', `${user}:${minute}`), 1, 120_000)) <= perMinute;
  }

  async history(conversationId: string): Promise<Turn[]> {
    const v = await this.store().get<Turn[]>(this.k('turns', conversationId));
    return Array.isArray(v) ? v.filter((t) => t && typeof t.q === 'string' && typeof t.a === 'string') : [];
  }

  /** Keep the last `keep` turns, forgotten `ttlMs` after the latest. */
  remember(conversationId: string, turn: Turn, keep: number, ttlMs: number): Promise<void> {
    return this.store().update<Turn[], void>(this.k('turns', conversationId), (cur) => ({
      value: [...(Array.isArray(cur) ? cur : []), turn].slice(-Math.max(1, keep)),
      result: undefined,
      ttlMs,
    }));
  }

  async difyConversation(conversationId: string): Promise<string | undefined> {
    const v = await this.store().get<string>(this.k('dify', conversationId));
    return typeof v === 'string' && v ? v : undefined;
  }

  setDifyConversation(conversationId: string, difyId: string, ttlMs = 30 * DAY_MS): Promise<void> {
    return this.store().set(this.k('dify', conversationId), difyId, { ttlMs });
  }
}
