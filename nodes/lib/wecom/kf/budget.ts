/**
 * 微信客服 reply budget per customer: replies are allowed within 48 h of the customer's last message and
 * at most 5 per customer message (a new customer message resets it). Unknown customers (e.g. after a
 * restart) are left for WeCom to judge (95001/95002 then come back as clear errors).
 */
export const KF_WINDOW_MS = 48 * 3600 * 1000;
export const KF_REPLIES_PER_MESSAGE = 5;

export type BudgetProblem = 'window' | 'count';

export class KfBudget {
  private readonly map = new Map<string, { lastCustomerAt: number; used: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private key(openKfId: string, userId: string) {
    return `${openKfId}\n${userId}`;
  }

  /** A customer message was seen (sentAtMs = its send_time). */
  customerMessage(openKfId: string, userId: string, sentAtMs = this.now()): void {
    const k = this.key(openKfId, userId);
    const cur = this.map.get(k);
    if (cur && cur.lastCustomerAt > sentAtMs) return;
    this.map.set(k, { lastCustomerAt: sentAtMs, used: 0 });
  }

  /** Why `n` more replies would be dropped, or null when they fit (or the customer is unknown). */
  check(openKfId: string, userId: string, n = 1): BudgetProblem | null {
    const b = this.map.get(this.key(openKfId, userId));
    if (!b) return null;
    if (this.now() - b.lastCustomerAt > KF_WINDOW_MS) return 'window';
    if (b.used + n > KF_REPLIES_PER_MESSAGE) return 'count';
    return null;
  }

  used(openKfId: string, userId: string): void {
    const b = this.map.get(this.key(openKfId, userId));
    if (b) b.used++;
  }
}
