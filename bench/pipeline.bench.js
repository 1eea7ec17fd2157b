'use strict';
// Issue 14 benchmarks: the whole pipeline (encrypted callback → handoff → keyword answer → wecom-out → the
// simulator) with the durable local store vs the in-memory store vs a bare `http in → http response` flow,
// all in one Node-RED runtime; the durable callback ack latency; the state kept per user after 10k users.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { textXml, sealed } = require('../test/helpers/fixtures');
const { startSim, simAccount } = require('../test/helpers/simulator');
const rt = require('../test/helpers/runtime');
const { post, percentile } = require('./http-load');

const MODS = ['wecom-account', 'wecom-in', 'handoff', 'keyword-match', 'wecom-out'].map((n) => require(`../dist/nodes/${n}/${n}.js`));
let msgId = 7300000000000000000n;
/**
 * Sealed text callbacks for `n` users: [urls, bodies].
 * @param {string} pathName
 * @param {number} n
 * @param {(i: number) => string} userOf
 * @param {(path?: string) => string} [url]
 * @returns {[string[], string[]]}
 */
function callbacks(pathName, n, userOf, url = rt.httpUrl) {
  const urls = [];
  const bodies = [];
  for (let i = 0; i < n; i++) {
    const s = sealed(textXml('请问价格', { user: userOf(i), msgId: String(msgId++) }));
    urls.push(url(pathName + s.qs));
    bodies.push(s.body);
  }
  return [urls, bodies];
}

function flow(sim) {
  const acc = simAccount('acc', sim);
  return {
    credentials: acc.credentials,
    nodes: [
      { id: 't', type: 'tab' },
      acc.node,
      { id: 'in', z: 't', type: 'wecom-in', account: 'acc', path: '/wecom/callback', wires: [['ho']] },
      { id: 'ho', z: 't', type: 'handoff', wires: [['kw'], [], ['out']] },
      { id: 'kw', z: 't', type: 'keyword-match', rules: [{ keywords: ['价格'], mode: 'contains', reply: '专业版 299 元/月' }], outputs: 2, routing: 'answer', wires: [['out'], []] },
      { id: 'out', z: 't', type: 'wecom-out', account: 'acc', wires: [[]] },
      { id: 'h1', z: 't', type: 'http in', url: '/baseline', method: 'post', wires: [['h2']] },
      { id: 'h2', z: 't', type: 'http response', statusCode: '200', wires: [] },
    ],
  };
}

async function pipeline(sim, settings, n, users, log, label) {
  // WeCom user ids have no spaces (wecom-in refuses list syntax such as 'a b' with 400).
  const tag = label.replace(/[^A-Za-z0-9]+/g, '-');
  rt.helper.settings(settings);
  const f = flow(sim);
  await rt.load([...MODS, require('@node-red/nodes/core/network/21-httpin.js')], f.nodes, f.credentials);
  const answered = () => sim.records().filter((r) => r.direction === 'bot').length;
  // warm-up
  let before = answered();
  await post(...callbacks('/wecom/callback', 200, (i) => `${tag}-warm${i % 50}`), 16, () => rt.until(() => answered() >= before + 200, 'warm-up answers', 60000));
  before = answered();
  const r = await post(...callbacks('/wecom/callback', n, (i) => `${tag}-${users(i)}`), 32, () => rt.until(() => answered() >= before + n, `${n} answers`, 300000));
  const base = await post(...callbacks('/baseline', Math.min(n, 4000), users), 32);
  await rt.helper.unload();
  rt.helper.settings({});
  log(`${label}: ${(n / r.secs).toFixed(0)} msgs/s answered, ack p50 ${percentile(r.lat, 50).toFixed(2)} ms p99 ${percentile(r.lat, 99).toFixed(2)} ms, failures ${r.failures}; bare ${(Math.min(n, 4000) / base.secs).toFixed(0)} req/s`);
  return { rate: n / r.secs, p50: percentile(r.lat, 50), p99: percentile(r.lat, 99), bare: Math.min(n, 4000) / base.secs };
}

async function run(log) {
  const sim = await startSim({ perUserPerMinute: 100000, apiPerWindow: 1e9 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-bench-state-'));
  await rt.startHttp();
  try {
    const mem = await pipeline(sim, { wecomState: { kind: 'memory' } }, 3000, (i) => `m${i % 300}`, log, 'in-memory store');
    const USERS = 10000;
    const local = await pipeline(sim, { wecomState: { kind: 'local', dir } }, USERS, (i) => `u${i}`, log, 'durable local store');
    const data = path.join(dir, 'data.mdb');
    const st = fs.statSync(data);
    const bytes = Math.min(st.size, st.blocks * 512);
    log(`state after ${USERS} users: ${(bytes / 1024 / 1024).toFixed(1)} MiB on disk`);
    const bare = (mem.bare + local.bare) / 2;
    return [
      { group: 'pipeline', metric: 'msgs/s answered, durable local store', value: local.rate, unit: 'msg/s', baseline: 'http in → http response', baselineValue: bare, ratio: local.rate / bare, target: '≥ 0.5×' },
      { group: 'pipeline', metric: 'msgs/s answered, durable local store', value: local.rate, unit: 'msg/s', baseline: 'in-memory store', baselineValue: mem.rate, ratio: local.rate / mem.rate },
      { group: 'pipeline', metric: 'msgs/s answered, in-memory store', value: mem.rate, unit: 'msg/s', baseline: 'http in → http response', baselineValue: bare, ratio: mem.rate / bare },
      { group: 'pipeline', metric: 'durable ack latency p50', value: local.p50, unit: 'ms', baseline: 'in-memory store', baselineValue: mem.p50, ratio: mem.p50 / local.p50 },
      { group: 'pipeline', metric: 'durable ack latency p99', value: local.p99, unit: 'ms', baseline: 'in-memory store', baselineValue: mem.p99, ratio: mem.p99 / local.p99 },
      { group: 'pipeline', metric: `state on disk per user (${USERS} users)`, value: bytes / USERS, unit: 'bytes' },
    ];
  } finally {
    await rt.stopHttp();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run, callbacks, flow };

if (require.main === module) {
  run((l) => console.error(l)).then((rows) => {
    console.log(JSON.stringify(rows, null, 1));
    process.exit(0);
  });
}
