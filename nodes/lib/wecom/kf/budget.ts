/**
 * 微信客服 reply budget per customer: replies are allowed within 48 h of the customer's last message and at most
 * 5 per customer message (a new customer message resets it). Unknown customers are left for WeCom to judge
 * (95001/95002 then come back as clear errors).
 *
 * `StoreKfBudget` keeps it in the StateStore (`sendbudget:kf:<corp>:<open_kfid>:<customer>`), so instances on one
 * store share each customer's 5 replies.
 */
import type { StateStore } from '../../state/store';
import { WecomApiError } from '../api/errors';

export const KF_WINDOW_MS = 48 * 3600 * 1000;
export const KF_REPLIES_PER_MESSAGE = 5;

export type BudgetProblem = 'window' | 'count';

/** One customer's budget: when they last wrote (ms) and how many replies were used since. */
export interface KfAllowance {
  lastCustomerAt: number;
  used: number;
}

/** Why `n` more replies would be dropped, or null when they fit (or the customer is unknown); `keep` are left unused. */
export function kfProblem(b: KfAllowance | undefined, now: number, n = 1, keep = 0): BudgetProblem | null {
  if (!b) return null;
  if (now - b.lastCustomerAt > KF_WINDOW_MS) return 'window';
  if (b.used + n > KF_REPLIES_PER_MESSAGE - keep) return 'count';
  return null;
}

/** What agents may still send of an allowance (after `keep` kept for the closing notice), and until when (ms). */
export function kfRemaining(b: KfAllowance, keep: number): { replies: number; reserved: number; until: number } {
  return { replies: Math.max(0, KF_REPLIES_PER_MESSAGE - keep - b.used), reserved: keep, until: b.lastCustomerAt + KF_WINDOW_MS };
}

/** The budget record of one customer (undefined: not seen, or older than the window and a day). */
export function readKfAllowance(store: StateStore, corpId: string, openKfId: string, userId: string): Promise<KfAllowance | undefined> {
  return store.get<KfAllowance>(kfBudgetKey(corpId, openKfId, userId));
}

function kfBudgetKey(scope: string, openKfId: string, userId: string): string {
  return `sendbudget:kf:${scope}:${openKfId}:${userId}`;
}

/** Why `n` replies were not sent, as WeCom would say it (95002: the 48 h window; 95001: the 5 replies), kind 'session'. */
export function kfBudgetError(problem: BudgetProblem, n: number, keep: number): WecomApiError {
  const kept = keep ? ` (${keep} kept for the closing notice)` : '';
  return new WecomApiError({
    api: 'kf/send_msg',
    errcode: problem === 'window' ? 95002 : 95001,
    errmsg: problem === 'window' ? 'not sent: more than 48 h since the customer last wrote' : `not sent: ${n} message(s) would exceed the 5 replies allowed per customer message${kept}`,
    kind: 'session',
  });
}

/** The allowance after a customer message sent at `sentAtMs` (an older one changes nothing). */
export function afterCustomerMessage(b: KfAllowance | undefined, sentAtMs: number): KfAllowance {
  return b && b.lastCustomerAt > sentAtMs ? b : { lastCustomerAt: sentAtMs, used: 0 };
}

/** What reserve() took: `problem` null = taken (or the customer is unknown), else why not (nothing taken). */
export interface KfReservation {
  problem: BudgetProblem | null;
  /** The allowance taken from (its customer message time), for giveBack. */
  at?: number;
}

/** The 微信客服 budget as wecom-out spends it (shared through the store). */
export interface KfReplyBudget {
  /** Take `n` replies if they fit, leaving `keep` of the customer's 5 unused (for the closing notice). */
  reserve(openKfId: string, userId: string, n: number, keep?: number): Promise<KfReservation>;
  /** Give back `n` replies taken by the reservation made `at` and not sent. */
  giveBack(openKfId: string, userId: string, n: number, at: number | undefined): Promise<void>;
}

/** Records outlive the 48 h window by a day (then the customer is unknown again, left to WeCom). */
const KEEP_MS = KF_WINDOW_MS + 24 * 3600 * 1000;

export class StoreKfBudget implements KfReplyBudget {
  /** Customer messages seen here whose write to the store has not finished (so a reply right after sees them). */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly store: () => StateStore,
    /** The corp id. */
    private readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(openKfId: string, userId: string): string {
    return kfBudgetKey(this.scope, openKfId, userId);
  }

  private ttl(b: KfAllowance): number {
    return Math.max(1, b.lastCustomerAt + KEEP_MS - this.now());
  }

  /**
   * A customer message was seen (sentAtMs = its send_time). Resolves once it is recorded (never rejects: when the
   * store fails, this instance still knows, and a reply's reserve() reports the store's failure), so a caller that
   * waits before passing the message on lets a reply handled by another instance see the fresh allowance.
   */
  customerMessage(openKfId: string, userId: string, sentAtMs = this.now()): Promise<void> {
    const k = this.key(openKfId, userId);
    this.seen.set(k, Math.max(this.seen.get(k) ?? 0, sentAtMs));
    const written = (): void => {
      if (this.seen.get(k) === sentAtMs) this.seen.delete(k);
    };
    let store: StateStore;
    try {
      store = this.store();
    } catch {
      return Promise.resolve(); // no store: the reply's reserve() reports it
    }
    return store
      .update<KfAllowance, void>(k, (cur) => {
        const b = afterCustomerMessage(cur, sentAtMs);
        return { value: b, result: undefined, ttlMs: this.ttl(b) };
      })
      .then(written, () => undefined);
  }

  async reserve(openKfId: string, userId: string, n: number, keep = 0): Promise<KfReservation> {
    const k = this.key(openKfId, userId);
    const seenAt = this.seen.get(k);
    const t = this.now();
    return this.store().update<KfAllowance, KfReservation>(k, (cur) => {
      const b = seenAt !== undefined ? afterCustomerMessage(cur, seenAt) : cur;
      if (!b) return { value: undefined, result: { problem: null } };
      const problem = kfProblem(b, t, n, keep);
      const next = problem ? b : { ...b, used: b.used + n };
      return { value: next, result: { problem, at: problem ? undefined : b.lastCustomerAt }, ttlMs: this.ttl(next) };
    });
  }

  async giveBack(openKfId: string, userId: string, n: number, at: number | undefined): Promise<void> {
    if (n <= 0 || at === undefined) return;
    // Only to the allowance it was taken from: after a new customer message the count starts again anyway.
    await this.store().update<KfAllowance, void>(this.key(openKfId, userId), (cur) =>
      cur && cur.lastCustomerAt === at ? { value: { ...cur, used: Math.max(0, cur.used - n) }, result: undefined, ttlMs: this.ttl(cur) } : { value: cur, result: undefined },
    );
  }
}
