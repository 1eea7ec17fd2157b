/**
 * The agent side of the bridge, free of sockets: agents, the system link, groups, assignment, the queue,
 * transfer and per-agent outboxes. `ws-bridge` feeds it connections and frames; the hub answers agents
 * through their sinks and reports replies and events through callbacks.
 *
 *  - Round robin over connected agents of the conversation's group (agents in no group take any group), at
 *    most `maxPerAgent` conversations each (0 = no cap; the system link has none).
 *  - A conversation sticks to its agent until closed or transferred. The queue is served oldest first per
 *    group whenever an agent connects or a slot frees up.
 *  - Frames about conversations are numbered per agent (`seq`) and kept in the agent's Outbox until written
 *    (clients that never acknowledge) or acknowledged (clients that send `received`/`ack`); what is kept is
 *    replayed in order on reconnect. A disconnected agent keeps its conversations for `graceMs`; after that,
 *    or when the outbox would overflow, its conversations are re-queued and offered to others with the full
 *    history, and the agent gets `closed` frames with by:'reassigned'.
 */
import {
  ack,
  FEATURES,
  FrameError,
  parseAgentFrame,
  PROTOCOL_VERSION,
  validAgentId,
  type Attachments,
  type ClosedFrame,
  type HandoffFrame,
  type HistoryItem,
  type MessageFrame,
  type QueueFrame,
  type QueueItem,
  type ToAgentFrame,
  type UndeliveredFrame,
} from './agent-protocol';
import { MemoryOutbox } from './outbox';
import { SYSTEM_AGENT, type Agent, type AgentSink, type Connection, type Conv, type FromHandoffOptions, type HubCallbacks, type HubOptions, type OpenOptions } from './bridge-types';

export { SYSTEM_AGENT } from './bridge-types';
export type { AgentSink, BridgeEvent, Connection, FromHandoffOptions, HubCallbacks, HubOptions, OpenOptions, ReplyExtra } from './bridge-types';

const attachments = (f: Attachments): Attachments => {
  const out: Attachments = {};
  if (f.msgType && f.msgType !== 'text') out.msgType = f.msgType;
  if (f.media) out.media = f.media;
  if (f.location) out.location = f.location;
  if (f.link) out.link = f.link;
  return out;
};

export class BridgeHub<M = unknown> {
  private agents = new Map<string, Agent>();
  private convs = new Map<string, Conv<M>>();
  private queue: string[] = [];
  private rr = 0;
  private orderSeq = 0;

  constructor(
    private opt: HubOptions,
    private cb: HubCallbacks<M>,
  ) {}

  // ---- agents -------------------------------------------------------------------------------

  /** A new connection. Without an agent id (and not bound) it is the system link. */
  open(sink: AgentSink, agentId: string | null, o: OpenOptions = {}): Connection {
    const conn: Connection = { agentId: null, sink, bound: o.bound === true, system: agentId === null, fresh: true };
    this.identify(conn, agentId ?? SYSTEM_AGENT, o);
    return conn;
  }

