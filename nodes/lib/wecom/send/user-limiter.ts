/**
 * WeCom's per-member app-message budget (30/min and 1000/h per app; excess is silently dropped by WeCom):
 * sends per user in sliding windows, and how long to hold the next one.
 *
 * `StoreUserLimiter` keeps each user's send times in the StateStore, so every instance on one store (and every
 * wecom-out of one account) spends the same budget.
 */
import type { StateStore } from '../../state/store';
import { WecomApiError } from '../api/errors';

export interface Window {
  ms: number;
  max: number;
}

export const APP_USER_WINDOWS: Window[] = [
  { ms: 60_000, max: 30 },
  { ms: 3_600_000, max: 1000 },
];

/** ms until `n` more sends fit every window, given the earlier send times (ascending); Infinity = never. */
export function windowWait(times: number[], windows: Window[], now: number, n = 1): number {
  let wait = 0;
  for (const w of windows) {
    const inWin = times.filter((x) => now - x < w.ms);
    const over = inWin.length + n - w.max;
    if (over > 0) {
      if (n > w.max) return Infinity;
      wait = Math.max(wait, inWin[over - 1] + w.ms - now);
    }
  }
  return wait;
}

/** The app budget would make a send wait longer than allowed: reported (kind 'rate', not retried), never dropped by WeCom. */
export class HoldTooLong extends WecomApiError {
  constructor(api: string, ms: number) {
    const why = Number.isFinite(ms) && ms > 0 ? `it would have to wait ${Math.round(ms / 1000)} s, longer than allowed` : 'it does not fit into the limit within the allowed hold time';
    super({ api, errcode: 0, errmsg: `WeCom's per-member limit (30/min, 1000/h) would drop this message; ${why}`, kind: 'rate' });
    this.name = 'HoldTooLong';
  }
}

const longestOf = (windows: Window[]) => Math.max(...windows.map((w) => w.ms));

/** The per-member budget as wecom-out spends it (shared through the store). */
export interface AppBudget {
  /** ms until `n` more sends to `user` fit (0 = now, Infinity = never). */
  waitMs(user: string, n?: number): Promise<number>;
  /** Take `n` sends of each user's budget if they fit now for all of them: 0 = taken, else ms to wait (nothing taken). */
  take(users: string[], n?: number): Promise<number>;
  /** Give back `n` sends per user (taken, and then not sent). */
  giveBack(users: string[], n?: number): Promise<void>;
}

/**
 * The budget in the StateStore: one record per member (`sendbudget:app:<scope>:<user>`, the send times of the
 * last hour, expiring an hour after the last send), changed atomically with update(). `scope` names the app
 * (corp id + agent id): the budget is WeCom's per app.
 */
export class StoreUserLimiter implements AppBudget {
  private readonly longest: number;

  constructor(
    private readonly store: () => StateStore,
    private readonly scope: string,
    private readonly windows: Window[] = APP_USER_WINDOWS,
    private readonly now: () => number = Date.now,
  ) {
    this.longest = longestOf(windows);
  }

  private key(user: string): string {
    return `sendbudget:app:${this.scope}:${user}`;
  }

  private recent(times: number[] | undefined, t: number): number[] {
    return Array.isArray(times) ? times.filter((x) => typeof x === 'number' && t - x < this.longest).sort((a, b) => a - b) : [];
  }

  async waitMs(user: string, n = 1): Promise<number> {
    const t = this.now();
    return windowWait(this.recent(await this.store().get<number[]>(this.key(user)), t), this.windows, t, n);
  }

  async take(users: string[], n = 1): Promise<number> {
    const taken: string[] = [];
    for (const user of users) {
      const t = this.now();
      const wait = await this.store().update<number[], number>(this.key(user), (cur) => {
        const times = this.recent(cur, t);
        const w = windowWait(times, this.windows, t, n);
        return w > 0 ? { value: times, result: w, ttlMs: this.longest } : { value: [...times, ...new Array<number>(n).fill(t)], result: 0, ttlMs: this.longest };
      });
      if (wait > 0) {
        await this.giveBack(taken, n);
        return wait;
      }
      taken.push(user);
    }
    return 0;
  }

  async giveBack(users: string[], n = 1): Promise<void> {
    for (const user of users) {
      const t = this.now();
      await this.store().update<number[], void>(this.key(user), (cur) => {
        // the latest sends: the ones just taken (or as recent)
        const times = this.recent(cur, t).slice(0, -n);
        return { value: times.length ? times : undefined, result: undefined, ttlMs: this.longest };
      });
    }
  }
}
