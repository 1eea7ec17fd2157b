/**
 * Run `fn` at most once per `ms` (leading and trailing): for node status that would otherwise be
 * translated and sent on every message.
 */
export interface Throttled {
  (): void;
  cancel(): void;
}

export function throttled(ms: number, fn: () => void): Throttled {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const t = (() => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  }) as Throttled;
  t.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return t;
}
