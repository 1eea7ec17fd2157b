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
 *
 * The parts: roster.ts (agents, who is online, round robin, outboxes), queue.ts (conversations
 * and the queue), agent-frames.ts (what agents send), types.ts (the vocabulary); this file runs
 * them together: connections, assignment, re-queueing, and frames from handoff.
 */
import {
  FEATURES,
  FrameError,
  PROTOCOL_VERSION,
  validAgentId,
  type Attachments,
  type BudgetFrame,
  type ClosedFrame,
  type HandoffFrame,
  type HistoryItem,
  type MessageFrame,
  type QueueFrame,
  type ToAgentFrame,
  type UndeliveredFrame,
} from './protocol';
import { SYSTEM_AGENT, type Agent, type AgentSink, type Connection, type Conv, type FromHandoffOptions, type HubCallbacks, type HubOptions, type OpenOptions } from './types';
import { AgentRoster } from './roster';
import { ConversationQueue } from './queue';
import { handleAgentFrame, type FrameHost } from './agent-frames';
import { syncFrame, systemLine } from './sync';
import { liveView, supervise, type LiveView, type SuperviseAction, type SuperviseResult } from './supervise';

export { SYSTEM_AGENT } from './types';
export type { AgentSink, BridgeEvent, Connection, FromHandoffOptions, HubCallbacks, HubOptions, OpenOptions, ReplyExtra } from './types';

const attachments = (f: Attachments): Attachments => {
  const out: Attachments = {};
  if (f.msgType && f.msgType !== 'text') out.msgType = f.msgType;
  if (f.media) out.media = f.media;
  if (f.location) out.location = f.location;
  if (f.link) out.link = f.link;
  return out;
};

export class BridgeHub<M = unknown> {
  private agents: AgentRoster;
  private convs = new ConversationQueue<M>();
  /** What agent frames act on (closures over this hub, so its parts stay private). */
  private host: FrameHost<M>;

  constructor(
    private opt: HubOptions,
    private cb: HubCallbacks<M>,
  ) {
    this.agents = new AgentRoster(opt);
    this.host = {
      opt,
      cb,
      agents: this.agents,
      convs: this.convs,
      push: (c, h) => this.push(c, h),
      assign: (c, a, transfer) => this.assign(c, a, transfer),
      deliver: (a, f) => this.deliver(a, f),
      drain: () => this.drain(),
      announceQueue: () => this.announceQueue(),
      sendQueue: (a, force) => this.sendQueue(a, force),
      queued: (c, extra) => this.queued(c, extra),
      leaveSystem: (conn) => this.leaveSystem(conn),
      identify: (conn, agentId, o) => this.identify(conn, agentId, o),
      presence: (agentId, online) => this.presence(agentId, online),
      keepClosed: (c, agentId) => this.keepClosed(c, agentId),
    };
  }

  // ---- agents -------------------------------------------------------------------------------

  /** A new connection. Without an agent id (and not bound) it is the system link. */
  open(sink: AgentSink, agentId: string | null, o: OpenOptions = {}): Connection {
    const conn: Connection = { agentId: null, sink, bound: o.bound === true, system: agentId === null, fresh: true };
    this.identify(conn, agentId ?? SYSTEM_AGENT, o);
    return conn;
  }

