'use strict';
// The agent's daily tools in the protocol, at the hub (no Node-RED, no sockets): status (busy/away get no new
// conversation), internal notes (never a reply, shown after a transfer), canned replies in a state store with
// {customer.name}, search over closed conversations, and the supervisor's live view, re-assign and close.
const assert = require('node:assert/strict');
const { BridgeHub } = require('../dist/nodes/lib/bridge/hub.js');
const { AgentTools } = require('../dist/nodes/lib/bridge/agent-tools.js');
const { fillCanned, validShortcut } = require('../dist/nodes/lib/bridge/tool-frames.js');
const { parseAgentFrame } = require('../dist/nodes/lib/bridge/protocol.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');

/** A hub sink that records what the agent was sent; `next(pred)` waits for a frame (async answers). */
function sink() {
  /** @type {any[]} */
  const frames = [];
  /** @type {Array<() => void>} */
  let waiters = [];
  return {
    frames,
    send: (/** @type {any} */ f) => {
      frames.push(f);
      for (const w of waiters.splice(0)) w();
      return true;
    },
    close() {},
    /** @param {(f: any) => boolean} pred */
    async next(pred) {
      for (;;) {
        const f = frames.find(pred);
        if (f) return f;
        await new Promise((r) => waiters.push(() => r(undefined)));
      }
    },
  };
}

/** A hub with recorded replies and events, and tools over a MemoryStore. */
function setup(opt = {}) {
  /** @type {any[]} */
  const replies = [];
  /** @type {any[]} */
  const events = [];
  const store = new MemoryStore();
  const tools = new AgentTools(store, 'tools:t:', (err) => assert.fail(err));
  const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 100, graceMs: 60_000, tools, ...opt }, { reply: (...a) => replies.push(a), event: (e) => events.push(e) });
  return { hub, replies, events, store, tools };
}

/** @returns {any} */
const handoff = (/** @type {string} */ id, /** @type {string} */ userId, text = '转人工') => ({ type: 'handoff', conversationId: id, channel: 'kf', userId, reason: 'keyword', text, history: [{ from: 'user', text, ts: 1000 }], ts: 1000 });
const send = (hub, conn, f) => hub.receive(conn, JSON.stringify(f));
const got = (s, type, id) => s.frames.filter((f) => f.type === type && (id === undefined || f.conversationId === id));

/**
 * One "runtime" over `store`: handoff's engine and the agents' hub wired as in the bundled flow (hub events →
 * engine.bridge, the engine's frames → hub.fromHandoff). `settled()` waits for the events handed on so far.
 * @param {any} store @param {{ reply: (...a: any[]) => void }} cb @param {object} [extra] more handoff options
 */
function wired(store, cb, extra = {}) {
  const { HandoffEngine, DEFAULT_TEXTS } = require('../dist/nodes/lib/handoff/engine.js');
  const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store.js');
  const { compileWordList, DEFAULT_TRANSFER_WORDS } = require('../dist/nodes/lib/handoff/transfer-words.js');
  const opts = { transfer: compileWordList({}, { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: [] }), cancel: null, missThreshold: 1, idleMs: 600_000, queueMs: 0, transcriptMax: 20, hours: null, texts: DEFAULT_TEXTS, ...extra };
  const engine = new HandoffEngine(new ConversationStore(store), opts, () => undefined);
  /** @type {Promise<any>} */
  let pending = Promise.resolve();
  /** @type {any[]} the engine's notices to the user */
  const notices = [];
  const feed = (/** @type {any} */ out) => {
    notices.push(...out.notice);
    for (const m of out.agent) hub.fromHandoff(m.payload, m.wecom, m.handoff.agentId, m.handoff.restore === true);
    return out;
  };
  const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 100, graceMs: 60_000 }, {
    reply: cb.reply,
    event: (e) => {
      pending = pending.then(() => engine.bridge(e)).then(feed);
    },
  });
  return { engine, hub, feed, notices, settled: () => pending };
}

