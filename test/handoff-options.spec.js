'use strict';
// handoff's configuration and running parts without Node-RED (lib/handoff/options.ts, lib/handoff/service.ts),
// and the one place end-user texts live (lib/user-texts.ts).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { handoffOptions, groupOptions, noticeTexts } = require('../dist/nodes/lib/handoff/options.js');
const { HandoffService } = require('../dist/nodes/lib/handoff/service.js');
const { DEFAULT_TEXTS } = require('../dist/nodes/lib/handoff/engine.js');
const { HANDOFF_TEXTS } = require('../dist/nodes/lib/user-texts.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');
const { nativeTransfer, NativeTransferError } = require('../dist/nodes/lib/handoff/native-transfer.js');

const ID = 'app:ww1:1:u';
let n = 0;
/** @param {string} text */
const userMsg = (text) => ({
  payload: text,
  wecom: /** @type {any} */ ({ channel: 'app', corpId: 'ww1', agentId: '1', userId: 'u', msgType: 'text', msgId: `o${++n}`, createTime: 1, conversationId: ID }),
});

describe('handoff options: the dialog read into the engine options', function () {
  it('blank fields mean the defaults: 1 miss, 30 min idle, a 10 min queue timeout, default words and texts', function () {
    const o = handoffOptions({});
    assert.deepEqual([o.missThreshold, o.idleMs, o.queueMs, o.transcriptMax, o.hours, o.cancelWord, o.botWhileQueued, o.groups], [1, 1_800_000, 600_000, 20, null, '取消人工', true, undefined]);
    assert.deepEqual(o.texts, HANDOFF_TEXTS);
    assert.ok(o.transfer && o.transfer.match('转人工').length === 1);
    assert.ok(o.cancel && o.cancel.match('取消人工吧').length === 1);
    assert.deepEqual(handoffOptions({ missThreshold: '', idleTimeout: ' ', queueTimeout: '' }).queueMs, 600_000, 'blank is the default, not 0');
  });

  it('units, "-" turns a list or a text off, the first plain cancel word is named in notices', function () {
    const o = handoffOptions({ idleTimeout: '90', idleUnit: 's', queueTimeout: 0, transferWords: '-', cancelWords: '/^算了$/\n回机器人, 不等了', missThreshold: '2.7', botWhileQueued: 'false', queueText: '-', joinedText: '来了' });
    assert.deepEqual([o.idleMs, o.queueMs, o.transfer, o.cancelWord, o.missThreshold, o.botWhileQueued], [90_000, 0, null, '回机器人', 2, false]);
    assert.deepEqual([o.texts.queue, o.texts.joined, o.texts.miss], ['', '来了', HANDOFF_TEXTS.miss]);
    assert.deepEqual(noticeTexts({ missText: '  ' }).miss, HANDOFF_TEXTS.miss);
  });

  it('business hours and groups; a bad word list or schedule throws', function () {
    const o = handoffOptions({ schedule: 'mon-fri 09:00-18:00', timeZone: 'Europe/Berlin' });
    assert.equal(o.hours && o.hours.timeZone, 'Europe/Berlin');
    assert.deepEqual(groupOptions({ groupMap: [{ type: 'kf', id: ' wk1 ', group: 'sales' }, { type: 'app', id: '1000002', group: 'it' }, { id: 'x', group: '' }], groupFallback: 'any' }), {
      map: { 'kf:wk1': 'sales', 'app:1000002': 'it' },
      fallback: true,
    });
    assert.throws(() => handoffOptions({ transferWords: '/(/', transferMode: 'regex' }));
    assert.throws(() => handoffOptions({ schedule: 'someday 25:00-26:00' }));
  });
});

describe('end-user texts in one place', function () {
  it('the engine default is lib/user-texts.ts; the built catalogs carry it for the dialog, the sources do not', function () {
    assert.equal(DEFAULT_TEXTS, HANDOFF_TEXTS);
    for (const lang of ['en-US', 'zh-CN']) {
      const built = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'dist', 'nodes', 'handoff', 'locales', lang, 'handoff.json'), 'utf8'));
      assert.deepEqual(built.handoff.defaults, HANDOFF_TEXTS, lang);
      const source = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'nodes', 'handoff', 'locales', lang, 'handoff.json'), 'utf8'));
      assert.equal(source.handoff.defaults, undefined, `${lang} source catalog holds no copy`);
    }
  });
});

