/**
 * Timers kept in the StateStore (schedule/takeDue): a member due at a time survives restarts and fires
 * exactly once (takeDue removes it atomically). One local timeout sleeps until the earliest due time;
 * a poll every `pollMs` also picks up members scheduled by another instance.
 */
import type { StateStore } from './store';

const MAX_TIMER = 2 ** 31 - 1;

export class DueTimers {
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;
  private running = false;
  private again = false;
  /** Members this process scheduled (removing one it never scheduled costs no write). */
  private readonly known = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly queue: string,
    private readonly onDue: (member: string) => Promise<void>,
    private readonly onError: (err: Error) => void,
    private readonly pollMs = 5000,
  ) {}

  start(): void {
    this.poller = setInterval(() => this.fire(), this.pollMs);
    this.poller.unref();
    void this.arm();
  }

  /** Set (or move, or with null remove) a member's due time. */
  schedule(member: string, at: number | null): Promise<void> {
    if (at === null && !this.known.has(member)) return Promise.resolve();
    if (at === null) this.known.delete(member);
    else this.known.add(member);
    return this.store.schedule(this.queue, member, at).then(
      () => this.arm(),
      (err: Error) => this.onError(err),
    );
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    try {
      const next = await this.store.nextDue(this.queue);
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (next === null || this.stopped) return;
      this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER, Math.max(0, next - Date.now())));
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private fire(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        for (;;) {
          const due = await this.store.takeDue(this.queue, Date.now(), 100);
          for (const m of due) this.known.delete(m);
          for (const m of due) await this.onDue(m).catch((err: Error) => this.onError(err));
          if (due.length < 100 || this.stopped) break;
        }
      } catch (err) {
        this.onError(err as Error);
      } finally {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.fire();
        } else void this.arm();
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
  }
}