describe('agent tools: status', function () {
  it('a busy or away agent is offered no new conversation; back online it gets what waits', function () {
    const { hub, events } = setup();
    const alice = sink();
    const bob = sink();
    const ca = hub.open(alice, 'alice');
    const cb = hub.open(bob, 'bob');
    assert.equal(alice.frames[0].status, 'online', 'welcome says the status');
    send(hub, ca, { type: 'status', status: 'busy', id: 1 });
    assert.deepEqual(alice.frames.at(-1), { type: 'ack', ref: 'status', id: 1, status: 'busy' });
    assert.equal(events.at(-1).event, 'presence');
    assert.equal(events.at(-1).status, 'busy');
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    hub.fromHandoff(handoff('c2', 'u2'), undefined);
    assert.equal(got(alice, 'handoff').length, 0, 'busy: nothing offered');
    assert.deepEqual(got(bob, 'handoff').map((f) => f.conversationId), ['c1', 'c2']);
    send(hub, cb, { type: 'status', status: 'away' });
    hub.fromHandoff(handoff('c3', 'u3'), undefined);
    assert.equal(got(bob, 'handoff').length, 2, 'away: nothing new');
    assert.deepEqual(hub.queuedIds(), ['c3']);
    send(hub, ca, { type: 'status', status: 'online' });
    assert.deepEqual(got(alice, 'handoff').map((f) => f.conversationId), ['c3']);
  });
  it('a bad status is a bad_frame', function () {
    const { hub } = setup();
    const s = sink();
    send(hub, hub.open(s, 'alice'), { type: 'status', status: 'sleeping', id: 2 });
    assert.equal(s.frames.at(-1).code, 'bad_frame');
  });
});

