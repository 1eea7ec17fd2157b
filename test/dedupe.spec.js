'use strict';
const assert = require('node:assert/strict');
const { Deduper } = require('../dist/nodes/lib/state/dedupe');
const { memoryKV } = require('../dist/nodes/lib/state/context-store');

describe('Deduper', function () {
  it('answers true once per key, also for concurrent calls', async function () {
    const d = new Deduper(memoryKV());
    const got = await Promise.all([d.firstTime('a'), d.firstTime('a'), d.firstTime('a'), d.firstTime('b')]);
    assert.deepEqual(got, [true, false, false, true]);
    assert.equal(await d.firstTime('a'), false);
  });

  it('forgets keys after the TTL and sweeps them from the store', async function () {
    let now = 1000;
    const kv = memoryKV();
    const d = new Deduper(kv, { ttlMs: 100, now: () => now });
    assert.equal(await d.firstTime('x'), true);
    assert.equal(await d.firstTime('y'), true);
    now += 50;
    assert.equal(await d.firstTime('x'), false);
    now += 100;
    assert.equal(await d.sweep(), 2);
    assert.deepEqual(await kv.keys(), []);
    assert.equal(await d.firstTime('x'), true);
  });

  it('shares what it has seen through the store (a second instance on the same store)', async function () {
    const kv = memoryKV();
    assert.equal(await new Deduper(kv).firstTime('m:1'), true);
    assert.equal(await new Deduper(kv).firstTime('m:1'), false);
  });
});
