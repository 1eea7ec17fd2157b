/**
 * The bridge's conversations and the queue of those waiting for an agent: oldest first, positions counted per
 * group, and each agent's view of what waits for it (the `queue` snapshot frame).
 */
import type { HistoryItem, QueueItem } from './protocol';
import type { Agent, Conv } from './types';

/** The latest thing anyone said (the bridge's own system lines are not words). */
const lastWords = (history: HistoryItem[]): string | undefined => [...history].reverse().find((h) => h.from !== 'system')?.text;

export class ConversationQueue<M> {
  private convs = new Map<string, Conv<M>>();
  private ids: string[] = [];

  get(id: string): Conv<M> | undefined {
    return this.convs.get(id);
  }

  add(c: Conv<M>): void {
    this.convs.set(c.id, c);
  }

  /** Forget the conversation (and its place in the queue). */
  delete(id: string): void {
    this.convs.delete(id);
    this.dequeue(id);
  }

  get size(): number {
    return this.convs.size;
  }

  /** Conversations waiting. */
  get length(): number {
    return this.ids.length;
  }

  enqueue(id: string): void {
    this.ids.push(id);
  }

  dequeue(id: string): void {
    const i = this.ids.indexOf(id);
    if (i >= 0) this.ids.splice(i, 1);
  }

  /** Every conversation the bridge holds (queued or with an agent). */
  values(): IterableIterator<Conv<M>> {
    return this.convs.values();
  }

  queuedIds(): string[] {
    return [...this.ids];
  }

  /**
   * Offer waiting conversations, oldest first: `pick` names an agent for one (or null: it keeps waiting), which
   * `assign` then gets, after it left the queue. Forgotten conversations drop out on the way.
   */
  serve(pick: (c: Conv<M>) => Agent | null, assign: (c: Conv<M>, a: Agent) => void): void {
    for (let i = 0; i < this.ids.length; ) {
      const c = this.convs.get(this.ids[i]);
      if (!c) {
        this.ids.splice(i, 1);
        continue;
      }
      const a = pick(c);
      if (!a) {
        i++;
        continue;
      }
      this.ids.splice(i, 1);
      assign(c, a);
    }
  }

  /** A conversation's place in its group's queue (0 = next), -1 when not queued. */
  position(id: string): number {
    const c = this.convs.get(id);
    let n = 0;
    for (const q of this.ids) {
      if (q === id) return n;
      if (this.convs.get(q)?.group === c?.group) n++;
    }
    return -1;
  }

  /** Queued conversations `eligible` lets an agent take, oldest first, with positions per group. */
  itemsFor(eligible: (c: Conv<M>) => boolean): QueueItem[] {
    const seen = new Map<string, number>();
    const out: QueueItem[] = [];
    for (const id of this.ids) {
      const c = this.convs.get(id);
      if (!c) continue;
      const key = c.group ?? '';
      const position = seen.get(key) ?? 0;
      seen.set(key, position + 1);
      if (!eligible(c)) continue;
      const item: QueueItem = { conversationId: id, channel: c.offer.channel, userId: c.offer.userId, reason: c.offer.reason, position, text: lastWords(c.history) ?? c.offer.text, ts: c.queuedAt };
      if (c.group !== undefined) item.group = c.group;
      if (c.offer.customer) item.customer = c.offer.customer;
      out.push(item);
    }
    return out;
  }

  clear(): void {
    this.convs.clear();
    this.ids = [];
  }
}
