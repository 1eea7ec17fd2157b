/**
 * Per-key FIFO: tasks with the same key run one after another in arrival order; different keys run
 * in parallel up to `concurrency`. Used so that messages to one user go out in order.
 */
type Task = (() => Promise<void>) & { dropped?: () => void };

export class KeyedQueue {
  private readonly queues = new Map<string, Task[]>();
  private readonly ready: string[] = [];
  private running = 0;
  private waiting = 0;
  private closed = false;

  constructor(private readonly concurrency = 8) {}

  /** Tasks not yet finished (queued + running). */
  get length(): number {
    return this.waiting + this.running;
  }

  /** Queue `task` under `key`; `dropped` is called instead if the queue closes before it starts. */
  push(key: string, run: () => Promise<void>, dropped?: () => void): void {
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
    while (this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const q = this.queues.get(key);
      const task = q?.shift();
      if (!task) {
        this.queues.delete(key);
        continue;
      }
      this.waiting--;
      this.running++;
      task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          const rest = this.queues.get(key);
          if (rest && rest.length > 0) this.ready.push(key);
          else this.queues.delete(key);
          this.pump();
        });
    }
  }
}
