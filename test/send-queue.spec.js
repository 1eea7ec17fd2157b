'use strict';
// Pieces of wecom-out: per-user FIFO queue (with deferral), per-member and 微信客服 budgets (on a MemoryStore), send plans.
const assert = require('node:assert/strict');
const { KeyedQueue } = require('../dist/nodes/lib/wecom/send/keyed-queue');
const { StoreUserLimiter } = require('../dist/nodes/lib/wecom/send/user-limiter');
const { StoreKfBudget } = require('../dist/nodes/lib/wecom/kf/budget');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { planSend, PlanError } = require('../dist/nodes/lib/wecom/send/plan');

const tick = (ms) => new Promise((r) => setTimeout(r, ms || 0));

describe('wecom-out building blocks', function () {
  it('KeyedQueue keeps per-key order, runs keys in parallel, and a deferred key frees its slot', async function () {
    const q = new KeyedQueue(1);
    const log = [];
    let deferred = false;
    q.push('a', async () => {
      if (!deferred) {
        deferred = true;
        log.push('a1-defer');
        return { deferMs: 30 };
      }
      log.push('a1');
    });
    q.push('a', async () => void log.push('a2'));
    q.push('b', async () => void log.push('b1'));
    q.push('b', async () => void log.push('b2'));
    for (let i = 0; i < 50 && log.length < 5; i++) await tick(5);
    assert.deepEqual(log, ['a1-defer', 'b1', 'b2', 'a1', 'a2'], 'b ran while a waited; a kept its order');
    assert.equal(q.length, 0);
  });

  it('KeyedQueue.close reports every task that never ran', async function () {
    const q = new KeyedQueue(1);
    const dropped = [];
    let release = /** @type {((v?: import('../dist/nodes/lib/wecom/send/keyed-queue').TaskResult) => void) | undefined} */ (undefined);
    q.push('a', () => new Promise((r) => (release = r)), () => dropped.push('a1'));
    q.push('a', async () => undefined, () => dropped.push('a2'));
    q.push('b', async () => undefined, () => dropped.push('b1'));
    assert.equal(q.close(), 2);
    assert.deepEqual(dropped.sort(), ['a2', 'b1']);
    assert.ok(release);
    release();
  });

  it('the per-member budget holds the 31st message of a minute until the window frees', async function () {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const lim = new StoreUserLimiter(() => store, 'app', undefined, () => now);
    for (let i = 0; i < 30; i++) {
      assert.equal(await lim.waitMs('u'), 0);
      assert.equal(await lim.take(['u']), 0);
      now += 1000;
    }
    assert.equal(await lim.waitMs('u'), 30_000, 'the first send of the window leaves it 60 s after it was made');
    assert.equal(await lim.waitMs('other'), 0);
    assert.equal(await lim.waitMs('u', 31), Infinity);
    now += 30_000;
    assert.equal(await lim.waitMs('u'), 0);
  });

  it('the 微信客服 budget allows 5 replies per customer message within 48 h', async function () {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const b = new StoreKfBudget(() => store, 'corp', () => now);
    /** @param {number} [n] */
    const problem = async (n = 1) => (await b.reserve('wk', 'c', n)).problem;
    assert.equal(await problem(), null, 'unknown customers are left to WeCom');
    await b.customerMessage('wk', 'c', 0);
    for (let i = 0; i < 5; i++) assert.equal(await problem(), null);
    assert.equal(await problem(), 'count');
    await b.customerMessage('wk', 'c', 10);
    assert.equal(await problem(5), null);
    now = 48 * 3600 * 1000 + 11;
    assert.equal(await problem(), 'window');
  });

  it('planSend: replies need only msg.wecom; overrides, splitting and mistakes', function () {
    const reply = planSend({ payload: 'hi', wecom: { channel: 'kf', userId: 'wmA', openKfId: 'wk1', msgType: 'text' } });
    assert.deepEqual([reply.channel, reply.openKfId, reply.userId, reply.msgtype, reply.texts], ['kf', 'wk1', 'wmA', 'text', ['hi']]);
    const app = planSend({ payload: 'x'.repeat(5000), wecom: { channel: 'app', touser: ['a', 'b'], toparty: '2|3' } });
    assert.deepEqual(app.to, { touser: ['a', 'b'], toparty: ['2', '3'], totag: [] });
    assert.equal(app.texts?.length, 3);
    const md = planSend({ payload: '**b**', msgtype: 'markdown', wecom: { userId: 'u' } });
    assert.equal(md.msgtype, 'markdown');
    const file = planSend({ payload: { msgtype: 'file', file: { path: '/tmp/a.pdf' } }, wecom: { userId: 'u' } });
    assert.deepEqual(file.media, { type: 'file', src: { path: '/tmp/a.pdf', filename: undefined } });
    assert.throws(() => planSend({ payload: 'hi', wecom: {} }), PlanError);
    assert.throws(() => planSend({ payload: { msgtype: 'textcard', textcard: {} }, wecom: { channel: 'kf', userId: 'u', openKfId: 'wk' } }), /cannot send msgtype textcard/);
    assert.throws(() => planSend({ payload: '  ', wecom: { userId: 'u' } }), /empty/);
    const kf = { channel: 'kf', userId: 'u', openKfId: 'wk' };
    const item = (i) => ({ type: 'click', click: { id: `m${i}`, content: `q${i}` } });
    const menu = (n) => ({ msgtype: 'msgmenu', msgmenu: { head_content: 'h', list: Array.from({ length: n }, (_v, i) => item(i)) } });
    const ten = planSend({ payload: menu(10), wecom: kf });
    assert.deepEqual([ten.msgtype, Array.isArray(ten.content?.list) && ten.content.list.length], ['msgmenu', 10]);
    assert.throws(() => planSend({ payload: menu(11), wecom: kf }), /at most 10 items \(got 11\)/);
    assert.throws(() => planSend({ payload: menu(0), wecom: kf }), /at least one item/);
  });
});
