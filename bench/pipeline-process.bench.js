'use strict';
// Issue 14, measured fairly: the whole pipeline (encrypted callback → handoff → keyword answer → wecom-out →
// the simulator) in a plain Node-RED process (no test helper, no sinon spies), the load generator and the WeCom
// simulator in this process. Durable local store vs in-memory store vs a bare `http in → http response` flow
// in the same Node-RED process, with the same client.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startSim } = require('../test/helpers/simulator');
const { until } = require('../test/helpers/runtime');
const { startRed } = require('../test/helpers/red-process');
const { callbacks, flow } = require('./pipeline.bench');
const { post, percentile } = require('./http-load');

const N = Number(process.env.BENCH_N) || 6000;

/** One Node-RED process on a fresh user dir with the given store; resolves the pipeline's and the bare flow's rates. */
async function measure(sim, kind, log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wecom-bench-proc-${kind}-`));
  const f = flow(sim);
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(f.nodes));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(f.credentials));
  const red = await startRed(dir, { DUR_STATE: kind });
  /** @param {string} [p] */
  const url = (p) => `http://127.0.0.1:${red.port}${p || ''}`;
  const answered = () => sim.records().filter((/** @type {{direction: string}} */ r) => r.direction === 'bot').length;
  try {
    let before = answered();
    await post(...callbacks('/wecom/callback', 300, (/** @type {number} */ i) => `${kind}-warm${i % 50}`, url), 16, () => until(() => answered() >= before + 300, 'warm-up answers', 60000));
    const bare = await post(...callbacks('/baseline', N, (/** @type {number} */ i) => `b${i}`, url), 32);
    before = answered();
    const r = await post(...callbacks('/wecom/callback', N, (/** @type {number} */ i) => `${kind}-u${i}`, url), 32, () => until(() => answered() >= before + N, `${N} answers`, 300000));
    const rate = N / r.secs;
    const bareRate = N / bare.secs;
    log(`${kind}: ${rate.toFixed(0)} msgs/s answered (ack p50 ${percentile(r.lat, 50).toFixed(1)} ms, p99 ${percentile(r.lat, 99).toFixed(1)} ms, failures ${r.failures}); bare http in → http response ${bareRate.toFixed(0)} req/s`);
    return { rate, bare: bareRate, p50: percentile(r.lat, 50), p99: percentile(r.lat, 99) };
  } finally {
    red.child.kill('SIGTERM');
    await red.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {(line: string) => void} log */
async function run(log) {
  const sim = await startSim({ perUserPerMinute: 100000, apiPerWindow: 1e9 });
  try {
    const mem = await measure(sim, 'memory', log);
    const local = await measure(sim, 'local', log);
    const bare = (mem.bare + local.bare) / 2;
    return [
      { group: 'pipeline (own process)', metric: 'msgs/s answered, durable local store', value: local.rate, unit: 'msg/s', baseline: 'http in → http response', baselineValue: bare, ratio: local.rate / bare, target: '≥ 0.5×' },
      { group: 'pipeline (own process)', metric: 'msgs/s answered, durable local store', value: local.rate, unit: 'msg/s', baseline: 'in-memory store', baselineValue: mem.rate, ratio: local.rate / mem.rate },
      { group: 'pipeline (own process)', metric: 'msgs/s answered, in-memory store', value: mem.rate, unit: 'msg/s', baseline: 'http in → http response', baselineValue: bare, ratio: mem.rate / bare },
      { group: 'pipeline (own process)', metric: 'durable ack latency p99', value: local.p99, unit: 'ms', baseline: 'in-memory store', baselineValue: mem.p99, ratio: mem.p99 / local.p99 },
    ];
  } finally {
    await sim.stop();
  }
}

module.exports = { run };

if (require.main === module) {
  run((l) => console.error(l)).then((rows) => {
    console.log(JSON.stringify(rows, null, 1));
    process.exit(0);
  });
}
