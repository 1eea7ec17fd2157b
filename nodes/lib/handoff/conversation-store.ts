/**
 * Conversations persisted through an AsyncKV (Node-RED context with a chosen store), one key per
 * conversation plus an index of the conversations that are not with the bot (for re-arming timers
 * and re-offering after a restart). All changes of one conversation are serialised (KeyedMutex), so two
 * messages of the same conversation arriving together see each other's effects.
 */
import type { AsyncKV } from '../state/context-store';
import { KeyedMutex } from '../state/keyed-mutex';
import { newConversation, type Conversation } from './conversation';

const INDEX_KEY = 'handoff_active';

/** Context keys are property paths: encode everything but a safe set so ids cannot nest or collide. */
export function convKey(id: string): string {
  return 'handoff_c_' + id.replace(/[^A-Za-z0-9_:@-]/g, (ch) => '%' + ch.codePointAt(0)!.toString(16) + ';');
}

export class ConversationStore {
  private mutex = new KeyedMutex();

  constructor(
    private kv: AsyncKV,
    private now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Conversation | undefined> {
    return this.kv.get<Conversation>(convKey(id));
  }

  /**
   * Run `fn` on the conversation under its lock and store the result. `fn` mutates the record in place
   * and returns a value; returning with the record unchanged still stores it (cheap, and keeps things simple).
   */
  update<T>(id: string, fn: (c: Conversation) => T | Promise<T>): Promise<T> {
    return this.mutex.run(id, async () => {
      const stored = await this.kv.get<Conversation>(convKey(id));
      const c: Conversation = stored ? (JSON.parse(JSON.stringify(stored)) as Conversation) : newConversation(id, this.now());
      const wasActive = stored !== undefined && stored.state !== 'bot';
      const out = await fn(c);
      await this.kv.set(convKey(id), c);
      const active = c.state !== 'bot';
      if (active !== wasActive) await this.setActive(id, active);
      return out;
    });
  }

  private setActive(id: string, active: boolean): Promise<void> {
    return this.mutex.run('\u0000index', async () => {
      const list = (await this.kv.get<string[]>(INDEX_KEY)) ?? [];
      const has = list.includes(id);
      if (active && !has) list.push(id);
      else if (!active && has) list.splice(list.indexOf(id), 1);
      else return;
      await this.kv.set(INDEX_KEY, list);
    });
  }

  /**
   * Forget conversations that are with the bot and have been idle for `retentionMs` (their transcript
   * too), so a store does not grow with every user who ever wrote. Resolves to how many were removed.
   */
  async sweepIdle(retentionMs: number): Promise<number> {
    let removed = 0;
    for (const key of await this.kv.keys()) {
      if (!key.startsWith('handoff_c_')) continue;
      const peek = await this.kv.get<Conversation>(key);
      if (!peek || peek.state !== 'bot' || this.now() - peek.lastActivity < retentionMs) continue;
      await this.mutex.run(peek.id, async () => {
        const c = await this.kv.get<Conversation>(key);
        if (c && c.state === 'bot' && this.now() - c.lastActivity >= retentionMs) {
          await this.kv.set(key, undefined);
          removed++;
        }
      });
    }
    return removed;
  }

  /** Ids of the conversations that are queued or with a human. */
  async active(): Promise<string[]> {
    return [...((await this.kv.get<string[]>(INDEX_KEY)) ?? [])];
  }
}
