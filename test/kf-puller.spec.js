'use strict';
// KfPuller alone, with an in-memory 微信客服 stand-in: a burst of kf_msg_or_event callbacks for one open_kfid
// costs one running and one waiting pull, and every message the callbacks announced is still emitted once.
const assert = require('node:assert/strict');
const { KfPuller } = require('../dist/nodes/lib/wecom/kf/puller.js');
const { until, sleep } = require('./helpers/runtime');

/** A fake kf/sync_msg over a growing message list; each call waits for `gate` so a pull can be held running. */
function fakeKf() {
  const msgs = [];
  let calls = 0;
  let release = () => {};
  let gate = Promise.resolve();
  return {
    add(text) {
      msgs.push({ msgid: `m${msgs.length}`, open_kfid: 'wkA', external_userid: 'wmU', send_time: Math.floor(Date.now() / 1000) + 10, origin: 3, msgtype: 'text', text: { content: text } });
    },
    hold() {
      gate = new Promise((r) => (release = r));
    },
    open: () => release(),
    calls: () => calls,
    api: {
      async kfSyncMsg({ cursor }) {
        calls++;
        await gate;
        const from = Number(cursor || 0);
        return { errcode: 0, next_cursor: String(msgs.length), has_more: 0, msg_list: msgs.slice(from) };
      },
    },
  };
}

/** @returns {import('../dist/nodes/lib/state/backends/context-store').AsyncKV} */
function memKv() {
  /** @type {Map<string, any>} */
  const m = new Map();
  return { get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v), keys: async () => [...m.keys()] };
}

describe('微信客服 puller: bursts join the waiting pull, failures are pulled again', function () {
  it('10 callbacks during a running pull → 2 sync_msg calls, every message emitted once', async function () {
    const kf = fakeKf();
    const emitted = [];
    const p = new KfPuller({ api: () => /** @type {any} */ (kf.api), kv: memKv(), corpId: 'ww1', agentId: 'kf', emit: (b) => void emitted.push(...b) });
    kf.add('first');
    kf.hold();
    const running = p.pull('wkA', 't0');
    await new Promise((r) => setImmediate(r));
    assert.equal(kf.calls(), 1, 'the first pull is running');
    const later = [];
    for (let i = 0; i < 10; i++) {
      kf.add(`burst ${i}`);
      later.push(p.pull('wkA', `t${i + 1}`));
    }
    kf.open();
    await Promise.all([running, ...later]);
    assert.equal(kf.calls(), 2, 'one running pull and one waiting pull that the burst joined');
    assert.deepEqual(emitted.map((m) => m.payload), ['first', ...Array.from({ length: 10 }, (_, i) => `burst ${i}`)]);
    // a callback after the burst has settled starts a pull of its own
    kf.add('after');
    await p.pull('wkA');
    assert.equal(kf.calls(), 3);
    assert.equal(emitted.at(-1).payload, 'after');
  });

  it('a failed pull is tried again without another callback, backing off, until the message is emitted', async function () {
    const kf = fakeKf();
    const emitted = [];
    const errors = [];
    let failures = 3;
    const api = {
      kfSyncMsg: async (/** @type {any} */ q) => {
        if (failures-- > 0) throw Object.assign(new Error('-1 system busy'), { errcode: -1 });
        return kf.api.kfSyncMsg(q);
      },
    };
    const p = new KfPuller({ api: () => /** @type {any} */ (api), kv: memKv(), corpId: 'ww1', agentId: 'kf', retryMs: 5, emit: (b) => void emitted.push(...b), onError: (e) => errors.push(e.message) });
    kf.add('while WeCom was busy');
    await assert.rejects(p.pull('wkA', 't0'), /system busy/);
    await until(() => emitted.length === 1, 'the message pulled by a retry', 5000);
    assert.equal(emitted[0].payload, 'while WeCom was busy');
    assert.equal(kf.calls(), 1, 'one successful sync_msg after three failed');
    assert.equal(errors.length, 2, 'the two failed retries are reported (the first failure went to the callback)');
    await p.stop();
  });

  it('stop() cancels a pending retry', async function () {
    const kf = fakeKf();
    let calls = 0;
    const api = { kfSyncMsg: async () => (calls++, Promise.reject(new Error('down'))) };
    const p = new KfPuller({ api: () => /** @type {any} */ (api), kv: memKv(), corpId: 'ww1', agentId: 'kf', retryMs: 20, emit: () => undefined });
    kf.add('x');
    await assert.rejects(p.pull('wkA'));
    await p.stop();
    await sleep(60);
    assert.equal(calls, 1, 'no retry after stop');
  });
});
