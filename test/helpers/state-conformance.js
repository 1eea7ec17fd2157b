'use strict';
// ONE conformance suite for every StateStore backend (memory, local, redis). Call it from a spec:
//
//   stateConformance('local', {
//     create: async ({ instanceId }) => store,          // a fresh, empty store
//     restart: async (store) => store2,                 // optional: close `store`, open one on the same data
//                                                       //   with the same instanceId (durability, own replay)
//     peer: async (store, { instanceId }) => store2,    // optional: a second instance on the same data
//     unwritable: async () => store,                    // optional: a store whose backend cannot record
//   });
//
// Every store created through the factory is closed after each test.
const assert = require('node:assert/strict');
const { until, sleep } = require('./runtime');

function isUnavailable(err) {
  return err && err.name === 'StateUnavailable';
}

async function all(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

module.exports = function stateConformance(label, factory) {
  describe(`StateStore conformance: ${label}`, function () {
    this.timeout(15000);
    let opened = [];
    const track = (s) => {
      opened.push(s);
      return s;
    };
    const create = async (opts = {}) => track(await factory.create({ instanceId: opts.instanceId }));
    let store;

    beforeEach(async () => {
      store = await create({ instanceId: 'inst-a' });
    });
    afterEach(async () => {
      const list = opened;
      opened = [];
      for (const s of list) await s.close().catch(() => undefined);
    });

    describe('records', () => {
      it('sets, gets, deletes and hands out copies', async () => {
        const v = { a: 1, list: ['x'] };
        await store.set('r:1', v);
        v.a = 2;
        const got = await store.get('r:1');
        assert.deepEqual(got, { a: 1, list: ['x'] });
        got.list.push('y');
        assert.deepEqual(await store.get('r:1'), { a: 1, list: ['x'] });
        await store.delete('r:1');
        assert.equal(await store.get('r:1'), undefined);
        await store.set('r:2', 'x');
        await store.set('r:2', undefined);
        assert.equal(await store.get('r:2'), undefined);
      });

      it('expires a record after its TTL and no longer lists it', async () => {
        await store.set('ttl:a', 1, { ttlMs: 60 });
        await store.set('ttl:b', 2);
        assert.equal(await store.get('ttl:a'), 1);
        await until(async () => (await store.get('ttl:a')) === undefined, 'ttl:a to expire');
        assert.deepEqual((await all(store.keys('ttl:'))).sort(), ['ttl:b']);
      });

      it('lists keys by prefix only', async () => {
        await Promise.all([store.set('p:1', 1), store.set('p:2', 2), store.set('q:1', 3), store.set('pp', 4)]);
        assert.deepEqual((await all(store.keys('p:'))).sort(), ['p:1', 'p:2']);
      });

      it('claim: of 20 concurrent claims exactly one wins; free again after the TTL', async () => {
        const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim('dedupe:m1', i, 80)));
        assert.equal(wins.filter(Boolean).length, 1);
        assert.equal(await store.claim('dedupe:m1', 'again', 80), false);
        await until(async () => store.claim('dedupe:m1', 'later', 10000), 'the claim to expire');
        assert.equal(await store.get('dedupe:m1'), 'later');
      });

      it('update is atomic under concurrency, can delete, sets a TTL, and keeps the TTL when not given', async () => {
        const add = () => store.update('n', (cur) => ({ value: (cur || 0) + 1, result: (cur || 0) + 1 }));
        const results = await Promise.all(Array.from({ length: 50 }, add));
        assert.equal(await store.get('n'), 50);
        assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
        assert.equal(await store.update('n', () => ({ value: undefined, result: 'gone' })), 'gone');
        assert.equal(await store.get('n'), undefined);
        await store.update('t', () => ({ value: 1, result: null, ttlMs: 80 }));
        await store.update('t', (cur) => ({ value: cur + 1, result: null }));
        assert.equal(await store.get('t'), 2);
        await until(async () => (await store.get('t')) === undefined, 'the kept TTL to expire');
      });

      it('update: a throwing function rejects with its error and writes nothing', async () => {
        await store.set('u', 1);
        await assert.rejects(
          store.update('u', () => {
            throw new Error('nope');
          }),
          /nope/,
        );
        assert.equal(await store.get('u'), 1);
      });

      it('incr adds atomically and the counter expires after its TTL from creation', async () => {
        const got = await Promise.all(Array.from({ length: 30 }, () => store.incr('c', 2, 100)));
        assert.equal(Math.max(...got), 60);
        assert.equal(new Set(got).size, 30);
        await until(async () => (await store.incr('c', 0, 100000)) === 0, 'the counter to expire');
      });
    });

    describe('leases', () => {
      it('one holder at a time; free again after release', async () => {
        const got = await Promise.all([store.lease('kf:pull', 5000), store.lease('kf:pull', 5000)]);
        assert.equal(got.filter(Boolean).length, 1);
        const held = got.find(Boolean);
        assert.equal(held.name, 'kf:pull');
        assert.equal(held.owner, store.instanceId);
        assert.equal(await held.renew(), true);
        await held.release();
        const next = await store.lease('kf:pull', 5000);
        assert.ok(next);
      });

      it('expires; the old holder cannot renew or release the new holder\'s lease', async () => {
        const first = await store.lease('l2', 60);
        assert.ok(first);
        const second = await until(() => store.lease('l2', 10000), 'the lease to expire');
        assert.equal(await first.renew(), false);
        await first.release();
        assert.equal(await store.lease('l2', 10000), null);
        assert.equal(await second.renew(), true);
      });

      it('exclusive between two instances on the same data', async function () {
        if (!factory.peer) this.skip();
        const other = track(await factory.peer(store, { instanceId: 'inst-b' }));
        const got = await Promise.all([store.lease('x', 5000), other.lease('x', 5000)]);
        assert.equal(got.filter(Boolean).length, 1);
      });
    });

    describe('streams', () => {
      it('hands entries out in order, once, with deliveries = 1', async () => {
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push(await store.append('inbox', { n: i }));
        const got = await store.readGroup('inbox', 'g', 'c1');
        assert.deepEqual(got.map((e) => e.value.n), [0, 1, 2, 3, 4]);
        assert.deepEqual(got.map((e) => e.id), ids);
        assert.ok(got.every((e) => e.deliveries === 1));
        assert.deepEqual(await store.readGroup('inbox', 'g', 'c1'), []);
        assert.equal(await store.pendingCount('inbox', 'g'), 5);
      });

      it('appends made together keep their order (ids increase)', async () => {
        const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append('s', i)));
        const got = await store.readGroup('s', 'g', 'c', { count: 100 });
        assert.deepEqual(got.map((e) => e.id), ids);
        assert.deepEqual(got.map((e) => e.value), Array.from({ length: 20 }, (_, i) => i));
      });

      it('count limits a read; the next read goes on where it stopped', async () => {
        for (let i = 0; i < 5; i++) await store.append('s', i);
        const a = await store.readGroup('s', 'g', 'c', { count: 2 });
        const b = await store.readGroup('s', 'g', 'c', { count: 2 });
        const c = await store.readGroup('s', 'g', 'c', { count: 2 });
        assert.deepEqual([a, b, c].map((x) => x.map((e) => e.value)), [[0, 1], [2, 3], [4]]);
      });

      it('concurrent readers of one group get each entry exactly once', async () => {
        for (let i = 0; i < 30; i++) await store.append('s', i);
        const reads = await Promise.all(['a', 'b', 'c'].flatMap((c) => [1, 2].map(() => store.readGroup('s', 'g', c, { count: 4 }))));
        const more = await store.readGroup('s', 'g', 'd', { count: 100 });
        const seen = [...reads.flat(), ...more].map((e) => e.value).sort((x, y) => x - y);
        assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i));
      });

      it('two groups each get every entry', async () => {
        for (let i = 0; i < 3; i++) await store.append('s', i);
        const g1 = await store.readGroup('s', 'g1', 'c');
        const g2 = await store.readGroup('s', 'g2', 'c');
        assert.deepEqual(g1.map((e) => e.value), [0, 1, 2]);
        assert.deepEqual(g2.map((e) => e.value), [0, 1, 2]);
        await store.ack('s', 'g1', g1.map((e) => e.id));
        assert.equal(await store.pendingCount('s', 'g1'), 0);
        assert.equal(await store.pendingCount('s', 'g2'), 3);
      });

      it('backlog: depth counts handed-out and unread entries; the oldest is the earliest not acknowledged', async () => {
        assert.deepEqual(await store.backlog('s', 'g'), { depth: 0 });
        for (let i = 0; i < 5; i++) await store.append('s', { n: i });
        let b = await store.backlog('s', 'g');
        assert.equal(b.depth, 5, 'nothing read yet: all five wait');
        assert.deepEqual(b.oldest && b.oldest.value, { n: 0 });
        const got = await store.readGroup('s', 'g', 'c', { count: 2 });
        b = await store.backlog('s', 'g');
        assert.equal(b.depth, 5, 'two handed out, three unread');
        assert.deepEqual(b.oldest && b.oldest.value, { n: 0 });
        await store.ack('s', 'g', [got[0].id]);
        b = await store.backlog('s', 'g');
        assert.equal(b.depth, 4);
        assert.deepEqual(b.oldest && b.oldest.value, { n: 1 }, 'the handed-out entry still pending');
        await store.ack('s', 'g', [got[1].id]);
        b = await store.backlog('s', 'g');
        assert.equal(b.depth, 3);
        assert.deepEqual(b.oldest && b.oldest.value, { n: 2 }, 'nothing pending: the first unread');
        const rest = await store.readGroup('s', 'g', 'c');
        await store.ack('s', 'g', rest.map((e) => e.id));
        assert.deepEqual(await store.backlog('s', 'g'), { depth: 0 });
      });

      it('ack removes entries from pending; acking twice or unknown ids is harmless', async () => {
        for (let i = 0; i < 4; i++) await store.append('s', i);
        const got = await store.readGroup('s', 'g', 'c');
        await store.ack('s', 'g', [got[0].id, got[2].id]);
        assert.equal(await store.pendingCount('s', 'g'), 2);
        await store.ack('s', 'g', [got[0].id, '999999']);
        assert.equal(await store.pendingCount('s', 'g'), 2);
      });

      it('claimIdle: a second consumer takes over what the first left unacknowledged past the idle time', async () => {
        for (let i = 0; i < 4; i++) await store.append('s', i);
        const first = await store.readGroup('s', 'g', 'c1');
        await store.ack('s', 'g', [first[1].id]);
        // Not idle long enough yet: nothing to take over.
        assert.deepEqual(await store.readGroup('s', 'g', 'c2', { claimIdleMs: 60000 }), []);
        await sleep(60);
        const taken = await store.readGroup('s', 'g', 'c2', { claimIdleMs: 50 });
        assert.deepEqual(taken.map((e) => e.value), [0, 2, 3]);
        assert.ok(taken.every((e) => e.deliveries === 2));
        // Now c2's: c1 cannot take them straight back.
        assert.deepEqual(await store.readGroup('s', 'g', 'c1', { claimIdleMs: 60000 }), []);
        await store.ack('s', 'g', taken.map((e) => e.id));
        assert.equal(await store.pendingCount('s', 'g'), 0);
      });

      it('a new entry comes before a takeover in one read', async () => {
        await store.append('s', 'old');
        await store.readGroup('s', 'g', 'c1');
        await store.append('s', 'new');
        await sleep(30);
        const got = await store.readGroup('s', 'g', 'c2', { claimIdleMs: 20 });
        assert.deepEqual(got.map((e) => e.value), ['new', 'old']);
      });

      it('after a restart with the same instance, its own unacknowledged entries come back first (once)', async function () {
        if (!factory.restart) this.skip();
        for (let i = 0; i < 3; i++) await store.append('s', i);
        const got = await store.readGroup('s', 'g', 'c1');
        await store.ack('s', 'g', [got[0].id]);
        await store.append('s', 3);
        const again = track(await factory.restart(store));
        assert.equal(again.instanceId, 'inst-a');
        const replay = await again.readGroup('s', 'g', 'c1');
        assert.deepEqual(replay.map((e) => e.value), [1, 2, 3]);
        assert.deepEqual(replay.map((e) => e.deliveries), [2, 2, 1]);
        assert.deepEqual(await again.readGroup('s', 'g', 'c1'), []);
        assert.equal(await again.pendingCount('s', 'g'), 3);
      });
    });

    describe('scheduling', () => {
      it('takeDue returns due members earliest first, only once, and leaves future ones', async () => {
        const now = Date.now();
        await store.schedule('timers', 'b', now - 10);
        await store.schedule('timers', 'a', now - 20);
        await store.schedule('timers', 'later', now + 60000);
        assert.equal(await store.nextDue('timers'), now - 20);
        assert.deepEqual(await store.takeDue('timers', now), ['a', 'b']);
        assert.deepEqual(await store.takeDue('timers', now), []);
        assert.equal(await store.nextDue('timers'), now + 60000);
      });

      it('schedule moves a member; null removes it', async () => {
        const now = Date.now();
        await store.schedule('q', 'm', now + 60000);
        await store.schedule('q', 'm', now - 1);
        await store.schedule('q', 'gone', now - 1);
        await store.schedule('q', 'gone', null);
        assert.deepEqual(await store.takeDue('q', now), ['m']);
        assert.equal(await store.nextDue('q'), null);
      });

      it('concurrent takeDue callers get each due member exactly once', async () => {
        const now = Date.now();
        for (let i = 0; i < 40; i++) await store.schedule('q', 'm' + i, now - i);
        const taken = await Promise.all(Array.from({ length: 8 }, () => store.takeDue('q', now, 7)));
        const rest = await store.takeDue('q', now, 100);
        const all2 = [...taken.flat(), ...rest];
        assert.equal(all2.length, 40);
        assert.equal(new Set(all2).size, 40);
      });

      it('respects the limit', async () => {
        const now = Date.now();
        for (let i = 0; i < 5; i++) await store.schedule('q', 'm' + i, now - 100 + i);
        assert.deepEqual(await store.takeDue('q', now, 2), ['m0', 'm1']);
      });
    });

    describe('notifications and health', () => {
      it('publish reaches subscribers of the channel until they unsubscribe', async () => {
        const got = [];
        const off = store.subscribe('ch', (m) => got.push(m));
        const other = [];
        store.subscribe('other', (m) => other.push(m));
        await store.publish('ch', { hello: 1 });
        await until(() => got.length === 1, 'the message');
        assert.deepEqual(got, [{ hello: 1 }]);
        off();
        await store.publish('ch', { hello: 2 });
        await sleep(30);
        assert.deepEqual(got, [{ hello: 1 }]);
        assert.deepEqual(other, []);
      });

      it('check resolves on a working store', async () => {
        await store.check();
        assert.equal(typeof store.instanceId, 'string');
        assert.ok(['memory', 'local', 'redis'].includes(store.kind));
      });

      it('a closed store rejects with StateUnavailable', async () => {
        const s = await create({ instanceId: 'closing' });
        await s.close();
        await assert.rejects(s.set('k', 1), isUnavailable);
        await assert.rejects(s.append('st', 1), isUnavailable);
      });

      it('durable: what resolved is there after a restart', async function () {
        if (!factory.restart) this.skip();
        await store.set('d:1', { ok: true });
        await store.claim('d:2', 1, 60000);
        await store.schedule('q', 'm', 5);
        await store.append('st', 'x');
        const again = track(await factory.restart(store));
        assert.deepEqual(await again.get('d:1'), { ok: true });
        assert.equal(await again.claim('d:2', 2, 60000), false);
        assert.equal(await again.nextDue('q'), 5);
        assert.deepEqual((await again.readGroup('st', 'g', 'c')).map((e) => e.value), ['x']);
      });

      it('a backend that cannot record rejects writes and check() with StateUnavailable', async function () {
        if (!factory.unwritable) this.skip();
        const bad = track(await factory.unwritable());
        await assert.rejects(bad.check(), isUnavailable);
        await assert.rejects(bad.set('k', 1), isUnavailable);
        await assert.rejects(bad.claim('k', 1, 1000), isUnavailable);
        await assert.rejects(bad.append('s', 1), isUnavailable);
        await assert.rejects(bad.update('k', () => ({ value: 1, result: 1 })), isUnavailable);
      });
    });
  });
};
