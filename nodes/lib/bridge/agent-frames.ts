/**
 * What an agent connection may say to the bridge and what follows: ping, received (acks), hello (name the
 * agent, choose groups), and about a conversation — reply, close, accept (from the queue) and transfer (to an
 * agent or a group). Each frame is answered first (ack or error frame); its effects that send more frames run
 * after that answer.
 */
import { ack, FrameError, parseAgentFrame, validAgentId, type HistoryItem, type ToAgentFrame, type TransferFrame } from './protocol';
import { SYSTEM_AGENT, type Agent, type Connection, type Conv, type HubCallbacks, type HubOptions, type OpenOptions } from './types';
import type { AgentRoster } from './roster';
import type { ConversationQueue } from './queue';
import { budgetProblem, spend, systemLine } from './sync';
import { kindOf, mimeOfName } from './media/rules';
import { answerTool } from './tools';

/** The hub as agent frames act on it. */
export interface FrameHost<M> {
  opt: HubOptions;
  cb: HubCallbacks<M>;
  agents: AgentRoster;
  convs: ConversationQueue<M>;
  push(c: Conv<M>, h: HistoryItem): void;
  assign(c: Conv<M>, a: Agent, transfer?: boolean): void;
  deliver(a: Agent, f: ToAgentFrame): void;
  drain(): void;
  announceQueue(): void;
  sendQueue(a: Agent, force?: boolean): void;
  queued(c: Conv<M>, extra: { transfer?: boolean; requeued?: boolean }): void;
  leaveSystem(conn: Connection): void;
  identify(conn: Connection, agentId: string, o: OpenOptions): void;
  /** Report an agent's presence/status change (for handoff and the ops view). */
  presence(agentId?: string, online?: boolean): void;
  /** A conversation left agent `agentId` closed: kept for search. */
  keepClosed(c: Conv<M>, agentId: string): void;
}

export type FrameOutcome = [ToAgentFrame | null, (() => void)?];

