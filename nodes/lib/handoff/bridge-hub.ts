/**
 * The agent side of the bridge, free of sockets: agents, assignment, the queue and per-agent buffers.
 * `ws-bridge` feeds it connections and frames; the hub answers agents through their sinks and reports
 * replies and events through callbacks.
 *
 *  - Round robin over connected agents, at most `maxPerAgent` conversations each (0 = no cap).
 *  - A conversation sticks to its agent until closed. The queue is served oldest first whenever an agent
 *    connects or a slot frees up.
 *  - A disconnected agent keeps its conversations for `graceMs`; frames for it are buffered (at most
 *    `bufferSize`) and delivered in order when it reconnects. After the grace period, or when the buffer
 *    would overflow, its conversations are re-queued and offered to others with the full history
 *    (original history plus everything since), and the agent gets `closed` frames with by:'reassigned'.
 */
import {
  ack,
  FrameError,
  parseAgentFrame,
  validAgentId,
  type ClosedFrame,
  type HandoffFrame,
  type HistoryItem,
  type MessageFrame,
  type QueueFrame,
  type ToAgentFrame,
  type UndeliveredFrame,
} from './agent-protocol';

export interface AgentSink {
  /** Send one frame; false when the socket can no longer take it (it is then buffered). */
  send(frame: ToAgentFrame): boolean;
  /** Close the connection (another connection of the same agent replaced it). */
  close(code: number, reason: string): void;
}

export interface HubOptions {
  maxPerAgent: number;
  bufferSize: number;
  graceMs: number;
  /** Longest history kept per conversation for re-offers. */
  historyMax?: number;
}

export type BridgeEvent =
  | { event: 'assigned'; conversationId: string; agentId: string; agentsOnline: number }
  | { event: 'queued'; conversationId: string; position: number; agentsOnline: number; requeued?: boolean }
  | { event: 'closed'; conversationId: string; agentId: string; by: 'agent'; agentsOnline: number }
  | { event: 'presence'; agentsOnline: number; queued: number; agentId?: string; online?: boolean }
  | { event: 'overflow'; agentId: string; conversations: number; agentsOnline: number };

export interface HubCallbacks<M> {
  reply(conversationId: string, meta: M | undefined, agentId: string, text: string): void;
  event(e: BridgeEvent, meta: M | undefined): void;
}

interface Agent {
  id: string;
  sink: AgentSink | null;
  convs: Set<string>;
  buffer: ToAgentFrame[];
  grace: NodeJS.Timeout | null;
  order: number;
}

interface Conv<M> {
  id: string;
  meta: M | undefined;
  agentId: string | null;
  offer: HandoffFrame;
  history: HistoryItem[];
  queuedAt: number;
}

/** One connection; agentId null until `?agent=` or a hello frame names it. */
export interface Connection {
  agentId: string | null;
  sink: AgentSink;
}

export class BridgeHub<M = unknown> {
  private agents = new Map<string, Agent>();
  private convs = new Map<string, Conv<M>>();
  private queue: string[] = [];
  private rr = 0;
  private orderSeq = 0;
  /** The queue as last announced to the agents (ids joined), so unchanged snapshots are not resent. */
  private announced = '';

  constructor(
    private opt: HubOptions,
    private cb: HubCallbacks<M>,
  ) {}

  // ---- agents -------------------------------------------------------------------------------

  /** A new connection; agentId may be null (then the first frame must be hello). */
  open(sink: AgentSink, agentId: string | null): Connection {
    const conn: Connection = { agentId: null, sink };
    if (agentId !== null) this.identify(conn, agentId);
    return conn;
  }

  private identify(conn: Connection, agentId: string): void {
    conn.agentId = agentId;
    let a = this.agents.get(agentId);
    if (!a) {
      a = { id: agentId, sink: null, convs: new Set(), buffer: [], grace: null, order: this.orderSeq++ };
      this.agents.set(agentId, a);
    }
    if (a.sink && a.sink !== conn.sink) a.sink.close(4001, 'replaced by a newer connection');
    a.sink = conn.sink;
    if (a.grace) clearTimeout(a.grace);
    a.grace = null;
    conn.sink.send({ type: 'welcome', agentId, conversations: [...a.convs], queued: this.queue.length });
    const pending = a.buffer;
    a.buffer = [];
    for (const f of pending) this.deliver(a, f);
    this.presence(agentId, true);
    this.drain();
    conn.sink.send(this.queueFrame()); // what waits, so the agent can accept it
  }

  private queueFrame(): QueueFrame {
    const conversations = this.queue.flatMap((id) => {
      const c = this.convs.get(id);
      return c ? [{ conversationId: id, channel: c.offer.channel, userId: c.offer.userId, reason: c.offer.reason, text: c.history.length ? c.history[c.history.length - 1].text : c.offer.text, ts: c.queuedAt }] : [];
    });
    return { type: 'queue', queued: conversations.length, conversations };
  }

