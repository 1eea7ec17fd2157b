// The Redis backend of the state layer against a real redis-server on loopback (started here on a free port
// with a temp dir): what several instances sharing one Redis rely on, and Redis going away and coming back.
'use strict';
const assert = require('node:assert/strict');
const rs = require('./helpers/redis-server');
const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');
const { StateUnavailable } = require('../dist/nodes/lib/state/store');
const { createStore } = require('../dist/nodes/lib/state/index');
const { stateOptions } = require('../dist/nodes/shared/state');
const { sharedToken } = require('../dist/nodes/lib/wecom/api/shared-token');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('redis state store (real redis-server)', function () {
  this.timeout(30000);
  let server;
  const open = [];
  let n = 0;

  /** A store on its own prefix (one per test), as instance `id`. */
  async function store(id, prefix) {
    const s = new RedisStore({ url: server.url, instanceId: id, prefix: prefix || `t${n}:`, maxReconnectDelayMs: 100 });
    open.push(s);
    await s.ready();
    return s;
  }

  before(async function () {
    if (!rs.available()) {
      console.log(`      ${rs.HOW_TO_GET}`);
      this.skip();
    }
    server = await rs.start();
  });
  beforeEach(() => {
    n++;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    if (server && !server.running) await server.start();
  });
  after(async () => {
    if (server) await server.destroy();
  });

  it('two instances: one claim wins, concurrent updates all count, a counter is shared', async () => {
    const a = await store('A');
    const b = await store('B');
    const claims = await Promise.all([a.claim('dedupe:m1', 'A', 5000), b.claim('dedupe:m1', 'B', 5000)]);
    assert.deepEqual(claims.sort(), [false, true]);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).update('conv:u1', (c) => ({ value: { n: (c ? c.n : 0) + 1 }, result: null }))),
    );
    assert.deepEqual(await b.get('conv:u1'), { n: 60 });
    const totals = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).incr('budget:u1', 1, 60000)));
    assert.equal(Math.max(...totals), 20);
    assert.equal(new Set(totals).size, 20);
  });

  it('update keeps the TTL when none is given and sets it when one is', async () => {
    const a = await store('A');
    await a.set('k', 1, { ttlMs: 60000 });
    await a.update('k', (c) => ({ value: c + 1, result: null }));
    const ttl = await server.cli(`PTTL t${n}:k:k`);
    assert.match(ttl, /^:\d+$/);
    assert.ok(Number(ttl.slice(1)) > 0, ttl);
    await a.update('k', (c) => ({ value: c + 1, result: null, ttlMs: 1 }));
    await sleep(20);
    assert.equal(await a.get('k'), undefined);
  });

  it('a lease has one owner across instances; renew fails once another took it', async () => {
    const a = await store('A');
    const b = await store('B');
    const la = await a.lease('kf:pull:wk1', 80);
    assert.ok(la);
    assert.equal(la.owner, 'A');
    assert.equal(await b.lease('kf:pull:wk1', 80), null);
    await sleep(120);
    const lb = await b.lease('kf:pull:wk1', 5000);
    assert.ok(lb, 'B takes the expired lease');
    assert.equal(await la.renew(), false);
    await la.release(); // must not free B's lease
    assert.equal(await a.lease('kf:pull:wk1', 5000), null);
    await lb.release();
    assert.ok(await a.lease('kf:pull:wk1', 5000));
  });

  it('a dead consumer’s unacknowledged entries go to a live one after claimIdleMs, once', async () => {
    const a = await store('A');
    const b = await store('B');
    for (let i = 0; i < 6; i++) await a.append('inbox', { i });
    const gotA = await a.readGroup('inbox', 'work', 'A', { count: 4 });
    assert.deepEqual(gotA.map((e) => /** @type {{ i: number }} */ (e.value).i), [0, 1, 2, 3]);
    await a.ack('inbox', 'work', [gotA[0].id]);
    // A dies here. B sees only the new entries until the idle time has passed.
    const early = await b.readGroup('inbox', 'work', 'B', { count: 10, claimIdleMs: 60000 });
    assert.deepEqual(early.map((e) => /** @type {{ i: number }} */ (e.value).i), [4, 5]);
    await b.ack('inbox', 'work', early.map((e) => e.id));
    await sleep(150);
    const late = await b.readGroup('inbox', 'work', 'B', { count: 10, claimIdleMs: 100 });
    assert.deepEqual(late.map((e) => /** @type {{ i: number }} */ (e.value).i).sort(), [1, 2, 3]);
    assert.ok(late.every((e) => e.deliveries === 2), JSON.stringify(late));
    await b.ack('inbox', 'work', late.map((e) => e.id));
    assert.equal(await a.pendingCount('inbox', 'work'), 0);
    const c = await store('C');
    assert.deepEqual(await c.readGroup('inbox', 'work', 'C', { count: 10, claimIdleMs: 1 }), []);
    // Acknowledged entries are deleted, not kept forever.
    assert.equal(await server.cli(`XLEN t${n}:s:inbox`), ':0');
  });

  it('claimIdleMs never hands a consumer back its own entries (it may still be working on them)', async () => {
    const a = await store('A');
    const b = await store('B');
    for (let i = 0; i < 3; i++) await a.append('work', i);
    const mine = await a.readGroup('work', 'g', 'A');
    assert.equal(mine.length, 3);
    await sleep(80);
    assert.deepEqual(await a.readGroup('work', 'g', 'A', { claimIdleMs: 50 }), []);
    const taken = await b.readGroup('work', 'g', 'B', { claimIdleMs: 50 });
    assert.deepEqual(taken.map((e) => e.value), [0, 1, 2]);
    assert.deepEqual(await b.readGroup('work', 'g', 'B', { claimIdleMs: 1 }), []);
  });

  it('an entry is kept until every group has acknowledged it', async () => {
    const a = await store('A');
    await a.append('frames', { f: 1 });
    const g1 = await a.readGroup('frames', 'g1', 'A');
    const g2 = await a.readGroup('frames', 'g2', 'A');
    await a.ack('frames', 'g1', [g1[0].id]);
    assert.equal(await server.cli(`XLEN t${n}:s:frames`), ':1');
    await a.ack('frames', 'g2', [g2[0].id]);
    assert.equal(await server.cli(`XLEN t${n}:s:frames`), ':0');
  });

  it('each due timer is taken by exactly one instance', async () => {
    const a = await store('A');
    const b = await store('B');
    for (let i = 0; i < 50; i++) await a.schedule('idle', `conv${i}`, 1000 + i);
    await a.schedule('idle', 'later', 99999);
    const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeDue('idle', 5000, 7)));
    const all = taken.flat();
    assert.equal(all.length, 50);
    assert.equal(new Set(all).size, 50);
    assert.equal(await b.nextDue('idle'), 99999);
  });

  it('pub/sub reaches the other instance; prefixes keep apps apart', async () => {
    const a = await store('A', `appA${n}:`);
    const b = await store('B', `appA${n}:`);
    const other = await store('X', `appB${n}:`);
    const got = [];
    const gotOther = [];
    b.subscribe('agent:1', (m) => got.push(m));
    other.subscribe('agent:1', (m) => gotOther.push(m));
    await b.subscriptionsSettled();
    await other.subscriptionsSettled();
    await a.publish('agent:1', { type: 'message', text: '你好' });
    await a.set('conv:u1', { state: 'agent' });
    for (let i = 0; i < 50 && got.length === 0; i++) await sleep(20);
    assert.deepEqual(got, [{ type: 'message', text: '你好' }]);
    assert.deepEqual(gotOther, []);
    assert.equal(await other.get('conv:u1'), undefined);
    const keys = [];
    for await (const k of b.keys('conv:')) keys.push(k);
    assert.deepEqual(keys, ['conv:u1']);
  });

  it('Redis down: writes and check() reject with StateUnavailable at once, health says so, and service resumes', async () => {
    const a = await store('A');
    const events = [];
    a.onHealth((ok, reason) => events.push([ok, reason]));
    await a.append('inbox', { before: true });
    await server.stop();
    for (let i = 0; i < 100 && a.ok; i++) await sleep(10);
    await assert.rejects(a.check(), StateUnavailable);
    await assert.rejects(a.set('x', 1), StateUnavailable);
    await assert.rejects(a.append('inbox', { during: true }), StateUnavailable);
    await assert.rejects(a.claim('d', 1, 1000), StateUnavailable);
    assert.equal(events[0][0], false);
    assert.match(events[0][1], /redis/);
    await server.start();
    await a.ready();
    await a.check();
    assert.deepEqual(events.at(-1), [true, undefined]);
    // What was recorded before the outage is still there (append-only file), and writes work again.
    const got = await a.readGroup('inbox', 'work', 'A');
    assert.deepEqual(got.map((e) => e.value), [{ before: true }]);
    await a.set('x', 2);
    assert.equal(await a.get('x'), 2);
  });

  it('a password in the URL never shows in an error', async () => {
    const port = await rs.freePort(); // nothing listens there
    const s = new RedisStore({ url: `redis://:s3cretPass@127.0.0.1:${port}`, instanceId: 'P', maxReconnectDelayMs: 100, startWaitMs: 300 });
    open.push(s);
    const err = await s.ready(500).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof StateUnavailable);
    assert.doesNotMatch(err.message, /s3cretPass/);
    const w = await s.set('x', 1).then(
      () => null,
      (e) => e,
    );
    assert.ok(w instanceof StateUnavailable);
    assert.doesNotMatch(w.message + String(w.cause && /** @type {Error} */ (w.cause).message), /s3cretPass/);
    await assert.rejects(s.check(), (e) => e instanceof StateUnavailable && !/s3cretPass/.test(e.message));
  });

  it('REDIS_URL selects the redis backend (prefix from WECOM_REDIS_PREFIX); a stable instance id per user dir', async () => {
    const opts = stateOptions({ userDir: '/srv/nr1' }, { REDIS_URL: server.url, WECOM_REDIS_PREFIX: `env${n}:` });
    assert.equal(opts.kind, 'redis');
    const a = createStore(opts);
    open.push(a);
    assert.ok(a instanceof RedisStore);
    await a.ready();
    assert.equal(a.kind, 'redis');
    assert.equal(a.prefix, `env${n}:`);
    await a.set('x', 1);
    assert.equal(await server.cli(`EXISTS env${n}:k:x`), ':1');
    const again = createStore(stateOptions({ userDir: '/srv/nr1' }, { REDIS_URL: server.url }));
    const other = createStore(stateOptions({ userDir: '/srv/nr2' }, { REDIS_URL: server.url }));
    open.push(again, other);
    assert.equal(again.instanceId, a.instanceId);
    assert.notEqual(other.instanceId, a.instanceId);
    assert.throws(() => createStore({ kind: 'redis' }), /REDIS_URL/);
  });

  it('access_token shared by two instances: 100 concurrent requests → one gettoken; a refused token is fetched again once', async () => {
    const a = await store('A');
    const b = await store('B');
    let calls = 0;
    const gettoken = async () => {
      calls++;
      await sleep(30);
      return { token: `tok${calls}`, expiresIn: 7200 };
    };
    const sa = sharedToken(a, 'api\ncorp\nsecret-hash', gettoken);
    const sb = sharedToken(b, 'api\ncorp\nsecret-hash', gettoken);
    const got = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? sa : sb).fetcher()));
    assert.equal(calls, 1);
    assert.deepEqual([...new Set(got.map((t) => t.token))], ['tok1']);
    assert.ok(got.every((t) => t.expiresIn > 7000));
    sa.forget('tok1');
    await sleep(20);
    const after = await Promise.all([sa.fetcher(), sb.fetcher()]);
    assert.equal(calls, 2);
    assert.deepEqual(after.map((t) => t.token), ['tok2', 'tok2']);
    // Redis down: each instance fetches its own token rather than stop sending.
    await server.stop();
    for (let i = 0; i < 100 && a.ok; i++) await sleep(10);
    sa.forget('tok2');
    assert.equal((await sa.fetcher()).token, 'tok3');
  });
});
