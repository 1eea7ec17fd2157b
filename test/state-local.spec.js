'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { LocalStore } = require('../dist/nodes/lib/state/backends/local');
const { createStore } = require('../dist/nodes/lib/state/index');
const stateConformance = require('./helpers/state-conformance');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-state-'));
let n = 0;
const dirs = new Map();

stateConformance('local (lmdb)', {
  create: async ({ instanceId }) => {
    const dir = path.join(root, `s${++n}`);
    const s = new LocalStore({ dir, instanceId, sweepMs: 50 });
    dirs.set(s, dir);
    return s;
  },
  restart: async (store) => {
    const dir = dirs.get(store);
    const instanceId = store.instanceId;
    await store.close();
    const s = new LocalStore({ dir, instanceId, sweepMs: 50 });
    dirs.set(s, dir);
    return s;
  },
  peer: async (store, { instanceId }) => new LocalStore({ dir: dirs.get(store), instanceId, sweepMs: 50 }),
  // A file where the store's directory should be: the directory can never be created (works as root too).
  unwritable: async () => {
    const file = path.join(root, `file${++n}`);
    fs.writeFileSync(file, 'not a directory');
    return new LocalStore({ dir: path.join(file, 'wecom-state') });
  },
});

describe('LocalStore specifics', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps its generated instance id across restarts', async () => {
    const dir = path.join(root, 'id');
    const a = new LocalStore({ dir });
    const id = a.instanceId;
    await a.close();
    const b = new LocalStore({ dir });
    assert.equal(b.instanceId, id);
    await b.close();
  });

  it('sweeps expired records out of the file (the TTL index empties)', async () => {
    const dir = path.join(root, 'sweep');
    const s = new LocalStore({ dir, sweepMs: 60000 });
    for (let i = 0; i < 50; i++) await s.set('k' + i, i, { ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await s.sweep(), 50);
    assert.equal(await s.sweep(), 0);
    await s.close();
  });

  it('a directory that cannot be used: check() rejects with StateUnavailable saying why', async () => {
    const file = path.join(root, 'health-file');
    fs.writeFileSync(file, 'x');
    const s = createStore({ kind: 'local', dir: path.join(file, 'db') });
    await assert.rejects(s.check(), (/** @type {Error} */ e) => e.name === 'StateUnavailable' && /cannot|unavailable/.test(e.message));
    await s.close();
  });

  it('createStore: memory and local work; redis without a URL and unknown kinds are clear errors', async () => {
    const m = createStore({ kind: 'memory' });
    assert.equal(m.kind, 'memory');
    await m.close();
    assert.throws(() => createStore({ kind: 'redis' }), /redis/);
    assert.throws(() => createStore(/** @type {any} deliberately not a StateBackendKind */ ({ kind: 'nope' })), /unknown state store kind/);
    assert.throws(() => createStore({ kind: 'local' }), /directory/);
  });
});