  /** Tell every connected agent what waits, when that changed (a snapshot: never buffered). */
  private announceQueue(): void {
    const now = this.queue.join('\n');
    if (now === this.announced) return;
    this.announced = now;
    const f = this.queueFrame();
    for (const a of this.agents.values()) a.sink?.send(f);
  }

  /** The connection closed. */
  close(conn: Connection): void {
    const id = conn.agentId;
    if (id === null) return;
    const a = this.agents.get(id);
    if (!a || a.sink !== conn.sink) return;
    a.sink = null;
    if (a.convs.size === 0 && a.buffer.length === 0) this.agents.delete(id);
    else if (this.opt.graceMs >= 0) a.grace = setTimeout(() => this.expireAgent(id), this.opt.graceMs);
    this.presence(id, false);
  }

  private expireAgent(id: string): void {
    const a = this.agents.get(id);
    if (!a || a.sink) return;
    a.grace = null;
    this.release(a);
    if (a.buffer.length === 0) this.agents.delete(id);
  }

  /** Re-queue all of an agent's conversations (grace over or buffer overflow). */
  private release(a: Agent): void {
    const ids = [...a.convs];
    a.convs.clear();
    a.buffer = ids.map((conversationId) => ({ type: 'closed', conversationId, by: 'reassigned' }) as ClosedFrame);
    for (const id of ids) {
      const c = this.convs.get(id);
      if (!c) continue;
      c.agentId = null;
      c.queuedAt = Date.now();
      this.queue.push(id);
      this.cb.event({ event: 'queued', conversationId: id, position: this.queue.length - 1, agentsOnline: this.online(), requeued: true }, c.meta);
    }
    this.drain();
  }

  private deliver(a: Agent, f: ToAgentFrame): void {
    if (a.sink && a.sink.send(f)) return;
    a.buffer.push(f);
    if (a.buffer.length > this.opt.bufferSize) {
      const n = a.convs.size;
      this.cb.event({ event: 'overflow', agentId: a.id, conversations: n, agentsOnline: this.online() }, undefined);
      this.release(a);
    }
  }