describe('agent tools: internal notes', function () {
  it('a note never becomes a reply, and the next agent sees it after a transfer', function () {
    const { hub, replies } = setup();
    const alice = sink();
    const bob = sink();
    const ca = hub.open(alice, 'alice');
    hub.open(bob, 'bob');
    send(hub, hub.open(sink(), 'carol'), { type: 'status', status: 'away' });
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    const owner = got(alice, 'handoff').length ? { s: alice, c: ca } : null;
    assert.ok(owner, 'alice has c1 (round robin, first)');
    send(hub, ca, { type: 'note', conversationId: 'c1', text: '客户是 VIP，已退款一次', id: 5 });
    assert.deepEqual(alice.frames.at(-1), { type: 'ack', ref: 'note', id: 5, conversationId: 'c1' });
    assert.equal(replies.length, 0, 'nothing goes to the customer');
    send(hub, ca, { type: 'transfer', conversationId: 'c1', to: 'bob' });
    const h = got(bob, 'handoff', 'c1')[0];
    const note = h.history.find((x) => x.from === 'note');
    assert.equal(note.text, '客户是 VIP，已退款一次');
    assert.equal(note.agentId, 'alice');
    assert.equal(replies.length, 0);
  });
  it('notes live in the state store with the conversation: after a restart (new engine and hub on the same store) the agent and the next one see them', async function () {
    const store = new MemoryStore();
    const runtime = () => wired(store, { reply: () => assert.fail('a note is never a reply') });
    /** @type {any} */
    const w = { channel: 'app', corpId: 'ww1', agentId: '1', userId: 'u9', msgType: 'text', msgId: 'n1', createTime: 1, conversationId: 'app:ww1:1:u9', raw: {} };
    const id = w.conversationId;
    let r = runtime();
    const alice = sink();
    const ca = r.hub.open(alice, 'alice');
    r.hub.open(sink(), 'bob');
    r.feed(await r.engine.user({ payload: '转人工', wecom: w }));
    await r.settled();
    assert.equal(got(alice, 'handoff', id).length, 1, 'alice has it (round robin, first)');
    send(r.hub, ca, { type: 'note', conversationId: id, text: '已核实身份，退款已申请' });
    send(r.hub, ca, { type: 'transfer', conversationId: id, to: 'bob', note: '请帮忙处理退款' });
    await r.settled();
    r.hub.dispose();

    // restart: a new engine and a new hub on the same store; the engine re-attaches the conversation to bob
    r = runtime();
    r.feed(await r.engine.restore());
    const bob = sink();
    const cb = r.hub.open(bob, 'bob');
    const mine = bob.frames.find((f) => f.type === 'sync').conversations.find((c) => c.conversationId === id);
    assert.ok(mine, 'bob still has it after the restart');
    assert.deepEqual(mine.history.filter((h) => h.from === 'note').map((h) => [h.text, h.agentId]), [['已核实身份，退款已申请', 'alice']]);
    const line = mine.history.find((h) => h.system?.kind === 'transfer');
    assert.deepEqual([line.system.from, line.system.note], ['alice', '请帮忙处理退款'], 'the transfer note too');
    // the next agent after the restart sees both agents' notes, in time order
    send(r.hub, cb, { type: 'note', conversationId: id, text: '已转财务' });
    const carol = sink();
    r.hub.open(carol, 'carol');
    send(r.hub, cb, { type: 'transfer', conversationId: id, to: 'carol' });
    await r.settled();
    const offered = got(carol, 'handoff', id)[0];
    assert.deepEqual(offered.history.filter((h) => h.from === 'note').map((h) => h.text), ['已核实身份，退款已申请', '已转财务']);
    r.hub.dispose();
    // and after one more restart, carol's sync still has them (from the store, not the hub's memory)
    r = runtime();
    r.feed(await r.engine.restore());
    const carol2 = sink();
    r.hub.open(carol2, 'carol');
    const conv = carol2.frames.find((f) => f.type === 'sync').conversations.find((c) => c.conversationId === id);
    assert.deepEqual(conv.history.filter((h) => h.from === 'note').map((h) => h.text), ['已核实身份，退款已申请', '已转财务']);
    assert.deepEqual(conv.history.filter((h) => h.system?.kind === 'transfer').map((h) => h.system.from), ['alice', 'bob']);
    assert.ok(conv.history.findIndex((h) => h.text === '已转财务') > conv.history.findIndex((h) => h.system?.kind === 'transfer'), 'in time order');
    r.hub.dispose();
  });
  it('an agent back before handoff re-offered its conversation (after a restart) gets it at once, with its notes', async function () {
    const store = new MemoryStore();
    let r = wired(store, { reply: () => undefined });
    /** @type {any} */
    const w = { channel: 'app', corpId: 'ww1', agentId: '1', userId: 'u7', msgType: 'text', msgId: 'e1', createTime: 1, conversationId: 'app:ww1:1:u7', raw: {} };
    const ca = r.hub.open(sink(), 'alice');
    r.feed(await r.engine.user({ payload: '转人工', wecom: w }));
    await r.settled();
    send(r.hub, ca, { type: 'note', conversationId: w.conversationId, text: '回访时间：明天上午' });
    await r.settled();
    r.hub.dispose();
    r = wired(store, { reply: () => undefined });
    const early = sink();
    r.hub.open(early, 'alice'); // connects first: its sync has nothing yet
    assert.deepEqual(early.frames.find((f) => f.type === 'sync').conversations, []);
    r.feed(await r.engine.restore());
    const f = got(early, 'handoff', w.conversationId)[0];
    assert.ok(f, 'the re-attached conversation is sent to the connected agent');
    assert.deepEqual(f.history.filter((h) => h.from === 'note').map((h) => h.text), ['回访时间：明天上午']);
    const away = sink();
    r.hub.dispose();
    r = wired(store, { reply: () => undefined });
    r.feed(await r.engine.restore());
    r.hub.open(away, 'alice'); // connects after: the sync has it, no second frame
    assert.equal(away.frames.find((x) => x.type === 'sync').conversations.length, 1);
    assert.equal(got(away, 'handoff').length, 0);
    r.hub.dispose();
  });
  it('a note on a conversation that is not yours is refused', function () {
    const { hub } = setup();
    const alice = sink();
    const bob = sink();
    hub.open(alice, 'alice');
    const cb = hub.open(bob, 'bob');
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    send(hub, cb, { type: 'note', conversationId: 'c1', text: 'x' });
    assert.equal(bob.frames.at(-1).code, 'not_assigned');
  });
});

