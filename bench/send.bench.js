'use strict';
// Sends per second through wecom-out (real Node-RED runtime) against the WeCom simulator on loopback,
// and gettoken calls per run. Baseline: a naive client that fetches a token for every message (what a
// per-call `WecomAPI().send_text_message()` does), at the same concurrency.
const path = require('node:path');
const { helper, load } = require('../test/helpers/runtime');
const { startSim, simAccount } = require('../test/helpers/simulator');
const { ACCOUNT } = require('../test/helpers/fixtures');

const dist = (p) => require(path.join(__dirname, '..', 'dist', p));
const N = 2000;
const USERS = 200; // 10 messages per user: under WeCom's 30/min per member
const CONCURRENCY = 16;

async function throughOurNode(log) {
  const sim = await startSim();
  const acc = simAccount('acc1', sim, { retry: { timeoutMs: 5000 } });
  const flow = [
    { id: 'tab1', type: 'tab' },
    acc.node,
    { id: 'out1', z: 'tab1', type: 'wecom-out', account: 'acc1', concurrency: CONCURRENCY, dupCheckSec: 0, wires: [['sink']] },
    { id: 'sink', z: 'tab1', type: 'helper' },
  ];
  await load([dist('nodes/wecom-account/wecom-account.js'), dist('nodes/wecom-out/wecom-out.js')], flow, acc.credentials);
  let ok = 0;
  let failed = 0;
  const all = new Promise((resolve) => {
    helper.getNode('sink').on('input', () => {
      if (++ok + failed === N) resolve(undefined);
    });
    helper.getNode('out1').on('call:error', () => {
      if (ok + ++failed === N) resolve(undefined);
    });
  });
  const out = helper.getNode('out1');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) out.receive({ payload: `bench message ${i}`, wecom: { channel: 'app', userId: `user${i % USERS}` } });
  await all;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = sim.stats();
  log(`wecom-out: ${ok} sent, ${failed} failed in ${secs.toFixed(2)} s; gettoken ${stats.gettoken}; delivered ${sim.records().length}`);
  await helper.unload();
  await sim.stop();
  return { rate: ok / secs, gettoken: stats.gettoken, delivered: sim.records().length };
}

async function naive(log) {
  const sim = await startSim();
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < N) {
      const i = next++;
      const q = new URLSearchParams({ corpid: ACCOUNT.corpId, corpsecret: ACCOUNT.agentSecret });
      const tok = await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json();
      const body = { touser: `user${i % USERS}`, msgtype: 'text', agentid: Number(ACCOUNT.agentId), text: { content: `bench message ${i}` } };
      await (await fetch(`${sim.url}/cgi-bin/message/send?access_token=${tok.access_token}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json();
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = sim.stats();
  log(`naive: ${N} in ${secs.toFixed(2)} s; gettoken ${stats.gettoken}`);
  await sim.stop();
  return { rate: N / secs, gettoken: stats.gettoken };
}

async function run(log) {
  const ours = await throughOurNode(log);
  const base = await naive(log);
  return [
    { group: 'wecom-out', metric: `sends/s (${N} msgs, ${USERS} users, simulator)`, value: ours.rate, unit: 'msg/s', baseline: 'naive token-per-send client', baselineValue: base.rate, ratio: ours.rate / base.rate, target: '≥ 200 msg/s' },
    { group: 'wecom-out', metric: 'gettoken calls per run', value: ours.gettoken, unit: 'calls', baseline: 'naive token-per-send client', baselineValue: base.gettoken, ratio: base.gettoken / Math.max(1, ours.gettoken), target: '1' },
    { group: 'wecom-out', metric: 'messages delivered exactly once', value: ours.delivered, unit: 'msgs', target: String(N) },
  ];
}

module.exports = { run };
