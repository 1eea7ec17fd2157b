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
const { summarize } = require('./heap-summary');

const N = Number(process.env.BENCH_N) || 6000;
/** The burst whose peak RSS over idle is measured (issue 19: 15,000). */
const BURST = Number(process.env.BENCH_BURST) || 15000;

// The memory budget needs the child's heap after a full collection.
if (!/--expose-gc/.test(process.env.DUR_NODE_ARGS || '')) process.env.DUR_NODE_ARGS = `${process.env.DUR_NODE_ARGS || ''} --expose-gc`;
const MB = 1048576;

/** The child's heap used and RSS after a full collection, bytes. */
async function settledMemory(url) {
  await new Promise((r) => setTimeout(r, 500));
  const { mem } = await (await fetch(url('/__bench/stats?gc=1'))).json();
  return { heap: mem.heapUsed, rss: mem.rss };
}

/** What holds the child's heap (a snapshot summed by constructor), as one log line per row. */
async function heapHolders(url, dir, log) {
  const file = path.join(dir, 'after-burst.heapsnapshot');
  await (await fetch(url(`/__bench/heap?file=${encodeURIComponent(file)}`))).json();
  const { total, rows } = summarize(file, 12);
  fs.rmSync(file, { force: true });
  log(`heap after the burst (snapshot, self sizes, total ${(total / MB).toFixed(1)} MB): ${rows.map((r) => `${r.what} ${(r.bytes / MB).toFixed(1)} MB ×${r.count}`).join(', ')}`);
  return rows;
}

/** VmRSS and VmHWM (peak) of a process, bytes. */
function rssOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number((new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(s) || [])[1] || 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Reset a process's peak RSS (VmHWM); false when the kernel does not let us (then the samples are the peak). */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Post BURST callbacks as fast as 32 connections allow and wait for every answer, sampling the child's RSS:
 * resolves the peak over the idle RSS before the burst, the ack rate and the answered rate.
 */
async function burst(red, sim, url, answered, kind, log) {
  await new Promise((r) => setTimeout(r, 1500));
  const idle = rssOf(red.child.pid).rss;
  const hwmReset = resetPeak(red.child.pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(red.child.pid).rss)), 50);
  const before = answered();
  const t0 = Date.now();
  const acks = await post(...callbacks('/wecom/callback', BURST, (/** @type {number} */ i) => `${kind}-burst${i % 3000}`, url), 32);
  await until(() => answered() >= before + BURST, `${BURST} burst answers`, 600000);
  const secs = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  if (hwmReset) peak = Math.max(peak, rssOf(red.child.pid).hwm);
  const stats = await (await fetch(url('/__bench/stats?gc=1'))).json();
  const r = { peakMb: (peak - idle) / 1048576, idleMb: idle / 1048576, ackRate: BURST / acks.secs, rate: BURST / secs, heapAfterMb: stats.mem.heapUsed / 1048576 };
  log(`${kind} burst of ${BURST}: RSS idle ${r.idleMb.toFixed(0)} MB, peak +${r.peakMb.toFixed(0)} MB${hwmReset ? '' : ' (sampled)'}; acks ${r.ackRate.toFixed(0)}/s (failures ${acks.failures}), answered ${r.rate.toFixed(0)}/s; heap used after (GC) ${r.heapAfterMb.toFixed(0)} MB`);
  return r;
}

