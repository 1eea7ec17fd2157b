'use strict';
// wecom-out's outbox core (nodes/lib/wecom/send/outbox.ts) without Node-RED: a MemoryStore and a fake WeCom API.
const assert = require('node:assert/strict');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { Outbox, OUTBOX_GROUP } = require('../dist/nodes/lib/wecom/send/outbox');
const { StoreUserLimiter } = require('../dist/nodes/lib/wecom/send/user-limiter');
const { StoreKfBudget } = require('../dist/nodes/lib/wecom/kf/budget');
const { KfSessionKeeper } = require('../dist/nodes/lib/wecom/kf/session');
const { WecomApiError } = require('../dist/nodes/lib/wecom/api/errors');
const { PassiveReplies } = require('../dist/nodes/lib/wecom/passive-reply');
const { waitFor } = require('./helpers/simulator');

/**
 * A fake WeCom API: records app sends; `failures` are thrown, in order, by the next sends (null: that send goes through).
 * @param {{ failures?: Array<Error | null> }} [o]
 */
function fakeApi(o = {}) {
  const failures = [...(o.failures ?? [])];
  /** @type {Array<{ msgtype: string, content: any, to: any }>} */
  const sent = [];
  let n = 0;
  const api = {
    agentId: '1000002',
    sent,
    /** @param {string} msgtype @param {any} content @param {any} to */
    async sendAppMessage(msgtype, content, to) {
      const f = failures.shift();
      if (f) throw f;
      sent.push({ msgtype, content, to });
      const msgid = `m${++n}`;
      return { msgid, msgids: [msgid] };
    },
  };
  return api;
}

/** @param {any} store @param {ReturnType<typeof fakeApi>} api */
function account(store, api) {
  return {
    corpId: 'wwcorp',
    api: () => /** @type {any} */ (api),
    appLimiter: new StoreUserLimiter(() => store, 'wwcorp:1000002'),
    kfBudget: new StoreKfBudget(() => store, 'wwcorp'),
    kfSessions: new KfSessionKeeper(),
    passiveReplies: new PassiveReplies(),
  };
}

/**
 * An outbox core with recording hooks.
 * @param {any} store
 * @param {any} acc
 * @param {Record<string, unknown>} [over]
 */
function core(store, acc, over = {}) {
  /** @type {{ sent: any[], failed: Array<{ msg: any, caller: any, err: Error }>, skipped: any[] }} */
  const got = { sent: [], failed: [], skipped: [] };
  const outbox = new Outbox({
    store,
    id: 'out1',
    defaults: {},
    accountFor: () => acc,
    maxHoldMs: 120_000,
    dupCheckSec: 60,
    retryMs: 180_000,
    replayAfterMs: 10_000,
    concurrency: 8,
    texts: { noAccount: 'no account', closing: 'closing' },
    /** @param {any} msg @param {any} caller */
    sent: (msg, caller) => got.sent.push({ msg, caller }),
    /** @param {any} msg @param {any} caller @param {Error} err */
    failed: (msg, caller, err) => got.failed.push({ msg, caller, err }),
    /** @param {any} caller */
    skipped: (caller) => got.skipped.push(caller),
    changed: () => undefined,
    trouble: () => undefined,
    ...over,
  });
  return { outbox, got };
}

/**
 * A message into wecom-out (its msg.wecom names only the recipient, as a function node's would).
 * @param {string} text @param {string} [userId] @returns {any}
 */
const reply = (text, userId = 'zhangsan') => ({ payload: text, wecom: { channel: 'app', userId } });

