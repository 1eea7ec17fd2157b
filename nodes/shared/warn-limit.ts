/**
 * Rate-limited warnings: at most `perMinute` a minute; how many were held back is said once the next minute's
 * first warning comes (so a flood of bad requests cannot flood the log).
 */
export function limitedWarn(perMinute: number, warn: (text: string) => void, heldBack: (count: number) => string, now: () => number = Date.now): (text: string) => void {
  let window = { start: now(), count: 0, suppressed: 0 };
  return (text) => {
    const t = now();
    if (t - window.start > 60_000) {
      if (window.suppressed > 0) warn(heldBack(window.suppressed));
      window = { start: t, count: 0, suppressed: 0 };
    }
    if (window.count < perMinute) {
      window.count++;
      warn(text);
    } else window.suppressed++;
  };
}
