/**
 * Per-key FIFO: tasks with the same key run one after another in arrival order; different keys run
 * in parallel up to `concurrency`. Used so that messages to one user go out in order.
 *
 * A task may ask to be deferred (resolve `{ deferMs }`): it stays at the head of its key, the key
 * waits, and the slot is free for other keys meanwhile (a user over WeCom's per-member limit does
 * not hold up everyone else).
 *
 * A task still running after `stallMs` stops counting against `concurrency`: a few users whose sends hang
 * (a stalled WeCom API) never hold up the others. Per-key order is kept regardless.
 */
export type TaskResult = void | { deferMs: number };
type Task = (() => Promise<TaskResult>) & { dropped?: () => void };

export class KeyedQueue {
  private readonly queues = new Map<string, Task[]>();
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  /** Running tasks that passed stallMs (not counted in `running`). */
  private stalled = 0;
  private waiting = 0;
  private closed = false;

  constructor(
    private readonly concurrency = 8,
    private readonly opts: { stallMs?: number; onSettled?: () => void } = {},
  ) {}

  /** Tasks not yet finished (queued, deferred + running). */
  get length(): number {
    return this.waiting + this.running + this.stalled;
  }

  /** Queue `run` under `key`; `dropped` is called instead if the queue closes before it runs. */
  push(key: string, run: () => Promise<TaskResult>, dropped?: () => void): void {
    if (this.closed) throw new Error('queue closed');
    const task: Task = Object.assign(() => run(), { dropped });
    this.waiting++;
    const q = this.queues.get(key);
    if (q) q.push(task);
    else {
      this.queues.set(key, [task]);
      this.ready.push(key);
    }
    this.pump();
  }

  /** Drop everything not yet started (each task's `dropped` callback runs); returns how many. */
  close(): number {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    let dropped = 0;
    for (const q of this.queues.values()) {
      dropped += q.length;
      for (const t of q) t.dropped?.();
    }
    this.queues.clear();
    this.ready.length = 0;
    this.waiting = 0;
    return dropped;
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const q = this.queues.get(key);
      const task = q?.shift();
      if (!task) {
        this.queues.delete(key);
        continue;
      }
      this.waiting--;
      this.running++;
      let stalled = false;
      const stall =
        this.opts.stallMs && this.opts.stallMs > 0
          ? setTimeout(() => {
              stalled = true;
              this.running--;
              this.stalled++;
              this.pump();
            }, this.opts.stallMs)
          : undefined;
      task()
        .catch(() => undefined)
        .then((result) => {
          if (stall) clearTimeout(stall);
          if (stalled) this.stalled--;
          else this.running--;
          if (this.closed) return;
          const rest = this.queues.get(key) ?? [];
          if (result && typeof result === 'object' && result.deferMs >= 0) {
            // back to the head of its key; the key becomes ready again after the delay
            rest.unshift(task);
            this.queues.set(key, rest);
            this.waiting++;
            const t = setTimeout(() => {
              this.timers.delete(t);
              this.ready.push(key);
              this.pump();
            }, result.deferMs);
            this.timers.add(t);
          } else if (rest.length > 0) this.ready.push(key);
          else this.queues.delete(key);
          this.pump();
          this.opts.onSettled?.();
        });
    }
  }
}
