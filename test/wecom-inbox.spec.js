'use strict';
// wecom-in's core without Node-RED: the durable inbox (record before the 200, emit once, replay what a stopped
// run left, settle) and the callback endpoint (verification, decrypt → record → acknowledge, 503 when the store
// cannot record, passive reply), on the memory store with a hand-moved clock.
const assert = require('node:assert/strict');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { StateUnavailable } = require('../dist/nodes/lib/state/store');
const { INBOX_GROUP, inboxStream, settleInbox } = require('../dist/nodes/lib/contract/lifecycle');
const { Inbox } = require('../dist/nodes/lib/wecom/inbox');
const { CallbackEndpoint } = require('../dist/nodes/lib/wecom/callback-endpoint');
const { BodyError } = require('../dist/nodes/lib/wecom/raw-body');
const { claimPassiveSlot } = require('../dist/nodes/lib/wecom/passive-reply');
const { decrypt } = require('../dist/nodes/lib/wecom/crypto');
const { sealCallback } = require('../dist/nodes/lib/wecom/callback');
const { buildXml } = require('../dist/nodes/lib/wecom/xml');
const { limitedWarn } = require('../dist/nodes/shared/warn-limit');
const { ACCOUNT, KEYS, textXml } = require('./helpers/fixtures');
const { vectors } = require('./fixtures/wecom-crypto-vectors.json');

const NODE = 'in1';
const STREAM = inboxStream(NODE);
const REPLAY_MS = 10_000;
const SETTLE_MS = 60_000;

