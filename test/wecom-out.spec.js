'use strict';
// wecom-out (and wecom-in's 微信客服 pull) in a real Node-RED runtime against the WeCom simulator,
// all over loopback HTTP.
const assert = require('node:assert/strict');
const { helper, load, startHttp, stopHttp, httpUrl } = require('./helpers/runtime');
const { ACCOUNT } = require('./helpers/fixtures');
const { startSim, simAccount, waitFor } = require('./helpers/simulator');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');
const outMod = require('../dist/nodes/wecom-out/wecom-out.js');

const MODS = [accountMod, inMod, outMod];
const bot = (sim, pred) => sim.records().filter((r) => r.direction === 'bot' && (!pred || pred(r)));

/** wecom-in → wecom-out (echo) → sink, plus a catch node → caught. */
/** The passive-reply slots of a wecom-account node of the loaded flow (wecom-in opens them, wecom-out claims them). */
const passiveOf = (id) => /** @type {any} */ (helper.getNode(id)).passiveReplies;

function flow(sim, o) {
  const opts = o || {};
  const acc = simAccount('acc1', sim, opts.account);
  return {
    nodes: [
      { id: 'tab1', type: 'tab' },
      acc.node,
      Object.assign({ id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/cb', wires: [['out1']] }, opts.in || {}),
      Object.assign({ id: 'out1', z: 'tab1', type: 'wecom-out', account: 'acc1', wires: opts.errorOutput ? [['sink'], ['errs']] : [['sink']] }, opts.out || {}, opts.errorOutput ? { errorOutput: true } : {}),
      { id: 'sink', z: 'tab1', type: 'helper' },
      { id: 'errs', z: 'tab1', type: 'helper' },
      { id: 'catch1', z: 'tab1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab1', type: 'helper' },
    ],
    credentials: Object.assign({}, acc.credentials, opts.credentials || {}),
  };
}

function collect(id) {
  const got = [];
  helper.getNode(id).on('input', (m) => got.push(m));
  return got;
}

describe('wecom-out against the simulator', function () {
  let sim;
  before(() => startHttp());
  after(() => stopHttp());
  beforeEach(async () => {
    sim = await startSim({ callbackUrl: httpUrl('/wecom/cb') });
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('replies to an app message through message/send with no configuration', async function () {
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const r = await sim.userSays({ channel: 'app', userId: 'zhangsan', text: '你好，在吗' });
    assert.equal(r.status, 200);
    await waitFor(() => sink.length === 1, 5000, 'the reply');
    assert.equal(sink[0].wecomResult.errcode, 0);
    assert.equal(sink[0].wecomResult.channel, 'app');
    assert.deepEqual(bot(sim).map((x) => [x.channel, x.userId, x.text]), [['app', 'zhangsan', '你好，在吗']]);
    assert.equal(sim.stats()['message/send'], 1);
  });

  it('answers with the passive reply when the slot is claimed in time, never also through the API', async function () {
    const f = flow(sim, { in: { passiveReply: true, passiveBudgetMs: 3000 } });
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    await sim.userSays({ channel: 'app', userId: 'lisi', text: 'passive please' });
    await waitFor(() => sink.length === 1, 5000, 'the reply');
    assert.equal(sink[0].wecomResult.passive, true);
    const replies = bot(sim);
    assert.equal(replies.length, 1);
    assert.equal(replies[0].text, 'passive please');
    assert.deepEqual(replies[0].data, { passive: true });
    assert.equal(sim.stats()['message/send'] ?? 0, 0);
  });

  it('sends through the API when the passive slot has expired', async function () {
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    let answered;
    const slotClosed = new Promise((resolve) => {
      const key = passiveOf('acc1').open(20, (xml) => {
        answered = xml;
        resolve(key);
      });
    });
    const key = await slotClosed;
    helper.getNode('out1').receive({ payload: 'late reply', wecom: { channel: 'app', userId: 'wangwu', replyKey: key } });
    await waitFor(() => sink.length === 1, 5000, 'the reply');
    assert.equal(answered, null, 'the expired slot answered empty');
    assert.notEqual(sink[0].wecomResult.passive, true);
    assert.deepEqual(bot(sim).map((x) => [x.userId, x.text, x.data.passive]), [['wangwu', 'late reply', undefined]]);
  });

  it('claims a still-open passive slot for the first text reply (slot gets the plaintext reply XML)', async function () {
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    /** @type {string | null} */
    let answered = '';
    const key = passiveOf('acc1').open(4000, (xml) => {
      answered = xml;
    });
    helper.getNode('out1').receive({ payload: '马上回复', wecom: { channel: 'app', userId: 'zhaoliu', replyKey: key } });
    await waitFor(() => sink.length === 1, 5000, 'the reply');
    assert.equal(sink[0].wecomResult.passive, true);
    assert.match(answered, /<ToUserName><!\[CDATA\[zhaoliu\]\]><\/ToUserName>/);
    assert.match(answered, /<Content><!\[CDATA\[马上回复\]\]><\/Content>/);
    assert.equal(sim.stats()['message/send'] ?? 0, 0);
  });

  it('replies to a 微信客服 message: pull after the callback, send_msg back, welcome via send_msg_on_event', async function () {
    const f = flow(sim, { in: { kfWelcome: '欢迎光临' } });
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const r = await sim.userSays({ channel: 'kf', userId: 'wmCUSTOMER1', text: '请问营业时间？' });
    assert.equal(r.status, 200);
    // (this echo flow also echoes the enter_session event's placeholder; only the text reply matters)
    const kf = await waitFor(() => {
      const b = bot(sim).filter((x) => !x.text.startsWith('[event:'));
      return b.length === 2 && b;
    }, 5000, 'welcome and reply');
    const welcome = kf.find((x) => x.data.onEvent);
    assert.equal(welcome.text, '欢迎光临');
    const reply = kf.find((x) => !x.data.onEvent);
    assert.deepEqual([reply.channel, reply.userId, reply.openKfId, reply.text], ['kf', 'wmCUSTOMER1', 'wkSANDBOX01', '请问营业时间？']);
    const sent = await waitFor(() => sink.find((m) => m.wecom.msgType === 'text'), 5000, 'the output msg');
    assert.equal(sent.wecom.channel, 'kf');
    assert.equal(sent.topic, `kf:${ACCOUNT.corpId}:wkSANDBOX01:wmCUSTOMER1`);
    assert.match(sent.wecomResult.msgid, /^[0-9a-f]{32}$/);
  });

  it('a 微信客服 session with a human servicer is refused with a clear error, not sent', async function () {
    const f = flow(sim, { errorOutput: true });
    await load(MODS, f.nodes, f.credentials);
    const errs = collect('errs');
    const caught = collect('caught');
    sim.setCallbackUrl('');
    await sim.userSays({ channel: 'kf', userId: 'wmHUMAN', text: 'hello' });
    // move the session to a human (state 3) as a servicer in the WeCom client would
    const api = helper.getNode('acc1').api('kf');
    await api.kfTransServiceState('wkSANDBOX01', 'wmHUMAN', 3, 'servicer1');
    helper.getNode('out1').receive({ payload: 'bot answer', wecom: { channel: 'kf', userId: 'wmHUMAN', openKfId: 'wkSANDBOX01' } });
    await waitFor(() => errs.length === 1 && caught.length === 1, 5000, 'the error');
    assert.equal(errs[0].error.errcode, 95018);
    assert.match(caught[0].error.message, /human servicer/);
    assert.equal(bot(sim).length, 0);
  });

  it('500 sends to 20 users with 20 % injected -1 / 5xx / timeouts: each delivered exactly once, in per-user order', async function () {
    this.timeout(60000);
    const f = flow(sim, { errorOutput: true, out: { concurrency: 20 } });
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const errs = collect('errs');
    sim.setFaults({ errorRate: 0.2 });
    const out = helper.getNode('out1');
    for (let i = 0; i < 500; i++) {
      const user = `user${i % 20}`;
      out.receive({ payload: `${user} #${Math.floor(i / 20)}`, wecom: { channel: 'app', userId: user } });
    }
    await waitFor(() => sink.length + errs.length === 500, 55000, 'all 500 outcomes');
    sim.setFaults({ errorRate: 0 });
    assert.equal(errs.length, 0, errs.map((e) => e.error.message).join('\n'));
    assert.ok(sim.stats().faults > 50, 'faults were really injected');
    const recs = bot(sim);
    assert.equal(recs.length, 500);
    for (let u = 0; u < 20; u++) {
      const texts = recs.filter((r) => r.userId === `user${u}`).map((r) => r.text);
      assert.deepEqual(texts, Array.from({ length: 25 }, (_, k) => `user${u} #${k}`));
    }
  });

  it('a configuration error gives one clear error per message and no retry storm', async function () {
    const f = flow(sim, { errorOutput: true });
    f.credentials.acc1.agentSecret = 'wrong-secret';
    await load(MODS, f.nodes, f.credentials);
    const caught = collect('caught');
    const out = helper.getNode('out1');
    for (let i = 0; i < 10; i++) out.receive({ payload: `m${i}`, wecom: { channel: 'app', userId: `u${i}` } });
    await waitFor(() => caught.length === 10, 5000, '10 errors');
    for (const m of caught) {
      assert.match(m.error.message, /errcode 40001/);
      assert.match(m.error.message, /Secret/);
      assert.doesNotMatch(m.error.message, /wrong-secret/);
    }
    assert.equal(sim.stats().gettoken, 1, 'the failure is remembered: no gettoken per message');
    assert.equal(sim.stats()['message/send'] ?? 0, 0);
  });

  it('tracks the app per-member limit (30/min): excess is reported, never silently dropped by WeCom', async function () {
    const f = flow(sim, { errorOutput: true, out: { maxHoldSec: 0 } });
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const errs = collect('errs');
    const out = helper.getNode('out1');
    for (let i = 0; i < 35; i++) out.receive({ payload: `n${i}`, wecom: { channel: 'app', userId: 'busyuser' } });
    await waitFor(() => sink.length + errs.length === 35, 5000, '35 outcomes');
    assert.equal(sink.length, 30);
    assert.equal(errs.length, 5);
    assert.equal(errs[0].error.kind, 'rate');
    assert.deepEqual(errs.map((m) => m.payload), ['n30', 'n31', 'n32', 'n33', 'n34']);
    assert.equal(sim.stats().dropped ?? 0, 0, 'nothing was sent that WeCom would drop');
    assert.equal(bot(sim).length, 30);
  });

  it('tracks the 微信客服 5-replies-per-customer-message rule and reports the 6th', async function () {
    const f = flow(sim, { errorOutput: true });
    // wecom-in pulls the customer message (so the budget knows it) but does not echo
    f.nodes.find((n) => n.id === 'in1').wires = [['sink']];
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const errs = collect('errs');
    await sim.userSays({ channel: 'kf', userId: 'wmFIVE', text: 'tell me more' });
    await waitFor(() => sink.some((m) => m.payload === 'tell me more'), 5000, 'the pulled message');
    const out = helper.getNode('out1');
    for (let i = 0; i < 6; i++) out.receive({ payload: `reply ${i}`, wecom: { channel: 'kf', userId: 'wmFIVE', openKfId: 'wkSANDBOX01' } });
    await waitFor(() => errs.length === 1 && bot(sim).length === 5, 5000, '5 replies and 1 error');
    assert.equal(errs[0].payload, 'reply 5');
    assert.equal(errs[0].error.errcode, 95001);
    assert.deepEqual(bot(sim).map((r) => r.text), ['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4']);
    // a new customer message resets the allowance
    await sim.userSays({ channel: 'kf', userId: 'wmFIVE', text: 'and?' });
    await waitFor(() => sink.some((m) => m.payload === 'and?'), 5000, 'the second pulled message');
    out.receive({ payload: 'reply 6', wecom: { channel: 'kf', userId: 'wmFIVE', openKfId: 'wkSANDBOX01' } });
    await waitFor(() => bot(sim).length === 6, 5000, 'the reply after the reset');
  });

  it('uploads a Buffer payload first and sends it as an image', async function () {
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    helper.getNode('out1').receive({ payload: Buffer.from('\x89PNG\r\n pretend image'), msgtype: 'image', filename: 'chart.png', wecom: { channel: 'app', userId: 'zhangsan' } });
    await waitFor(() => sink.length === 1, 5000, 'the send');
    assert.match(sink[0].wecomResult.mediaId, /^sim_image_/);
    const rec = bot(sim)[0];
    assert.equal(rec.msgtype, 'image');
    assert.equal(rec.data.media_id, sink[0].wecomResult.mediaId);
    assert.equal(sim.stats()['media/upload'], 1);
  });

  it('splits long Chinese text into ordered parts of at most 2048 bytes', async function () {
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const sink = collect('sink');
    const text = '企业微信'.repeat(600); // 7200 bytes
    helper.getNode('out1').receive({ payload: text, wecom: { channel: 'app', userId: 'lisi' } });
    await waitFor(() => sink.length === 1, 5000, 'the send');
    const parts = bot(sim).map((r) => r.text);
    assert.equal(sink[0].wecomResult.parts, parts.length);
    assert.equal(parts.length, 4, 'identical parts are not swallowed by the duplicate check');
    assert.equal(parts.join(''), text);
    for (const p of parts) assert.ok(Buffer.byteLength(p) <= 2048);
  });
});
