/**
 * The budget step of a send (no Node-RED): before any part goes to the API, take every part still to send from
 * the recipients' budgets at once, or say how long to wait, or refuse.
 *   - app: WeCom's per-member limit (30/min, 1000/h; WeCom silently drops the excess), `AppBudget`;
 *   - 微信客服: 5 replies per customer message within 48 h (`KfReplyBudget`), leaving `plan.keep` unused.
 * What is taken and then not sent (the API failed) is given back with `release`.
 */
import { HoldTooLong, type AppBudget } from './user-limiter';
import { kfBudgetError, type KfReplyBudget } from '../kf/budget';
import type { SendPlan } from './plan';

export interface BudgetDeps {
  limiter: AppBudget;
  kfBudget: KfReplyBudget;
  /** Longest the parts may still be held for the app budget, ms. */
  maxHoldMs: number;
}

/** Taken: `release(n)` gives back n parts that were not sent. Or: wait this long first (nothing taken). */
export type Reservation = { wait: 0; release(unsent: number): Promise<void> } | { wait: number };

const NOTHING: Reservation = { wait: 0, release: () => Promise.resolve() };

/**
 * Take `parts` sends of `plan` from its budget. Throws `HoldTooLong` (app: they would not fit within
 * `maxHoldMs`) or `kfBudgetError`'s 95001 / 95002 (微信客服: no replies left, or the 48 h window closed).
 */
export async function reserveBudget(plan: SendPlan, parts: number, d: BudgetDeps): Promise<Reservation> {
  if (parts <= 0) return NOTHING;
  if (plan.channel === 'kf') return reserveKf(plan, parts, d.kfBudget);
  if (plan.users.length === 0) return NOTHING;
  const wait = await d.limiter.take(plan.users, parts);
  if (wait > d.maxHoldMs) throw new HoldTooLong('message/send', wait);
  if (wait > 0) return { wait };
  return { wait: 0, release: (unsent) => (unsent > 0 ? d.limiter.giveBack(plan.users, unsent) : Promise.resolve()) };
}

async function reserveKf(plan: SendPlan, parts: number, budget: KfReplyBudget): Promise<Reservation> {
  const openKfId = plan.openKfId as string;
  const userId = plan.userId as string;
  const keep = plan.keep ?? 0;
  const { problem, at } = await budget.reserve(openKfId, userId, parts, keep);
  if (problem) throw kfBudgetError(problem, parts, keep);
  return { wait: 0, release: (unsent) => (unsent > 0 ? budget.giveBack(openKfId, userId, unsent, at) : Promise.resolve()) };
}
