/**
 * The write-behind queue of the Redis backend: the single-key reads and writes that one event-loop turn asks
 * for (from every message in flight) go to Redis as one call of the BATCH script (redis-scripts.ts), run there
 * in the order asked and atomically. A promise still resolves only once Redis answered, so "resolved means
 * recorded" holds as before; what changes is that a turn's writes cost one command, not one each.
 *
 * Order: the queue is sent at the end of the turn (setImmediate), or at once when it is full or another command
 * is about to go out (the store calls flush() first), so commands reach Redis in the order they were asked for.
 */

export type BatchOp = 'get' | 'set' | 'del' | 'claim' | 'cas' | 'incr' | 'xadd' | 'ack' | 'read' | 'zadd' | 'zrem';

/** An argument; `{ key }` is another key the operation touches (sent as its index in KEYS). */
export type BatchArg = string | number | { key: string };

interface Queued {
  op: BatchOp;
  key: string;
  args: BatchArg[];
  resolve(v: unknown): void;
  reject(err: unknown): void;
}

/** Operations per call at most (a long script holds up every other client of the Redis). */
const MAX_OPS = 500;

export class RedisBatch {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  /** Calls sent and operations carried, for the bench. */
  readonly sent = { calls: 0, ops: 0 };

  constructor(
    /** Run BATCH with these KEYS and ARGV; resolves to its reply. */
    private readonly send: (keys: string[], argv: (string | number)[]) => Promise<unknown>,
    /** The error an operation that failed on the server rejects with. */
    private readonly failed: (message: string) => Error,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** Queue one operation; resolves to its result once the call that carries it was answered. */
  op<T = unknown>(op: BatchOp, key: string, args: BatchArg[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, key, args, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length >= MAX_OPS) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Send what is queued now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const keys: string[] = [];
    const index = new Map<string, number>();
    const at = (k: string): number => {
      let i = index.get(k);
      if (i === undefined) index.set(k, (i = keys.push(k)));
      return i;
    };
    const argv: (string | number)[] = [];
    for (const q of batch) {
      argv.push(q.op, at(q.key), q.args.length);
      for (const a of q.args) argv.push(typeof a === 'object' ? at(a.key) : a);
    }
    this.sent.calls++;
    this.sent.ops += batch.length;
    this.send(keys, argv).then(
      (reply) => {
        const rows = reply as [number, unknown][];
        batch.forEach((q, i) => {
          const [ok, r] = rows[i] ?? [0, 'no reply'];
          if (ok === 1) q.resolve(r);
          else q.reject(this.failed(String(r)));
        });
      },
      (err: unknown) => {
        for (const q of batch) q.reject(err);
      },
    );
  }

  /** Reject what is queued (the store is closing). */
  clear(err: Error): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    for (const q of this.queue.splice(0)) q.reject(err);
  }
}
