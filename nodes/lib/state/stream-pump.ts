/**
 * The consumer loop of a durable stream (wecom-in's inbox, wecom-out's outbox): read this consumer's entries of a
 * group in batches and hand each to `handle`, one loop at a time. A `run()` while a loop is under way makes it read
 * once more instead of starting a second loop. Taking over what a stopped run left unacknowledged (claimIdle)
 * scans the pending entries, so it is done only when asked (`run(true)`, e.g. from a periodic poll).
 *
 * Backpressure: with `maxInFlight`, at most that many entries are handed out and not yet released (the consumer
 * calls `release()` once an entry's outcome is recorded); the loop reads again only as entries are released, so
 * a burst waits in the store, not in memory. `room()` may narrow what is read further.
 */
import type { StateStore, StreamEntry } from './store';

/** A stream's backlog as its consumer sees it (for a status, the ops view and the metrics). */
export interface PumpBacklog {
  /** Entries without an outcome yet (handed out, or still waiting in the store). */
  depth: number;
  /** How long the oldest of them has waited (ms; 0 when none or unknown). */
  oldestMs: number;
  /** Handed out and not yet released, and the cap (0: none). */
  inFlight: number;
  maxInFlight: number;
  /** The most ever in flight at once in this run. */
  highWater: number;
}

export interface StreamPumpOptions<T> {
  store: StateStore;
  stream: string;
  group: string;
  consumer: string;
  /** Entries per read. */
  batch: number;
  /** Take over entries another consumer left unacknowledged for this long (ms). */
  replayAfterMs: number;
  handle: (entry: StreamEntry<T>) => void | Promise<void>;
  onError: (err: unknown) => void;
  /** Called when a loop ends (e.g. to refresh a status). */
  onIdle?: () => void;
  /** At most this many entries handed out and not yet released (absent: no cap, nothing to release). */
  maxInFlight?: number;
  /** How many more entries the consumer takes now, besides the cap (absent: no further limit). */
  room?: () => number;
}

export class StreamPump<T> {
  /** Entries handed out and not yet released. */
  inFlight = 0;
  /** The most entries ever in flight at once in this run. */
  highWater = 0;
  /** The last loop stopped reading because there was no room (a release reads again). */
  full = false;
  private running = false;
  private again = false;
  /** The first loop after a start also takes over what a stopped run left. */
  private claimNext = true;
  private stopped = false;

  constructor(private readonly o: StreamPumpOptions<T>) {}

  /** Read (again); `claim` also takes over entries idle past replayAfterMs. */
  run(claim = false): void {
    this.claimNext ||= claim;
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  /** `n` entries handed out have their outcome: read more if the loop had stopped for want of room. */
  release(n = 1): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    if (this.full) this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  /** The backlog now; `recordedAt` reads when an entry was recorded (ms), for the oldest's wait. */
  async backlog(recordedAt: (value: T) => number | undefined, now = Date.now()): Promise<PumpBacklog> {
    const b = await this.o.store.backlog<T>(this.o.stream, this.o.group);
    const t = b.oldest ? recordedAt(b.oldest.value) : undefined;
    return { depth: b.depth, oldestMs: typeof t === 'number' ? Math.max(0, now - t) : 0, inFlight: this.inFlight, maxInFlight: this.o.maxInFlight ?? 0, highWater: this.highWater };
  }

  /** Entries to read now: the batch, narrowed by the cap and the consumer's room. */
  private want(): number {
    const o = this.o;
    let n = o.batch;
    if (o.maxInFlight !== undefined) n = Math.min(n, o.maxInFlight - this.inFlight);
    if (o.room) n = Math.min(n, o.room());
    return Math.max(0, Math.floor(n));
  }

  private async loop(): Promise<void> {
    const o = this.o;
    try {
      do {
        this.again = false;
        const count = this.want();
        this.full = count === 0;
        if (this.full) break;
        const claimIdleMs = this.claimNext ? o.replayAfterMs : 0;
        this.claimNext = false;
        const entries = await o.store.readGroup<T>(o.stream, o.group, o.consumer, { count, claimIdleMs });
        if (this.stopped) return;
        if (o.maxInFlight !== undefined) this.take(entries.length);
        for (let i = 0; i < entries.length; i++) {
          try {
            await o.handle(entries[i]);
          } catch (err) {
            // Not handed on: this one and the rest of the batch no longer count.
            if (o.maxInFlight !== undefined) this.inFlight = Math.max(0, this.inFlight - (entries.length - i));
            throw err;
          }
        }
        if (entries.length === count) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      o.onError(err);
    } finally {
      this.running = false;
      o.onIdle?.();
    }
  }

  private take(n: number): void {
    this.inFlight += n;
    if (this.inFlight > this.highWater) this.highWater = this.inFlight;
  }
}
