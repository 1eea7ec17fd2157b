/**
 * faq-lookup's pending did-you-mean per conversation, in the state store (memory, local or Redis): a customer who
 * answers "2" or taps a menu item on another instance than the one that suggested gets the right entry. Each offer
 * expires after the validity time (the record's TTL). A message with nothing pending costs one read.
 */
import type { StateStore } from '../../state/store';
import { isOpen, stepPending, type Pending, type PendingInput, type PendingStep } from './suggest';

export class PendingSuggestions {
  constructor(
    private readonly store: StateStore,
    readonly ttlMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Remember a suggestion for the conversation at `key` (replacing any older one). */
  async offer(key: string, pending: Pending): Promise<void> {
    await this.store.set(key, pending, { ttlMs: this.ttlMs });
  }

  /** The step for a message of the conversation at `key` (null: none); an open suggestion it answers or clears is used up. */
  async step(key: string | null, input: PendingInput): Promise<PendingStep> {
    const now = this.now();
    if (key === null) return stepPending(undefined, input, now, this.ttlMs);
    const seen = await this.store.get<Pending>(key);
    if (!isOpen(seen, now, this.ttlMs, input.msgId)) return stepPending(undefined, input, now, this.ttlMs);
    return this.store.update<Pending, PendingStep>(key, (cur) => {
      const step = stepPending(cur, input, now, this.ttlMs);
      if (!isOpen(cur, now, this.ttlMs, input.msgId) || step.action === 'none') return { value: cur, result: step };
      // used: by this message (so it gets the same step when emitted again); without a message id, gone
      return { value: input.msgId ? { ...cur, by: input.msgId } : undefined, result: step };
    });
  }
}