describe('agent tools: canned replies', function () {
  it('team and personal lists kept in the state store; {customer.name} and {agent.name} filled', async function () {
    const { hub, store } = setup();
    const alice = sink();
    const bob = sink();
    const ca = hub.open(alice, 'alice');
    const cb = hub.open(bob, 'bob');
    send(hub, ca, { type: 'canned', op: 'set', scope: 'team', shortcut: 'hi', text: '您好 {customer.name}，我是 {agent.name}', id: 1 });
    await alice.next((f) => f.id === 1);
    send(hub, ca, { type: 'canned', op: 'set', scope: 'personal', shortcut: '退款', text: '退款 3 个工作日到账', id: 2 });
    const a2 = await alice.next((f) => f.id === 2);
    assert.deepEqual(a2.canned, { team: [{ shortcut: 'hi', text: '您好 {customer.name}，我是 {agent.name}' }], personal: [{ shortcut: '退款', text: '退款 3 个工作日到账' }] });
    send(hub, cb, { type: 'canned', id: 3 });
    const b3 = await bob.next((f) => f.id === 3);
    assert.deepEqual(b3.canned.team.map((r) => r.shortcut), ['hi'], 'the team list is shared');
    assert.deepEqual(b3.canned.personal, [], "alice's personal list is hers");
    assert.ok(await store.get('tools:t:canned:team'), 'kept in the store');
    assert.equal(fillCanned(b3.canned.team[0].text, { customer: '张三', agent: 'bob' }), '您好 张三，我是 bob');
    assert.equal(fillCanned('{customer.name}/{x.y}', {}), '{customer.name}/{x.y}');
    send(hub, ca, { type: 'canned', op: 'delete', scope: 'team', shortcut: 'hi', id: 4 });
    assert.deepEqual((await alice.next((f) => f.id === 4)).canned.team, []);
  });
  it('bad shortcuts and blank texts are refused; without a store the answer is unavailable', async function () {
    assert.equal(validShortcut('a b'), false);
    assert.equal(validShortcut('退款_1'), true);
    assert.throws(() => parseAgentFrame(JSON.stringify({ type: 'canned', op: 'set', scope: 'team', shortcut: 'hi', text: ' ' })), /canned\.text/);
    assert.throws(() => parseAgentFrame(JSON.stringify({ type: 'canned', op: 'set', scope: 'all', shortcut: 'hi', text: 'x' })), /canned\.scope/);
    const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 100, graceMs: 60_000 }, { reply() {}, event() {} });
    const s = sink();
    send(hub, hub.open(s, 'alice'), { type: 'canned', id: 9 });
    assert.equal((await s.next((f) => f.id === 9)).code, 'unavailable');
  });
});

describe('agent tools: search over closed conversations', function () {
  it("finds the agent's own closed conversations by text or user, newest first", async function () {
    const { hub, tools } = setup();
    const alice = sink();
    const ca = hub.open(alice, 'alice');
    hub.fromHandoff(handoff('c1', 'u1', '我要退款'), undefined);
    send(hub, ca, { type: 'reply', conversationId: 'c1', text: '好的，已为您退款' });
    send(hub, ca, { type: 'close', conversationId: 'c1' });
    hub.fromHandoff(handoff('c2', 'u2', '发票怎么开'), undefined);
    hub.fromHandoff(/** @type {any} */ ({ type: 'closed', conversationId: 'c2', by: 'timeout' }), undefined);
    const bob = sink();
    const cb = hub.open(bob, 'bob');
    send(hub, ca, { type: 'status', status: 'away' });
    hub.fromHandoff(handoff('c3', 'u3', '退款进度'), undefined);
    send(hub, cb, { type: 'close', conversationId: 'c3' });
    // the store writes are asynchronous: search until they are visible
    let r = [];
    while (r.length < 2) r = await tools.search('alice', '');
    send(hub, ca, { type: 'search', q: '退款', id: 7 });
    const ans = await alice.next((f) => f.id === 7);
    assert.deepEqual(ans.results.map((x) => x.conversationId), ['c1'], 'not c2 (no 退款), not c3 (bob closed it)');
    assert.equal(ans.results[0].history.some((h) => h.from === 'agent' && h.text === '好的，已为您退款'), true, 'with its history');
    send(hub, ca, { type: 'search', q: 'U2', id: 8 });
    assert.deepEqual((await alice.next((f) => f.id === 8)).results.map((x) => x.conversationId), ['c2'], 'by user id, any case');
    send(hub, cb, { type: 'search', q: '退款', id: 9 });
    assert.deepEqual((await bob.next((f) => f.id === 9)).results.map((x) => x.conversationId), ['c3']);
  });
  it('closed conversations older than 30 days are not found', async function () {
    let now = Date.now();
    const tools = new AgentTools(new MemoryStore(), 'p:', (err) => assert.fail(err), () => now);
    tools.closed({ conversationId: 'old', channel: 'kf', userId: 'u', agentId: 'a', closedAt: now - 31 * 86_400_000, history: [] });
    tools.closed({ conversationId: 'new', channel: 'kf', userId: 'u', agentId: 'a', closedAt: now - 86_400_000, history: [] });
    let r = [];
    for (let i = 0; i < 100 && r.length === 0; i++) r = await tools.search('a', '');
    assert.deepEqual(r.map((x) => x.conversationId), ['new']);
  });
});

