/**
 * The consumer loop of a durable stream (wecom-in's inbox, wecom-out's outbox): read this consumer's entries of a
 * group in batches and hand each to `handle`, one loop at a time. A `run()` while a loop is under way makes it read
 * once more instead of starting a second loop. Taking over what a stopped run left unacknowledged (claimIdle)
 * scans the pending entries, so it is done only when asked (`run(true)`, e.g. from a periodic poll).
 */
import type { StateStore, StreamEntry } from './store';

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
}

export class StreamPump<T> {
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

  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    const o = this.o;
    try {
      do {
        this.again = false;
        const claimIdleMs = this.claimNext ? o.replayAfterMs : 0;
        this.claimNext = false;
        const entries = await o.store.readGroup<T>(o.stream, o.group, o.consumer, { count: o.batch, claimIdleMs });
        if (this.stopped) return;
        for (const e of entries) await o.handle(e);
        if (entries.length === o.batch) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      o.onError(err);
    } finally {
      this.running = false;
      o.onIdle?.();
    }
  }
}
