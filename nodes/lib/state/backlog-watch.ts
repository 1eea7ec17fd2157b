/**
 * Watches a durable stream's backlog (wecom-in's inbox, wecom-out's outbox; no Node-RED): reads it every `everyMs`, keeps the last reading for a status,
 * the ops view and the metrics, and says when the oldest message has waited longer than `lateAfterMs` — once when
 * it starts, then at most once a minute while it lasts.
 */
import type { PumpBacklog } from './stream-pump';

const REPEAT_MS = 60_000;

export interface BacklogWatchOptions {
  read: () => Promise<PumpBacklog>;
  everyMs: number;
  lateAfterMs: number;
  /** A new reading (`late`: the oldest waited longer than lateAfterMs). */
  onReading: (b: PumpBacklog, late: boolean) => void;
  /** The oldest message waits too long (rate-limited). */
  onLate: (b: PumpBacklog) => void;
  now?: () => number;
}

export class BacklogWatch {
  last: PumpBacklog | undefined;
  late = false;
  private timer?: NodeJS.Timeout;
  private lastWarned = -Infinity;
  private reading = false;

  constructor(private readonly o: BacklogWatchOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Read the backlog now (a failed read keeps the last reading: the store's own health says why). */
  async check(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const b = await this.o.read();
      const now = (this.o.now ?? Date.now)();
      const late = b.depth > 0 && b.oldestMs > this.o.lateAfterMs;
      if (late && (!this.late || now - this.lastWarned >= REPEAT_MS)) {
        this.lastWarned = now;
        this.o.onLate(b);
      }
      this.last = b;
      this.late = late;
      this.o.onReading(b, late);
    } catch {
      // the store is down: its health listener shows that
    } finally {
      this.reading = false;
    }
  }
}
