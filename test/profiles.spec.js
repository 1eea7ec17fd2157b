'use strict';
// Who wrote: the simulator's kf/customer/batchget (≤ 100 ids, enter_session_context) and user/get, WecomApi's
// kfCustomers / getMember over them, and the Profiles cache wecom-in uses (one lookup per user and day, lookups
// of one moment batched, a failure neither holds the message up nor is retried for every message).
const assert = require('node:assert/strict');
const { startSim } = require('./helpers/simulator');
const { ACCOUNT } = require('./helpers/fixtures');
const { WecomApi } = require('../dist/nodes/lib/wecom/wecom-api');
const { WecomApiError } = require('../dist/nodes/lib/wecom/api/errors');
const { Profiles } = require('../dist/nodes/lib/wecom/profiles');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');

describe('customer profiles (kf/customer/batchget, user/get, the cache)', function () {
  /** @type {any} */
  let sim;
  /** @type {any} */
  let kf;
  /** @type {any} */
  let app;
  before(async () => {
    sim = await startSim();
    kf = new WecomApi({ corpId: ACCOUNT.corpId, secret: ACCOUNT.kfSecret, apiBase: sim.url, retry: { maxRetries: 0 } });
    app = new WecomApi({ corpId: ACCOUNT.corpId, secret: ACCOUNT.agentSecret, agentId: ACCOUNT.agentId, apiBase: sim.url, retry: { maxRetries: 0 } });
    sim.setProfile('wmAlice', { name: '爱丽丝', gender: 2, scene: 'channels', sceneParam: 'live-1212', channelsName: '禾点收银' });
    sim.setProfile('wmGone', { unknown: true });
    sim.setProfile('zhangsan', { name: '张三', department: [2, 7] });
  });
  after(async () => {
    await kf.close();
    await app.close();
    await sim.stop();
  });
  const calls = () => sim.stats()['kf/customer/batchget'] ?? 0;

  it('batchget gives nickname, avatar, gender and the entry context; unknown ids are left out', async () => {
    const got = await kf.kfCustomers(['wmAlice', 'wmGone', 'wmBob1234']);
    assert.deepEqual(got.get('wmAlice'), { name: '爱丽丝', avatar: `${sim.url}/_sim/avatar/wmAlice.svg`, gender: 2, scene: 'channels', sceneParam: 'live-1212', channelsName: '禾点收银' });
    assert.equal(got.get('wmBob1234').name, '客户1234');
    assert.equal(got.has('wmGone'), false);
    const svg = await fetch(got.get('wmAlice').avatar);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml', 'the avatar can be shown');
  });

  it('more than 100 ids go out in calls of 100 (the simulator refuses 101 as WeCom does)', async () => {
    await assert.rejects(kf.call('kf/customer/batchget', { external_userid_list: Array.from({ length: 101 }, (_, i) => `wm${i}`) }), (e) => e instanceof WecomApiError && e.errcode === 40058);
    const before = calls();
    const got = await kf.kfCustomers(Array.from({ length: 150 }, (_, i) => `wmMany${i}`));
    assert.equal(got.size, 150);
    assert.equal(calls() - before, 2);
  });

  it('user/get gives an app member name and departments; the 微信客服 secret may not read the directory', async () => {
    assert.deepEqual(await app.getMember('zhangsan'), { name: '张三', avatar: `${sim.url}/_sim/avatar/zhangsan.svg`, department: ['2', '7'] });
    await assert.rejects(kf.getMember('zhangsan'), (e) => e instanceof WecomApiError && e.errcode === 48002);
  });

  it('the cache asks WeCom once per user, batches the lookups of one moment, and remembers a failure', async () => {
    const store = new MemoryStore();
    const p = new Profiles({ store, api: (ch) => (ch === 'kf' ? kf : app) });
    /** @param {string} userId @param {'app' | 'kf'} [channel] */
    const w = (userId, channel = 'kf') => ({ channel, corpId: ACCOUNT.corpId, userId });
    const before = calls();
    const [a, b, c] = await Promise.all([p.of(w('wmAlice')), p.of(w('wmCarol01')), p.of(w('wmGone'))]);
    assert.equal(a?.name, '爱丽丝');
    assert.equal(b?.name, '客户ol01');
    assert.equal(c, undefined);
    assert.equal(calls() - before, 1, 'three lookups of one moment: one call');
    assert.equal((await p.of(w('wmAlice')))?.name, '爱丽丝');
    assert.equal(await p.of(w('wmGone')), undefined);
    assert.equal(calls() - before, 1, 'kept in the state store, also what WeCom did not know');
    assert.equal((await p.of(w('zhangsan', 'app')))?.name, '张三');

    const broken = new Profiles({ store: new MemoryStore(), api: (ch) => (ch === 'kf' ? { kfCustomers: () => Promise.reject(new Error('down')), getMember: () => Promise.reject(new Error('down')) } : app) });
    assert.equal(await broken.of(w('wmAlice')), undefined, 'a failed lookup gives no profile, no error');
    const slow = new Profiles({ store: new MemoryStore(), waitMs: 20, api: () => ({ kfCustomers: () => new Promise(() => undefined), getMember: () => new Promise(() => undefined) }) });
    assert.equal(await slow.of(w('wmAlice')), undefined, 'a lookup slower than waitMs does not hold the message');
  });
});