describe('supervisor: live view, re-assign and close', function () {
  it('lists queued and assigned conversations with how long the user waits, and agents with status', function () {
    const { hub } = setup({ maxPerAgent: 1 });
    const alice = sink();
    const ca = hub.open(alice, 'alice');
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    hub.fromHandoff(handoff('c2', 'u2'), undefined);
    send(hub, ca, { type: 'status', status: 'busy' });
    const v = hub.live();
    assert.deepEqual(v.agents, [{ id: 'alice', online: true, status: 'busy', conversations: 1 }]);
    const byId = Object.fromEntries(v.conversations.map((c) => [c.conversationId, c]));
    assert.equal(byId.c1.agentId, 'alice');
    assert.equal(byId.c2.agentId, null);
    assert.equal(byId.c1.waitingSince, 1000, 'the user message not yet answered');
    send(hub, ca, { type: 'reply', conversationId: 'c1', text: '您好' });
    assert.equal(hub.live().conversations.find((c) => c.conversationId === 'c1')?.waitingSince, undefined, 'answered');
    assert.equal(hub.live().conversations.length, 2);
  });
  it('re-assigns a conversation (with its history and notes) and closes one back to the bot', function () {
    const { hub, events } = setup();
    const alice = sink();
    const bob = sink();
    const ca = hub.open(alice, 'alice');
    const cb = hub.open(bob, 'bob');
    send(hub, cb, { type: 'status', status: 'away' });
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    send(hub, ca, { type: 'note', conversationId: 'c1', text: '已核实身份' });
    assert.deepEqual(hub.supervise({ op: 'reassign', conversationId: 'c1', to: 'nobody' }), { ok: false, status: 409, error: 'agent "nobody" is not connected' });
    assert.deepEqual(hub.supervise({ op: 'reassign', conversationId: 'c1', to: 'bob' }), { ok: true });
    assert.deepEqual(got(alice, 'closed', 'c1').map((f) => f.by), ['reassigned']);
    const h = got(bob, 'handoff', 'c1')[0];
    assert.equal(h.transferredFrom, 'alice');
    assert.equal(h.history.find((x) => x.from === 'note').text, '已核实身份');
    send(hub, cb, { type: 'reply', conversationId: 'c1', text: '我来处理', id: 3 });
    assert.equal(bob.frames.at(-1).type, 'ack', 'bob may reply now');
    send(hub, ca, { type: 'reply', conversationId: 'c1', text: 'x', id: 4 });
    assert.equal(alice.frames.at(-1).code, 'not_assigned', 'alice may not');
    assert.deepEqual(hub.supervise({ op: 'close', conversationId: 'c1' }), { ok: true });
    assert.deepEqual(got(bob, 'closed', 'c1').map((f) => f.by), ['supervisor']);
    assert.deepEqual(events.filter((e) => e.event === 'closed').map((e) => [e.agentId, e.by]), [['bob', 'supervisor']]);
    assert.equal(/** @type {any} */ (hub.supervise({ op: 'close', conversationId: 'c1' })).status, 404);
  });
  it('assigns a queued conversation to an agent', function () {
    const { hub, events } = setup();
    hub.fromHandoff(handoff('c1', 'u1'), undefined);
    const alice = sink();
    const ca = hub.open(alice, 'alice');
    send(hub, ca, { type: 'status', status: 'busy' });
    hub.fromHandoff(handoff('c2', 'u2'), undefined);
    assert.deepEqual(hub.queuedIds(), ['c2']);
    assert.deepEqual(hub.supervise({ op: 'reassign', conversationId: 'c2', to: 'alice' }), { ok: true });
    assert.deepEqual(hub.queuedIds(), []);
    assert.equal(got(alice, 'handoff', 'c2').length, 1);
    assert.equal(events.filter((e) => e.event === 'assigned' && e.conversationId === 'c2').length, 1);
  });
});

