'use strict';
// Issue 9 benchmarks (several instances on one Redis), each Node-RED a child process like in production:
//  1. pipeline msgs/s (encrypted callback → bundled flow's keyword answer → send to the WeCom simulator) with
//     the Redis backend on one instance and on two (the client alternates), against the local backend and a
//     bare `http in → http response` flow;
//  2. Redis round trips per message (MONITOR: commands sent by clients, not those run inside Lua scripts);
//  3. Redis memory per 10k users (MEMORY USAGE of every key the run left, per user × 10 000).
const http = require('node:http');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const Redis = require('ioredis').default;
const redisServer = require('../test/helpers/redis-server');
const cl = require('../scripts/cluster-lib');

const N = 1200; // messages per measured run, each from a new user
const WARM = 200;
const C = 32;

const BARE_FLOW = [
  { id: 't', type: 'tab', label: 'bare' },
  { id: 'h1', z: 't', type: 'http in', url: '/wecom/callback', method: 'post', wires: [['h2']] },
  { id: 'h2', z: 't', type: 'http response', statusCode: '200', wires: [] },
];

/** Fire `cbs` at `urls` (round robin) with C in flight; resolves when every user has its answer. */
async function pipeline(creds, sim, urls, cbs, expectAnswers) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const waiting = new Set(cbs.map((c) => c.user));
  const onRecord = (r) => {
    if (r.direction === 'bot') waiting.delete(r.userId);
  };
  sim.on('record', onRecord);
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < cbs.length) {
        const i = next++;
        const r = await cl.postCallback(creds, urls[i % urls.length], cbs[i], agent);
        if (r.status !== 200) failures++;
        if (r.passive) waiting.delete(cbs[i].user);
      }
    }),
  );
  if (expectAnswers) {
    const deadline = Date.now() + 60000;
    while (waiting.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rate: cbs.length / secs, failures, unanswered: expectAnswers ? waiting.size : 0 };
}

async function run(log) {
  if (!redisServer.available()) {
    log(redisServer.HOW_TO_GET);
    return [];
  }
  const { startSimulator } = require('../dist/sandbox/simulator');
  const creds = cl.clusterCredentials();
  const sim = await startSimulator({ port: 0, ...creds, perUserPerMinute: 1e9, apiPerWindow: 1e9 });
  const redis = await redisServer.start({ persist: true });
  const admin = new Redis(redis.url);
  admin.on('error', () => undefined);
  const env = cl.wecomEnv(creds, sim.url);
  const rows = [];
  const started = [];
  const dirs = [];
  let userSeq = 0;
  const batch = (n, tag) => Array.from({ length: n }, () => cl.appTextCallback(creds, `${tag}${userSeq++}`, '你好'));
  const start = async (name, extraEnv, flows) => {
    const inst = await cl.startInstance({ name, env: { ...env, ...extraEnv }, flows });
    started.push(inst);
    dirs.push(inst.userDir);
    return inst;
  };
  const measure = async (label, insts, expectAnswers) => {
    const urls = insts.map((i) => i.url);
    await pipeline(creds, sim, urls, batch(WARM, `${label}w`), expectAnswers);
    const r = await pipeline(creds, sim, urls, batch(N, label), expectAnswers);
    log(`${label}: ${r.rate.toFixed(0)} msgs/s (${r.failures} non-200, ${r.unanswered} unanswered)`);
    return r;
  };
  const stopAll = async () => {
    await Promise.all(started.splice(0).map((i) => i.stop()));
  };
  try {
    // Each configuration alone on the machine; the same users/messages shape for all.
    const bare = await measure('bare', [await start('bare', { WECOM_STATE: 'memory' }, BARE_FLOW)], false);
    await stopAll();
    const local = await measure('local', [await start('local', { WECOM_STATE: 'local' })], true);
    await stopAll();

    const one = await measure('redis1', [await start('r1', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b1:' })], true);
    // Round trips per message: MONITOR a short run on the same instance.
    const mon = await admin.monitor();
    mon.on('error', () => undefined);
    let sent = 0;
    const byCmd = new Map();
    mon.on('monitor', (_time, args, source) => {
      if (source === 'lua' || /^(monitor|info|ping|client|hello|select)$/i.test(String(args[0]))) return;
      sent++;
      const name = String(args[0]).toLowerCase();
      byCmd.set(name, (byCmd.get(name) || 0) + 1);
    });
    await pipeline(creds, sim, [started[0].url], batch(200, 'rt'), true);
    await new Promise((r) => setTimeout(r, 300));
    mon.disconnect();
    const perMsg = sent / 200;
    log(`commands per message by name: ${[...byCmd].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 200).toFixed(1)}`).join(', ')}`);
    // Memory: every key the run left under this instance's prefix, per user.
    let bytes = 0;
    let keys = 0;
    let cursor = '0';
    do {
      const [nextCursor, batchKeys] = await admin.scan(cursor, 'MATCH', 'b1:*', 'COUNT', 1000);
      cursor = nextCursor;
      for (const k of batchKeys) {
        bytes += Number(await admin.memory('USAGE', k, 'SAMPLES', '0')) || 0;
        keys++;
      }
    } while (cursor !== '0');
    const users = WARM + N + 200;
    await stopAll();

    const two = await measure('redis2', [await start('r2a', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b2:' }), await start('r2b', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b2:' })], true);
    await stopAll();

    log(`redis: ${perMsg.toFixed(1)} commands per message; ${keys} keys, ${bytes} bytes for ${users} users`);
    const g = 'redis (issue 9)';
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 1 instance', value: one.rate, unit: 'msg/s', baseline: 'local backend, 1 instance', baselineValue: local.rate, ratio: one.rate / local.rate });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 1 instance', value: one.rate, unit: 'msg/s', baseline: 'bare http in → http response', baselineValue: bare.rate, ratio: one.rate / bare.rate });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 2 instances', value: two.rate, unit: 'msg/s', baseline: 'Redis, 1 instance', baselineValue: one.rate, ratio: two.rate / one.rate, target: '(2 cores shared)' });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 2 instances', value: two.rate, unit: 'msg/s', baseline: 'bare http in → http response', baselineValue: bare.rate, ratio: two.rate / bare.rate });
    rows.push({ group: g, metric: 'Redis round trips per message', value: perMsg, unit: 'cmds/msg' });
    rows.push({ group: g, metric: 'Redis memory per 10k users', value: (bytes / users) * 10000, unit: 'bytes', target: `${keys} keys left for ${users} users` });
  } finally {
    await stopAll();
    admin.disconnect();
    await sim.stop();
    await redis.destroy();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { run };
