'use strict';
// WeCom's per-user send budgets in the StateStore (nodes/lib/wecom/send/user-limiter.ts, nodes/lib/wecom/kf/budget.ts):
// two wecom-out outbox cores on one store — two instances of Node-RED, or two nodes of one account — spend one
// budget per user. On a MemoryStore, and on a real redis-server when one is installed (two RedisStores = two instances).
const assert = require('node:assert/strict');
const rs = require('./helpers/redis-server');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');
const { Outbox } = require('../dist/nodes/lib/wecom/send/outbox');
const { StoreUserLimiter } = require('../dist/nodes/lib/wecom/send/user-limiter');
const { StoreKfBudget } = require('../dist/nodes/lib/wecom/kf/budget');
const { PassiveReplies } = require('../dist/nodes/lib/wecom/passive-reply');
const { KfSessionKeeper } = require('../dist/nodes/lib/wecom/kf/session');
const { WecomApiError } = require('../dist/nodes/lib/wecom/api/errors');
const { waitFor } = require('./helpers/simulator');

/**
 * A fake WeCom API (app and 微信客服 sends; every 微信客服 session is in state 1); `failures` are thrown by the next app sends.
 * @param {Error[]} [failures]
 */
function fakeApi(failures = []) {
  /** @type {Array<{ user: string, text: string }>} */
  const sent = [];
  let n = 0;
  return {
    agentId: '1000002',
    sent,
    /** @param {string} _t @param {any} content @param {any} to */
    async sendAppMessage(_t, content, to) {
      const f = failures.shift();
      if (f) throw f;
      sent.push({ user: to.touser.join('|'), text: content.content });
      const msgid = `m${++n}`;
      return { msgid, msgids: [msgid] };
    },
    /** @param {string} _k @param {string} user @param {string} _t @param {any} content @param {string} msgid */
    async kfSendMsg(_k, user, _t, content, msgid) {
      sent.push({ user, text: content.content });
      return { msgid, msgids: [msgid] };
    },
    async kfGetServiceState() {
      return { serviceState: 1 };
    },
  };
}

/**
 * One wecom-out core (its own account objects, as another instance would have) on `store`.
 * @param {any} store @param {string} id @param {ReturnType<typeof fakeApi>} api
 */
function instance(store, id, api) {
  const account = {
    corpId: 'wwcorp',
    api: () => /** @type {any} */ (api),
    appLimiter: new StoreUserLimiter(() => store, 'wwcorp:1000002'),
    kfBudget: new StoreKfBudget(() => store, 'wwcorp'),
    kfSessions: new KfSessionKeeper(),
    passiveReplies: new PassiveReplies(),
  };
  /** @type {{ sent: any[], failed: Array<{ caller: any, err: any }> }} */
  const got = { sent: [], failed: [] };
  const outbox = new Outbox({
    store,
    id,
    defaults: {},
    accountFor: () => account,
    maxHoldMs: 0,
    dupCheckSec: 0,
    retryMs: 0,
    replayAfterMs: 60_000,
    concurrency: 8,
    texts: { noAccount: 'no account', closing: 'closing' },
    /** @param {any} _m @param {any} caller */
    sent: (_m, caller) => got.sent.push(caller),
    /** @param {any} _m @param {any} caller @param {any} err */
    failed: (_m, caller, err) => got.failed.push({ caller, err }),
    skipped: () => undefined,
    changed: () => undefined,
    trouble: () => undefined,
  });
  return { outbox, got, account };
}

/** @param {string} channel @param {string} userId @param {string} text @returns {any} */
const msg = (channel, userId, text) => ({ payload: text, wecom: channel === 'kf' ? { channel, userId, openKfId: 'wkA' } : { channel, userId } });

/**
 * The shared-budget cases against one kind of store.
 * @param {() => Promise<[any, any]>} twoStores two handles on one store (the same object, or two connections)
 */