describe('wecom-out outbox core (no Node-RED)', function () {
  /** @type {Array<{ close(): void }>} */
  let open = [];
  afterEach(() => {
    for (const o of open) o.close();
    open = [];
  });
  /** @param {any} store @param {any} acc @param {Record<string, unknown>} [over] */
  const start = (store, acc, over) => {
    const c = core(store, acc, over);
    open.push(c.outbox);
    return c;
  };

  it('records, sends and acknowledges a reply; the caller gets msg.wecomResult', async function () {
    const store = new MemoryStore();
    const api = fakeApi();
    const { outbox, got } = start(store, account(store, api));
    outbox.accept(reply('你好'), 'caller-1');
    await waitFor(() => got.sent.length === 1, 3000, 'the send');
    assert.equal(got.sent[0].caller, 'caller-1');
    assert.equal(got.sent[0].msg.wecomResult.msgid, 'm1');
    assert.deepEqual(api.sent.map((s) => s.content.content), ['你好']);
    assert.deepEqual(api.sent[0].to.touser, ['zhangsan']);
    assert.equal(await store.pendingCount('outbox:out1', OUTBOX_GROUP), 0, 'acknowledged');
    assert.deepEqual(outbox.last, { ok: true, passive: false, parts: 1 });
    assert.equal(outbox.pending, 0);
  });

  it('a message that cannot be planned is reported at once and never recorded', async function () {
    const store = new MemoryStore();
    const api = fakeApi();
    const { outbox, got } = start(store, account(store, api));
    outbox.accept(reply(''), 'c');
    assert.equal(got.failed.length, 1);
    assert.match(got.failed[0].err.message, /empty/);
    assert.equal(got.failed[0].caller, 'c');
    assert.equal(await store.pendingCount('outbox:out1', OUTBOX_GROUP), 0);
    assert.equal(api.sent.length, 0);
  });

  it('a transient failure is retried in the user\'s order; a configuration error is reported once', async function () {
    const store = new MemoryStore();
    const transient = new WecomApiError({ api: 'message/send', errcode: -1, errmsg: 'system busy', kind: 'transient' });
    const api = fakeApi({ failures: [transient] });
    const { outbox, got } = start(store, account(store, api));
    outbox.accept(reply('first'), 1);
    outbox.accept(reply('second'), 2);
    await waitFor(() => got.sent.length === 2, 5000, 'both sends');
    assert.deepEqual(api.sent.map((s) => s.content.content), ['first', 'second'], 'order kept across the retry');
    assert.equal(got.failed.length, 0);

    const config = new WecomApiError({ api: 'message/send', errcode: 40001, errmsg: 'invalid secret', kind: 'config' });
    const api2 = fakeApi({ failures: [config] });
    const store2 = new MemoryStore();
    const c2 = start(store2, account(store2, api2));
    c2.outbox.accept(reply('x'), 3);
    await waitFor(() => c2.got.failed.length === 1, 3000, 'the error');
    assert.equal(c2.got.failed[0].err, config);
    assert.deepEqual(c2.outbox.last, { ok: false, errcode: 40001 });
    assert.equal(api2.sent.length, 0);
  });

  it('a retry goes on with the first part not sent: each part reaches WeCom once and takes the budget once', async function () {
    const store = new MemoryStore();
    const transient = new WecomApiError({ api: 'message/send', errcode: -1, errmsg: 'system busy', kind: 'transient' });
    const api = fakeApi({ failures: [null, transient] });
    const acc = account(store, api);
    const { outbox, got } = start(store, acc);
    const [a, b, c] = ['甲'.repeat(682), '乙'.repeat(682), '丙']; // 2046 bytes each: three parts
    outbox.accept(reply(a + b + c), 1);
    await waitFor(() => got.sent.length === 1, 5000, 'the send');
    assert.deepEqual(api.sent.map((s) => s.content.content), [a, b, c]);
    assert.equal(got.sent[0].msg.wecomResult.parts, 3);
    assert.deepEqual(got.sent[0].msg.wecomResult.msgids, ['m1', 'm2', 'm3']);
    // 3 of the member's 30 a minute are spent: 27 more fit, 28 do not
    assert.equal(await acc.appLimiter.waitMs('zhangsan', 27), 0);
    assert.ok((await acc.appLimiter.waitMs('zhangsan', 28)) > 0);
  });

  it('a passive reply answers the first part; only the parts left go to the API and take the budget', async function () {
    const store = new MemoryStore();
    const api = fakeApi();
    const acc = account(store, api);
    /** @type {Array<string | null>} */
    const answered = [];
    const key = acc.passiveReplies.open(60_000, (xml) => answered.push(xml));
    const { outbox, got } = start(store, acc);
    const [a, b] = ['甲'.repeat(682), '乙'];
    outbox.accept({ ...reply(a + b), wecom: { channel: 'app', userId: 'zhangsan', replyKey: key } }, 1);
    await waitFor(() => got.sent.length === 1, 5000, 'the send');
    assert.equal(answered.length, 1);
    assert.match(String(answered[0]), /<Content><!\[CDATA\[甲+\]\]><\/Content>/);
    assert.deepEqual(api.sent.map((s) => s.content.content), [b]);
    assert.equal(got.sent[0].msg.wecomResult.passive, true);
    assert.equal(got.sent[0].msg.wecomResult.parts, 2);
    assert.equal(await acc.appLimiter.waitMs('zhangsan', 29), 0, 'one of 30 spent');
    assert.ok((await acc.appLimiter.waitMs('zhangsan', 30)) > 0);
  });

  it('sends what another run recorded (no caller) and the same answer to one user message only once', async function () {
    const store = new MemoryStore();
    const m = { payload: 'left over', wecom: { channel: 'app', userId: 'lisi', raw: {} } };
    await store.append('outbox:out1', { m, idem: 'inbox:in1:7:abc', at: Date.now() });
    await store.append('outbox:out1', { m, idem: 'inbox:in1:7:abc', at: Date.now() });
    const api = fakeApi();
    const { got } = start(store, account(store, api));
    await waitFor(() => got.sent.length + got.skipped.length === 2, 3000, 'both entries');
    assert.equal(got.sent.length, 1);
    assert.equal(got.sent[0].caller, undefined);
    assert.equal(got.sent[0].msg.payload, 'left over');
    assert.equal(typeof got.sent[0].msg._msgid, 'string');
    assert.deepEqual(api.sent.map((s) => s.content.content), ['left over']);
  });

  it('over the per-member budget with no hold allowed: the 31st reply is reported (kind rate), not sent', async function () {
    const store = new MemoryStore();
    const api = fakeApi();
    const { outbox, got } = start(store, account(store, api), { maxHoldMs: 0 });
    for (let i = 0; i < 31; i++) outbox.accept(reply(`n${i}`, 'busy'), i);
    await waitFor(() => got.sent.length + got.failed.length === 31, 5000, '31 outcomes');
    assert.equal(got.sent.length, 30);
    assert.equal(got.failed[0].caller, 30);
    assert.equal(/** @type {any} */ (got.failed[0].err).kind, 'rate');
    assert.equal(api.sent.length, 30);
  });

  it('after close, a message is refused with the closing text', function () {
    const store = new MemoryStore();
    const { outbox, got } = start(store, account(store, fakeApi()));
    outbox.close();
    outbox.accept(reply('late'), 'c');
    assert.equal(got.failed.length, 1);
    assert.equal(got.failed[0].err.message, 'closing');
  });
});
