'use strict';
// Agents' outboxes on the StateStore: frames an acknowledging agent has not acknowledged survive a restart
// (the local disk store, closed and opened again) and are replayed by seq when it reconnects with ?ack=N.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { OutboxStore } = require('../dist/nodes/lib/bridge/agent-outbox-store.js');
const { BridgeHub } = require('../dist/nodes/lib/bridge/hub.js');
const { LocalStore } = require('../dist/nodes/lib/state/backends/local.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');

/** A sink recording frames. */
function sink() {
  /** @type {any[]} */
  const frames = [];
  return { frames, send: (/** @type {any} */ f) => (frames.push(f), true), close() {} };
}
const offer = (/** @type {string} */ id) => /** @type {any} */ ({ type: 'handoff', conversationId: id, channel: 'app', userId: 'u', reason: 'no_answer', text: '人工', history: [], ts: 1 });
const message = (/** @type {string} */ id, /** @type {string} */ text) => /** @type {any} */ ({ type: 'message', conversationId: id, userId: 'u', msgType: 'text', text, msgId: text, ts: 2 });

/** A hub whose outboxes are kept in `store` (loaded first, as ws-bridge does). */
async function durableHub(/** @type {any} */ store) {
  /** @type {Error[]} */
  const errors = [];
  const kept = new OutboxStore(store, 'bridge1', (e) => errors.push(e));
  await kept.load();
  const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 50, graceMs: 60_000, outbox: (id) => kept.outbox(id) }, { reply() {}, event() {} });
  return { hub, kept, errors };
}

describe('outbox-store: agents\' frames on the StateStore', function () {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-outbox-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('after a restart of the local store, an agent reconnecting with ?ack=N gets every later frame, in seq order, once', async function () {
    let store = new LocalStore({ dir, instanceId: 'i1' });
    let { hub, kept, errors } = await durableHub(store);
    const first = sink();
    const conn = hub.open(first, 'alice', { ack: 0 });
    hub.fromHandoff(offer('c1'), undefined);
    hub.fromHandoff(message('c1', '一'), undefined);
    const acked = first.frames.filter((f) => typeof f.seq === 'number').at(-1).seq;
    hub.receive(conn, JSON.stringify({ type: 'received', seq: acked }));
    hub.close(conn); // the agent drops; the user writes on
    hub.fromHandoff(message('c1', '二'), undefined);
    hub.fromHandoff(message('c1', '三'), undefined);
    await kept.idle();
    hub.dispose();
    await store.close();
    assert.deepEqual(errors, []);

    store = new LocalStore({ dir, instanceId: 'i1' });
    ({ hub, kept, errors } = await durableHub(store));
    assert.deepEqual(kept.unclaimed(), ['alice']);
    const again = sink();
    const conn2 = hub.open(again, 'alice', { ack: acked });
    const replay = again.frames.filter((f) => f.type === 'message');
    assert.deepEqual(replay.map((f) => f.text), ['二', '三']);
    assert.ok(replay[0].seq > acked && replay[1].seq === replay[0].seq + 1, 'numbered after what was acknowledged');
    hub.fromHandoff(message('c1', '四'), undefined);
    assert.ok(again.frames.at(-1).seq > replay[1].seq, 'new frames after the replay are numbered after it');
    // acknowledged now: gone from the store too, so a further restart replays nothing
    hub.receive(conn2, JSON.stringify({ type: 'received', seq: again.frames.at(-1).seq }));
    await kept.idle();
    hub.dispose();
    await store.close();
    store = new LocalStore({ dir, instanceId: 'i1' });
    ({ hub, kept } = await durableHub(store));
    assert.deepEqual(kept.unclaimed(), []);
    hub.dispose();
    await store.close();
  });

  it('new frames are numbered after the kept ones; a cleared outbox (re-queued) leaves nothing behind', async function () {
    const store = new MemoryStore();
    const a = new OutboxStore(store, 'b', (e) => assert.fail(e));
    await a.load();
    const box = a.outbox('bob', 100);
    box.push({ type: 'closed', conversationId: 'x', by: 'user' });
    box.push({ type: 'closed', conversationId: 'y', by: 'user' });
    await a.idle();
    const b = new OutboxStore(store, 'b', (e) => assert.fail(e));
    await b.load();
    const again = b.outbox('bob', 50);
    assert.deepEqual(again.pending().map((f) => /** @type {any} */ (f).seq), [101, 102]);
    assert.equal(again.push({ type: 'closed', conversationId: 'z', by: 'user' }), 103);
    assert.equal(b.outbox('bob', 50).size(), 0, 'kept frames are handed out once');
    again.clear();
    await b.idle();
    const c = new OutboxStore(store, 'b', (e) => assert.fail(e));
    await c.load();
    assert.deepEqual(c.unclaimed(), []);
  });

  it('an agent that does not come back within the grace period after a restart: its kept frames are dropped', async function () {
    const store = new MemoryStore();
    const before = new OutboxStore(store, 'b', (e) => assert.fail(e));
    await before.load();
    before.outbox('carol').push({ type: 'closed', conversationId: 'x', by: 'user' });
    await before.idle();
    const kept = new OutboxStore(store, 'b', (e) => assert.fail(e));
    await kept.load();
    const hub = new BridgeHub({ maxPerAgent: 5, bufferSize: 50, graceMs: 20, outbox: (id) => kept.outbox(id) }, { reply() {}, event() {} });
    for (const id of kept.unclaimed()) hub.expect(id);
    assert.deepEqual(kept.unclaimed(), []);
    const left = async () => {
      await kept.idle();
      for await (const _k of store.keys('bridge-outbox:')) return false;
      return true;
    };
    for (const end = Date.now() + 5000; !(await left()); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) assert.fail('kept frames not dropped after the grace period');
    hub.dispose();
  });

  it('runs what waits for the load after it, in order', async function () {
    const s = new OutboxStore(new MemoryStore(), 'b', (e) => assert.fail(e));
    /** @type {number[]} */
    const ran = [];
    s.whenLoaded(() => ran.push(1));
    s.whenLoaded(() => ran.push(2));
    assert.equal(ran.length, 0, 'nothing runs before the load');
    await s.load();
    s.whenLoaded(() => ran.push(3));
    assert.deepEqual(ran, [1, 2, 3]);
  });
});
