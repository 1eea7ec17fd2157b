'use strict';
// handoff + ws-bridge end to end: a real Node-RED runtime (test helper) with its HTTP server, real `ws`
// agent clients on loopback, helper nodes standing in for the bot path, wecom-out and the user.
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const { agentClient } = require('./helpers/agent-client');
const { helper, load, sleep, until } = require('./helpers/runtime');
const handoffNode = require('../dist/nodes/handoff/handoff.js');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');

const TOKEN = 'agent-secret-token-Hq7Rw2Zk9';

function wecom(user, msgId) {
  const conversationId = `app:ww1:1000002:${user}`;
  return { channel: 'app', corpId: 'ww1', agentId: '1000002', userId: user, msgType: 'text', msgId, createTime: 1, conversationId, raw: {} };
}
let seq = 0;
function userMsg(user, text) {
  const w = wecom(user, `m${++seq}`);
  return { payload: text, topic: w.conversationId, wecom: w };
}
const cid = (user) => `app:ww1:1000002:${user}`;

/** Records every message a node receives; next(pred) resolves with the first unseen match. */
function collector(node) {
  const got = [];
  const waiters = [];
  let cursor = 0;
  node.on('input', (msg) => {
    got.push(msg);
    for (const w of [...waiters]) w();
  });
  return {
    all: got,
    /**
     * @param {(m: any) => boolean} [pred] over a Node-RED message as the helper node received it
     * @param {string} [what]
     */
    next(pred = () => true, what = 'message') {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = cursor; i < got.length; i++) {
            if (pred(got[i])) {
              cursor = i + 1;
              waiters.splice(waiters.indexOf(check), 1);
              clearTimeout(t);
              resolve(got[i]);
              return;
            }
          }
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`no ${what} arrived`));
        }, 4000);
        waiters.push(check);
        check();
      });
    },
  };
}

/** A real agent client (test/helpers/agent-client.js) on this runtime's bridge; frames are read with next(type). */
function agent(id, opts = {}) {
  const base = helper.url().replace(/^http/, 'ws') + (opts.path ?? '/wecom/ws');
  const a = agentClient(base, { agent: id, token: opts.query !== false ? opts.token ?? TOKEN : undefined, headers: opts.headers });
  // These tests end an agent's session with a normal close handshake, not a dropped socket.
  a.close = () =>
    new Promise((resolve) => {
      if (a.ws.readyState === WebSocket.CLOSED) return resolve();
      a.ws.once('close', resolve);
      a.ws.close();
    });
  return a;
}