describe('handoff service: engine, timers and sweeps without Node-RED', function () {
  /** @type {Array<{ close(): Promise<void> }>} */
  const stores = [];
  afterEach(async function () {
    for (const st of stores.splice(0)) await st.close();
  });

  /** @param {object} [opts] */
  function service(opts = {}) {
    /** @type {any[]} */
    const emitted = [];
    /** @type {Error[]} */
    const errors = [];
    let changed = 0;
    /** @type {Array<() => void>} */
    const waiting = [];
    const store = new MemoryStore();
    stores.push(store);
    const s = new HandoffService(store, 'handoff-timers:t', Object.assign(handoffOptions({}), opts), {
      emit(out) {
        emitted.push(out);
        for (const w of waiting.splice(0)) w();
      },
      error: (err) => errors.push(err),
      changed: () => changed++,
    });
    /** Resolves once an emitted output satisfies `pred` (checked now and on every emit). @param {(out: any) => boolean} pred */
    const until = async (pred) => {
      while (!emitted.some(pred)) await new Promise((resolve) => waiting.push(() => resolve(undefined)));
    };
    return { s, store, emitted, errors, until, changes: () => changed };
  }

  it('takes user messages, bridge events and results; anything else is not its input', async function () {
    const { s, emitted, changes } = service();
    assert.equal(s.input({ payload: 'x' }), null);
    assert.equal(s.input({ payload: 'x', wecom: /** @type {any} */ ({ conversationId: '' }) }), null);
    await s.input(userMsg('你好'));
    assert.deepEqual(emitted.map((o) => [o.bot.length, o.agent.length, o.notice.length]), [[1, 0, 0]], 'to the bot');
    await s.input(userMsg('转人工'));
    assert.deepEqual([emitted[1].agent.length, emitted[1].notice.length], [1, 1], 'to the agents, and the user is told');
    assert.deepEqual(await s.counts(), { active: 1, agents: undefined });
    const before = changes();
    const presence = s.input({ bridge: /** @type {any} */ ({ event: 'presence', agentsOnline: 2 }) });
    assert.ok(presence);
    await presence;
    assert.equal(changes(), before + 1, 'presence changes the status without a message out');
    assert.deepEqual(await s.counts(), { active: 1, agents: 2 });
    s.stop();
  });

  it('the queue timeout fires from the store\'s timers and brings the bot back; nothing is emitted once stopped', async function () {
    const { s, emitted, errors, until } = service({ queueMs: 30 });
    s.start();
    await s.input(userMsg('转人工'));
    await until((out) => out.notice.some((/** @type {any} */ m) => m.handoff.notice === 'queueTimeout'));
    assert.deepEqual(await s.counts(), { active: 0, agents: undefined });
    s.stop();
    assert.equal(s.stopped, true);
    const count = emitted.length;
    await s.input(userMsg('转人工'));
    assert.equal(emitted.length, count, 'a stopped service emits nothing');
    assert.deepEqual(errors, []);
  });
});

describe('native transfer: to WeCom\'s 接待人员 instead of the bridge', function () {
  /** @type {any} */
  const kf = { channel: 'kf', openKfId: 'wk1', userId: 'wm1', conversationId: 'kf:wk1:wm1' };
  /** @returns {{ calls: unknown[][], api: () => { kfTransServiceState(...a: any[]): Promise<unknown> } }} */
  const recorder = () => {
    /** @type {unknown[][]} */
    const calls = [];
    return { calls, api: () => ({ kfTransServiceState: async (...a) => void calls.push(a) }) };
  };

  it('state 3 to a named servicer, else state 2 (WeCom\'s pool)', async function () {
    const named = recorder();
    await nativeTransfer(named.api, 'zhangsan')(kf);
    const pool = recorder();
    await nativeTransfer(pool.api)(kf);
    assert.deepEqual([named.calls, pool.calls], [[['wk1', 'wm1', 3, 'zhangsan']], [['wk1', 'wm1', 2, undefined]]]);
  });

  it('refuses without an account or outside 微信客服, calling nothing', async function () {
    const r = recorder();
    await assert.rejects(nativeTransfer(null)(kf), NativeTransferError);
    await assert.rejects(nativeTransfer(r.api)(Object.assign({}, kf, { channel: 'app' })), /微信客服/);
    assert.deepEqual(r.calls, []);
  });
});
