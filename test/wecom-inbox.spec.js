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
const { PassiveReplies } = require('../dist/nodes/lib/wecom/passive-reply');
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
 * @param {{ passiveBudgetMs?: number, keys?: any, callbackNow?: () => number, api?: any, budget?: { customerMessage(k: string, u: string, at?: number): void | Promise<void> } }} [opts]
 */
function core(store, c, opts = {}) {
  /** @type {import('../dist/nodes/lib/wecom/inbound').InboundMessage[]} */
  const got = [];
  /** @type {unknown[]} */
  const errors = [];
  /** @type {Array<[number, string]>} */
  const rejected = [];
  let loops = 0;
  const passive = new PassiveReplies();
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
    passive,
    kf: {
      namespace: 'ns',
      api: () => opts.api,
      skipBacklog: false,
      budget: opts.budget,
      onPullError: (err) => errors.push(err),
    },
  });
  let stale = 0;
  const endpoint = new CallbackEndpoint({
    keys: opts.keys ?? KEYS,
    inbox,
    passive,
    passiveBudgetMs: opts.passiveBudgetMs,
    // the callbacks' own clock: the official vectors are from 2016
    now: opts.callbackNow,
    onStale: () => stale++,
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
  return { inbox, endpoint, passive, got, errors, rejected, drain };
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

  it('the dedupe claim it just won is not read back before the message is emitted; a re-send reads it and is dropped', async function () {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    /** @type {string[]} */
    const reads = [];
    const get = store.get.bind(store);
    store.get = (key) => (reads.push(key), get(key));
    const x = track(core(store, c));
    const { query, body } = callback(textXml('一次', { msgId: '9101' }));
    assert.equal((await x.endpoint.post(query, body)).status, 200);
    assert.equal((await x.endpoint.post(query, body)).status, 200, 'WeCom re-sends it');
    await x.drain();
    assert.deepEqual(x.got.map((m) => m.payload), ['一次'], 'emitted once');
    assert.equal(reads.filter((k) => k.startsWith('dedupe:')).length, 1, 'only the re-send (whose claim was lost) reads the claim');
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
    const v = vectors.find((y) => y.id === 'B1');
    assert.ok(v);
    const x = track(core(new MemoryStore({ now: c.now }), c, { callbackNow: () => Number(v.timestamp) * 1000 }));
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
    const answer = x.passive.claim(x.got[0].wecom.replyKey);
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

describe('wecom-in core: fresh callbacks, key rotation and WeCom ids (no Node-RED)', function () {
  const { aesKeyFrom } = require('../dist/nodes/lib/wecom/crypto');
  const { checkFresh, MAX_CLOCK_SKEW_S } = require('../dist/nodes/lib/wecom/callback');
  const { dedupeTtlFor } = require('../dist/nodes/lib/wecom/inbox');
  const { badIdField, dedupeKey, boundedKey } = require('../dist/nodes/lib/wecom/inbound');
  const { parseXml } = require('../dist/nodes/lib/wecom/xml');
  /** @type {Array<ReturnType<typeof core>>} */
  let running = [];
  afterEach(async () => {
    for (const x of running) {
      x.endpoint.close();
      await x.inbox.stop();
    }
    running = [];
  });
  /** @param {any} [opts] */
  const start = (opts) => {
    const c = clock();
    const x = core(new MemoryStore({ now: c.now }), c, opts);
    running.push(x);
    return x;
  };
  const at = (unixS) => (/** @type {string} */ xml) => sealCallback(KEYS, xml, ACCOUNT.agentId, String(unixS));

  it('a correctly signed callback stamped in 2001 gets 403, is counted and never recorded or answered', async function () {
    const x = start();
    const sealed = at(1000000000)(textXml('replayed', { msgId: '90001' }));
    const reply = await x.endpoint.post(sealed.query, sealed.body);
    assert.equal(reply.status, 403);
    assert.equal(x.endpoint.stale, 1);
    assert.equal(x.rejected.length, 1);
    assert.match(x.rejected[0][1], /^stale timestamp \(-\d+ s from our clock, more than 300 s\)$/);
    assert.ok(!x.rejected[0][1].includes(KEYS.token), 'no secret in the reason');
    await x.drain();
    assert.equal(x.got.length, 0, 'nothing reached the flow');
    // the same message, stamped now, is accepted: the 403 was about the time alone
    const fresh = callback(textXml('replayed', { msgId: '90001' }));
    assert.equal((await x.endpoint.post(fresh.query, fresh.body)).status, 200);
    await until(() => x.got.length === 1, 'the fresh message');
  });

  it('the window is ±5 minutes either side of our clock, also for the URL verification', function () {
    const now = 1_800_000_000_000;
    checkFresh(String(now / 1000 - MAX_CLOCK_SKEW_S), { now });
    checkFresh(String(now / 1000 + MAX_CLOCK_SKEW_S), { now });
    assert.throws(() => checkFresh(String(now / 1000 - MAX_CLOCK_SKEW_S - 1), { now }), { status: 403 });
    assert.throws(() => checkFresh(String(now / 1000 + MAX_CLOCK_SKEW_S + 1), { now }), { status: 403 });
    assert.throws(() => checkFresh('17e8', { now }), { status: 403 });
    const v = vectors.find((y) => y.id === 'B1');
    assert.ok(v);
    const x = start();
    assert.equal(x.endpoint.get({ msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.encrypt }).status, 403, 'a 2016 verification');
    assert.equal(x.endpoint.stale, 1);
    // the duplicate record outlives the window on both sides
    assert.ok(dedupeTtlFor(MAX_CLOCK_SKEW_S) >= 2 * MAX_CLOCK_SKEW_S * 1000);
    assert.ok(dedupeTtlFor(3600) >= 2 * 3600 * 1000);
  });

  it('while rotating, callbacks signed with the old or the new Token/EncodingAESKey are accepted and answered with their own keys', async function () {
    const oldKeys = { token: 'OldToken123', aesKey: aesKeyFrom('b'.repeat(43)), receiveId: KEYS.receiveId };
    const x = start({ keys: { ...KEYS, previous: { token: oldKeys.token, aesKey: oldKeys.aesKey } }, passiveBudgetMs: 4000 });
    const viaNew = callback(textXml('new keys', { msgId: '91001' }));
    const pendingNew = x.endpoint.post(viaNew.query, viaNew.body);
    const viaOld = sealCallback(oldKeys, textXml('old keys', { msgId: '91002' }), ACCOUNT.agentId);
    const pending = x.endpoint.post(viaOld.query, viaOld.body);
    await until(() => x.got.length === 2, 'both messages');
    assert.deepEqual(x.got.map((m) => m.payload).sort(), ['new keys', 'old keys']);
    x.passive.claim(x.got.find((m) => m.payload === 'new keys')?.wecom.replyKey)?.(/** @type {any} */ (null));
    assert.equal((await pendingNew).status, 200);
    const answer = x.passive.claim(x.got.find((m) => m.payload === 'old keys')?.wecom.replyKey);
    assert.ok(answer);
    answer('<xml><Content>ok</Content></xml>');
    const reply = await pending;
    const enc = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(String(reply.body));
    assert.ok(enc);
    assert.equal(decrypt(oldKeys.aesKey, enc[1], KEYS.receiveId).message, '<xml><Content>ok</Content></xml>', 'sealed with the old key WeCom still uses');
    // a third key set is refused
    const stranger = sealCallback({ ...oldKeys, token: 'Stranger1' }, textXml('x', { msgId: '91003' }), ACCOUNT.agentId);
    assert.equal((await x.endpoint.post(stranger.query, stranger.body)).status, 403);
    // without a previous set, the old keys are refused
    const y = start();
    const again = sealCallback(oldKeys, textXml('old keys', { msgId: '91004' }), ACCOUNT.agentId);
    assert.equal((await y.endpoint.post(again.query, again.body)).status, 403);
  });

  it('over-long or odd ids are a 400 naming the field, never a store error', async function () {
    const x = start();
    /** @type {Array<[string, Record<string, string | undefined>]>} */
    const cases = [
      ['MsgId', { MsgId: '9'.repeat(20000) }],
      ['MsgId', { MsgId: '12 34' }],
      ['OpenKfId', { MsgType: 'event', Event: 'kf_msg_or_event', OpenKfId: 'w'.repeat(3000), Token: 'abc', MsgId: undefined }],
      ['Token', { MsgType: 'event', Event: 'kf_msg_or_event', OpenKfId: 'wkX', Token: 'a\u0000b', MsgId: undefined }],
      ['MediaId', { MsgType: 'image', MediaId: 'm'.repeat(600) }],
      ['AgentID', { AgentID: '1'.repeat(40) }],
      ['FromUserName', { FromUserName: 'u'.repeat(129) }],
      ['EventKey', { MsgType: 'event', Event: 'click', EventKey: 'k'.repeat(2000), MsgId: undefined }],
    ];
    for (const [field, extra] of cases) {
      const inner = buildXml({ ToUserName: ACCOUNT.corpId, FromUserName: 'zhangsan', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: 'x', MsgId: '123', AgentID: ACCOUNT.agentId, ...extra });
      assert.equal(badIdField(parseXml(inner)), field);
      const s = callback(inner);
      const reply = await x.endpoint.post(s.query, s.body);
      assert.equal(reply.status, 400, field);
      assert.match(x.rejected[x.rejected.length - 1][1], new RegExp(`^${field} is not`));
    }
    assert.equal(x.errors.length, 0);
    // a long (but valid) event key still gives a bounded, stable dedupe key
    const rec = parseXml(buildXml({ FromUserName: 'zhangsan', MsgType: 'event', Event: 'click', EventKey: 'k'.repeat(1000), CreateTime: 1 }));
    assert.ok(dedupeKey(rec).length <= 200);
    assert.equal(dedupeKey(rec), dedupeKey(rec));
    assert.equal(boundedKey('m:1'), 'm:1');
  });
});
