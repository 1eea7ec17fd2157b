'use strict';
// The agent side of ws-bridge, protocol v2, with real `ws` clients against a real Node-RED runtime:
// the system link, agent tokens, groups per 客服账号, transfer, and delivery that survives a dead socket.
const assert = require('node:assert');
const { helper, load, sleep, until } = require('./helpers/runtime');
const { agentClient } = require('./helpers/agent-client');
const handoffNode = require('../dist/nodes/handoff/handoff.js');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');
const { mintAgentToken } = require('../dist/index.js');

const TOKEN = 'agent-secret-token-Hq7Rw2Zk9';
let n = 0;

function appMsg(user, text, handoff) {
  const conversationId = `app:ww1:1000002:${user}`;
  const wecom = { channel: 'app', corpId: 'ww1', agentId: '1000002', userId: user, msgType: 'text', msgId: `m${++n}`, createTime: 1, conversationId, raw: {} };
  const m = { payload: text, topic: conversationId, wecom };
  if (handoff) m.handoff = handoff;
  return m;
}
function kfMsg(user, openKfId, text) {
  const conversationId = `kf:ww1:${openKfId}:${user}`;
  const wecom = { channel: 'kf', corpId: 'ww1', agentId: '1000002', userId: user, openKfId, msgType: 'text', msgId: `k${++n}`, createTime: 1, conversationId, raw: {} };
  return { payload: text, topic: conversationId, wecom };
}
const cid = (user) => `app:ww1:1000002:${user}`;
const kcid = (user, kf) => `kf:ww1:${kf}:${user}`;

/** Every message a helper node receives; next(pred) resolves with the first unseen match. */
function collector(node) {
  const got = [];
  node.on('input', (m) => got.push(m));
  let cursor = 0;
  return {
    all: got,
    /**
     * @param {(m: any) => boolean} [pred] over a Node-RED message as the helper node received it
     * @param {string} [what]
     */
    async next(pred = () => true, what = 'message') {
      const i = await until(() => {
        for (let k = cursor; k < got.length; k++) if (pred(got[k])) return k + 1;
        return 0;
      }, what, 4000);
      cursor = i;
      return got[i - 1];
    },
  };
}

