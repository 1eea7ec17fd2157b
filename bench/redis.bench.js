'use strict';
// Issue 9 benchmarks (several instances on one Redis), each Node-RED a child process like in production:
//  1. pipeline msgs/s (encrypted callback → bundled flow's keyword answer → send to the WeCom simulator) with
//     the Redis backend on one instance and on two (the client alternates), against the local backend and a
//     bare `http in → http response` flow;
//  2. Redis commands per message (MONITOR: commands sent by clients, not those run inside Lua scripts), one
//     message at a time and 32 at a time, by command and key namespace (BENCH_REDIS_COMMANDS=1: only this);
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
/** BENCH_REDIS_COMMANDS=1: only count the commands per message (no throughput runs). */
const COMMANDS_ONLY = !!process.env.BENCH_REDIS_COMMANDS;

const BARE_FLOW = [
  { id: 't', type: 'tab', label: 'bare' },
  { id: 'h1', z: 't', type: 'http in', url: '/wecom/callback', method: 'post', wires: [['h2']] },
  { id: 'h2', z: 't', type: 'http response', statusCode: '200', wires: [] },
];

/** Fire `cbs` at `urls` (round robin) with C in flight; resolves when every user has its answer. */
async function pipeline(creds, sim, urls, cbs, expectAnswers, c = C) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const waiting = new Set(cbs.map((c) => c.user));
  const onRecord = (r) => {
    if (r.direction === 'bot') waiting.delete(r.userId);
  };
  sim.on('record', onRecord);
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
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
    const skipped = { rate: NaN };
    const bare = COMMANDS_ONLY ? skipped : await measure('bare', [await start('bare', { WECOM_STATE: 'memory' }, BARE_FLOW)], false);
    await stopAll();
    const local = COMMANDS_ONLY ? skipped : await measure('local', [await start('local', { WECOM_STATE: 'local' })], true);
    await stopAll();

    const r1 = await start('r1', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b1:' });
    const one = COMMANDS_ONLY ? await pipeline(creds, sim, [r1.url], batch(WARM, 'w'), true) : await measure('redis1', [r1], true);
    // Commands per message: MONITOR a short run on the same instance, one message at a time (quiet: nothing
    // coincides) and then 32 at a time (busy: writes of several messages in one event-loop turn share a call).
    const mon = await admin.monitor();
    mon.on('error', () => undefined);
    let sent = 0;
    let byCmd = new Map();
    let byKey = new Map();
    mon.on('monitor', (_time, args, source) => {
      if (source === 'lua' || /^(monitor|info|ping|client|hello|select)$/i.test(String(args[0]))) return;
      sent++;
      const name = String(args[0]).toLowerCase();
      byCmd.set(name, (byCmd.get(name) || 0) + 1);
      // the command and the namespace of its first key (EVALSHA: the script's first key), e.g. `get k:conv`
      const key = String(/^eval/.test(name) ? args[3] || '' : args[1] || '').replace(/^b1:/, '');
      const what = `${name} ${key.split(':').slice(0, key.startsWith('k:') ? 2 : 1).join(':')}`;
      byKey.set(what, (byKey.get(what) || 0) + 1);
    });
    const count = async (label, n, c) => {
      sent = 0;
      byCmd = new Map();
      byKey = new Map();
      await pipeline(creds, sim, [started[0].url], batch(n, `rt${c}-`), true, c);
      await new Promise((r) => setTimeout(r, 300));
      log(`${label}: ${(sent / n).toFixed(1)} commands per message; by name: ${[...byCmd].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ')}`);
      log(`  by key: ${[...byKey].filter(([, v]) => v / n >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}`);
      return sent / n;
    };
    const quiet = await count('one message at a time', 50, 1);
    const perMsg = await count('32 at a time', 200, C);
    mon.disconnect();
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

    const two = COMMANDS_ONLY ? skipped : await measure('redis2', [await start('r2a', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b2:' }), await start('r2b', { WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'b2:' })], true);
    await stopAll();

    log(`redis: ${perMsg.toFixed(1)} commands per message; ${keys} keys, ${bytes} bytes for ${users} users`);
    const g = 'redis (issue 9)';
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 1 instance', value: one.rate, unit: 'msg/s', baseline: 'local backend, 1 instance', baselineValue: local.rate, ratio: one.rate / local.rate });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 1 instance', value: one.rate, unit: 'msg/s', baseline: 'bare http in → http response', baselineValue: bare.rate, ratio: one.rate / bare.rate });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 2 instances', value: two.rate, unit: 'msg/s', baseline: 'Redis, 1 instance', baselineValue: one.rate, ratio: two.rate / one.rate, target: '(2 cores shared)' });
    rows.push({ group: g, metric: 'pipeline msgs/s, Redis, 2 instances', value: two.rate, unit: 'msg/s', baseline: 'bare http in → http response', baselineValue: bare.rate, ratio: two.rate / bare.rate });
    rows.push({ group: g, metric: 'Redis commands per message, 32 at a time', value: perMsg, unit: 'cmds/msg', target: '≤ 8' });
    rows.push({ group: g, metric: 'Redis commands per message, one at a time', value: quiet, unit: 'cmds/msg', target: '≤ 8' });
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
