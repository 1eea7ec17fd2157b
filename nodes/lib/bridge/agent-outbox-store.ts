/**
 * Agents' outboxes kept in the StateStore as well as in memory, so frames an agent has not acknowledged
 * survive a restart of Node-RED (local store) or the death of the instance leading the agents' hub (Redis: the
 * next leader reads them when it takes over, reload()): each kept frame is one record `bridge-outbox:<bridge>:<agent>:<seq>`, written
 * when the frame is numbered and deleted when it is acknowledged or dropped. After a restart, load() reads them
 * back; the agent's new record starts with them, and a reconnect with ?ack=N (or hello/received) replays what
 * follows N, in seq order. Reads stay in memory; writes reach the store in the order they were made.
 */
import type { StateStore } from '../state/store';
import type { ToAgentFrame } from './protocol';
import { MemoryOutbox, type Outbox } from './agent-outbox';

type Numbered = ToAgentFrame & { seq?: number };

/** Every outbox of one bridge node: loads what a previous run kept, and makes each agent's outbox. */
export class OutboxStore {
  private saved = new Map<string, Numbered[]>();
  private tail: Promise<void> = Promise.resolve();
  private waiting: Array<() => void> | null = [];
  private readonly prefix: string;

  constructor(
    private store: StateStore,
    bridge: string,
    private onError: (err: Error) => void,
  ) {
    this.prefix = `bridge-outbox:${bridge}:`;
  }

  /** Read the frames kept by an earlier run; then run what waited for it (see whenLoaded). */
  async load(): Promise<void> {
    try {
      for await (const key of this.store.keys(this.prefix)) {
        const rest = key.slice(this.prefix.length);
        const i = rest.lastIndexOf(':');
        const frame = await this.store.get<Numbered>(key);
        if (i <= 0 || !frame || typeof frame !== 'object' || typeof frame.seq !== 'number') continue;
        const agentId = rest.slice(0, i);
        const list = this.saved.get(agentId) ?? [];
        list.push(frame);
        this.saved.set(agentId, list);
      }
      for (const list of this.saved.values()) list.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    } catch (err) {
      this.onError(err as Error);
    } finally {
      const run = this.waiting ?? [];
      this.waiting = null;
      for (const fn of run) fn();
    }
  }

  /**
   * Several instances (Redis): the frames are read when this instance takes the agents' hub over, not at start
   * (while another instance leads they are its frames). Until then nothing is kept here and nothing waits.
   */
  deferLoad(): void {
    const run = this.waiting ?? [];
    this.waiting = null;
    for (const fn of run) fn();
  }

  /** Read the store again (this instance now leads): what the last leader kept and no agent acknowledged. */
  reload(): Promise<void> {
    if (this.waiting) return this.tail; // already loading
    this.waiting = [];
    this.saved.clear();
    return this.tail.then(() => this.load());
  }

  /** Run `fn` now once loaded, else right after loading (in call order). */
  whenLoaded(fn: () => void): void {
    if (this.waiting) this.waiting.push(fn);
    else fn();
  }

  /** The outbox of `agentId`: with the frames an earlier run kept for it (only the first time asked). */
  outbox(agentId: string, start = Date.now()): Outbox {
    const kept = this.saved.get(agentId) ?? [];
    this.saved.delete(agentId);
    return new StoreOutbox(new MemoryOutbox(start, kept), (seq, frame) => this.write(this.prefix + agentId + ':' + seq, frame));
  }

  /** Agents with frames from an earlier run that no one has asked for yet. */
  unclaimed(): string[] {
    return [...this.saved.keys()];
  }

  /** Every write so far has reached the store (or failed and was reported). */
  idle(): Promise<void> {
    return this.tail;
  }

  private write(key: string, frame: Numbered | null): void {
    this.tail = this.tail
      .then(() => (frame ? this.store.set(key, frame) : this.store.delete(key)))
      .catch((err: Error) => this.onError(err));
  }
}

/** A MemoryOutbox whose every change is also written (frame kept: the frame; gone: null). */
class StoreOutbox implements Outbox {
  constructor(
    private mem: MemoryOutbox,
    private write: (seq: number, frame: Numbered | null) => void,
  ) {}

  push(frame: Numbered): number {
    const seq = this.mem.push(frame);
    this.write(seq, frame);
    return seq;
  }

  ack(seq: number): void {
    const before = this.mem.pending();
    this.mem.ack(seq);
    this.dropped(before, this.mem.size());
  }

  clear(): void {
    const before = this.mem.pending();
    this.mem.clear();
    this.dropped(before, 0);
  }

  pending(): ToAgentFrame[] {
    return this.mem.pending();
  }

  size(): number {
    return this.mem.size();
  }

  lastSeq(): number {
    return this.mem.lastSeq();
  }

  /** The first frames of `before` that are no longer kept. */
  private dropped(before: Numbered[], left: number): void {
    for (const f of before.slice(0, before.length - left)) if (typeof f.seq === 'number') this.write(f.seq, null);
  }
}