  private identify(conn: Connection, agentId: string, o: OpenOptions): void {
    conn.agentId = agentId;
    const a = this.agents.ensure(agentId);
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
    if (o.ack !== undefined) this.agents.acked(a, o.ack);
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
      status: a.status,
    });
    // the agent's conversations whole (frames kept for replay up to its seq are already in it)
    conn.sink.send(syncFrame(a, (id) => this.convs.get(id)));
    this.agents.flush(a);
    this.presence(agentId, true);
    a.queueKey = null; // a new connection gets the queue snapshot (from drain's announcement)
    this.drain(); // what waits, so the agent can accept it
  }

  /** Queued conversations this agent may take, oldest first, with positions per group. */
  private queueFor(a: Agent) {
    return this.convs.itemsFor((c) => this.agents.eligible(a, c));
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
    for (const conversationId of ids) this.agents.write(a, { type: 'closed', conversationId, by: 'reassigned' });
    for (const id of ids) {
      const c = this.convs.get(id);
      if (!c) continue;
      c.agentId = null;
      c.queuedAt = Date.now();
      c.offer.requeued = true;
      this.convs.enqueue(id);
      this.queued(c, { requeued: true });
    }
    this.drain();
    a.releasing = false;
  }

  private deliver(a: Agent, f: ToAgentFrame): void {
    this.agents.write(a, f);
    if (a.outbox.size() > this.opt.bufferSize) {
      this.cb.event({ event: 'overflow', agentId: a.id, conversations: a.convs.size, agentsOnline: this.online() }, undefined);
      this.release(a);
    }
  }

  online(): number {
    return this.agents.online();
  }

  /** Connected agents that take conversations of `group` (everyone for no group). */
  groupOnline(group: string | undefined): number {
    return this.agents.groupOnline(group);
  }

  /** Connected agents per group they joined ('*' for agents in no group, who take every group). */
  groupsOnline(): Record<string, number> {
    return this.agents.groupsOnline();
  }

  presence(agentId?: string, online?: boolean): void {
    const a = agentId && agentId !== SYSTEM_AGENT ? this.agents.get(agentId) : undefined;
    this.cb.event({ event: 'presence', agentsOnline: this.online(), queued: this.convs.length, agentId: agentId === SYSTEM_AGENT ? undefined : agentId, online, status: a?.status }, undefined);
  }

  /** A conversation left `agentId` closed: its record goes to the agent's searchable closed conversations. */
  private keepClosed(c: Conv<M>, agentId: string): void {
    if (!this.opt.tools || agentId === SYSTEM_AGENT) return;
    const o = c.offer as HandoffFrame & { customer?: { name?: string; avatar?: string } };
    this.opt.tools.closed({ conversationId: c.id, channel: o.channel, userId: o.userId, agentId, closedAt: Date.now(), history: [...c.history], ...(o.customer ? { customer: o.customer } : {}) });
  }

  /** Report a conversation waiting (its place in its group's queue). */
  private queued(c: Conv<M>, extra: { requeued?: boolean; transfer?: boolean }): void {
    this.cb.event({ event: 'queued', conversationId: c.id, position: this.convs.position(c.id), agentsOnline: this.online(), groupOnline: this.groupOnline(c.group), group: c.group, ...extra }, c.meta);
  }

  // ---- assignment ---------------------------------------------------------------------------

  private assign(c: Conv<M>, a: Agent, transfer = c.transferring === true): void {
    delete c.transferring;
    c.agentId = a.id;
    c.assignedAt = Date.now();
    a.convs.add(c.id);
    const f: HandoffFrame = { ...c.offer, history: [...c.history], ts: Date.now() };
    if (c.group !== undefined) f.group = c.group;
    delete f.seq;
    this.deliver(a, f);
    // since when the user waited (not for a transfer or a re-offer): the ops record's wait, whichever instance handed it off
    const queuedAt = transfer || c.offer.requeued ? undefined : c.queuedAt;
    this.cb.event({ event: 'assigned', conversationId: c.id, agentId: a.id, agentsOnline: this.online(), group: c.group, transfer: transfer || undefined, ...(queuedAt ? { queuedAt } : {}) }, c.meta);
  }

  /** Offer queued conversations, oldest first, to agents of their group with room. */
  private drain(): void {
    this.convs.serve(
      (c) => this.agents.pick(c),
      (c, a) => this.assign(c, a),
    );
    this.announceQueue();
  }

  private push(c: Conv<M>, h: HistoryItem): void {
    c.history.push(h);
    const max = this.opt.historyMax ?? 100;
    if (c.history.length > max) c.history.splice(0, c.history.length - max);
  }

  /**
   * An agent the bridge should know while it is away (frames kept from before a restart, or a conversation
   * handoff says it has): it gets the grace period to connect, as if it had just dropped.
   */
  expect(agentId: string): void {
    if (this.agents.has(agentId)) return;
    const a = this.agents.ensure(agentId);
    if (this.opt.graceMs >= 0) a.grace = setTimeout(() => this.expireAgent(agentId), this.opt.graceMs);
  }

  private attachSticky(c: Conv<M>, agentId: string): Agent {
    this.expect(agentId);
    const a = this.agents.get(agentId)!;
    a.convs.add(c.id);
    c.agentId = agentId;
    c.assignedAt = Date.now();
    return a;
  }

  // ---- from handoff -------------------------------------------------------------------------

  /**
   * A frame from `handoff` for the agents: handoff, message or closed. `agentId` is the agent handoff
   * believes has the conversation (re-attaches it after a restart of the bridge); `restore` re-attaches
   * without sending the handoff frame again — unless the agent is connected already (it came back before
   * handoff re-offered its conversations, so its sync lacked this one). `resumed`: re-created here for a message.
   */
  fromHandoff(frame: HandoffFrame | MessageFrame | ClosedFrame | BudgetFrame, meta: M | undefined, agentId?: string, restore = false, o: FromHandoffOptions = {}, resumed = false): void {
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
      this.push(c, systemLine({ kind: 'handoff', reason: frame.reason }, frame.ts));
      this.convs.add(c);
      if (agentId && (validAgentId(agentId) || agentId === SYSTEM_AGENT)) {
        const a = this.attachSticky(c, agentId);
        c.assignedAt = Date.now();
        if (!restore || (!resumed && a.sinks.length > 0)) this.deliver(a, { ...frame, history: [...c.history] });
        return;
      }
      this.convs.enqueue(id);
      this.drain();
      if (c.agentId === null) this.queued(c, {});
      return;
    }
    if (frame.type === 'message') {
      const item: HistoryItem = { from: 'user', text: frame.text, ts: frame.ts, ...attachments(frame) };
      if (!c) {
        const offer: HandoffFrame = { type: 'handoff', conversationId: id, channel: '', userId: frame.userId, reason: 'resume', text: frame.text, history: [], ts: frame.ts, requeued: true };
        this.fromHandoff(offer, meta, agentId, true, o, true);
        c = this.convs.get(id)!;
        if (c.agentId === null) {
          this.push(c, item);
          return;
        }
      }
      if (meta !== undefined) c.meta = meta;
      if (frame.customer) c.offer.customer = frame.customer;
      if (frame.budget) c.offer.budget = frame.budget;
      this.push(c, item);
      if (c.agentId !== null) this.deliver(this.agents.get(c.agentId)!, { ...frame });
      return;
    }
    if (frame.type === 'budget') {
      if (!c) return;
      c.offer.budget = frame.budget;
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
    if (c.agentId !== null) {
      this.keepClosed(c, c.agentId);
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
    const c = this.convs.get(frame.conversationId);
    if (c) this.push(c, systemLine({ kind: 'undelivered', errcode: frame.errcode, rule: frame.rule, message: frame.message }));
    this.deliver(a, { ...frame });
    return true;
  }

  // ---- from agents --------------------------------------------------------------------------

  /** One text frame from an agent connection; answers with ack or error (nothing for `received`). */
  receive(conn: Connection, text: string): void {
    let reply: ToAgentFrame | null;
    let after: (() => void) | undefined;
    try {
      [reply, after] = handleAgentFrame(this.host, conn, text);
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

  stats(): { agents: number; queued: number; conversations: number } {
    return { agents: this.online(), queued: this.convs.length, conversations: this.convs.size };
  }

  queuedIds(): string[] {
    return this.convs.queuedIds();
  }

  /** The supervisor's view: agents with status and load, conversations queued or with an agent. */
  live(): LiveView {
    return liveView(this.host);
  }

  /** A supervisor's re-assign or close (the ops view). */
  supervise(act: SuperviseAction): SuperviseResult {
    return supervise(this.host, act);
  }

  dispose(): void {
    this.agents.dispose();
    this.convs.clear();
  }
}