/** @param {() => unknown} probe @param {string} what */
async function until(probe, what) {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A clock the test moves by hand, shared by the store and the inbox. */
function clock() {
  const c = { t: 1_700_000_000_000, now: () => c.t };
  return c;
}

/**
 * One wecom-in's core on `store`: the inbox, its endpoint and what they emitted / reported.
 * @param {import('../dist/nodes/lib/state/store').StateStore} store
 * @param {{ now: () => number }} c
 * @param {{ passiveBudgetMs?: number, api?: any, budget?: { customerMessage(k: string, u: string, at?: number): void | Promise<void> } }} [opts]
 */
function core(store, c, opts = {}) {
  /** @type {import('../dist/nodes/lib/wecom/inbound').InboundMessage[]} */
  const got = [];
  /** @type {unknown[]} */
  const errors = [];
  /** @type {Array<[number, string]>} */
  const rejected = [];
  let loops = 0;
  const inbox = new Inbox({
    store,
    nodeId: NODE,
    corpId: KEYS.receiveId,
    agentId: ACCOUNT.agentId,
    accountId: 'acc1',
    replayAfterMs: REPLAY_MS,
    settleMs: SETTLE_MS,
    emit: (m) => got.push(m),
    onError: (err) => errors.push(err),
    now: c.now,
    onIdle: () => loops++,
    kf: {
      namespace: 'ns',
      api: () => opts.api,
      skipBacklog: false,
      budget: opts.budget,
      onPullError: (err) => errors.push(err),
    },
  });
  const endpoint = new CallbackEndpoint({
    keys: KEYS,
    inbox,
    passiveBudgetMs: opts.passiveBudgetMs,
    onRejected: (status, reason) => rejected.push([status, reason]),
    onFailed: (err) => errors.push(err),
    onChange: () => undefined,
  });
  /** Run the consumer once and wait until that loop has ended. */
  const drain = async (claim = false) => {
    const before = loops;
    if (claim) inbox.poll();
    else inbox.wake();
    await until(() => loops > before, 'the consumer loop');
  };
  return { inbox, endpoint, got, errors, rejected, drain };
}

/** The POST WeCom would send for `innerXml`. @param {string} innerXml */
function callback(innerXml) {
  return sealCallback(KEYS, innerXml, ACCOUNT.agentId);
}

describe('wecom-in core: inbox and callback endpoint (no Node-RED)', function () {
  /** @type {Array<{ inbox: { stop(): Promise<void> }, endpoint: { close(): void } }>} */
  let running = [];
  /** @param {ReturnType<typeof core>} x */
  const track = (x) => (running.push(x), x);
  afterEach(async () => {
    for (const x of running) {
      x.endpoint.close();
      await x.inbox.stop();
    }
    running = [];
  });

  it('records the message before the 200, then emits it once with its inbox entry', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const x = track(core(store, c));
    const { query, body } = callback(textXml('你好', { msgId: '9001' }));
    const reply = await x.endpoint.post(query, body);
    assert.deepEqual(reply, { status: 200 });
    // already in the stream when the 200 is given (another group reads it)
    const seen = await store.readGroup(STREAM, 'probe', 'p');
    assert.equal(seen.length, 1);
    assert.equal(x.got.length, 0, 'not emitted before the consumer ran');
    await x.drain();
    assert.equal(x.got.length, 1);
    const m = x.got[0];
    assert.equal(m.payload, '你好');
    assert.equal(m.wecom.msgId, '9001');
    assert.equal(m.wecom.accountId, 'acc1');
    assert.deepEqual(m.wecom.inbox, { s: STREAM, id: seen[0].id });
    assert.equal(await store.pendingCount(STREAM, INBOX_GROUP), 1, 'pending until its outcome is recorded');
    assert.equal(x.endpoint.accepted, 1);
  });

  it('a re-send of a recorded message is acknowledged 200 and not emitted again', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const x = track(core(store, c));
    const { query, body } = callback(textXml('再来一次', { msgId: '9002' }));
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    await x.drain();
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    await x.drain();
    await x.drain();
    assert.equal(x.got.length, 1);
    assert.equal(await store.pendingCount(STREAM, INBOX_GROUP), 1, "the re-sends' entries are acknowledged at once");
  });

  it('an entry a stopped run left without an outcome is emitted again after replayAfter, not before', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const first = core(store, c);
    const { query, body } = callback(textXml('崩溃前', { msgId: '9003' }));
    await first.endpoint.post(query, body);
    await first.drain();
    assert.equal(first.got.length, 1);
    await first.inbox.stop(); // the run stops (crash, redeploy) before any outcome was recorded

    const second = track(core(store, c));
    await second.drain(true);
    c.t += REPLAY_MS - 1;
    await second.drain(true);
    assert.equal(second.got.length, 0, 'not taken over before replayAfter');
    c.t += 1;
    await second.drain(true);
    assert.equal(second.got.length, 1);
    assert.equal(second.got[0].payload, '崩溃前');
    assert.deepEqual(second.got[0].wecom.inbox, first.got[0].wecom.inbox, 'the same entry');
  });

  it('an emitted entry without an outcome settles after settleSec; one with an outcome is never replayed', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const x = track(core(store, c));
    for (const id of ['9004', '9005']) {
      const { query, body } = callback(textXml(`m${id}`, { msgId: id }));
      await x.endpoint.post(query, body);
    }
    await x.drain();
    assert.equal(x.got.length, 2);
    await settleInbox(store, x.got[1].wecom.inbox); // wecom-out recorded the answer of the second
    assert.equal(await store.pendingCount(STREAM, INBOX_GROUP), 1);
    c.t += SETTLE_MS - 1;
    await x.drain(true);
    assert.equal(await store.pendingCount(STREAM, INBOX_GROUP), 1, 'not settled before settleSec');
    c.t += 1;
    await x.drain(true);
    await until(async () => (await store.pendingCount(STREAM, INBOX_GROUP)) === 0, 'the entry to settle');
    // a later run has nothing to replay
    const later = track(core(store, c));
    c.t += REPLAY_MS;
    await later.drain(true);
    assert.equal(later.got.length, 0);
  });

  it('a store that cannot record: 503, nothing emitted, and WeCom’s re-send is then emitted once', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const x = track(core(store, c));
    const { append, claim } = store;
    const down = async () => {
      throw new StateUnavailable('disk full');
    };
    Object.assign(store, { append: down, claim: down });
    const { query, body } = callback(textXml('存不下', { msgId: '9006' }));
    const reply = await x.endpoint.post(query, body);
    assert.equal(reply.status, 503);
    assert.equal(x.endpoint.storeDown, true);
    assert.deepEqual(x.rejected, [[503, 'disk full']]);
    Object.assign(store, { append, claim });
    await x.drain();
    assert.equal(x.got.length, 0, 'nothing unrecorded is emitted');
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    assert.equal(x.endpoint.storeDown, false, 'the next record clears the down state');
    await x.drain();
    assert.equal(x.got.length, 1);
    assert.equal(x.got[0].payload, '存不下');
  });

  it('claimed but not appended (the store failed half-way): 503, and the re-send is not taken for a duplicate', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const x = track(core(store, c));
    const { append } = store;
    Object.assign(store, {
      append: async () => {
        throw new StateUnavailable('stream write failed');
      },
    });
    const { query, body } = callback(textXml('半途', { msgId: '9009' }));
    assert.equal((await x.endpoint.post(query, body)).status, 503);
    Object.assign(store, { append });
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    await x.drain();
    assert.equal(x.got.length, 1);
    assert.equal(x.got[0].payload, '半途');
  });

  it('refuses bad requests with their status, counted: bad signature 403, missing query 401, too large 413', async function () {
    const c = clock();
    const x = track(core(new MemoryStore({ now: c.now }), c));
    const { query, body } = callback(textXml('x'));
    assert.equal((await x.endpoint.post({ ...query, msg_signature: '0'.repeat(40) }, body)).status, 403);
    assert.equal((await x.endpoint.post({}, body)).status, 401);
    const tooLarge = await x.endpoint.post(query, Promise.reject(new BodyError(413, 'request body exceeds 10 bytes')));
    assert.deepEqual(tooLarge, { status: 413, type: 'text/plain', body: 'payload too large' });
    assert.equal(x.endpoint.rejected, 3);
    assert.equal(x.endpoint.accepted, 0);
    await x.drain();
    assert.equal(x.got.length, 0);
  });

  it('answers the URL verification (GET) with the plaintext, and a wrong signature with 403', function () {
    const c = clock();
    const x = track(core(new MemoryStore({ now: c.now }), c));
    const v = vectors.find((y) => y.id === 'B1');
    assert.ok(v);
    const query = { msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.encrypt };
    assert.deepEqual(x.endpoint.get(query), { status: 200, type: 'text/plain', body: v.plaintext_msg });
    assert.equal(x.endpoint.get({ ...query, msg_signature: '0'.repeat(40) }).status, 403);
  });

  it('passive reply: the answer waits for the flow and carries the encrypted reply it claimed', async function () {
    const c = clock();
    const x = track(core(new MemoryStore({ now: c.now }), c, { passiveBudgetMs: 4000 }));
    const { query, body } = callback(textXml('要被动回复', { msgId: '9007' }));
    const pending = x.endpoint.post(query, body);
    await until(() => x.got.length === 1, 'the message');
    const answer = claimPassiveSlot(x.got[0].wecom.replyKey);
    assert.ok(answer, 'the emitted message carries an open slot');
    answer('<xml><Content>好的</Content></xml>');
    const reply = await pending;
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'application/xml');
    const enc = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(String(reply.body));
    assert.ok(enc);
    assert.equal(decrypt(KEYS.aesKey, enc[1], KEYS.receiveId).message, '<xml><Content>好的</Content></xml>');
  });

  it('微信客服: a callback pulls once; a page pulled again is not emitted twice', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    let pulls = 0;
    const page = {
      errcode: 0,
      has_more: 0,
      next_cursor: '', // the cursor is never saved: every pull gets the same page again
      msg_list: [{ msgid: 'kf-1', open_kfid: 'wkA', external_userid: 'wmU', send_time: 1, origin: 3, msgtype: 'text', text: { content: '客服你好' } }],
    };
    const api = { kfSyncMsg: async () => (pulls++, page) };
    const x = track(core(store, c, { api }));
    /** @param {string} token */
    const kfCallback = (token) => callback(buildXml({ ToUserName: KEYS.receiveId, CreateTime: 1, MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: 'wkA' }));
    const one = kfCallback('t1');
    assert.equal((await x.endpoint.post(one.query, one.body)).status, 200);
    await until(() => x.got.length === 1, 'the pulled message');
    assert.equal((await x.endpoint.post(one.query, one.body)).status, 200, "WeCom's re-send of the callback");
    const two = kfCallback('t2');
    assert.equal((await x.endpoint.post(two.query, two.body)).status, 200);
    await until(() => pulls === 2, 'the second pull');
    await x.drain();
    assert.equal(pulls, 2, 'the re-sent callback did not pull');
    assert.equal(x.got.length, 1);
    assert.equal(x.got[0].payload, '客服你好');
    assert.equal(x.got[0].wecom.channel, 'kf');
    assert.deepEqual(x.errors, []);
  });

  it('微信客服: a customer message is emitted only once the reply budget has recorded it (a reply on another instance sees it)', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    const page = {
      errcode: 0,
      has_more: 0,
      next_cursor: 'c1',
      msg_list: [{ msgid: 'kf-b1', open_kfid: 'wkB', external_userid: 'wmB', send_time: 7, origin: 3, msgtype: 'text', text: { content: '在吗' } }],
    };
    /** @type {Array<[string, string, number | undefined]>} */
    const seen = [];
    /** @type {() => void} */
    let recorded = () => undefined;
    const budget = {
      /** @param {string} k @param {string} u @param {number} [at] */
      customerMessage: (k, u, at) => (seen.push([k, u, at]), new Promise((resolve) => (recorded = () => resolve(undefined)))),
    };
    const x = track(core(store, c, { api: { kfSyncMsg: async () => page }, budget }));
    const cb = callback(buildXml({ ToUserName: KEYS.receiveId, CreateTime: 1, MsgType: 'event', Event: 'kf_msg_or_event', Token: 't9', OpenKfId: 'wkB' }));
    assert.equal((await x.endpoint.post(cb.query, cb.body)).status, 200);
    await until(() => seen.length === 1, 'the budget told of the customer message');
    assert.deepEqual(seen[0], ['wkB', 'wmB', 7000]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(x.got.length, 0, 'not emitted while the budget record is being written');
    recorded();
    await until(() => x.got.length === 1, 'emitted after the record');
    assert.equal(x.got[0].payload, '在吗');
  });
});

describe('limitedWarn (wecom-in refusal warnings)', function () {
  it('passes 10 a minute, holds back the rest, and says how many when the next minute starts', function () {
    let t = 0;
    /** @type {string[]} */
    const out = [];
    const warn = limitedWarn(10, (s) => out.push(s), (n) => `held back ${n}`, () => t);
    for (let i = 0; i < 25; i++) warn(`w${i}`);
    assert.equal(out.length, 10);
    t += 60_001;
    warn('next');
    assert.deepEqual(out.slice(10), ['held back 15', 'next']);
  });
});
