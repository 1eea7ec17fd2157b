'use strict';
// ws-bridge throughput and memory: 1,000 agent sockets connected to a ws-bridge on a Node-RED server started by
// the test helper (real loopback WebSockets, both ends in this process).
//  - inbound: agents send `reply` frames; counted when the bridge has emitted the reply and the agent has its ack;
//  - outbound: handoff-style `message` frames into the node; counted when the agent socket receives them;
//  - memory: heap + external growth per connected agent (client and server side together).
// Baseline: a bare `ws` server on the same machine that JSON-parses each frame and answers a small ack.
const WebSocket = require('ws');
const { helper, load } = require('../test/helpers/runtime');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');

const AGENTS = 1000;
const FRAMES_PER_AGENT = 20;
const TOKEN = 'bench-token';

const gc = () => {
  if (global.gc) global.gc();
};
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

function connectAll(urlOf, n) {
  const socks = [];
  return new Promise((resolve, reject) => {
    let open = 0;
    let i = 0;
    const next = () => {
      // connect in small batches so the accept queue does not overflow
      for (let k = 0; k < 50 && i < n; k++, i++) {
        const ws = new WebSocket(urlOf(i));
        ws.counter = 0;
        ws.on('message', () => ws.counter++);
        ws.once('open', () => {
          open++;
          if (open === n) resolve(socks);
          else if (open % 50 === 0) next();
        });
        ws.once('error', reject);
        socks.push(ws);
      }
    };
    next();
  });
}

const total = (socks) => socks.reduce((s, w) => s + w.counter, 0);
async function until(pred, maxMs = 15000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > maxMs) throw new Error('bench: frames did not all arrive');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rawBaseline() {
  const wss = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    ws.send(JSON.stringify({ type: 'ack', ref: f.type, id: f.id }));
  }));
  const socks = await connectAll(() => `ws://127.0.0.1:${wss.address().port}/`, AGENTS);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < FRAMES_PER_AGENT; k++) socks.forEach((ws, i) => ws.send(JSON.stringify({ type: 'reply', conversationId: `c${i}`, text: 'hello', id: k })));
  await until(() => total(socks) >= AGENTS * FRAMES_PER_AGENT);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  socks.forEach((ws) => ws.terminate());
  await new Promise((r) => wss.close(r));
  return (AGENTS * FRAMES_PER_AGENT) / secs;
}

async function run(log) {
  await helper.startServer();
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', maxPerAgent: 1, heartbeatSec: 0, bufferSize: 1000, wires: [['sink'], []] },
    { id: 'sink', z: 'tab', type: 'helper' },
  ];
  await load([bridgeNode], flow, { b: { token: TOKEN } });
  const b = helper.getNode('b');
  let replies = 0;
  helper.getNode('sink').on('input', () => replies++);
  const base = helper.url().replace(/^http/, 'ws');

  const before = mem();
  const socks = await connectAll((i) => `${base}/wecom/ws?agent=a${i}&token=${TOKEN}`, AGENTS);
  await until(() => total(socks) >= AGENTS); // welcome frames
  const perAgent = (mem() - before) / AGENTS;
  log(`${AGENTS} agents connected, ${(perAgent / 1024).toFixed(1)} KiB each`);

  // one conversation per agent (round robin, cap 1)
  const wecom = (i) => ({ channel: 'kf', corpId: 'ww', agentId: '1', userId: `u${i}`, openKfId: 'wk', msgType: 'text', msgId: `m${i}`, createTime: 1, conversationId: `c${i}`, raw: {} });
  for (let i = 0; i < AGENTS; i++) {
    b.receive({ payload: { type: 'handoff', conversationId: `c${i}`, channel: 'kf', userId: `u${i}`, reason: 'keyword', text: 'hi', history: [], ts: 1 }, wecom: wecom(i) });
  }
  await until(() => total(socks) >= 2 * AGENTS);
  // inbound: agents → bridge. Round robin in connection order with a cap of 1 gave conversation c<i> to agent a<i>.
  const start = total(socks);
  let t0 = process.hrtime.bigint();
  for (let k = 0; k < FRAMES_PER_AGENT; k++) socks.forEach((ws, i) => ws.send(JSON.stringify({ type: 'reply', conversationId: `c${i}`, text: 'hello', id: k })));
  await until(() => replies >= AGENTS * FRAMES_PER_AGENT && total(socks) - start >= AGENTS * FRAMES_PER_AGENT);
  const inbound = (AGENTS * FRAMES_PER_AGENT) / (Number(process.hrtime.bigint() - t0) / 1e9);
  log(`inbound ${inbound.toFixed(0)} frames/s`);

  // outbound: handoff → bridge → agents
  const start2 = total(socks);
  t0 = process.hrtime.bigint();
  for (let k = 0; k < FRAMES_PER_AGENT; k++) {
    for (let i = 0; i < AGENTS; i++) b.receive({ payload: { type: 'message', conversationId: `c${i}`, userId: `u${i}`, msgType: 'text', text: 'hi', msgId: `x${k}`, ts: 1 }, wecom: wecom(i) });
  }
  await until(() => total(socks) - start2 >= AGENTS * FRAMES_PER_AGENT);
  const outbound = (AGENTS * FRAMES_PER_AGENT) / (Number(process.hrtime.bigint() - t0) / 1e9);
  log(`outbound ${outbound.toFixed(0)} frames/s`);

  socks.forEach((ws) => ws.terminate());
  await helper.unload();
  await helper.stopServer();

  const raw = await rawBaseline();
  log(`bare ws baseline ${raw.toFixed(0)} frames/s`);
  return [
    { group: 'ws-bridge', metric: `agent→bridge frames/s (${AGENTS} sockets, reply+ack+output)`, value: inbound, unit: 'frames/s', baseline: 'bare ws JSON echo', baselineValue: raw, ratio: inbound / raw, target: '≥ 5000' },
    { group: 'ws-bridge', metric: `bridge→agent frames/s (${AGENTS} sockets)`, value: outbound, unit: 'frames/s', baseline: 'bare ws JSON echo', baselineValue: raw, ratio: outbound / raw, target: '≥ 5000' },
    { group: 'ws-bridge', metric: 'memory per connected agent (both ends)', value: perAgent / 1024, unit: 'KiB', target: '≤ 64' },
  ];
}

module.exports = { run };