async function start(handoffOpts = {}, bridgeOpts = {}) {
  const flow = [
    { id: 'tab', type: 'tab', label: 't' },
    Object.assign({ id: 'h', z: 'tab', type: 'handoff', wires: [['bot'], ['b', 'tap'], ['notice']] }, handoffOpts),
    Object.assign({ id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', maxPerAgent: 5, graceSec: 60, wires: [['out'], ['h']] }, bridgeOpts),
    { id: 'bot', z: 'tab', type: 'helper' },
    { id: 'notice', z: 'tab', type: 'helper' },
    { id: 'out', z: 'tab', type: 'helper' },
    { id: 'tap', z: 'tab', type: 'helper' },
  ];
  await load([handoffNode, bridgeNode], flow, { b: { token: TOKEN } });
  return {
    h: helper.getNode('h'),
    bot: collector(helper.getNode('bot')),
    notice: collector(helper.getNode('notice')),
    out: collector(helper.getNode('out')),
    tap: collector(helper.getNode('tap')),
  };
}

const notice = (k) => (m) => m.handoff && m.handoff.notice === k;

describe('agent side v2 (ws-bridge)', function () {
  const open = [];
  const mk = (opts) => {
    const c = agentClient(helper.url().replace(/^http/, 'ws') + '/wecom/ws', Object.assign({ token: TOKEN }, opts));
    open.push(c);
    return c;
  };

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await helper.unload();
  });

  it('a connection with the token and no agent id is the system link: welcome, queue, handoff; reply, accept and close work', async () => {
    const t = await start();
    const sys = mk({});
    await sys.opened;
    const w = await sys.next();
    assert.strictEqual(w.type, 'welcome', 'the first frame is the welcome');
    assert.strictEqual(w.system, true);
    assert.strictEqual(w.agentId, null);
    assert.strictEqual(w.version, 2);
    assert.ok(w.features.includes('transfer') && w.features.includes('media'), 'the welcome lists the features');
    const sync = await sys.next();
    assert.deepStrictEqual([sync.type, sync.conversations], ['sync', []], 'then its conversations, whole (none yet)');
    assert.deepStrictEqual(await sys.next(), { type: 'queue', queued: 0, conversations: [] });

    t.h.receive(appMsg('s1', '你好'));
    await t.bot.next();
    t.h.receive(appMsg('s1', '转人工'));
    const ho = await sys.next('handoff');
    assert.strictEqual(ho.conversationId, cid('s1'));
    assert.deepStrictEqual(ho.history.map((x) => x.text), ['你好', '转人工', '']);
    assert.deepStrictEqual(ho.history[2], { from: 'system', text: '', ts: ho.history[2].ts, system: { kind: 'handoff', reason: 'keyword' } }, 'the bridge notes the handoff in the history');

    sys.send({ type: 'accept', conversationId: cid('s1'), id: 'a' });
    assert.deepStrictEqual(await sys.next('ack'), { type: 'ack', ref: 'accept', id: 'a', conversationId: cid('s1') });
    sys.send({ type: 'reply', conversationId: cid('s1'), text: '您好，我是小张', agentId: 'zhang', id: 1, someFutureField: true });
    assert.strictEqual((await sys.next('ack')).ref, 'reply');
    const out = await t.out.next();
    assert.strictEqual(out.payload, '您好，我是小张');
    assert.strictEqual(out.agent.id, 'zhang', 'the person the system named is echoed');
    assert.strictEqual(out.wecom.userId, 's1');

    sys.send({ type: 'close', conversationId: cid('s1'), agentId: 'zhang' });
    assert.strictEqual((await sys.next('ack')).ref, 'close');
    await t.notice.next(notice('closedAgent'));
    t.h.receive(appMsg('s1', '谢谢'));
    assert.strictEqual((await t.bot.next((m) => m.payload === '谢谢')).payload, '谢谢', 'the bot has the conversation again');
  });

  it('an agent token for alice cannot act as bob nor kick him; the shared token without an id is a system link', async () => {
    const t = await start();
    const alice = mintAgentToken(TOKEN, 'alice', { ttlSec: 600 });
    await assert.rejects(mk({ token: alice, agent: 'bob' }).opened, (/** @type {{ status?: number }} */ e) => e.status === 403);
    const forged = alice.replace(/^wat2\.[^.]+/, 'wat2.' + Buffer.from(JSON.stringify({ a: 'bob', e: 9999999999 })).toString('base64url'));
    await assert.rejects(mk({ token: forged }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    const expired = mintAgentToken(TOKEN, 'alice', { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await assert.rejects(mk({ token: expired }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    await assert.rejects(mk({ token: mintAgentToken('another-bridge', 'alice') }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);

    const bob = mk({ agent: 'bob' });
    await bob.opened;
    await bob.next('welcome');
    t.h.receive(appMsg('b1', '转人工'));
    await bob.next('handoff');

    const a = mk({ token: alice, headers: {} });
    await a.opened;
    const w = await a.next('welcome');
    assert.strictEqual(w.agentId, 'alice', 'the token names the agent');
    a.send({ type: 'hello', agentId: 'bob', id: 1 });
    assert.strictEqual((await a.next('error')).code, 'agent_mismatch');
    a.send({ type: 'reply', conversationId: cid('b1'), text: '我是 bob', id: 2 });
    assert.strictEqual((await a.next('error')).code, 'not_assigned');
    a.send({ type: 'ping', id: 3 });
    await a.next('ack');
    assert.strictEqual(bob.ws.readyState, 1, 'bob is still connected');
    bob.send({ type: 'reply', conversationId: cid('b1'), text: 'bob here' });
    assert.strictEqual((await bob.next('ack')).ref, 'reply');

    const sys = mk({});
    await sys.opened;
    assert.strictEqual((await sys.next('welcome')).system, true);
  });

  it('two 客服账号 mapped to two groups: each group gets only its conversations, positions per group, no-one-online per group', async () => {
    const t = await start(
      { groupMap: [{ type: 'kf', id: 'wkA', group: 'sales' }, { type: 'kf', id: 'wkB', group: 'support' }, { type: 'kf', id: 'wkC', group: 'vip' }] },
      { maxPerAgent: 1 },
    );
    const s1 = mk({ agent: 's1', groups: 'sales' });
    const p1 = mk({ agent: 'p1', groups: 'support' });
    await Promise.all([s1.opened, p1.opened]);
    assert.deepStrictEqual((await s1.next('welcome')).groups, ['sales']);
    await p1.next('welcome');

    t.h.receive(kfMsg('u1', 'wkA', '转人工'));
    t.h.receive(kfMsg('v1', 'wkB', '转人工'));
    const hs = await s1.next('handoff');
    const hp = await p1.next('handoff');
    assert.deepStrictEqual([hs.conversationId, hs.group], [kcid('u1', 'wkA'), 'sales']);
    assert.deepStrictEqual([hp.conversationId, hp.group], [kcid('v1', 'wkB'), 'support']);

    t.h.receive(kfMsg('u2', 'wkA', '转人工'));
    const q1 = await t.notice.next((m) => notice('queue')(m) && m.wecom.userId === 'u2');
    t.h.receive(kfMsg('u3', 'wkA', '转人工'));
    const q2 = await t.notice.next((m) => notice('queue')(m) && m.wecom.userId === 'u3');
    t.h.receive(kfMsg('v2', 'wkB', '转人工'));
    const q3 = await t.notice.next((m) => notice('queue')(m) && m.wecom.userId === 'v2');
    assert.match(q1.payload, /是第 1 位/);
    assert.match(q2.payload, /是第 2 位/);
    assert.match(q3.payload, /是第 1 位/, 'the support queue counts only support conversations');
    t.h.receive(kfMsg('w1', 'wkC', '转人工'));
    const q4 = await t.notice.next((m) => m.wecom.userId === 'w1' && (notice('queue')(m) || notice('noAgent')(m)));
    assert.strictEqual(q4.handoff.notice, 'noAgent', 'no agent of the vip group is online although others are');

    await until(() => s1.frames.some((f) => f.type === 'queue' && f.queued === 2), 'the sales queue snapshot');
    const sq = s1.frames.filter((f) => f.type === 'queue').pop();
    assert.deepStrictEqual(sq.conversations.map((c) => [c.conversationId, c.position]), [[kcid('u2', 'wkA'), 0], [kcid('u3', 'wkA'), 1]]);
    const pq = p1.frames.filter((f) => f.type === 'queue').pop();
    assert.deepStrictEqual(pq.conversations.map((c) => c.conversationId), [kcid('v2', 'wkB')]);
    p1.send({ type: 'accept', conversationId: kcid('u2', 'wkA') });
    assert.strictEqual((await p1.next('error')).code, 'not_in_group');
    assert.ok(!s1.frames.some((f) => f.type === 'handoff' && !f.conversationId.includes(':wkA:')), 'sales never got another group');
    assert.ok(!p1.frames.some((f) => f.type === 'handoff' && !f.conversationId.includes(':wkB:')), 'support never got another group');

    // the sales agent closes: the next sales conversation (not support's) is offered to it
    s1.send({ type: 'close', conversationId: kcid('u1', 'wkA') });
    const next = await s1.next('handoff');
    assert.strictEqual(next.conversationId, kcid('u2', 'wkA'));
  });

  it('transfers to an agent and to a group, with the history and the note; the sender gets closed by "transferred"', async () => {
    const t = await start();
    const a1 = mk({ agent: 'a1', groups: 'g1' });
    const a2 = mk({ agent: 'a2', groups: 'g2' });
    const v = mk({ agent: 'v', groups: 'vip' });
    await Promise.all([a1.opened, a2.opened, v.opened]);
    t.h.receive(appMsg('tr', '转人工', { group: 'g1' }));
    const ho = await a1.next('handoff');
    assert.strictEqual(ho.group, 'g1', 'msg.handoff.group chooses the group');
    t.h.receive(appMsg('tr', '订单 123 没收到'));
    await a1.next('message');
    a1.send({ type: 'reply', conversationId: cid('tr'), text: '我帮您转给售后' });
    await a1.next('ack');

    a1.send({ type: 'transfer', conversationId: cid('tr'), to: 'nobody', id: 9 });
    assert.strictEqual((await a1.next('error')).code, 'unknown_agent');
    a1.send({ type: 'transfer', conversationId: cid('tr'), to: 'a2', note: '退款问题', id: 10 });
    assert.deepStrictEqual(await a1.next('ack'), { type: 'ack', ref: 'transfer', id: 10, conversationId: cid('tr') });
    assert.strictEqual((await a1.next('closed')).by, 'transferred');
    const h2 = await a2.next('handoff');
    assert.strictEqual(h2.transferredFrom, 'a1');
    assert.strictEqual(h2.note, '退款问题');
    assert.deepStrictEqual(h2.history.map((x) => [x.from, x.system ? x.system.kind : x.text]), [
      ['user', '转人工'],
      ['system', 'handoff'],
      ['user', '订单 123 没收到'],
      ['agent', '我帮您转给售后'],
      ['system', 'transfer'],
    ]);
    assert.deepStrictEqual(h2.history[4].system, { kind: 'transfer', from: 'a1', note: '退款问题' }, 'the history says who passed it on, with the note');
    const told = await t.notice.next(notice('transferred'));
    assert.strictEqual(told.payload, '正在为您转接其他客服，请稍候…');
    a1.send({ type: 'reply', conversationId: cid('tr'), text: 'still mine?' });
    assert.strictEqual((await a1.next('error')).code, 'not_assigned');
    a2.send({ type: 'reply', conversationId: cid('tr'), text: '售后这边为您处理' });
    assert.strictEqual((await a2.next('ack')).ref, 'reply');

    a2.send({ type: 'transfer', conversationId: cid('tr'), to: 'group:vip', note: 'VIP 客户' });
    await a2.next('ack');
    assert.strictEqual((await a2.next('closed')).by, 'transferred');
    const hv = await v.next('handoff');
    assert.deepStrictEqual([hv.transferredFrom, hv.note, hv.group], ['a2', 'VIP 客户', 'vip']);
    assert.strictEqual(hv.history[hv.history.length - 2].text, '售后这边为您处理');
    assert.strictEqual(hv.history[hv.history.length - 1].system.kind, 'transfer');
    assert.strictEqual(t.notice.all.filter(notice('joined')).length, 1, 'a transfer does not announce "joined" again');
    v.send({ type: 'reply', conversationId: cid('tr'), text: 'VIP 专席' });
    assert.strictEqual((await v.next('ack')).ref, 'reply');
  });

  it('a black-holed socket (no close) loses nothing: all 5 messages arrive in order after reconnect, with its conversations', async () => {
    const t = await start();
    const a = mk({ agent: 'bh', ack: 0 });
    await a.opened;
    await a.next('welcome');
    t.h.receive(appMsg('bh1', '转人工'));
    const ho = await a.next('handoff');
    assert.ok(Number.isSafeInteger(ho.seq));
    a.send({ type: 'received', seq: ho.seq });
    a.send({ type: 'ping', id: 'p' });
    await a.next('ack'); // frames on one socket are handled in order: the acknowledgement is in
    assert.ok(!a.frames.some((f) => f.type === 'ack' && f.ref === 'received'), '"received" is never answered');

    /** @type {any} ws's private raw socket: pausing it stalls reads without closing */ (a.ws)._socket.pause(); // the laptop lid: nothing is read any more, and nothing is closed
    for (let i = 1; i <= 5; i++) t.h.receive(appMsg('bh1', `消息${i}`));
    await until(() => t.tap.all.filter((m) => m.payload.type === 'message').length === 5, 'the 5 messages on their way to the bridge');
    await sleep(50); // the bridge writes them into the dead socket

    const b = mk({ agent: 'bh', ack: ho.seq });
    await b.opened;
    const w = await b.next('welcome');
    assert.deepStrictEqual(w.conversations, [cid('bh1')], 'the re-opened console has its conversation back at once');
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await b.next('message'));
    assert.deepStrictEqual(got.map((f) => f.text), ['消息1', '消息2', '消息3', '消息4', '消息5']);
    assert.ok(got.every((f, i) => i === 0 || f.seq === got[i - 1].seq + 1), 'in seq order');
    assert.ok(got[0].seq > ho.seq);
    b.send({ type: 'reply', conversationId: cid('bh1'), text: '都收到了' });
    assert.strictEqual((await b.next('ack')).ref, 'reply');
    /** @type {any} */ (a.ws)._socket.resume();
    assert.strictEqual(await a.closed, 4001, 'the dead connection was replaced');
  });
});

describe('agent side v2: 客服账号 for the group mapping, structured messages', function () {
  const { startSim, simAccount } = require('./helpers/simulator');
  const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
  let sim;
  const open = [];
  before(async () => {
    sim = await startSim({ openKfIds: ['wkSales', 'wkSupport'] });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await helper.unload();
  });

  it('the handoff editor gets the account\'s 客服账号 by name from kf/account/list (admin endpoint)', async () => {
    const acc = simAccount('acc', sim);
    await load([accountMod, handoffNode], [{ id: 'tab', type: 'tab' }, acc.node, { id: 'h', z: 'tab', type: 'handoff', account: 'acc', wires: [[], [], []] }], acc.credentials);
    const res = await helper.request().get('/wecom/kf-accounts/acc').expect(200);
    assert.deepStrictEqual(res.body, [{ open_kfid: 'wkSales', name: 'Sandbox 客服 1' }, { open_kfid: 'wkSupport', name: 'Sandbox 客服 2' }]);
    assert.ok(!JSON.stringify(res.body).includes(acc.credentials.acc.kfSecret), 'no secret in the answer');
    const none = await helper.request().get('/wecom/kf-accounts/nope').expect(404);
    assert.match(none.body.error, /deploy/i);
  });

  it('location and link messages reach the agent as structured fields', async () => {
    const t = await start();
    const a = agentClient(helper.url().replace(/^http/, 'ws') + '/wecom/ws', { token: TOKEN, agent: 'geo' });
    open.push(a);
    await a.opened;
    t.h.receive(kfMsg('loc', 'wkSales', '转人工'));
    await a.next('handoff');
    const m = kfMsg('loc', 'wkSales', '[location]');
    m.wecom.msgType = 'location';
    m.wecom.raw = { msgtype: 'location', location: { latitude: 23.13, longitude: 113.26, name: '广州塔', address: '阅江西路222号' } };
    t.h.receive(m);
    const f = await a.next('message');
    assert.deepStrictEqual(f.location, { latitude: 23.13, longitude: 113.26, name: '广州塔', address: '阅江西路222号' });
    t.h.receive(appMsg('lnk', '转人工'));
    await a.next('handoff');
    const l = appMsg('lnk', '[link]');
    l.wecom.msgType = 'link';
    l.wecom.raw = { MsgType: 'link', Title: '退货政策', Description: '七天无理由', Url: 'https://example.com/returns', PicUrl: 'https://example.com/p.png' };
    t.h.receive(l);
    const g = await a.next('message');
    assert.deepStrictEqual(g.link, { title: '退货政策', description: '七天无理由', url: 'https://example.com/returns', picUrl: 'https://example.com/p.png' });
  });
});

describe('agent side v2: fallback, token groups, media link limits', function () {
  const { startSim, simAccount } = require('./helpers/simulator');
  const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
  const { MediaLinker } = require('../dist/nodes/lib/bridge/media/link.js');
  const { BridgeSecrets } = require('../dist/nodes/lib/bridge/secrets.js');
  const { startHttp, stopHttp, httpUrl } = require('./helpers/runtime');
  let sim;
  const open = [];
  const mk = (opts) => {
    const c = agentClient(helper.url().replace(/^http/, 'ws') + '/wecom/ws', Object.assign({ token: TOKEN }, opts));
    open.push(c);
    return c;
  };
  before(async () => {
    sim = await startSim();
    await helper.startServer();
    await startHttp();
  });
  after(async () => {
    await stopHttp();
    await helper.stopServer();
    await sim.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await helper.unload();
  });

  it('with "offer to any agent", a conversation whose group has no one online goes to another agent at once', async () => {
    const t = await start({ groupMap: [{ type: 'kf', id: 'wkV', group: 'vip' }], groupFallback: 'any' });
    const s = mk({ agent: 's', groups: 'sales' });
    await s.opened;
    t.h.receive(kfMsg('fb', 'wkV', '转人工'));
    const ho = await s.next('handoff');
    assert.deepStrictEqual([ho.conversationId, ho.group], [kcid('fb', 'wkV'), 'vip']);
  });

  it('an agent token can fix the agent\'s groups', async () => {
    await start();
    const a = mk({ token: mintAgentToken(TOKEN, 'gina', { groups: ['vip'] }), groups: 'sales' });
    await a.opened;
    assert.deepStrictEqual((await a.next('welcome')).groups, ['vip'], 'the token\'s groups win over ?groups=');
    a.send({ type: 'hello', groups: ['sales'] });
    assert.strictEqual((await a.next('error')).code, 'bad_frame');
  });

  it('media links expire (410), and a file over Max media is refused (413) without reading it whole', async () => {
    const acc = simAccount('acc', sim);
    const flow = [{ id: 'tab', type: 'tab' }, acc.node, { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', maxMediaMb: 1, wires: [[], []] }];
    await load([accountMod, bridgeNode], flow, Object.assign({ b: { token: TOKEN } }, acc.credentials));
    const big = await sim.userSends({ channel: 'app', userId: 'big', type: 'file', data: Buffer.alloc(1024 * 1024 + 1, 7), filename: 'big.bin' });
    const small = await sim.userSends({ channel: 'app', userId: 'small', type: 'file', data: Buffer.alloc(1000, 8), filename: 'small.bin' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const link = (id, now) => new MediaLinker(new BridgeSecrets(TOKEN), '/wecom/ws/media/', now).link({ type: 'file', mediaId: id }, 'acc', 'app').url;
    assert.strictEqual((await fetch(httpUrl(link(small.mediaId)), { headers: auth })).status, 200);
    assert.strictEqual((await fetch(httpUrl(link(big.mediaId)), { headers: auth })).status, 413);
    const old = link(small.mediaId, () => Date.now() - 73 * 3600 * 1000);
    assert.strictEqual((await fetch(httpUrl(old), { headers: auth })).status, 410);
    const day = link(small.mediaId, () => Date.now() - 24 * 3600 * 1000);
    assert.strictEqual((await fetch(httpUrl(day), { headers: auth })).status, 200, 'still valid after 24 hours');
    const agentToken = mintAgentToken(TOKEN, 'alice');
    const linker = new MediaLinker(new BridgeSecrets(TOKEN), '/wecom/ws/media/');
    const given = (agent) => linker.bind(String(link(small.mediaId)), agent);
    assert.strictEqual((await fetch(httpUrl(given('alice')), { headers: { authorization: `Bearer ${agentToken}` } })).status, 200, 'an agent token reads links given to its agent');
    assert.strictEqual((await fetch(httpUrl(given('bob')), { headers: { authorization: `Bearer ${agentToken}` } })).status, 403, "…not bob's");
    assert.strictEqual((await fetch(httpUrl(link(small.mediaId)), { headers: { authorization: `Bearer ${agentToken}` } })).status, 403, '…nor an unbound link');
  });
});

describe('BridgeHub outbox overflow', function () {
  const { BridgeHub } = require('../dist/nodes/lib/bridge/hub.js');
  it('an acknowledging agent whose outbox overflows while connected is not handed the same conversations back in a loop', () => {
    const events = [];
    const hub = new BridgeHub({ maxPerAgent: 1, bufferSize: 1, graceMs: -1 }, { reply() {}, event: (e) => events.push(e) });
    const frames = [];
    hub.open({ send: (f) => frames.push(f) > 0, close() {} }, 'slow', { ack: 0 });
    hub.fromHandoff({ type: 'handoff', conversationId: 'c1', channel: 'app', userId: 'u', reason: 'keyword', text: 'hi', history: [], ts: 1 }, undefined);
    hub.fromHandoff({ type: 'message', conversationId: 'c1', userId: 'u', msgType: 'text', text: 'more', msgId: 'm', ts: 2 }, undefined);
    assert.ok(events.some((e) => e.event === 'overflow' && e.agentId === 'slow'));
    assert.deepStrictEqual(hub.queuedIds(), ['c1'], 'the conversation waits for another agent');
    assert.strictEqual(frames.filter((f) => f.type === 'closed' && f.by === 'reassigned').length, 1);
    hub.dispose();
  });
});