function sharedBudgets(twoStores) {
  /** @type {Array<{ close(): void }>} */
  let open = [];
  /** @type {any[]} */
  let stores = [];
  afterEach(async () => {
    for (const o of open) o.close();
    open = [];
    for (const s of new Set(stores)) await s.close();
    stores = [];
  });
  /** @returns {Promise<[ReturnType<typeof instance>, ReturnType<typeof instance>, ReturnType<typeof fakeApi>]>} */
  async function pair() {
    stores = await twoStores();
    const api = fakeApi();
    const a = instance(stores[0], 'outA', api);
    const b = instance(stores[1], 'outB', api);
    open.push(a.outbox, b.outbox);
    return [a, b, api];
  }

  it('app: 20 replies through one core and 15 through the other to one member: 30 sent, the 5 over 30/min reported', async function () {
    const [a, b, api] = await pair();
    for (let i = 0; i < 20; i++) a.outbox.accept(msg('app', 'busy', `a${i}`), `a${i}`);
    await waitFor(() => a.got.sent.length === 20, 5000, "the first core's 20");
    for (let i = 0; i < 15; i++) b.outbox.accept(msg('app', 'busy', `b${i}`), `b${i}`);
    b.outbox.accept(msg('app', 'calm', 'other user'), 'calm');
    await waitFor(() => b.got.sent.length + b.got.failed.length === 16, 5000, "the second core's 16");
    assert.equal(api.sent.filter((s) => s.user === 'busy').length, 30, 'never more than 30 a minute to one member');
    assert.deepEqual(b.got.failed.map((f) => f.caller), ['b10', 'b11', 'b12', 'b13', 'b14']);
    for (const f of b.got.failed) assert.equal(f.err.kind, 'rate');
    assert.match(b.got.failed[0].err.message, /30\/min/);
    assert.ok(b.got.sent.includes('calm'), 'another member has their own budget');
  });

  it('微信客服: a customer message seen by one instance; 3 replies from each: 5 sent, the 6th reported with 95001', async function () {
    const [a, b, api] = await pair();
    await a.account.kfBudget.customerMessage('wkA', 'wmCUST', Date.now());
    assert.ok(await stores[1].get('sendbudget:kf:wwcorp:wkA:wmCUST'), 'recorded (seen by the other instance) once customerMessage resolves');
    for (let i = 0; i < 3; i++) a.outbox.accept(msg('kf', 'wmCUST', `a${i}`), `a${i}`);
    await waitFor(() => a.got.sent.length === 3, 5000, "the first core's 3");
    for (let i = 0; i < 3; i++) b.outbox.accept(msg('kf', 'wmCUST', `b${i}`), `b${i}`);
    await waitFor(() => b.got.sent.length + b.got.failed.length === 3, 5000, "the second core's 3");
    assert.equal(api.sent.length, 5);
    assert.deepEqual(b.got.failed.map((f) => f.caller), ['b2']);
    assert.equal(b.got.failed[0].err.errcode, 95001);
    // the customer writes again (seen by the other instance): the allowance is back for both
    const again = Date.now() + 1;
    b.account.kfBudget.customerMessage('wkA', 'wmCUST', again);
    await waitFor(async () => (await stores[0].get('sendbudget:kf:wwcorp:wkA:wmCUST'))?.lastCustomerAt === again, 3000, 'the new message recorded');
    a.outbox.accept(msg('kf', 'wmCUST', 'after'), 'after');
    await waitFor(() => a.got.sent.includes('after') || a.got.failed.length > 0, 5000, 'the reply after the new message');
    assert.deepEqual(a.got.failed, []);
  });
}