describe('agent tools: satisfaction rating (handoff engine)', function () {
  const { HandoffEngine, DEFAULT_TEXTS } = require('../dist/nodes/lib/handoff/engine.js');
  const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store.js');
  const { compileWordList, DEFAULT_TRANSFER_WORDS, DEFAULT_TRANSFER_EXCLUDE } = require('../dist/nodes/lib/handoff/transfer-words.js');
  const { ratingScore } = require('../dist/nodes/lib/handoff/rating.js');
  let n = 0;
  /** @param {string} channel */
  const setupEngine = (channel) => {
    const clock = { t: Date.UTC(2026, 11, 3, 2, 0) };
    const store = new ConversationStore(new MemoryStore(), () => clock.t);
    const opts = { transfer: compileWordList({}, { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: DEFAULT_TRANSFER_EXCLUDE }), cancel: null, missThreshold: 1, idleMs: 600_000, queueMs: 0, transcriptMax: 20, hours: null, texts: DEFAULT_TEXTS, rating: true };
    const e = new HandoffEngine(store, opts, () => undefined, () => clock.t);
    const id = channel === 'kf' ? 'kf:ww1:wk1:u' : 'app:ww1:1:u';
    /** @param {string} text @returns {any} */
    const m = (text) => ({ payload: text, wecom: { channel, corpId: 'ww1', agentId: '1', userId: 'u', openKfId: channel === 'kf' ? 'wk1' : undefined, msgType: 'text', msgId: `r${++n}`, createTime: 1, conversationId: id } });
    return { e, store, clock, id, m };
  };

  it('微信客服: the closing notice is a msgmenu with the four answers; the click is recorded for the agent, not answered by the bot', async function () {
    const { e, store, id, m } = setupEngine('kf');
    await e.user(m('转人工'));
    await e.bridge({ event: 'assigned', conversationId: id, agentId: 'alice' });
    const closed = await e.bridge({ event: 'closed', conversationId: id, agentId: 'alice', by: 'agent' });
    assert.equal(closed.notice.length, 1, 'one message: the closing notice carries the question');
    const menu = /** @type {any} */ (closed.notice[0].payload);
    assert.equal(menu.msgtype, 'msgmenu');
    assert.match(menu.msgmenu.head_content, /本次人工服务已结束/);
    assert.deepEqual(menu.msgmenu.list.map((x) => x.click.content), ['非常满意', '满意', '一般', '不满意']);
    const answer = await e.user(m('满意'));
    assert.deepEqual(answer.bot, [], 'the bot does not answer the rating');
    assert.deepEqual((answer.rated ?? []).map((r) => [r.agentId, r.score]), [['alice', 2]]);
    assert.deepEqual((await store.get(id))?.rating?.score, 2, 'recorded on the conversation');
    const next = await e.user(m('满意'));
    assert.equal(next.bot.length, 1, 'asked once: later messages go to the bot');
  });

  it('through the protocol: an agent\'s close frame → the menu to the 微信客服 user; the tap is recorded for that agent', async function () {
    const r = wired(new MemoryStore(), { reply: () => undefined }, { rating: true });
    /** @type {any} */
    const w = { channel: 'kf', corpId: 'ww1', agentId: '1', userId: 'wmR', openKfId: 'wk1', msgType: 'text', msgId: 'p1', createTime: 1, conversationId: 'kf:ww1:wk1:wmR', raw: {} };
    const alice = sink();
    const ca = r.hub.open(alice, 'alice');
    r.feed(await r.engine.user({ payload: '转人工', wecom: w }));
    await r.settled();
    assert.equal(got(alice, 'handoff', w.conversationId).length, 1);
    send(r.hub, ca, { type: 'close', conversationId: w.conversationId, id: 3 });
    assert.deepEqual(alice.frames.at(-1), { type: 'ack', ref: 'close', id: 3, conversationId: w.conversationId });
    await r.settled();
    const menu = r.notices.at(-1).payload;
    assert.equal(menu.msgtype, 'msgmenu');
    assert.deepEqual(menu.msgmenu.list.map((x) => x.click.content), ['非常满意', '满意', '一般', '不满意']);
    const tap = await r.engine.user({ payload: '不满意', wecom: { ...w, msgId: 'p2' } });
    assert.deepEqual(tap.bot, []);
    assert.deepEqual((tap.rated ?? []).map((x) => [x.agentId, x.score]), [['alice', 4]]);
    r.hub.dispose();
  });

  it('app: text with 1–4; another message ends the question and goes to the bot', async function () {
    const { e, id, m } = setupEngine('app');
    await e.user(m('转人工'));
    await e.bridge({ event: 'assigned', conversationId: id, agentId: 'bob' });
    const closed = await e.bridge({ event: 'closed', conversationId: id, agentId: 'bob', by: 'agent' });
    assert.match(String(closed.notice[0].payload), /1 非常满意，2 满意，3 一般，4 不满意/);
    const other = await e.user(m('发票怎么开'));
    assert.equal(other.bot.length, 1);
    assert.equal(other.rated, undefined);
    assert.equal((await e.user(m('1'))).bot.length, 1, 'too late: the question was answered by another message');
    assert.equal(ratingScore('4。'), 4);
    assert.equal(ratingScore('5'), null);
  });
});
