/**
 * Conversations in the StateStore, one record per conversation (`conv:<id>`) plus one marker per
 * conversation that is not with the bot (`conv-active:<id>`, for re-arming timers and re-offering after a
 * restart). All changes of one conversation are serialised in this process (KeyedMutex), so two messages of
 * the same conversation arriving together see each other's effects; every change is recorded (durable with
 * the local store) before update() resolves. Conversations with the bot expire in the store `retentionMs`
 * after their last change (swept by the store: nothing is rewritten whole).
 */
import type { StateStore } from '../state/store';
import { KeyedMutex } from '../state/keyed-mutex';
import { newConversation, type Conversation } from './conversation';

const CONV = 'conv:';
const ACTIVE = 'conv-active:';
/** Default: a conversation with the bot is forgotten a week after its last change. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export class ConversationStore {
  private mutex = new KeyedMutex();

  constructor(
    private store: StateStore,
    private now: () => number = Date.now,
    private retentionMs: number = DEFAULT_RETENTION_MS,
  ) {}

  async get(id: string): Promise<Conversation | undefined> {
    return this.store.get<Conversation>(CONV + id);
  }

  /**
   * Run `fn` on the conversation under its lock and record the result. `fn` mutates the record in place
   * and returns a value.
   */
  update<T>(id: string, fn: (c: Conversation) => T | Promise<T>): Promise<T> {
    return this.mutex.run(id, async () => {
      const stored = await this.store.get<Conversation>(CONV + id);
      const c: Conversation = stored ?? newConversation(id, this.now());
      const wasActive = stored !== undefined && stored.state !== 'bot';
      const out = await fn(c);
      const active = c.state !== 'bot';
      const writes: Promise<void>[] = [this.store.set(CONV + id, c, active ? {} : { ttlMs: this.retentionMs })];
      if (active !== wasActive) writes.push(active ? this.store.set(ACTIVE + id, 1) : this.store.delete(ACTIVE + id));
      await Promise.all(writes);
      return out;
    });
  }

  /**
   * Forget conversations that are with the bot and have been idle for `retentionMs` now (the store also
   * expires them by itself). Resolves to how many were removed.
   */
  async sweepIdle(retentionMs: number): Promise<number> {
    let removed = 0;
    for await (const key of this.store.keys(CONV)) {
      const id = key.slice(CONV.length);
      await this.mutex.run(id, async () => {
        const c = await this.store.get<Conversation>(key);
        if (c && c.state === 'bot' && this.now() - c.lastActivity >= retentionMs) {
          await this.store.delete(key);
          removed++;
        }
      });
    }
    return removed;
  }

  /** Ids of the conversations that are queued or with a human. */
  async active(): Promise<string[]> {
    const out: string[] = [];
    for await (const key of this.store.keys(ACTIVE)) out.push(key.slice(ACTIVE.length));
    return out;
  }
}