describe('per-user send budgets shared through the state store', function () {
  describe('memory store', function () {
    sharedBudgets(async () => {
      const s = new MemoryStore();
      return [s, s];
    });
  });

  describe('redis (two connections = two instances)', function () {
    if (rs.missing()) return;
    /** @type {any} */
    let server;
    let seq = 0;
    before(async () => {
      server = await rs.start();
    });
    after(async () => {
      if (server) await server.destroy();
    });
    sharedBudgets(async () => {
      const prefix = `budget${++seq}:`;
      const open = async (/** @type {string} */ instanceId) => {
        const s = new RedisStore({ url: server.url, prefix, instanceId, maxReconnectDelayMs: 100 });
        await s.ready();
        return s;
      };
      return [await open('A'), await open('B')];
    });
  });

  it('a send that fails gives its place back; a 2-part text needs both places at once', async function () {
    const store = new MemoryStore();
    const config = new WecomApiError({ api: 'message/send', errcode: 40001, errmsg: 'invalid secret', kind: 'config' });
    const api = fakeApi([config]);
    const a = instance(store, 'outA', api);
    const key = 'sendbudget:app:wwcorp:1000002:u';
    try {
      a.outbox.accept(msg('app', 'u', 'fails'), 'fails');
      await waitFor(() => a.got.failed.length === 1, 3000, 'the failure');
      assert.equal(a.got.failed[0].err.errcode, 40001);
      assert.equal(await store.get(key), undefined, 'nothing counted for a message WeCom did not take');
      for (let i = 0; i < 29; i++) a.outbox.accept(msg('app', 'u', `n${i}`), i);
      await waitFor(() => a.got.sent.length === 29, 5000, '29 sends');
      a.outbox.accept(msg('app', 'u', 'x'.repeat(2049)), 'two parts');
      await waitFor(() => a.got.failed.length === 2, 3000, 'the 2-part message reported');
      assert.equal(a.got.failed[1].caller, 'two parts');
      assert.equal(a.got.failed[1].err.kind, 'rate');
      assert.equal(/** @type {number[]} */ (await store.get(key)).length, 29, 'nothing taken for it');
      a.outbox.accept(msg('app', 'u', 'one part'), 'one part');
      await waitFor(() => a.got.sent.includes('one part'), 3000, 'the 30th');
    } finally {
      a.outbox.close();
    }
  });

  it('StoreUserLimiter: a send given back (it failed) frees its place; windows slide', async function () {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const one = new StoreUserLimiter(() => store, 'app', undefined, () => now);
    const two = new StoreUserLimiter(() => store, 'app', undefined, () => now);
    for (let i = 0; i < 30; i++) {
      assert.equal(await (i % 2 ? one : two).take(['u']), 0);
      now += 1000;
    }
    assert.equal(await one.take(['u']), 30_000, 'the first send of the window leaves it 60 s after it was made');
    assert.equal(await two.waitMs('u'), 30_000);
    assert.equal(await two.waitMs('u', 31), Infinity);
    await one.giveBack(['u']);
    assert.equal(await two.take(['u']), 0);
    assert.equal(await one.take(['v', 'u']), 30_000, 'all recipients must fit');
    assert.equal(await store.get('sendbudget:app:app:v'), undefined, 'what was taken from the one that fitted is given back');
    now += 30_000;
    assert.equal(await two.take(['u']), 0);
    assert.equal(await new StoreUserLimiter(() => store, 'another app', undefined, () => now).waitMs('u'), 0);
  });

  it('StoreKfBudget: unknown customers are left to WeCom; the 48 h window; replies given back to their own allowance', async function () {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const a = new StoreKfBudget(() => store, 'corp', () => now);
    const b = new StoreKfBudget(() => store, 'corp', () => now);
    assert.deepEqual(await a.reserve('wk', 'c', 1), { problem: null }, 'unknown: WeCom judges');
    b.customerMessage('wk', 'c', 0);
    const four = await b.reserve('wk', 'c', 4);
    assert.deepEqual(four, { problem: null, at: 0 });
    assert.equal((await a.reserve('wk', 'c', 2)).problem, 'count');
    await b.giveBack('wk', 'c', 1, four.at);
    const two = await a.reserve('wk', 'c', 2);
    assert.equal(two.problem, null);
    // a new customer message: a give-back for the old one does not add to the new allowance
    a.customerMessage('wk', 'c', 10);
    assert.equal((await b.reserve('wk', 'c', 5)).problem, null);
    await a.giveBack('wk', 'c', 2, two.at);
    assert.equal((await b.reserve('wk', 'c', 1)).problem, 'count');
    now = 48 * 3600 * 1000 + 11;
    assert.equal((await b.reserve('wk', 'c', 1)).problem, 'window');
  });
});