  online(): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.sink) n++;
    return n;
  }

  presence(agentId?: string, online?: boolean): void {
    this.cb.event({ event: 'presence', agentsOnline: this.online(), queued: this.queue.length, agentId, online }, undefined);
  }

  // ---- assignment ---------------------------------------------------------------------------

  private pick(): Agent | null {
    const list = [...this.agents.values()].filter((a) => a.sink).sort((x, y) => x.order - y.order);
    for (let i = 0; i < list.length; i++) {
      const a = list[(this.rr + i) % list.length];
      if (this.opt.maxPerAgent <= 0 || a.convs.size < this.opt.maxPerAgent) {
        this.rr = (this.rr + i + 1) % list.length;
        return a;
      }
    }
    return null;
  }

  private assign(c: Conv<M>, a: Agent): void {
    c.agentId = a.id;
    a.convs.add(c.id);
    const f: HandoffFrame = { ...c.offer, history: [...c.history], ts: Date.now() };
    this.deliver(a, f);
    this.cb.event({ event: 'assigned', conversationId: c.id, agentId: a.id, agentsOnline: this.online() }, c.meta);
  }

  /** Offer queued conversations, oldest first, while some agent has room. */
  private drain(): void {
    while (this.queue.length > 0) {
      const a = this.pick();
      if (!a) break;
      const id = this.queue.shift()!;
      const c = this.convs.get(id);
      if (c) this.assign(c, a);
    }
    this.announceQueue();
  }

  private push(c: Conv<M>, h: HistoryItem): void {
    c.history.push(h);
    const max = this.opt.historyMax ?? 100;
    if (c.history.length > max) c.history.splice(0, c.history.length - max);
  }

  private attachSticky(c: Conv<M>, agentId: string): Agent {
    let a = this.agents.get(agentId);
    if (!a) {
      a = { id: agentId, sink: null, convs: new Set(), buffer: [], grace: null, order: this.orderSeq++ };
      this.agents.set(agentId, a);
      if (this.opt.graceMs >= 0) a.grace = setTimeout(() => this.expireAgent(agentId), this.opt.graceMs);
    }
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
  fromHandoff(frame: HandoffFrame | MessageFrame | ClosedFrame, meta: M | undefined, agentId?: string, restore = false): void {
    const id = frame.conversationId;
    let c = this.convs.get(id);
    if (frame.type === 'handoff') {
      if (c) {
        if (meta !== undefined) c.meta = meta;
        return; // idempotent: already queued or with an agent
      }
      c = { id, meta, agentId: null, offer: { ...frame, history: [] }, history: [...frame.history], queuedAt: Date.now() };
      this.convs.set(id, c);
      if (agentId && validAgentId(agentId)) {
        const a = this.attachSticky(c, agentId);
        if (!restore) this.deliver(a, { ...frame });
        return;
      }
      this.queue.push(id);
      this.drain();
      if (c.agentId === null) {
        this.cb.event({ event: 'queued', conversationId: id, position: this.queue.indexOf(id), agentsOnline: this.online() }, c.meta);
      }
      return;
    }
    if (frame.type === 'message') {
      if (!c) {
        const offer: HandoffFrame = { type: 'handoff', conversationId: id, channel: '', userId: frame.userId, reason: 'resume', text: frame.text, history: [], ts: frame.ts, requeued: true };
        this.fromHandoff(offer, meta, agentId, true);
        c = this.convs.get(id)!;
        if (c.agentId === null) {
          this.push(c, { from: 'user', text: frame.text, ts: frame.ts });
          return;
        }
      }
      if (meta !== undefined) c.meta = meta;
      this.push(c, { from: 'user', text: frame.text, ts: frame.ts });
      if (c.agentId !== null) this.deliver(this.agents.get(c.agentId)!, frame);
      return;
    }
    // closed
    if (!c) {
      const a = agentId ? this.agents.get(agentId) : undefined;
      if (a) this.deliver(a, frame);
      return;
    }
    this.convs.delete(id);
    const qi = this.queue.indexOf(id);
    if (qi >= 0) this.queue.splice(qi, 1);
    if (c.agentId !== null) {
      const a = this.agents.get(c.agentId);
      if (a) {
        a.convs.delete(id);
        this.deliver(a, frame);
      }
    }
    this.drain();
  }

  /**
   * An agent's reply that could not be delivered to the user (wecom-out's error output): tell that agent,
   * buffered like any frame if it is away. False when the agent is unknown to the bridge.
   */
  undelivered(agentId: string, frame: UndeliveredFrame): boolean {
    const a = this.agents.get(agentId);
    if (!a) return false;
    this.deliver(a, frame);
    return true;
  }

  // ---- from agents --------------------------------------------------------------------------

  /** One text frame from an agent connection; always answers with ack or error on that connection. */
  receive(conn: Connection, text: string): void {
    let reply: ToAgentFrame;
    let after: (() => void) | undefined;
    try {
      [reply, after] = this.handle(conn, text);
    } catch (err) {
      reply = err instanceof FrameError ? err.toFrame() : { type: 'error', code: 'bad_frame', message: 'frame could not be handled' };
    }
    conn.sink.send(reply);
    // Effects that send more frames run after the ack, so the ack always comes first.
    if (after) after();
  }

  private handle(conn: Connection, text: string): [ToAgentFrame, (() => void)?] {
    const f = parseAgentFrame(text);
    if (f.type === 'ping') return [ack('ping', f.id)];
    if (f.type === 'hello') {
      if (!validAgentId(f.agentId)) throw new FrameError('bad_frame', 'agentId may use letters, digits and _ . @ : - (1–128)', f.id, 'hello');
      if (conn.agentId !== null && conn.agentId !== f.agentId) throw new FrameError('agent_mismatch', `this connection is agent "${conn.agentId}"`, f.id, 'hello');
      if (conn.agentId === null) return [ack('hello', f.id), () => this.identify(conn, f.agentId)];
      return [ack('hello', f.id)];
    }
    if (conn.agentId === null) throw new FrameError('no_agent_id', 'identify first: connect with ?agent=<id> or send {"type":"hello","agentId":…}', f.id, f.type);
    const a = this.agents.get(conn.agentId)!;
    const c = this.convs.get(f.conversationId);
    if (!c) throw new FrameError('not_found', 'no such conversation with the bridge', f.id, f.type);
    switch (f.type) {
      case 'reply':
        if (c.agentId !== a.id) throw new FrameError('not_assigned', 'this conversation is not assigned to you', f.id, f.type);
        this.push(c, { from: 'agent', text: f.text, ts: Date.now() });
        this.cb.reply(c.id, c.meta, a.id, f.text);
        return [ack('reply', f.id, c.id)];
      case 'close':
        if (c.agentId !== a.id) throw new FrameError('not_assigned', 'this conversation is not assigned to you', f.id, f.type);
        this.convs.delete(c.id);
        a.convs.delete(c.id);
        this.cb.event({ event: 'closed', conversationId: c.id, agentId: a.id, by: 'agent', agentsOnline: this.online() }, c.meta);
        return [ack('close', f.id, c.id), () => this.drain()];
      case 'accept': {
        if (c.agentId === a.id) return [ack('accept', f.id, c.id)];
        if (c.agentId !== null) throw new FrameError('taken', 'another agent has this conversation', f.id, f.type);
        if (this.opt.maxPerAgent > 0 && a.convs.size >= this.opt.maxPerAgent) throw new FrameError('capacity', `you already have ${a.convs.size} conversations (the limit)`, f.id, f.type);
        this.queue.splice(this.queue.indexOf(c.id), 1);
        c.agentId = a.id;
        a.convs.add(c.id);
        return [ack('accept', f.id, c.id), () => {
          this.assign(c, a);
          this.announceQueue();
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
