/**
 * The frames owed to one agent, numbered per agent (`seq`), kept until acknowledged. In memory here; on the
 * local (disk) state store ws-bridge also keeps them in the StateStore (agent-outbox-store.ts), so they survive a
 * restart.
 */
import type { ToAgentFrame } from './protocol';

export interface Outbox {
  /** Number the frame (sets frame.seq) and keep it; returns the seq. */
  push(frame: ToAgentFrame & { seq?: number }): number;
  /** Everything up to and including `seq` was processed: forget it. */
  ack(seq: number): void;
  /** Kept frames, oldest first. */
  pending(): ToAgentFrame[];
  /** How many frames are kept. */
  size(): number;
  /** The last seq given out (0: none). */
  lastSeq(): number;
  /** Forget every kept frame (numbering continues). */
  clear(): void;
}

export class MemoryOutbox implements Outbox {
  private frames: Array<ToAgentFrame & { seq?: number }> = [];
  private head = 0;
  private last: number;

  /**
   * Numbering starts after `start` (a time-based start keeps seqs growing across agent records and restarts),
   * or goes on from `kept`: frames an earlier run numbered and kept (agent-outbox-store.ts), which come first.
   */
  constructor(start = 0, kept: Array<ToAgentFrame & { seq?: number }> = []) {
    this.frames = [...kept];
    this.last = kept.length ? kept.reduce((max, f) => Math.max(max, f.seq ?? 0), 0) : start;
  }

  push(frame: ToAgentFrame & { seq?: number }): number {
    frame.seq = ++this.last;
    this.frames.push(frame);
    return this.last;
  }

  ack(seq: number): void {
    while (this.head < this.frames.length && (this.frames[this.head].seq ?? 0) <= seq) this.head++;
    if (this.head > 64 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  pending(): ToAgentFrame[] {
    return this.frames.slice(this.head);
  }

  size(): number {
    return this.frames.length - this.head;
  }

  lastSeq(): number {
    return this.last;
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
  }
}
