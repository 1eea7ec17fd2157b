'use strict';
// 微信客服 pull in wecom-in (kf_msg_or_event → kf/sync_msg paging → emit → cursor), against the simulator.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, load, startHttp, stopHttp, httpUrl, sleep } = require('./helpers/runtime');
const { startSim, simAccount, waitFor } = require('./helpers/simulator');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');

const MODS = [accountMod, inMod];

function flow(sim, inProps) {
  const acc = simAccount('acc1', sim);
  return {
    nodes: [
      { id: 'tab1', type: 'tab' },
      acc.node,
      Object.assign({ id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/kf', wires: [['sink']] }, inProps || {}),
      { id: 'sink', z: 'tab1', type: 'helper' },
    ],
    credentials: acc.credentials,
  };
}

const userMsgIds = (sim) => sim.records().filter((r) => r.direction === 'user').map((r) => r.data.msgId);

describe('微信客服 pull (wecom-in)', function () {
  let sim;
  before(() => startHttp());
  after(() => stopHttp());
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    await sim.stop();
  });

  it('pages with has_more across a Node-RED restart: nothing lost, nothing emitted twice', async function () {
    sim = await startSim({ kfPageSize: 3 });
    const f = flow(sim);
    // The cursor and the kf dedupe live in the state store: a disk store survives the full redeploy.
    helper.settings({ wecomState: { kind: 'local', dir: fs.mkdtempSync(path.join(os.tmpdir(), 'kf-pull-')) } });
    await load(MODS, f.nodes, f.credentials);
    // Customers write while no callback arrives (the callback URL is not set yet).
    for (let i = 0; i < 12; i++) await sim.userSays({ channel: 'kf', userId: `wmC${i % 3}`, text: `question ${i}` });
    sim.setCallbackUrl(httpUrl('/wecom/kf'));
    sim.setFaults({ latencyMs: 300 }); // each sync_msg page takes a moment, so the restart lands mid-paging
    const firstRun = [];
    let restarting = null;
    helper.getNode('sink').on('input', (m) => {
      firstRun.push(m);
      // page 1 (3 messages) arrived; page 2 is being fetched: redeploy now (a full Node-RED flow restart)
      if (firstRun.length === 3 && !restarting) restarting = helper.setFlows(f.nodes, 'full', f.credentials);
    });
    await sim.userSays({ channel: 'kf', userId: 'wmC0', text: 'anyone there?' });
    await waitFor(() => restarting !== null, 5000, 'the first page');
    await restarting;
    const afterFirst = firstRun.length;
    const secondRun = [];
    helper.getNode('sink').on('input', (m) => secondRun.push(m));
    sim.setFaults({ latencyMs: 0 });
    const all = userMsgIds(sim);
    assert.ok(afterFirst > 0 && afterFirst < all.length + 3, `the restart interrupted the paging (${afterFirst} emitted before it)`);
    // The next callback after the restart resumes from the persisted cursor.
    await sim.userSays({ channel: 'kf', userId: 'wmC1', text: 'after restart' });
    const want = userMsgIds(sim);
    await waitFor(() => {
      const got = new Set([...firstRun, ...secondRun].filter((m) => m.wecom.msgType === 'text').map((m) => m.wecom.msgId));
      return want.every((id) => got.has(id));
    }, 8000, 'every customer message');
    await sleep(100); // nothing more may arrive
    const texts = [...firstRun, ...secondRun].filter((m) => m.wecom.msgType === 'text');
    const ids = texts.map((m) => m.wecom.msgId);
    assert.equal(new Set(ids).size, ids.length, 'no message emitted twice');
    assert.deepEqual([...ids].sort(), [...want].sort());
    const events = [...firstRun, ...secondRun].filter((m) => m.wecom.event === 'enter_session');
    assert.equal(events.length, 3, `one enter_session per customer, each once (got ${events.length}; first run ${afterFirst})`);
    for (const m of texts) {
      assert.equal(m.wecom.channel, 'kf');
      assert.equal(m.wecom.openKfId, 'wkSANDBOX01');
      assert.equal(m.topic, `kf:${m.wecom.corpId}:wkSANDBOX01:${m.wecom.userId}`);
    }
    assert.ok(sim.stats()['kf/sync_msg'] >= 5, 'several pages were pulled');
  });

  it('a page pulled again (the cursor was not saved before a crash) is not emitted twice', async function () {
    sim = await startSim();
    const f = flow(sim);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-repull-'));
    helper.settings({ wecomState: { kind: 'local', dir } });
    await load(MODS, f.nodes, f.credentials);
    let got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    sim.setCallbackUrl(httpUrl('/wecom/kf'));
    for (const t of ['one', 'two', 'three']) await sim.userSays({ channel: 'kf', userId: 'wmREPULL', text: t });
    await waitFor(() => got.filter((m) => m.wecom.msgType === 'text').length === 3, 5000, 'three messages');
    await helper.unload();
    // As if the process died after recording the page and before saving the cursor: forget the cursor.
    const { createStore } = require('../dist/nodes/lib/state/index.js');
    const store = createStore({ kind: 'local', dir });
    const cursors = [];
    for await (const k of store.keys('kv:in1:')) if (k.includes('wecomKfCursor')) cursors.push(k);
    assert.equal(cursors.length, 1, 'one stored cursor');
    await store.delete(cursors[0]);
    await store.close();
    await load(MODS, f.nodes, f.credentials);
    got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    const pullsBefore = sim.stats()['kf/sync_msg'];
    await sim.userSays({ channel: 'kf', userId: 'wmREPULL', text: 'four' });
    await waitFor(() => got.some((m) => m.payload === 'four'), 5000, 'the new message');
    await sleep(300);
    assert.deepEqual(got.filter((m) => m.wecom.msgType === 'text').map((m) => m.payload), ['four'], 'the re-pulled page is not emitted again');
    // A pull ran after the restart; with the cursor deleted it began at the start and saw the old page again.
    assert.ok(sim.stats()['kf/sync_msg'] > pullsBefore, 'pulled again after the restart');
  });

  it('serialises concurrent callbacks for one account: each message once, in order', async function () {
    sim = await startSim({ kfPageSize: 2 });
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    sim.setCallbackUrl(httpUrl('/wecom/kf'));
    await Promise.all(Array.from({ length: 8 }, (_, i) => sim.userSays({ channel: 'kf', userId: 'wmSAME', text: `m${i}` })));
    const want = userMsgIds(sim);
    await waitFor(() => got.filter((m) => m.wecom.msgType === 'text').length >= want.length, 5000, 'all messages');
    await sleep(100);
    const ids = got.filter((m) => m.wecom.msgType === 'text').map((m) => m.wecom.msgId);
    assert.deepEqual(ids, want, 'each once, in WeCom order');
  });

  it('skips the backlog from before the first start by default, and emits it when told to', async function () {
    sim = await startSim();
    await sim.userSays({ channel: 'kf', userId: 'wmOLD', text: 'old message' });
    await sleep(1100); // send_time has 1 s resolution
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    sim.setCallbackUrl(httpUrl('/wecom/kf'));
    await sim.userSays({ channel: 'kf', userId: 'wmNEW', text: 'new message' });
    await waitFor(() => got.some((m) => m.payload === 'new message'), 5000, 'the new message');
    await sleep(100);
    assert.deepEqual(got.filter((m) => m.wecom.msgType === 'text').map((m) => m.payload), ['new message']);

    await helper.unload();
    const f2 = flow(sim, { id: 'in2', kfSkipBacklog: false });
    f2.nodes[2].id = 'in2';
    await load(MODS, f2.nodes, f2.credentials);
    const got2 = [];
    helper.getNode('sink').on('input', (m) => got2.push(m));
    await sim.userSays({ channel: 'kf', userId: 'wmNEW', text: 'again' });
    await waitFor(() => got2.some((m) => m.payload === 'again'), 5000, 'the backlog and the new message');
    await sleep(100);
    assert.deepEqual(got2.filter((m) => m.wecom.msgType === 'text').map((m) => m.payload), ['old message', 'new message', 'again']);
  });

  it('carries who wrote as msg.wecom.customer (batchget, cached), and looks nobody up when "Look up who wrote" is off', async function () {
    sim = await startSim();
    sim.setProfile('wmWHO', { name: '晓雯', gender: 2 });
    const f = flow(sim);
    await load(MODS, f.nodes, f.credentials);
    const got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    sim.setCallbackUrl(httpUrl('/wecom/kf'));
    // the first message of a user waits a moment for the lookup, later ones find it kept: write until one has it
    let n = 0;
    const named = await waitFor(async () => {
      const text = `who am I ${++n}`;
      await sim.userSays({ channel: 'kf', userId: 'wmWHO', text });
      const m = await waitFor(() => got.find((x) => x.payload === text), 5000, 'the message');
      return m.wecom.customer?.name ? m : null;
    }, 8000, 'a message carrying the profile');
    assert.equal(named.wecom.customer.name, '晓雯');
    assert.equal(named.wecom.customer.gender, 2);
    const lookups = () => sim.stats()['kf/customer/batchget'] ?? 0;
    const asked = lookups();

    await helper.unload();
    const f2 = flow(sim, { id: 'in3', profiles: false });
    f2.nodes[2].id = 'in3';
    await load(MODS, f2.nodes, f2.credentials);
    const got2 = [];
    helper.getNode('sink').on('input', (m) => got2.push(m));
    sim.setProfile('wmOFF', { name: '不查', gender: 1 });
    await sim.userSays({ channel: 'kf', userId: 'wmOFF', text: 'no lookup' });
    const second = await waitFor(() => got2.find((m) => m.payload === 'no lookup'), 5000, 'the message');
    assert.equal(second.wecom.customer, undefined, 'not looked up');
    assert.equal(lookups(), asked, 'WeCom was not asked');
  });
});
