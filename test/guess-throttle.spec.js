'use strict';
// The guessing back-off core (lib/security/guess-throttle.ts) on the memory store with a hand-moved clock:
// free failures, a doubling back-off, the right credential working again once it has passed, one count per
// surface and address (IPv6 by its /64), and the counts shared by everyone using the same store.
const assert = require('node:assert/strict');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { GuessThrottle, clientBucket, backoffOptions, retryAfterSeconds } = require('../dist/nodes/lib/security/guess-throttle');

describe('guessing back-off (core)', function () {
  const clock = { t: 1_800_000_000_000 };
  const now = () => clock.t;
  let store;
  beforeEach(() => {
    store = new MemoryStore({ now });
  });
  afterEach(() => store.close());
  const throttle = (surface = 'ops', opts = { freeFailures: 3, baseMs: 1000, maxMs: 8000, windowMs: 60_000 }) => new GuessThrottle(() => store, surface, opts, now);

  it('lets the free failures through, then backs off for a doubling time capped at maxMs', async function () {
    const g = throttle();
    const seen = [];
    for (let i = 0; i < 7; i++) {
      assert.equal(await g.waitMs('203.0.113.7'), 0);
      const f = await g.failed('203.0.113.7');
      seen.push(f.backoffMs);
      clock.t += f.backoffMs; // wait it out before the next guess
    }
    assert.deepEqual(seen, [0, 0, 0, 1000, 2000, 4000, 8000]);
  });

  it('while backed off every try waits (right credential too); after it, the right one works and clears the count', async function () {
    const g = throttle();
    for (let i = 0; i < 4; i++) await g.failed('203.0.113.7');
    assert.equal(await g.waitMs('203.0.113.7'), 1000);
    clock.t += 999;
    assert.equal(await g.waitMs('203.0.113.7'), 1);
    clock.t += 1;
    assert.equal(await g.waitMs('203.0.113.7'), 0, 'open again');
    await g.succeeded('203.0.113.7');
    assert.equal((await g.failed('203.0.113.7')).backoffMs, 0, 'the count started afresh');
  });

  it('counts per surface and per address; IPv6 by its /64; the window forgets', async function () {
    const ops = throttle('ops');
    const ws = throttle('ws');
    for (let i = 0; i < 4; i++) await ops.failed('2001:db8:1:2::5');
    assert.ok((await ops.waitMs('2001:db8:1:2:ffff::9')) > 0, 'same /64');
    assert.equal(await ops.waitMs('2001:db8:1:3::5'), 0, 'another /64');
    assert.equal(await ws.waitMs('2001:db8:1:2::5'), 0, 'another surface');
    assert.equal(await ops.waitMs('198.51.100.1'), 0, 'another address');
    clock.t += 61_000;
    assert.equal((await ops.failed('2001:db8:1:2::5')).failures, 1, 'the window expired');
  });

  it('two instances on one store share the back-off', async function () {
    const a = throttle();
    const b = throttle();
    for (let i = 0; i < 4; i++) await a.failed('203.0.113.9');
    assert.ok((await b.waitMs('203.0.113.9')) > 0);
  });

  it('normalises addresses and options', function () {
    assert.equal(clientBucket('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(clientBucket('2001:0db8:0000:0001::1'), '2001:db8:0:1::/64');
    assert.equal(clientBucket('::1'), '0:0:0:0::/64');
    assert.equal(clientBucket(undefined), 'unknown');
    assert.equal(clientBucket('not an address'), 'other');
    assert.deepEqual(backoffOptions({ freeFailures: -3, baseMs: 'x' }), { freeFailures: 0, baseMs: 1000, maxMs: 900_000, windowMs: 900_000 });
    assert.equal(retryAfterSeconds(1), '1');
    assert.equal(retryAfterSeconds(2500), '3');
  });
});

describe('guessing back-off: upgrades relayed between instances', function () {
  const { isRelayed } = require('../dist/nodes/ws-bridge/cluster-relay');
  const { createHmac } = require('node:crypto');
  const req = (url, mark) => /** @type {any} */ ({ url, headers: mark === undefined ? {} : { 'x-wecom-relayed': mark } });
  const mac = (secret, url) => createHmac('sha256', `wecom-relay:${secret}`).update(url).digest('base64url');

  it('the leader leaves the count to the follower only for upgrades signed with the bridge token', function () {
    const token = 'shared-token-of-the-bridge-0123456789';
    assert.equal(isRelayed(req('/wecom/ws?agent=a', mac(token, '/wecom/ws?agent=a')), token), true);
    assert.equal(isRelayed(req('/wecom/ws?agent=a'), token), false, 'no mark');
    assert.equal(isRelayed(req('/wecom/ws?agent=a', 'forged'), token), false, 'a client cannot claim to be relayed');
    assert.equal(isRelayed(req('/wecom/ws?agent=b', mac(token, '/wecom/ws?agent=a')), token), false, 'bound to the request');
    assert.equal(isRelayed(req('/wecom/ws?agent=a', mac('other', '/wecom/ws?agent=a')), token), false);
    assert.equal(isRelayed(req('/x', mac('', '/x')), ''), false, 'never without a token');
  });
});
