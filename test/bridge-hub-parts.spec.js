'use strict';
// The bridge hub's parts without Node-RED or sockets: the agent roster (who is online, who may take what,
// round robin, numbered frames), the conversation queue (positions per group, serving oldest first) and the
// agent frames acting on the hub (accept, transfer, errors answered before effects).
const assert = require('node:assert/strict');
const { AgentRoster } = require('../dist/nodes/lib/bridge/roster.js');
const { ConversationQueue } = require('../dist/nodes/lib/bridge/queue.js');
const { BridgeHub } = require('../dist/nodes/lib/bridge/hub.js');

/** A sink recording frames; `up` false makes it refuse (a socket no longer open). */
function sink(up = true) {
  /** @type {any[]} */
  const frames = [];
  return { frames, up, send(/** @type {any} */ f) { if (!this.up) return false; frames.push(f); return true; }, close() {} };
}
/** @returns {any} a conversation record */
const conv = (/** @type {string} */ id, /** @type {string|undefined} */ group, fallback = false) => ({ id, meta: undefined, agentId: null, offer: { type: 'handoff', conversationId: id, channel: 'app', userId: id, reason: 'no_answer', text: `t-${id}`, history: [], ts: 1 }, history: [], queuedAt: 5, group, fallback });

describe('bridge/roster: agents', function () {
  const online = (/** @type {any} */ r, /** @type {string} */ id, /** @type {string[]} */ groups = []) => {
    const a = r.ensure(id);
    a.sinks.push(sink());
    a.groups = groups;
    return a;
  };
  it('counts who is online per group; agents in no group take every group', function () {
    const r = new AgentRoster({ maxPerAgent: 2, bufferSize: 10, graceMs: -1 });
    online(r, 'a', ['sales']);
    online(r, 'b');
    r.ensure('c'); // known, not connected
    assert.equal(r.online(), 2);
    assert.equal(r.groupOnline('sales'), 2);
    assert.equal(r.groupOnline('vip'), 1);
    assert.deepEqual(r.groupsOnline(), { sales: 1, '*': 1 });
  });
  it('picks round robin among eligible agents with room; a fallback conversation goes to anyone while its group is empty', function () {
    const r = new AgentRoster({ maxPerAgent: 1, bufferSize: 10, graceMs: -1 });
    const a = online(r, 'a', ['sales']);
    const b = online(r, 'b', ['sales']);
    assert.equal(r.pick(conv('1', 'sales')), a);
    assert.equal(r.pick(conv('2', 'sales')), b);
    a.convs.add('1');
    assert.equal(r.pick(conv('3', 'sales')), b, 'a is at its cap');
    b.convs.add('2');
    assert.equal(r.pick(conv('4', 'sales')), null);
    const c = online(r, 'c', ['support']);
    assert.equal(r.pick(conv('5', 'vip')), null, 'nobody in vip');
    assert.equal(r.pick(conv('6', 'vip', true)), c, 'fallback: vip has no one online');
  });
  it('numbers frames; without acknowledgements a written frame is done, with them it is kept until acked', function () {
    const r = new AgentRoster({ maxPerAgent: 0, bufferSize: 10, graceMs: -1 });
    const a = r.ensure('a');
    const s = sink(false);
    a.sinks.push(s);
    r.write(a, { type: 'closed', conversationId: 'x', by: 'user' });
    r.write(a, { type: 'closed', conversationId: 'y', by: 'user' });
    assert.equal(a.outbox.size(), 2, 'not written: kept');
    s.up = true;
    r.flush(a);
    assert.deepEqual(s.frames.map((f) => f.conversationId), ['x', 'y']);
    assert.equal(a.outbox.size(), 0, 'written to a client that does not ack');
    r.acked(a, 0);
    r.write(a, { type: 'closed', conversationId: 'z', by: 'user' });
    assert.equal(a.outbox.size(), 1, 'an acknowledging client: kept until received');
    r.acked(a, s.frames[2].seq);
    assert.equal(a.outbox.size(), 0);
    assert.ok(s.frames[2].seq > s.frames[1].seq);
  });
});