export function handleAgentFrame<M>(h: FrameHost<M>, conn: Connection, text: string): FrameOutcome {
  const f = parseAgentFrame(text);
  if (f.type === 'ping') return [ack('ping', f.id)];
  const a = conn.agentId !== null ? h.agents.get(conn.agentId) : undefined;
  if (f.type === 'received') {
    if (a) h.agents.acked(a, f.seq);
    return [null];
  }
  if (f.type === 'hello') {
    if (f.agentId !== undefined && f.agentId !== conn.agentId) {
      if (!validAgentId(f.agentId)) throw new FrameError('bad_frame', 'agentId may use letters, digits and _ . @ : - (1–128)', f.id, 'hello');
      if (!conn.system || conn.bound) throw new FrameError('agent_mismatch', `this connection is agent "${conn.agentId}"`, f.id, 'hello');
      if (!conn.fresh) throw new FrameError('agent_mismatch', 'this connection is the system link: name the agent in the URL or in the first frame', f.id, 'hello');
      const agentId = f.agentId;
      return [ack('hello', f.id), () => {
        h.leaveSystem(conn);
        h.identify(conn, agentId, { groups: f.groups, ack: f.ack });
      }];
    }
    if (f.groups && a?.fixedGroups) throw new FrameError('bad_frame', 'your agent token fixes your groups', f.id, 'hello');
    return [ack('hello', f.id), () => {
      if (!a) return;
      if (f.ack !== undefined) h.agents.acked(a, f.ack);
      if (f.groups) {
        a.groups = f.groups;
        h.drain();
        h.sendQueue(a, true);
      }
    }];
  }
  if (!a) throw new FrameError('no_agent_id', 'identify first: connect with ?agent=<id> or send {"type":"hello","agentId":…}', f.id, f.type);
  if (f.type === 'status') {
    a.status = f.status;
    return [{ ...ack('status', f.id), status: f.status }, () => {
      h.presence(a.id, a.sinks.length > 0);
      if (f.status === 'online') h.drain();
    }];
  }
  if (f.type === 'canned' || f.type === 'search') return [null, () => answerTool(h.opt.tools, conn, a.id, f)];
  const actor = a.system ? f.agentId : undefined;
  const c = h.convs.get(f.conversationId);
  if (!c) throw new FrameError('not_found', 'no such conversation with the bridge', f.id, f.type);
  const mine = () => {
    if (c.agentId !== a.id) throw new FrameError('not_assigned', 'this conversation is not assigned to you', f.id, f.type);
  };
  switch (f.type) {
    case 'reply': {
      mine();
      const problem = f.media && h.opt.checkMedia ? h.opt.checkMedia(f.media, a.id) : null;
      if (problem) throw new FrameError('bad_media', problem, f.id, f.type);
      const b = c.offer.budget;
      const spent = budgetProblem(b, Date.now());
      if (spent === 'window_closed') throw new FrameError(spent, 'more than 48 hours since the customer last wrote: nothing can be sent until they write again', f.id, f.type);
      if (spent) throw new FrameError(spent, `no reply left for this customer message${b!.reserved ? ` (${b!.reserved} kept for the closing notice)` : ''}: wait until the customer writes again`, f.id, f.type);
      const item: HistoryItem = { from: 'agent', text: f.text, ts: Date.now() };
      const who = actor ?? (a.id === SYSTEM_AGENT ? undefined : a.id);
      if (who) item.agentId = who;
      if (f.media) item.media = { type: kindOf(f.media.mime ?? mimeOfName(f.media.name) ?? ''), name: f.media.name, mime: f.media.mime, url: f.media.url };
      h.push(c, item);
      c.offer.budget = spend(b, (f.text ? 1 : 0) + (f.media ? 1 : 0));
      h.cb.reply(c.id, c.meta, a.id, f.text, { actor, media: f.media, reserve: b?.reserved, item });
      return [ack('reply', f.id, c.id)];
    }
    case 'note': {
      mine();
      const item: HistoryItem = { from: 'note', text: f.text, ts: Date.now() };
      const who = actor ?? (a.id === SYSTEM_AGENT ? undefined : a.id);
      if (who) item.agentId = who;
      h.push(c, item);
      // handoff keeps it in the conversation's transcript (the state store): it outlives a restart of the hub
      h.cb.event({ event: 'note', conversationId: c.id, agentId: item.agentId, text: f.text, ts: item.ts }, c.meta);
      return [ack('note', f.id, c.id)];
    }
    case 'close':
      mine();
      h.keepClosed(c, actor ?? a.id);
      h.convs.delete(c.id);
      a.convs.delete(c.id);
      h.cb.event({ event: 'closed', conversationId: c.id, agentId: actor ?? a.id, by: 'agent', agentsOnline: h.agents.online() }, c.meta);
      return [ack('close', f.id, c.id), () => h.drain()];
    case 'accept': {
      if (c.agentId === a.id) return [ack('accept', f.id, c.id)];
      if (c.agentId !== null) throw new FrameError('taken', 'another agent has this conversation', f.id, f.type);
      if (!h.agents.eligible(a, c)) throw new FrameError('not_in_group', `this conversation is for group "${c.group}"`, f.id, f.type);
      if (!h.agents.room(a)) throw new FrameError('capacity', `you already have ${a.convs.size} conversations (the limit)`, f.id, f.type);
      h.convs.dequeue(c.id);
      c.agentId = a.id;
      a.convs.add(c.id);
      return [ack('accept', f.id, c.id), () => {
        h.assign(c, a);
        h.announceQueue();
      }];
    }
    case 'transfer':
      mine();
      return transfer(h, a, c, f, actor);
  }
}

/** Transfer to a connected agent (at once) or to a group (queued there). */
function transfer<M>(h: FrameHost<M>, a: Agent, c: Conv<M>, f: TransferFrame, actor: string | undefined): FrameOutcome {
  const from = actor ?? (a.id === SYSTEM_AGENT ? 'system' : a.id);
  const group = f.to.startsWith('group:') ? f.to.slice(6) : null;
  let target: Agent | undefined;
  if (group === null) {
    target = h.agents.get(f.to);
    if (!target || target.id === SYSTEM_AGENT) throw new FrameError('unknown_agent', `agent "${f.to}" is not connected`, f.id, f.type);
    if (target === a) return [ack('transfer', f.id, c.id)];
    if (!h.agents.room(target)) throw new FrameError('capacity', `agent "${f.to}" already has ${target.convs.size} conversations (the limit)`, f.id, f.type);
  }
  return [ack('transfer', f.id, c.id), () => {
    a.convs.delete(c.id);
    h.deliver(a, { type: 'closed', conversationId: c.id, by: 'transferred' });
    c.offer = { ...c.offer, transferredFrom: from, reason: 'transfer' };
    if (f.note) c.offer.note = f.note;
    else delete c.offer.note;
    h.push(c, systemLine({ kind: 'transfer', from, note: f.note }));
    h.cb.event({ event: 'transferred', conversationId: c.id, from, to: f.to, note: f.note, agentsOnline: h.agents.online() }, c.meta);
    if (target) {
      h.assign(c, target, true);
      h.announceQueue();
      return;
    }
    c.group = group!;
    c.transferring = true;
    c.agentId = null;
    c.queuedAt = Date.now();
    h.convs.enqueue(c.id);
    h.drain();
    if (c.agentId === null) h.queued(c, { transfer: true });
  }];
}
