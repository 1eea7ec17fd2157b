// Fewer, cheaper durable writes (issue 19): the writes of one event-loop turn share one transaction (local) or one
// Redis call, an append can settle another stream's entry in the same transaction, an update starts from the value
// the store last wrote. Real lmdb and a real redis-server.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rs = require('./helpers/redis-server');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { LocalStore, localWrites } = require('../dist/nodes/lib/state/backends/local');
const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');
const { StateUnavailable } = require('../dist/nodes/lib/state/store');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-batch-'));
let n = 0;
const open = [];
after(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The append that records an answer settles the user message it answers: both or neither. */
function appendSettles(name, create) {
  it(`${name}: an append with ack acknowledges the other stream's entry in the same write`, async () => {
    const s = await create();
    await s.append('in', { q: 1 });
    const [e] = await s.readGroup('in', 'g', 'c1');
    assert.equal(await s.pendingCount('in', 'g'), 1);
    const id = await s.append('out', { a: 1 }, { ack: { stream: 'in', group: 'g', ids: [e.id] } });
    assert.ok(id);
    assert.equal(await s.pendingCount('in', 'g'), 0, 'settled with the append');
    assert.deepEqual((await s.backlog('in', 'g')).depth, 0);
    const [o] = await s.readGroup('out', 'h', 'c1');
    assert.deepEqual(o.value, { a: 1 });
    // an ack of a stream or group that does not exist is nothing to do, and the append is still recorded
    await s.append('out', { a: 2 }, { ack: { stream: 'nowhere', group: 'g', ids: ['1'] } });
    assert.equal((await s.readGroup('out', 'h', 'c1')).length, 1);
  });
}

describe('state: one transaction per event-loop turn', function () {
  this.timeout(30000);

  appendSettles('memory', async () => new MemoryStore());
  appendSettles('local', async () => {
    const s = new LocalStore({ dir: path.join(root, `a${++n}`) });
    open.push(s);
    return s;
  });

  it('local: the writes asked for in one turn run in one transaction; a function that throws fails only its own write', async () => {
    const s = new LocalStore({ dir: path.join(root, `b${++n}`) });
    open.push(s);
    await s.set('warm', 1);
    const tx = localWrites.tx;
    const bad = s.update('x', () => {
      throw new Error('caller bug');
    });
    const [, , , err] = await Promise.all([s.set('a', 1), s.append('st', { v: 1 }), s.incr('c', 2, 60000), bad.catch((e) => e)]);
    assert.equal(localWrites.tx - tx, 1, 'one transaction for four writes');
    assert.equal(err.message, 'caller bug');
    assert.equal(await s.get('a'), 1);
    assert.equal(await s.get('c'), 2);
    assert.equal((await s.readGroup('st', 'g', 'c1')).length, 1);
  });

  it('local: what was asked for just before close is still written', async () => {
    const dir = path.join(root, `c${++n}`);
    const s = new LocalStore({ dir });
    const w = s.set('last', 'word');
    await s.close();
    await w;
    const again = new LocalStore({ dir });
    open.push(again);
    assert.equal(await again.get('last'), 'word');
  });
});

describe('redis: one call per event-loop turn (real redis-server)', function () {
  this.timeout(30000);
  let server;

  before(async function () {
    if (!rs.available()) {
      console.log(`      ${rs.HOW_TO_GET}`);
      this.skip();
    }
    server = await rs.start();
  });
  after(async () => {
    if (server) await server.destroy();
  });

  async function store(id, prefix) {
    const s = new RedisStore({ url: server.url, instanceId: id, prefix: prefix || `b${n}:` });
    open.push(s);
    await s.ready();
    return s;
  }
  beforeEach(() => n++);

  appendSettles('redis', () => store('a'));

  it('the writes and reads of one turn go to Redis as one call, in the order asked; a failing one fails alone', async () => {
    const s = await store('a');
    await s.set('warm', 1);
    const before = { ...s.batches };
    await s.set('plain', 'not a number');
    const calls = s.batches.calls;
    const [, got, , bad, claimed, again] = await Promise.all([
      s.set('k', { v: 1 }),
      s.get('k'),
      s.append('st', { e: 1 }),
      s.incr('plain', 1, 60000).catch((e) => e),
      s.claim('once', 1, 60000),
      s.claim('once', 2, 60000),
    ]);
    assert.equal(s.batches.calls - calls, 1, 'six operations, one call');
    assert.deepEqual(got, { v: 1 }, 'the read sees the write asked for before it');
    assert.ok(bad instanceof StateUnavailable, 'the failing operation rejects');
    assert.deepEqual([claimed, again], [true, false]);
    assert.equal(await s.get('plain'), 'not a number');
    assert.ok(s.batches.ops - before.ops >= 7);
  });

  it('an update starts from the value this store wrote (one call), and from the current one when another instance wrote since', async () => {
    const a = await store('a', `u${n}:`);
    const b = await store('b', `u${n}:`);
    const add = (by) => (cur) => ({ value: (cur || 0) + by, result: (cur || 0) + by });
    assert.equal(await a.update('n', add(1)), 1);
    let ops = a.batches.ops;
    assert.equal(await a.update('n', add(1)), 2);
    assert.equal(a.batches.ops - ops, 1, 'no read before the write');
    assert.equal(await b.update('n', add(10)), 12, 'another instance');
    ops = a.batches.ops;
    assert.equal(await a.update('n', add(1)), 13, 'not the stale 3');
    assert.equal(a.batches.ops - ops, 2, 'the refused write handed back the current value');
    await a.update('n', () => ({ value: undefined, result: null }));
    assert.equal(await b.get('n'), undefined);
  });
});