  private agent(id: string): Agent {
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
      };
      this.agents.set(id, a);
    }
    return a;
  }

  private identify(conn: Connection, agentId: string, o: OpenOptions): void {
    conn.agentId = agentId;
    const a = this.agent(agentId);
    if (o.system) a.system = true;
    if (!a.system) {
      for (const s of a.sinks) if (s !== conn.sink) s.close(4001, 'replaced by a newer connection');
      a.sinks = [];
    }
    a.sinks.push(conn.sink);
    if (a.grace) clearTimeout(a.grace);
    a.grace = null;
    if (o.groups && (!a.fixedGroups || o.fixedGroups)) {
      a.groups = o.groups;
      a.fixedGroups = o.fixedGroups === true;
    }
    if (o.ack !== undefined) {
      a.acking = true;
      a.outbox.ack(o.ack);
    }
    conn.sink.send({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      features: FEATURES,
      agentId: agentId === SYSTEM_AGENT ? null : agentId,
      system: a.system,
      groups: [...a.groups],
      conversations: [...a.convs],
      queued: this.queueFor(a).length,
      seq: a.outbox.lastSeq(),
    });
    this.flush(a);
    this.presence(agentId, true);
    a.queueKey = null; // a new connection gets the queue snapshot (from drain's announcement)
    this.drain(); // what waits, so the agent can accept it
  }

  /** Write what the outbox holds to the agent's connection, in order. */
  private flush(a: Agent): void {
    const sink = a.sinks[a.sinks.length - 1];
    if (!sink) return;
    let written = 0;
    for (const f of a.outbox.pending()) {
      if (!sink.send(f)) break;
      written = (f as { seq?: number }).seq ?? written;
    }
    if (!a.acking && written) a.outbox.ack(written);
  }

  private eligible(a: Agent, c: Conv<M>): boolean {
    if (c.group === undefined || a.groups.length === 0 || a.groups.includes(c.group)) return true;
    return c.fallback && this.groupOnline(c.group) === 0;
  }

  private room(a: Agent): boolean {
    return a.system || this.opt.maxPerAgent <= 0 || a.convs.size < this.opt.maxPerAgent;
  }

  /** Queued conversations this agent may take, oldest first, with positions per group. */
  private queueFor(a: Agent): QueueItem[] {
    const seen = new Map<string, number>();
    const out: QueueItem[] = [];
    for (const id of this.queue) {
      const c = this.convs.get(id);
      if (!c) continue;
      const key = c.group ?? '';
      const position = seen.get(key) ?? 0;
      seen.set(key, position + 1);
      if (!this.eligible(a, c)) continue;
      const item: QueueItem = { conversationId: id, channel: c.offer.channel, userId: c.offer.userId, reason: c.offer.reason, position, text: c.history.length ? c.history[c.history.length - 1].text : c.offer.text, ts: c.queuedAt };
      if (c.group !== undefined) item.group = c.group;
      out.push(item);
    }
    return out;
  }

  private sendQueue(a: Agent, force = false): void {
    const sink = a.sinks[a.sinks.length - 1];
    if (!sink) return;
    const conversations = this.queueFor(a);
    const key = conversations.map((c) => `${c.conversationId}@${c.position}`).join('\n');
    if (!force && key === a.queueKey) return;
    a.queueKey = key;
    const f: QueueFrame = { type: 'queue', queued: conversations.length, conversations };
    sink.send(f);
  }

  /** Tell every connected agent what waits for it, when that changed (a snapshot: never kept). */
  private announceQueue(): void {
    for (const a of this.agents.values()) this.sendQueue(a);
  }

  /** The connection closed. */
  close(conn: Connection): void {
    const id = conn.agentId;
    if (id === null) return;
    const a = this.agents.get(id);
    if (!a) return;
    const i = a.sinks.indexOf(conn.sink);
    if (i < 0) return;
    a.sinks.splice(i, 1);
    if (a.sinks.length > 0) return; // another system-link connection carries on
    a.queueKey = null;
    if (a.convs.size === 0 && a.outbox.size() === 0) this.agents.delete(id);
    else if (this.opt.graceMs >= 0) a.grace = setTimeout(() => this.expireAgent(id), this.opt.graceMs);
    this.presence(id, false);
    this.drain(); // a group may now have no one online: fallback conversations become anyone's
  }

  private expireAgent(id: string): void {
    const a = this.agents.get(id);
    if (!a || a.sinks.length > 0) return;
    a.grace = null;
    this.release(a);
    if (a.outbox.size() === 0) this.agents.delete(id);
  }

  /** Re-queue all of an agent's conversations (grace over or outbox overflow). */
  private release(a: Agent): void {
    if (a.releasing) return;
    a.releasing = true;
    const ids = [...a.convs];
    a.convs.clear();
    a.outbox.clear();
    for (const conversationId of ids) this.write(a, { type: 'closed', conversationId, by: 'reassigned' });
    for (const id of ids) {
      const c = this.convs.get(id);
      if (!c) continue;
      c.agentId = null;
      c.queuedAt = Date.now();
      c.offer.requeued = true;
      this.queue.push(id);
      this.cb.event({ event: 'queued', conversationId: id, position: this.position(id), agentsOnline: this.online(), groupOnline: this.groupOnline(c.group), group: c.group, requeued: true }, c.meta);
    }
    this.drain();
    a.releasing = false;
  }

  /** Number, keep and try to write a frame; no overflow check. */
  private write(a: Agent, f: ToAgentFrame): void {
    const seq = a.outbox.push(f);
    const sink = a.sinks[a.sinks.length - 1];
    if (sink && sink.send(f) && !a.acking) a.outbox.ack(seq);
  }

  private deliver(a: Agent, f: ToAgentFrame): void {
    this.write(a, f);
    if (a.outbox.size() > this.opt.bufferSize) {
      this.cb.event({ event: 'overflow', agentId: a.id, conversations: a.convs.size, agentsOnline: this.online() }, undefined);
      this.release(a);
    }
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

  presence(agentId?: string, online?: boolean): void {
    this.cb.event({ event: 'presence', agentsOnline: this.online(), queued: this.queue.length, agentId: agentId === SYSTEM_AGENT ? undefined : agentId, online }, undefined);
  }

  /** A conversation's place in its group's queue (0 = next), -1 when not queued. */
  private position(id: string): number {
    const c = this.convs.get(id);
    let n = 0;
    for (const q of this.queue) {
      if (q === id) return n;
      if (this.convs.get(q)?.group === c?.group) n++;
    }
    return -1;
  }

  // ---- assignment ---------------------------------------------------------------------------

  private pick(c: Conv<M>): Agent | null {
    const list = [...this.agents.values()].filter((a) => a.sinks.length > 0).sort((x, y) => x.order - y.order);
    for (let i = 0; i < list.length; i++) {
      const a = list[(this.rr + i) % list.length];
      if (!a.releasing && this.room(a) && this.eligible(a, c)) {
        this.rr = (this.rr + i + 1) % list.length;
        return a;
      }
    }
    return null;
  }

  private assign(c: Conv<M>, a: Agent, transfer = c.transferring === true): void {
    delete c.transferring;
    c.agentId = a.id;
    a.convs.add(c.id);
    const f: HandoffFrame = { ...c.offer, history: [...c.history], ts: Date.now() };
    if (c.group !== undefined) f.group = c.group;
    delete f.seq;
    this.deliver(a, f);
    this.cb.event({ event: 'assigned', conversationId: c.id, agentId: a.id, agentsOnline: this.online(), group: c.group, transfer: transfer || undefined }, c.meta);
  }

  /** Offer queued conversations, oldest first, to agents of their group with room. */
  private drain(): void {
    for (let i = 0; i < this.queue.length; ) {
      const c = this.convs.get(this.queue[i]);
      if (!c) {
        this.queue.splice(i, 1);
        continue;
      }
      const a = this.pick(c);
      if (!a) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.assign(c, a);
    }
    this.announceQueue();
  }

  private push(c: Conv<M>, h: HistoryItem): void {
    c.history.push(h);
    const max = this.opt.historyMax ?? 100;
    if (c.history.length > max) c.history.splice(0, c.history.length - max);
  }

  private attachSticky(c: Conv<M>, agentId: string): Agent {
    const known = this.agents.has(agentId);
    const a = this.agent(agentId);
    if (!known && this.opt.graceMs >= 0) a.grace = setTimeout(() => this.expireAgent(agentId), this.opt.graceMs);
    a.convs.add(c.id);
    c.agentId = agentId;
    return a;
  }

  // ---- from handoff -------------------------------------------------------------------------

  /**
   * A frame from `handoff` for the agents: handoff, message or closed. `agentId` is the agent handoff
   * believes has the conversation (re-attaches it after a restart of the bridge); `restore` re-attaches
   * without sending the handoff frame again.
   */
  fromHandoff(frame: HandoffFrame | MessageFrame | ClosedFrame, meta: M | undefined, agentId?: string, restore = false, o: FromHandoffOptions = {}): void {
    const id = frame.conversationId;
    let c = this.convs.get(id);
    if (frame.type === 'handoff') {
      if (c) {
        if (meta !== undefined) c.meta = meta;
        return; // idempotent: already queued or with an agent
      }
      const offer: HandoffFrame = { ...frame, history: [] };
      delete offer.seq;
      c = { id, meta, agentId: null, offer, history: [...frame.history], queuedAt: Date.now(), group: frame.group || undefined, fallback: o.fallback === true };
      this.convs.set(id, c);
      if (agentId && (validAgentId(agentId) || agentId === SYSTEM_AGENT)) {
        const a = this.attachSticky(c, agentId);
        if (!restore) this.deliver(a, { ...frame });
        return;
      }
      this.queue.push(id);
      this.drain();
      if (c.agentId === null) {
        this.cb.event({ event: 'queued', conversationId: id, position: this.position(id), agentsOnline: this.online(), groupOnline: this.groupOnline(c.group), group: c.group }, c.meta);
      }
      return;
    }
    if (frame.type === 'message') {
      const item: HistoryItem = { from: 'user', text: frame.text, ts: frame.ts, ...attachments(frame) };
      if (!c) {
        const offer: HandoffFrame = { type: 'handoff', conversationId: id, channel: '', userId: frame.userId, reason: 'resume', text: frame.text, history: [], ts: frame.ts, requeued: true };
        this.fromHandoff(offer, meta, agentId, true, o);
        c = this.convs.get(id)!;
        if (c.agentId === null) {
          this.push(c, item);
          return;
        }
      }
      if (meta !== undefined) c.meta = meta;
      this.push(c, item);
      if (c.agentId !== null) this.deliver(this.agents.get(c.agentId)!, { ...frame });
      return;
    }
    // closed
    if (!c) {
      const a = agentId ? this.agents.get(agentId) : undefined;
      if (a) this.deliver(a, { ...frame });
      return;
    }
    this.convs.delete(id);
    const qi = this.queue.indexOf(id);
    if (qi >= 0) this.queue.splice(qi, 1);
    if (c.agentId !== null) {
      const a = this.agents.get(c.agentId);
      if (a) {
        a.convs.delete(id);
        this.deliver(a, { ...frame });
      }
    }
    this.drain();
  }

  /**
   * An agent's reply that did not reach the user (wecom-out's error output, or a media rule): tell that
   * agent, kept like any frame if it is away. False when the agent is unknown to the bridge.
   */
  undelivered(agentId: string, frame: UndeliveredFrame): boolean {
    const a = this.agents.get(agentId);
    if (!a) return false;
    this.deliver(a, { ...frame });
    return true;
  }

  // ---- from agents --------------------------------------------------------------------------

  /** One text frame from an agent connection; answers with ack or error (nothing for `received`). */
  receive(conn: Connection, text: string): void {
    let reply: ToAgentFrame | null;
    let after: (() => void) | undefined;
    try {
      [reply, after] = this.handle(conn, text);
    } catch (err) {
      reply = err instanceof FrameError ? err.toFrame() : { type: 'error', code: 'bad_frame', message: 'frame could not be handled' };
    }
    conn.fresh = false;
    if (reply) conn.sink.send(reply);
    // Effects that send more frames run after the ack, so the ack always comes first.
    if (after) after();
  }

  /** A system-link connection became an agent: it leaves the system link's connections. */
  private leaveSystem(conn: Connection): void {
    const sys = this.agents.get(SYSTEM_AGENT);
    if (!sys) return;
    const i = sys.sinks.indexOf(conn.sink);
    if (i >= 0) sys.sinks.splice(i, 1);
    conn.system = false;
    conn.agentId = null;
    if (sys.sinks.length > 0) return;
    sys.queueKey = null;
    this.release(sys); // nobody else speaks for the system: what it held is offered again at once
    this.agents.delete(SYSTEM_AGENT);
    this.presence(SYSTEM_AGENT, false);
  }

  private handle(conn: Connection, text: string): [ToAgentFrame | null, (() => void)?] {
    const f = parseAgentFrame(text);
    if (f.type === 'ping') return [ack('ping', f.id)];
    const a = conn.agentId !== null ? this.agents.get(conn.agentId) : undefined;
    if (f.type === 'received') {
      if (a) {
        a.acking = true;
        a.outbox.ack(f.seq);
      }
      return [null];
    }
    if (f.type === 'hello') {
      if (f.agentId !== undefined && f.agentId !== conn.agentId) {
        if (!validAgentId(f.agentId)) throw new FrameError('bad_frame', 'agentId may use letters, digits and _ . @ : - (1–128)', f.id, 'hello');
        if (!conn.system || conn.bound) throw new FrameError('agent_mismatch', `this connection is agent "${conn.agentId}"`, f.id, 'hello');
        if (!conn.fresh) throw new FrameError('agent_mismatch', 'this connection is the system link: name the agent in the URL or in the first frame', f.id, 'hello');
        const agentId = f.agentId;
        return [ack('hello', f.id), () => {
          this.leaveSystem(conn);
          this.identify(conn, agentId, { groups: f.groups, ack: f.ack });
        }];
      }
      if (f.groups && a?.fixedGroups) throw new FrameError('bad_frame', 'your agent token fixes your groups', f.id, 'hello');
      return [ack('hello', f.id), () => {
        if (!a) return;
        if (f.ack !== undefined) {
          a.acking = true;
          a.outbox.ack(f.ack);
        }
        if (f.groups) {
          a.groups = f.groups;
          this.drain();
          this.sendQueue(a, true);
        }
      }];
    }
    if (!a) throw new FrameError('no_agent_id', 'identify first: connect with ?agent=<id> or send {"type":"hello","agentId":…}', f.id, f.type);
    const actor = a.system ? f.agentId : undefined;
    const c = this.convs.get(f.conversationId);
    if (!c) throw new FrameError('not_found', 'no such conversation with the bridge', f.id, f.type);
    const mine = () => {
      if (c.agentId !== a.id) throw new FrameError('not_assigned', 'this conversation is not assigned to you', f.id, f.type);
    };
    switch (f.type) {
      case 'reply': {
        mine();
        const problem = f.media && this.opt.checkMedia ? this.opt.checkMedia(f.media) : null;
        if (problem) throw new FrameError('bad_media', problem, f.id, f.type);
        const h: HistoryItem = { from: 'agent', text: f.text, ts: Date.now() };
        const who = actor ?? (a.id === SYSTEM_AGENT ? undefined : a.id);
        if (who) h.agentId = who;
        if (f.media) h.text = f.text || `[${f.media.name ?? 'media'}]`;
        this.push(c, h);
        this.cb.reply(c.id, c.meta, a.id, f.text, { actor, media: f.media });
        return [ack('reply', f.id, c.id)];
      }
      case 'close':
        mine();
        this.convs.delete(c.id);
        a.convs.delete(c.id);
        this.cb.event({ event: 'closed', conversationId: c.id, agentId: actor ?? a.id, by: 'agent', agentsOnline: this.online() }, c.meta);
        return [ack('close', f.id, c.id), () => this.drain()];
      case 'accept': {
        if (c.agentId === a.id) return [ack('accept', f.id, c.id)];
        if (c.agentId !== null) throw new FrameError('taken', 'another agent has this conversation', f.id, f.type);
        if (!this.eligible(a, c)) throw new FrameError('not_in_group', `this conversation is for group "${c.group}"`, f.id, f.type);
        if (!this.room(a)) throw new FrameError('capacity', `you already have ${a.convs.size} conversations (the limit)`, f.id, f.type);
        this.queue.splice(this.queue.indexOf(c.id), 1);
        c.agentId = a.id;
        a.convs.add(c.id);
        return [ack('accept', f.id, c.id), () => {
          this.assign(c, a);
          this.announceQueue();
        }];
      }
      case 'transfer': {
        mine();
        const from = actor ?? (a.id === SYSTEM_AGENT ? 'system' : a.id);
        const group = f.to.startsWith('group:') ? f.to.slice(6) : null;
        let target: Agent | undefined;
        if (group === null) {
          target = this.agents.get(f.to);
          if (!target || target.id === SYSTEM_AGENT) throw new FrameError('unknown_agent', `agent "${f.to}" is not connected`, f.id, f.type);
          if (target === a) return [ack('transfer', f.id, c.id)];
          if (!this.room(target)) throw new FrameError('capacity', `agent "${f.to}" already has ${target.convs.size} conversations (the limit)`, f.id, f.type);
        }
        return [ack('transfer', f.id, c.id), () => {
          a.convs.delete(c.id);
          this.deliver(a, { type: 'closed', conversationId: c.id, by: 'transferred' });
          c.offer = { ...c.offer, transferredFrom: from, reason: 'transfer' };
          if (f.note) c.offer.note = f.note;
          else delete c.offer.note;
          this.cb.event({ event: 'transferred', conversationId: c.id, from, to: f.to, note: f.note, agentsOnline: this.online() }, c.meta);
          if (target) {
            this.assign(c, target, true);
            this.announceQueue();
            return;
          }
          c.group = group!;
          c.transferring = true;
          c.agentId = null;
          c.queuedAt = Date.now();
          this.queue.push(c.id);
          this.drain();
          if (c.agentId === null) {
            this.cb.event({ event: 'queued', conversationId: c.id, position: this.position(c.id), agentsOnline: this.online(), groupOnline: this.groupOnline(c.group), group: c.group, transfer: true }, c.meta);
          }
        }];
      }
    }
  }

  stats(): { agents: number; queued: number; conversations: number } {
    return { agents: this.online(), queued: this.queue.length, conversations: this.convs.size };
  }

  queuedIds(): string[] {
    return [...this.queue];
  }

  dispose(): void {
    for (const a of this.agents.values()) if (a.grace) clearTimeout(a.grace);
    this.agents.clear();
    this.convs.clear();
    this.queue = [];
  }
}
