/**
 * WeCom's per-member app-message budget (30/min and 1000/h per app; excess is silently dropped by
 * WeCom). Tracks sends per user with sliding windows and tells how long to hold the next one.
 */
export interface Window {
  ms: number;
  max: number;
}

export const APP_USER_WINDOWS: Window[] = [
  { ms: 60_000, max: 30 },
  { ms: 3_600_000, max: 1000 },
];

export class UserRateLimiter {
  private readonly sends = new Map<string, number[]>();
  private readonly longest: number;

  constructor(
    private readonly windows: Window[] = APP_USER_WINDOWS,
    private readonly now: () => number = Date.now,
  ) {
    this.longest = Math.max(...windows.map((w) => w.ms));
  }

  /** ms to wait until `n` more sends to `user` fit every window (0 = now). */
  waitMs(user: string, n = 1): number {
    const t = this.now();
    const times = (this.sends.get(user) ?? []).filter((x) => t - x < this.longest);
    let wait = 0;
    for (const w of this.windows) {
      const inWin = times.filter((x) => t - x < w.ms);
      const over = inWin.length + n - w.max;
      if (over > 0) {
        if (n > w.max) return Infinity;
        wait = Math.max(wait, inWin[over - 1] + w.ms - t);
      }
    }
    return wait;
  }

  take(user: string): void {
    const t = this.now();
    const times = (this.sends.get(user) ?? []).filter((x) => t - x < this.longest);
    times.push(t);
    this.sends.set(user, times);
  }
}
