/**
 * The bridge's agents: one record per agent (or the system link) with its connections, conversations, groups
 * and outbox; who is online (per group), who may take a conversation, round robin among them, and numbered
 * frames written to an agent's newest connection and kept until written or acknowledged.
 */
import type { ToAgentFrame } from './protocol';
import { MemoryOutbox } from './agent-outbox';
import { SYSTEM_AGENT, type Agent, type Conv, type HubOptions } from './types';

export class AgentRoster {
  private agents = new Map<string, Agent>();
  private rr = 0;
  private orderSeq = 0;

  constructor(private opt: HubOptions) {}

  get(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  has(id: string): boolean {
    return this.agents.has(id);
  }

  delete(id: string): void {
    this.agents.delete(id);
  }

  values(): IterableIterator<Agent> {
    return this.agents.values();
  }

  /** The agent's record, made on first use. */
  ensure(id: string): Agent {
    let a = this.agents.get(id);
    if (!a) {
      a = {
        id,
        system: id === SYSTEM_AGENT,
        sinks: [],
        convs: new Set(),
        outbox: this.opt.outbox ? this.opt.outbox(id) : new MemoryOutbox(Date.now()),
        acking: false,
        grace: null,
        order: this.orderSeq++,
        groups: [],
        fixedGroups: false,
        queueKey: null,
        status: 'online',
      };
      this.agents.set(id, a);
    }
    return a;
  }

  online(): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.sinks.length > 0) n++;
    return n;
  }

  /** Connected agents that take conversations of `group` (everyone for no group). */
  groupOnline(group: string | undefined): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.sinks.length > 0 && (group === undefined || a.groups.length === 0 || a.groups.includes(group))) n++;
    return n;
  }

  /** Connected agents per group they joined ('*' for agents in no group, who take every group). */
  groupsOnline(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.agents.values()) {
      if (a.sinks.length === 0) continue;
      for (const g of a.groups.length ? a.groups : ['*']) out[g] = (out[g] ?? 0) + 1;
    }
    return out;
  }

  /** May `a` take `c`: its group, or any agent while a fallback conversation's group has no one online. */
  eligible<M>(a: Agent, c: Conv<M>): boolean {
    if (c.group === undefined || a.groups.length === 0 || a.groups.includes(c.group)) return true;
    return c.fallback && this.groupOnline(c.group) === 0;
  }

  /** Below its cap (the system link has none). */
  room(a: Agent): boolean {
    return a.system || this.opt.maxPerAgent <= 0 || a.convs.size < this.opt.maxPerAgent;
  }

  /** The next connected agent, round robin, that is online (not busy or away), may take `c` and has room; null when none. */
  pick<M>(c: Conv<M>): Agent | null {
    const list = [...this.agents.values()].filter((a) => a.sinks.length > 0).sort((x, y) => x.order - y.order);
    for (let i = 0; i < list.length; i++) {
      const a = list[(this.rr + i) % list.length];
      if (!a.releasing && (a.system || a.status === 'online') && this.room(a) && this.eligible(a, c)) {
        this.rr = (this.rr + i + 1) % list.length;
        return a;
      }
    }
    return null;
  }

  /** The frame as this agent gets it (media links bound to it). */
  private view(a: Agent, f: ToAgentFrame): ToAgentFrame {
    return this.opt.forAgent ? this.opt.forAgent(f, a.id) : f;
  }

  /** Number, keep and try to write a frame; no overflow check. */
  write(a: Agent, f: ToAgentFrame): void {
    const seq = a.outbox.push(f);
    const sink = a.sinks[a.sinks.length - 1];
    if (sink && sink.send(this.view(a, f)) && !a.acking) a.outbox.ack(seq);
  }

  /** Write what the outbox holds to the agent's connection, in order. */
  flush(a: Agent): void {
    const sink = a.sinks[a.sinks.length - 1];
    if (!sink) return;
    let written = 0;
    for (const f of a.outbox.pending()) {
      if (!sink.send(this.view(a, f))) break;
      written = (f as { seq?: number }).seq ?? written;
    }
    if (!a.acking && written) a.outbox.ack(written);
  }

  /** The client acknowledges: everything up to `seq` was processed. */
  acked(a: Agent, seq: number): void {
    a.acking = true;
    a.outbox.ack(seq);
  }

  dispose(): void {
    for (const a of this.agents.values()) if (a.grace) clearTimeout(a.grace);
    this.agents.clear();
  }
}