/** One Node-RED process on a fresh user dir with the given store; resolves the pipeline's and the bare flow's rates. */
async function measure(sim, kind, log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wecom-bench-proc-${kind}-`));
  const f = flow(sim);
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(f.nodes));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(f.credentials));
  const red = await startRed(dir, { DUR_STATE: kind, DUR_STATS: '1' });
  /** @param {string} [p] */
  const url = (p) => `http://127.0.0.1:${red.port}${p || ''}`;
  const answered = () => sim.records().filter((/** @type {{direction: string}} */ r) => r.direction === 'bot').length;
  try {
    const idle = await settledMemory(url);
    let before = answered();
    await post(...callbacks('/wecom/callback', 300, (/** @type {number} */ i) => `${kind}-warm${i % 50}`, url), 16, () => until(() => answered() >= before + 300, 'warm-up answers', 60000));
    const bare = await post(...callbacks('/baseline', N, (/** @type {number} */ i) => `b${i}`, url), 32);
    before = answered();
    const pre = await settledMemory(url);
    const w0 = (await (await fetch(url('/__bench/stats'))).json()).writes;
    const r = await post(...callbacks('/wecom/callback', N, (/** @type {number} */ i) => `${kind}-u${i}`, url), 32, () => until(() => answered() >= before + N, `${N} answers`, 300000));
    const w1 = (await (await fetch(url('/__bench/stats'))).json()).writes;
    // N new users each left a conversation (with the bot): what one more costs in this process's memory
    const after = await settledMemory(url);
    const budget = { idleHeap: idle.heap, idleRss: idle.rss, perConvHeap: (after.heap - pre.heap) / N, perConvRss: (after.rss - pre.rss) / N };
    log(`${kind} memory: idle heap ${(idle.heap / MB).toFixed(1)} MB, RSS ${(idle.rss / MB).toFixed(0)} MB; per conversation (${N} new users) heap ${(budget.perConvHeap / 1024).toFixed(2)} KB, RSS ${(budget.perConvRss / 1024).toFixed(2)} KB`);
    const writes = { ops: (w1.ops - w0.ops) / N, tx: (w1.tx - w0.tx) / N, commits: (w1.commits - w0.commits) / N, puts: (w1.puts - w0.puts) / N, bytes: (w1.bytes - w0.bytes) / N };
    const rate = N / r.secs;
    const bareRate = N / bare.secs;
    log(`${kind}: ${rate.toFixed(0)} msgs/s answered (ack p50 ${percentile(r.lat, 50).toFixed(1)} ms, p99 ${percentile(r.lat, 99).toFixed(1)} ms, failures ${r.failures}); bare http in → http response ${bareRate.toFixed(0)} req/s`);
    if (kind === 'local') {
      log(`local store per message: ${writes.ops.toFixed(1)} writes asked for, ${writes.tx.toFixed(2)} write transactions, ${writes.commits.toFixed(2)} lmdb commits, ${writes.puts.toFixed(1)} records put, ${writes.bytes.toFixed(0)} bytes encoded`);
      const ops = Object.keys(w1.byOp).map((/** @type {string} */ k) => [k, ((w1.byOp[k] || 0) - (w0.byOp[k] || 0)) / N]).filter(([, v]) => Number(v) >= 0.05);
      const bytes = (/** @type {string} */ k) => (((w1.bytesByOp || {})[k] || 0) - ((w0.bytesByOp || {})[k] || 0)) / N;
      log(`  by operation (writes, bytes): ${ops.sort((a, b) => Number(b[1]) - Number(a[1])).map(([k, v]) => `${k} ${Number(v).toFixed(2)} ${bytes(String(k)).toFixed(0)} B`).join(', ')}`);
    }
    const b = kind === 'local' ? await burst(red, sim, url, answered, kind, log) : undefined;
    const holders = kind === 'local' ? await heapHolders(url, dir, log) : [];
    return { rate, bare: bareRate, p50: percentile(r.lat, 50), p99: percentile(r.lat, 99), writes, burst: b, budget, holders };
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
    const b = /** @type {NonNullable<typeof local.burst>} */ (local.burst);
    const g = 'pipeline (own process)';
    return [
      { group: g, metric: `peak RSS over idle, ${BURST}-message burst (durable)`, value: b.peakMb, unit: 'MB', baseline: 'idle RSS', baselineValue: b.idleMb, target: '≤ +100 MB' },
      { group: g, metric: `acks/s during the burst (durable)`, value: b.ackRate, unit: 'req/s', baseline: 'http in → http response', baselineValue: bare, ratio: b.ackRate / bare, target: '≥ 0.7×' },
      { group: g, metric: `msgs/s answered during the burst (durable)`, value: b.rate, unit: 'msg/s', baseline: 'http in → http response', baselineValue: bare, ratio: b.rate / bare },
      { group: g, metric: 'heap used, idle install (after GC)', value: local.budget.idleHeap / MB, unit: 'MB', baseline: 'RSS', baselineValue: local.budget.idleRss / MB },
      { group: g, metric: 'heap per conversation (after GC)', value: local.budget.perConvHeap / 1024, unit: 'KB', baseline: 'RSS per conversation', baselineValue: local.budget.perConvRss / 1024 },
      { group: g, metric: 'heap after the burst (after GC)', value: b.heapAfterMb, unit: 'MB', target: local.holders.slice(0, 3).map((r) => r.what).join(', ') },
      { group: g, metric: 'writes asked for per message (local store)', value: local.writes.ops, unit: 'writes/msg' },
      { group: g, metric: 'write transactions per message (local store)', value: local.writes.tx, unit: 'tx/msg' },
      { group: g, metric: 'lmdb commits per message (local store)', value: local.writes.commits, unit: 'commits/msg' },
      { group: g, metric: 'records put per message (local store)', value: local.writes.puts, unit: 'puts/msg' },
      { group: g, metric: 'bytes encoded per message (local store)', value: local.writes.bytes, unit: 'bytes/msg' },
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
