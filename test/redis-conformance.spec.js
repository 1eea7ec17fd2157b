// The one StateStore conformance suite (test/helpers/state-conformance.js) against the Redis backend, on a real
// redis-server started here on a free loopback port with a temp dir.
'use strict';
const rs = require('./helpers/redis-server');
const stateConformance = require('./helpers/state-conformance');
const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');

describe('redis backend (real redis-server)', () => {
  if (rs.missing()) return;
  let server;
  let seq = 0;
  let prefix = '';
  const prefixes = new WeakMap();
  before(async () => {
    server = await rs.start();
  });
  after(async () => {
    if (server) await server.destroy();
  });
  beforeEach(() => {
    prefix = `conf${++seq}:`; // a fresh, empty store per test
  });
  async function open(instanceId, p = prefix) {
    const s = new RedisStore({ url: server.url, prefix: p, instanceId, maxReconnectDelayMs: 100 });
    prefixes.set(s, p);
    await s.ready();
    return s;
  }
  stateConformance('redis', {
    create: ({ instanceId }) => open(instanceId),
    restart: async (store) => {
      await store.close();
      return open(store.instanceId, prefixes.get(store));
    },
    peer: (store, { instanceId }) => open(instanceId, prefixes.get(store)),
    // Nothing listens on that port: Redis is down.
    unwritable: async () => new RedisStore({ url: `redis://127.0.0.1:${await rs.freePort()}`, instanceId: 'down', maxReconnectDelayMs: 100, startWaitMs: 0 }),
  });
});