describe('bridge/queue: conversations waiting', function () {
  it('positions count per group; items show what an agent may take; serve assigns oldest first and skips forgotten ones', function () {
    const q = new ConversationQueue();
    /** @type {Array<[string, string | undefined]>} */
    const waiting = [['1', 'sales'], ['2', 'vip'], ['3', 'sales'], ['4', undefined]];
    for (const [id, g] of waiting) {
      q.add(conv(id, g));
      q.enqueue(id);
    }
    assert.deepEqual(['1', '2', '3', '4', 'nope'].map((id) => q.position(id)), [0, 0, 1, 0, -1]);
    const items = q.itemsFor((c) => c.group !== 'vip');
    assert.deepEqual(items.map((i) => [i.conversationId, i.position, i.group]), [['1', 0, 'sales'], ['3', 1, 'sales'], ['4', 0, undefined]]);
    assert.equal(items[0].text, 't-1');
    q.delete('2');
    assert.deepEqual(q.queuedIds(), ['1', '3', '4']);
    /** @type {string[]} */
    const assigned = [];
    const agent = /** @type {any} */ ({ id: 'a' });
    q.serve((c) => (c.group === 'sales' ? agent : null), (c, a) => assigned.push(`${c.id}:${a.id}`));
    assert.deepEqual(assigned, ['1:a', '3:a']);
    assert.deepEqual(q.queuedIds(), ['4']);
    assert.equal(q.length, 1);
    assert.equal(q.size, 3, 'served conversations are still known');
  });
});

describe('bridge/agent-frames: what agents send', function () {
  const offer = (/** @type {string} */ id, /** @type {string|undefined} */ group) => ({ type: 'handoff', conversationId: id, channel: 'app', userId: 'u', reason: 'no_answer', text: '人工', history: [], ts: 1, group });
  it('accepting a taken conversation and a transfer to an unknown agent get error frames; a transfer to a group is acked first, then its agent gets it with the note', function () {
    /** @type {any[]} */
    const events = [];
    const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 50, graceMs: -1 }, { reply() {}, event: (e) => events.push(e) });
    const sys = sink();
    const conn = hub.open(sys, null); // the system link: no cap, takes every group
    const alice = sink();
    const ca = hub.open(alice, 'alice', { groups: ['vip'] });
    hub.fromHandoff(/** @type {any} */ (offer('c1', 'sales')), undefined);
    assert.equal(hub.stats().queued, 0, 'the system link took it');
    hub.receive(ca, JSON.stringify({ type: 'accept', id: 1, conversationId: 'c1' }));
    assert.equal(alice.frames.at(-1).code, 'taken');
    hub.receive(conn, JSON.stringify({ type: 'transfer', id: 2, conversationId: 'c1', to: 'bob' }));
    assert.equal(sys.frames.at(-1).code, 'unknown_agent');
    hub.receive(conn, JSON.stringify({ type: 'transfer', id: 3, conversationId: 'c1', to: 'group:vip', note: '大客户' }));
    const i = sys.frames.findIndex((f) => f.type === 'ack' && f.id === 3);
    assert.ok(i >= 0, 'acked');
    assert.ok(sys.frames.slice(i).some((f) => f.type === 'closed' && f.by === 'transferred'), 'the closed frame follows the ack');
    const handed = alice.frames.find((f) => f.type === 'handoff');
    assert.deepEqual([handed.conversationId, handed.transferredFrom, handed.note, handed.group], ['c1', 'system', '大客户', 'vip']);
    assert.deepEqual(events.filter((e) => e.event === 'assigned').map((e) => [e.agentId, e.transfer]), [['*system', undefined], ['alice', true]]);
    hub.dispose();
  });
});
