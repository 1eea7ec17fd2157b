/**
 * Intended repeats of app messages, for callers of `WecomApi` that did not decide about them themselves (flows
 * and function nodes using the API directly; wecom-out decides with its durable record, send/repeat-record.ts).
 * enable_duplicate_check makes a retry safe, but WeCom would also swallow an intended repeat of the same body
 * (e.g. two identical parts of a split text): such a repeat within the interval is sent without the check.
 * Kept in this process only.
 */
export class RecentBodies {
  /** Bodies sent with enable_duplicate_check, by time. */
  private readonly at = new Map<string, number>();

  /** Note a body about to be sent with the check; a repeat within its interval loses the check instead. */
  keep(body: Record<string, unknown>, now = Date.now()): void {
    const ttl = Number(body.duplicate_check_interval) * 1000;
    const key = JSON.stringify(body);
    const at = this.at.get(key);
    if (at !== undefined && now - at < ttl) {
      delete body.enable_duplicate_check;
      delete body.duplicate_check_interval;
      return;
    }
    this.at.set(key, now);
    if (this.at.size > 5000) {
      for (const [k, t] of this.at) if (now - t >= 14_400_000 || this.at.size > 5000) this.at.delete(k);
    }
  }
}