function flow(handoffOpts = {}, bridgeOpts = {}) {
  return [
    { id: 'tab', type: 'tab', label: 't' },
    Object.assign({ id: 'h', z: 'tab', type: 'handoff', name: '', wires: [['bot'], ['b'], ['notice']] }, handoffOpts),
    Object.assign({ id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', maxPerAgent: 5, graceSec: 60, wires: [['out'], ['h']] }, bridgeOpts),
    { id: 'bot', z: 'tab', type: 'helper' },
    { id: 'notice', z: 'tab', type: 'helper' },
    { id: 'out', z: 'tab', type: 'helper' },
  ];
}

async function start(handoffOpts, bridgeOpts, extraModules = []) {
  await load([...extraModules, handoffNode, bridgeNode], flow(handoffOpts, bridgeOpts), { b: { token: TOKEN } });
  return {
    h: helper.getNode('h'),
    bot: collector(helper.getNode('bot')),
    notice: collector(helper.getNode('notice')),
    out: collector(helper.getNode('out')),
  };
}

const kind = (k) => (m) => m.handoff && m.handoff.notice === k;

describe('handoff + ws-bridge', function () {
  const open = [];
  const mkAgent = (id, opts) => {
    const a = agent(id, opts);
    open.push(a);
    return a;
  };

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((a) => a.close()));
    await helper.unload();
  });

  it('user → handoff → agent gets the history → agent reply → user; bot silent while human; close → bot again', async () => {
    const t = await start();
    const a1 = mkAgent('a1');
    await a1.opened;
    assert.strictEqual((await a1.next('welcome')).agentId, 'a1');

    t.h.receive(userMsg('u1', '你好'));
    assert.strictEqual((await t.bot.next()).payload, '你好');
    // the bot's answer, as wecom-out reports it, goes into the transcript
    t.h.receive({ payload: '您好，有什么可以帮您？', wecom: wecom('u1', 'x'), wecomResult: { errcode: 0, msgid: 'r1' } });
    await sleep(20);

    t.h.receive(userMsg('u1', '转人工'));
    const ho = await a1.next('handoff');
    assert.strictEqual(ho.conversationId, cid('u1'));
    assert.strictEqual(ho.reason, 'keyword');
    assert.strictEqual(ho.userId, 'u1');
    assert.deepStrictEqual(ho.history.map((x) => [x.from, x.text]), [
      ['user', '你好'],
      ['bot', '您好，有什么可以帮您？'],
      ['user', '转人工'],
      ['system', ''],
    ]);
    const joined = await t.notice.next(kind('joined'));
    assert.strictEqual(joined.wecom.conversationId, cid('u1'));
    // one notice for the handoff (微信客服 counts every one against the user's 5 replies): joined, no "transferring"
    assert.deepStrictEqual(t.notice.all.map((n) => n.handoff.notice), ['joined']);

    t.h.receive(userMsg('u1', '我的订单还没到'));
    const m = await a1.next('message');
    assert.strictEqual(m.text, '我的订单还没到');
    assert.strictEqual(m.userId, 'u1');

    a1.send({ type: 'reply', conversationId: cid('u1'), text: '我帮您查一下', id: 7 });
    const ack = await a1.next('ack');
    assert.deepStrictEqual([ack.ref, ack.id, ack.conversationId], ['reply', 7, cid('u1')]);
    const reply = await t.out.next();
    assert.strictEqual(reply.payload, '我帮您查一下');
    assert.strictEqual(reply.wecom.conversationId, cid('u1'));
    assert.strictEqual(reply.wecom.userId, 'u1');
    assert.strictEqual(reply.agent.id, 'a1');

    a1.send({ type: 'close', conversationId: cid('u1') });
    assert.strictEqual((await a1.next('ack')).ref, 'close');
    await t.notice.next(kind('closedAgent'));
    t.h.receive(userMsg('u1', '谢谢'));
    assert.strictEqual((await t.bot.next()).payload, '谢谢');
    // the bot never saw the messages of the human phase
    assert.deepStrictEqual(t.bot.all.map((x) => x.payload), ['你好', '谢谢']);
  });

  it('transfers on an FAQ miss, after N consecutive misses, and ignores excluded words', async () => {
    const t = await start({ missThreshold: 2 });
    const a1 = mkAgent('a1');
    await a1.opened;
    const first = userMsg('u2', '客服电话是多少');
    t.h.receive(first);
    const toBot = await t.bot.next();
    assert.strictEqual(toBot.payload, '客服电话是多少');
    t.h.receive(userMsg('u2', '人工智能是什么'));
    await t.bot.next((x) => x.payload === '人工智能是什么');
    // faq-lookup's miss output: the same msg with msg.faq and no answer
    t.h.receive(Object.assign({}, toBot, { faq: { score: 0.1 } }));
    await t.notice.next(kind('miss'));
    const again = userMsg('u2', '退货');
    t.h.receive(again);
    await t.bot.next((x) => x.payload === '退货');
    t.h.receive(Object.assign({}, again, { handoff: { action: 'transfer', reason: 'no_answer' } }));
    const ho = await a1.next('handoff');
    assert.strictEqual(ho.reason, 'repeat_miss');
    assert.strictEqual(ho.history.filter((x) => x.text === '退货').length, 1, 'a returning message is not recorded twice');
  });

  it('goes back to the bot after the idle timeout, telling the user and the agent', async () => {
    const t = await start({ idleTimeout: 0.3, idleUnit: 's' });
    const a1 = mkAgent('a1');
    await a1.opened;
    t.h.receive(userMsg('u3', '人工客服'));
    await a1.next('handoff');
    const { seq, ...closed } = await a1.next('closed');
    assert.deepStrictEqual(closed, { type: 'closed', conversationId: cid('u3'), by: 'timeout' });
    assert.ok(Number.isSafeInteger(seq), 'frames about conversations carry a seq');
    await t.notice.next(kind('closedTimeout'));
    t.h.receive(userMsg('u3', '在吗'));
    assert.strictEqual((await t.bot.next()).payload, '在吗');
  });

  it('a user cancel word returns to the bot', async () => {
    const t = await start();
    const a1 = mkAgent('a1');
    await a1.opened;
    t.h.receive(userMsg('u4', '转人工'));
    await a1.next('handoff');
    t.h.receive(userMsg('u4', '不用转人工了'));
    assert.strictEqual((await a1.next('closed')).by, 'user');
    await t.notice.next(kind('closedUser'));
  });

  it('no agent online → queue position → an agent connects and gets them, oldest first', async () => {
    const t = await start();
    await sleep(50); // the bridge reports its (empty) presence once started
    t.h.receive(userMsg('q1', '转人工'));
    const n1 = await t.notice.next(kind('noAgent'));
    assert.match(n1.payload, /是第 1 位/);
    t.h.receive(userMsg('q2', '人工'));
    const n2 = await t.notice.next(kind('noAgent'));
    assert.match(n2.payload, /是第 2 位/);
    assert.strictEqual(n2.wecom.conversationId, cid('q2'));

    const a1 = mkAgent('a1');
    await a1.opened;
    const w = await a1.next('welcome');
    assert.strictEqual(w.queued, 2);
    assert.strictEqual((await a1.next('handoff')).conversationId, cid('q1'));
    assert.strictEqual((await a1.next('handoff')).conversationId, cid('q2'));
  });

  it('an agent drops and reconnects → buffered frames arrive in order', async () => {
    const t = await start();
    let a1 = mkAgent('a1');
    await a1.opened;
    t.h.receive(userMsg('u5', '转人工'));
    await a1.next('handoff');
    await t.notice.next(kind('joined'));
    await a1.close();
    await sleep(50);
    for (const text of ['一', '二', '三', '四']) t.h.receive(userMsg('u5', text));
    await sleep(100);
    a1 = mkAgent('a1');
    await a1.opened;
    const w = await a1.next('welcome');
    assert.deepStrictEqual(w.conversations, [cid('u5')]);
    const texts = [];
    for (let i = 0; i < 4; i++) texts.push((await a1.next('message')).text);
    assert.deepStrictEqual(texts, ['一', '二', '三', '四']);
  });

  it('after the grace period a dropped agent’s conversations go to another agent with the full history', async () => {
    const t = await start({}, { graceSec: 0.2 });
    const a1 = mkAgent('a1');
    await a1.opened;
    t.h.receive(userMsg('u6', '转人工'));
    await a1.next('handoff');
    await a1.close();
    t.h.receive(userMsg('u6', '还在吗'));
    await t.notice.next(kind('noAgent'));
    const a2 = mkAgent('a2');
    await a2.opened;
    const ho = await a2.next('handoff');
    assert.strictEqual(ho.conversationId, cid('u6'));
    assert.deepStrictEqual(ho.history.filter((x) => x.from !== 'system').map((x) => x.text), ['转人工', '还在吗']);
  });

  it('refuses upgrades without the right token (401) and accepts Bearer or ?token=', async () => {
    await start();
    await assert.rejects(mkAgent('x', { query: false }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    await assert.rejects(mkAgent('x', { token: 'wrong' }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    await assert.rejects(mkAgent('x', { token: '' }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    const bearer = mkAgent('x', { query: false, headers: { Authorization: `Bearer ${TOKEN}` } });
    await bearer.opened;
    await bearer.next('welcome');
    const q = mkAgent('y');
    await q.opened;
    await q.next('welcome');
  });

  it('refuses origins outside the allowed list (403) and honours httpNodeRoot in the path helper', async () => {
    await start({}, { origins: 'https://cs.example.com' });
    await assert.rejects(mkAgent('o1', { headers: { Origin: 'https://evil.example.com' } }).opened, (/** @type {{ status?: number }} */ e) => e.status === 403);
    const ok = mkAgent('o2', { headers: { Origin: 'https://cs.example.com' } });
    await ok.opened;
    const { fullPath } = require('../dist/nodes/shared/ws-upgrade.js');
    assert.strictEqual(fullPath('/red/', '/wecom/ws'), '/red/wecom/ws');
    assert.strictEqual(fullPath('/red', 'wecom/ws'), '/red/wecom/ws');
    assert.strictEqual(fullPath(undefined, '/wecom/ws'), '/wecom/ws');
  });

  it('answers malformed and unknown frames with error frames and keeps the connection', async () => {
    await start();
    const sys = mkAgent(null);
    await sys.opened;
    assert.strictEqual((await sys.next()).system, true, 'without an agent id the connection is the system link');
    assert.strictEqual((await sys.next()).type, 'sync');
    assert.strictEqual((await sys.next()).type, 'queue');
    const cases = [
      ['not json', 'bad_json'],
      ['[1,2]', 'bad_json'],
      ['{"no":"type"}', 'unknown_type'],
      ['{"type":"dance"}', 'unknown_type'],
      ['{"type":"reply","conversationId":"c","text":"hi"}', 'not_found'],
      ['{"type":"hello","agentId":"bad id"}', 'bad_frame'],
      ['{"type":"hello","agentId":"late"}', 'agent_mismatch'],
    ];
    for (const [raw, code] of cases) {
      sys.send(raw);
      const e = await sys.next();
      assert.strictEqual(e.type, 'error', raw);
      assert.strictEqual(e.code, code, raw);
    }
    // a version-1 client names itself with hello as its first frame
    const a = mkAgent(null);
    await a.opened;
    assert.strictEqual((await a.next()).type, 'welcome');
    assert.strictEqual((await a.next()).type, 'sync');
    assert.strictEqual((await a.next()).type, 'queue');
    a.send({ type: 'hello', agentId: 'h1', id: 'x' });
    assert.deepStrictEqual(await a.next(), { type: 'ack', ref: 'hello', id: 'x' });
    const w = await a.next();
    assert.strictEqual(w.type, 'welcome');
    assert.strictEqual(w.agentId, 'h1');
    assert.strictEqual((await a.next()).type, 'sync', 'its conversations follow the welcome');
    assert.deepStrictEqual(await a.next(), { type: 'queue', queued: 0, conversations: [] }, 'then the queue snapshot');
    const more = [
      [{ type: 'reply', conversationId: 'nope', text: 'hi' }, 'not_found'],
      [{ type: 'reply', conversationId: 'nope' }, 'bad_frame'],
      [{ type: 'close' }, 'bad_frame'],
      [{ type: 'accept', conversationId: 'nope' }, 'not_found'],
      [{ type: 'hello', agentId: 'other' }, 'agent_mismatch'],
    ];
    for (const [f, code] of more) {
      a.send(f);
      const e = await a.next();
      assert.strictEqual(e.code, code, JSON.stringify(f));
    }
    a.send({ type: 'ping', id: 1 });
    assert.deepStrictEqual(await a.next(), { type: 'ack', ref: 'ping', id: 1 });
  });

  const waitFrame = (ag, pred) => until(() => ag.frames.find(pred), 'the expected frame', 4000);

  it('tells the agent when its reply could not be delivered (wecom-out error output → ws-bridge)', async () => {
    const t = await start();
    const a1 = mkAgent('a1');
    await a1.opened;
    await a1.next('welcome');
    t.h.receive(userMsg('nd', '转人工'));
    await a1.next('handoff');
    a1.send({ type: 'reply', conversationId: cid('nd'), text: '第六条回复' });
    await a1.next('ack');
    const reply = await t.out.next();
    // what wecom-out's error output sends for a reply WeCom refused
    reply.error = { message: 'not sent: 1 message(s) would exceed the 5 replies allowed per customer message', errcode: 95001, kind: 'session' };
    helper.getNode('b').receive(reply);
    const { seq: _seq, ...u } = await a1.next('undelivered');
    assert.deepStrictEqual(u, { type: 'undelivered', conversationId: cid('nd'), text: '第六条回复', errcode: 95001, message: reply.error.message });
    // a failed bot message (no agent) is not an agent frame and is not an error of the bridge either
    helper.getNode('b').receive({ payload: 'bot text', wecom: wecom('nd', 'z'), error: { message: 'x' } });
    await sleep(30);
    assert.strictEqual(a1.frames.filter((f) => f.type === 'undelivered').length, 1);
  });

  it('round robin over two agents with a concurrency cap', async () => {
    const t = await start({}, { maxPerAgent: 1 });
    const a1 = mkAgent('a1');
    await a1.opened;
    await a1.next('welcome');
    const a2 = mkAgent('a2');
    await a2.opened;
    await a2.next('welcome');
    t.h.receive(userMsg('r1', '转人工'));
    assert.strictEqual((await a1.next('handoff')).conversationId, cid('r1'));
    t.h.receive(userMsg('r2', '转人工'));
    assert.strictEqual((await a2.next('handoff')).conversationId, cid('r2'));
    t.h.receive(userMsg('r3', '转人工'));
    const q = await t.notice.next(kind('queue'));
    assert.strictEqual(q.wecom.conversationId, cid('r3'));
    assert.match(q.payload, /是第 1 位/);
    // every agent is shown what waits (so it can accept it)
    const listed = await waitFrame(a2, (f) => f.type === 'queue' && f.queued === 1);
    assert.deepStrictEqual(listed.conversations.map((c) => [c.conversationId, c.userId, c.text]), [[cid('r3'), 'r3', '转人工']]);
    assert.ok(a1.frames.some((f) => f.type === 'queue' && f.queued === 1));
    // accept over the cap is refused
    a2.send({ type: 'accept', conversationId: cid('r3') });
    assert.strictEqual((await a2.next('error')).code, 'capacity');
    a1.send({ type: 'reply', conversationId: cid('r2'), text: 'not mine' });
    assert.strictEqual((await a1.next('error')).code, 'not_assigned');
    a1.send({ type: 'close', conversationId: cid('r1') });
    await a1.next('ack');
    assert.strictEqual((await a1.next('handoff')).conversationId, cid('r3'));
    assert.strictEqual(a2.frames.filter((f) => f.type === 'handoff').length, 1);
    // …and told when the queue empties
    await waitFrame(a2, (f) => f.type === 'queue' && f.queued === 0 && a2.frames.indexOf(f) > a2.frames.indexOf(listed));
  });

  it('client mode: connects out with the token and headers, same protocol, reconnects and delivers what was buffered', async () => {
    const cs = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => cs.once('listening', r));
    const conns = [];
    cs.on('connection', (ws, req) => {
      const c = { ws, req, frames: /** @type {any[]} JSON frames from the wire */ ([]) };
      ws.on('message', (d) => c.frames.push(JSON.parse(d.toString())));
      conns.push(c);
    });
    try {
      const t = await start({}, { mode: 'client', url: `ws://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (cs.address()).port}/cs`, headers: '{"X-Tenant":"acme"}', reconnectMaxSec: 1 });
      await until(() => conns.length === 1, 'the upstream console', 4000);
      assert.strictEqual(conns[0].req.headers.authorization, `Bearer ${TOKEN}`);
      assert.strictEqual(conns[0].req.headers['x-tenant'], 'acme');
      t.h.receive(userMsg('c1', '转人工'));
      await until(() => conns[0].frames.some((f) => f.type === 'handoff'), 'the upstream console', 4000);
      conns[0].ws.send(JSON.stringify({ type: 'reply', conversationId: cid('c1'), text: '您好' }));
      assert.strictEqual((await t.out.next()).payload, '您好');
      await until(() => conns[0].frames.some((f) => f.type === 'ack' && f.ref === 'reply'), 'the upstream console', 4000);
      conns[0].ws.terminate();
      await sleep(50);
      t.h.receive(userMsg('c1', '第一'));
      t.h.receive(userMsg('c1', '第二'));
      await until(() => conns.length === 2 && conns[1].frames.filter((f) => f.type === 'message').length === 2, 'the upstream console', 4000);
      assert.deepStrictEqual(conns[1].frames.filter((f) => f.type === 'message').map((f) => f.text), ['第一', '第二']);
    } finally {
      for (const c of conns) c.ws.terminate();
      await new Promise((r) => cs.close(r));
    }
  });

  describe('with the local (disk) state store', function () {
    let dir;
    let clean;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-handoff-'));
      helper.settings({ wecomState: { kind: 'local', dir } });
    });
    after(() => {
      helper.settings({});
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // helper.load skips the runtime's context start-up; this module performs it before the flow starts.
    const contextLoader = () => helper._redNodes.loadContextsPlugin();

    /** Stop the runtime keeping the context files (unload would delete them as removed nodes), then start it again. */
    const restart = async () => {
      clean = helper._context.clean;
      helper._context.clean = () => Promise.resolve();
      try {
        await helper.unload();
      } finally {
        helper._context.clean = clean;
      }
      await helper._redNodes.closeContextsPlugin();
      return start({ store: 'file' }, {}, [contextLoader]);
    };
    /** Connect `id` until its welcome lists `conversationId` (handoff re-offers it just after the start). */
    const reconnect = (id, conversationId) =>
      until(async () => {
        const a = mkAgent(id);
        const w = await a.next('welcome');
        if (w.conversations.includes(conversationId)) return a;
        await a.close();
        return null;
      }, `${id} with ${conversationId}`);

    it('internal notes survive a restart and reach the next agent after a transfer', async () => {
      const t = await start({ store: 'file' }, {}, [contextLoader]);
      let a1 = mkAgent('a1');
      await a1.opened;
      t.h.receive(userMsg('n1', '转人工'));
      await a1.next('handoff');
      a1.send({ type: 'note', conversationId: cid('n1'), text: '老客户，上周已退款一次', id: 7 });
      assert.strictEqual((await a1.next('ack')).ref, 'note');
      await a1.close();
      await restart();
      a1 = await reconnect('a1', cid('n1'));
      const sync = await a1.next('sync');
      const conv = sync.conversations.find((c) => c.conversationId === cid('n1'));
      assert.deepStrictEqual(conv.history.filter((h) => h.from === 'note').map((h) => [h.text, h.agentId]), [['老客户，上周已退款一次', 'a1']]);
      const a2 = mkAgent('a2');
      await a2.next('welcome');
      a1.send({ type: 'transfer', conversationId: cid('n1'), to: 'a2' });
      const offered = await a2.next('handoff');
      assert.deepStrictEqual(offered.history.filter((h) => h.from === 'note').map((h) => h.text), ['老客户，上周已退款一次']);
    });

    it('a restart keeps conversations with a human', async () => {
      let t = await start({ store: 'file' }, {}, [contextLoader]);
      let a1 = mkAgent('a1');
      await a1.opened;
      t.h.receive(userMsg('p1', '转人工'));
      await a1.next('handoff');
      await t.notice.next(kind('joined'));
      await a1.close();
      t = await restart();
      a1 = await reconnect('a1', cid('p1'));
      assert.deepStrictEqual(a1.frames[0].conversations, [cid('p1')]);
      t.h.receive(userMsg('p1', '重启后还在吗'));
      assert.strictEqual((await a1.next('message')).text, '重启后还在吗');
      assert.strictEqual(t.bot.all.length, 0);
      a1.send({ type: 'reply', conversationId: cid('p1'), text: '在的' });
      assert.strictEqual((await t.out.next()).wecom.userId, 'p1');
    });
  });
});
