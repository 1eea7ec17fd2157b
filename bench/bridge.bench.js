'use strict';
// ws-bridge throughput and memory: 1,000 agent sockets connected to a ws-bridge on a Node-RED server started by
// the test helper (real loopback WebSockets, both ends in this process).
//  - inbound: agents send `reply` frames; counted when the bridge has emitted the reply and the agent has its ack;
//  - outbound: handoff-style `message` frames into the node; counted when the agent socket receives them;
//  - memory: heap + external growth per connected agent (client and server side together).
//  - acknowledgements: the same outbound run with consoles that acknowledge every frame ({type:'received'}),
//    against the run without (version-1 clients: a frame counts as delivered once written);
//  - media relay: 100 concurrent 1 MB user images read by agents through <path>/media/<ref> (ws-bridge streams
//    WeCom's media/get from the simulator), throughput and peak memory growth, against reading the simulator directly.
// Baseline: a bare `ws` server on the same machine that JSON-parses each frame and answers a small ack.
const WebSocket = require('ws');
const { helper, load, startHttp, stopHttp, httpUrl } = require('../test/helpers/runtime');
const { startSim, simAccount } = require('../test/helpers/simulator');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const { MediaLinker } = require('../dist/nodes/lib/bridge/media/link.js');
const { BridgeSecrets } = require('../dist/nodes/lib/bridge/secrets.js');

const AGENTS = 1000;
const FRAMES_PER_AGENT = 20;
const TOKEN = 'bench-token-Lp8Vx3Qm6Zt1';

const gc = () => {
  if (global.gc) global.gc();
};
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

function connectAll(urlOf, n) {
  /** @type {Array<WebSocket & { counter: number }>} */
  const socks = [];
  return new Promise((resolve, reject) => {
    let open = 0;
    let i = 0;
    const next = () => {
      // connect in small batches so the accept queue does not overflow
      for (let k = 0; k < 50 && i < n; k++, i++) {
        const ws = /** @type {WebSocket & { counter: number }} */ (new WebSocket(urlOf(i)));
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
  const socks = await connectAll(() => `ws://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (wss.address()).port}/`, AGENTS);
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
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < FRAMES_PER_AGENT; k++) socks.forEach((ws, i) => ws.send(JSON.stringify({ type: 'reply', conversationId: `c${i}`, text: 'hello', id: k })));
  await until(() => replies >= AGENTS * FRAMES_PER_AGENT && total(socks) - start >= AGENTS * FRAMES_PER_AGENT);
  const inbound = (AGENTS * FRAMES_PER_AGENT) / (Number(process.hrtime.bigint() - t0) / 1e9);
  log(`inbound ${inbound.toFixed(0)} frames/s`);

  // outbound: handoff → bridge → agents (FRAMES_PER_AGENT message frames for each conversation)
  const pushMessages = async (clients, tag) => {
    const from = total(clients);
    const t = process.hrtime.bigint();
    for (let k = 0; k < FRAMES_PER_AGENT; k++) {
      for (let i = 0; i < AGENTS; i++) b.receive({ payload: { type: 'message', conversationId: `c${i}`, userId: `u${i}`, msgType: 'text', text: 'hi', msgId: `${tag}${k}`, ts: 1 }, wecom: wecom(i) });
    }
    await until(() => total(clients) - from >= AGENTS * FRAMES_PER_AGENT);
    return (AGENTS * FRAMES_PER_AGENT) / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  const outbound = await pushMessages(socks, 'x');
  log(`outbound ${outbound.toFixed(0)} frames/s`);

  // the same with consoles that acknowledge every frame: they reconnect with ?ack= and answer each seq
  socks.forEach((ws) => ws.terminate());
  const acking = await connectAll((i) => `${base}/wecom/ws?agent=a${i}&ack=0&token=${TOKEN}`, AGENTS);
  for (const ws of acking) {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (typeof f.seq === 'number') ws.send(`{"type":"received","seq":${f.seq}}`);
    });
  }
  await until(() => total(acking) >= AGENTS);
  const acked = await pushMessages(acking, 'y');
  log(`outbound with acknowledgements ${acked.toFixed(0)} frames/s`);

  acking.forEach((ws) => ws.terminate());
  await helper.unload();
  await helper.stopServer();

  const raw = await rawBaseline();
  log(`bare ws baseline ${raw.toFixed(0)} frames/s`);
  const media = await mediaRelay(log);
  return [
    { group: 'ws-bridge', metric: `bridge→agent frames/s with acknowledgements (${AGENTS} sockets, a received per frame)`, value: acked, unit: 'frames/s', baseline: 'same, no acknowledgements (v1 clients)', baselineValue: outbound, ratio: acked / outbound },
    { group: 'ws-bridge', metric: `media relay ${MEDIA_N} concurrent ${MEDIA_MB} MB images (agent ← bridge ← media/get)`, value: media.relay, unit: 'MB/s', baseline: 'reading the simulator directly', baselineValue: media.direct, ratio: media.relay / media.direct },
    { group: 'ws-bridge', metric: `media relay peak memory growth (${MEDIA_N} × ${MEDIA_MB} MB in flight)`, value: media.peakMb, unit: 'MB', baseline: 'whole-file buffering', baselineValue: MEDIA_N * MEDIA_MB, ratio: (MEDIA_N * MEDIA_MB) / Math.max(0.1, media.peakMb) },
    { group: 'ws-bridge', metric: `agent→bridge frames/s (${AGENTS} sockets, reply+ack+output)`, value: inbound, unit: 'frames/s', baseline: 'bare ws JSON echo', baselineValue: raw, ratio: inbound / raw, target: '≥ 5000' },
    { group: 'ws-bridge', metric: `bridge→agent frames/s (${AGENTS} sockets)`, value: outbound, unit: 'frames/s', baseline: 'bare ws JSON echo', baselineValue: raw, ratio: outbound / raw, target: '≥ 5000' },
    { group: 'ws-bridge', metric: 'memory per connected agent (both ends)', value: perAgent / 1024, unit: 'KiB', target: '≤ 64' },
  ];
}

const MEDIA_N = 100;
const MEDIA_MB = 1;

/** Read `urls` concurrently, streaming (never holding a body); resolves MB/s and peak memory growth (MB). */
async function readAll(urls, headers) {
  const now = () => {
    const m = process.memoryUsage(); // no gc here: sampling must not slow the reads down
    return m.heapUsed + m.external;
  };
  const base = mem();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, now() - base);
  }, 5);
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  await Promise.all(urls.map(async (u) => {
    const res = await fetch(u, { headers });
    if (res.status !== 200) throw new Error(`bench: ${res.status} for a media read`);
    for await (const chunk of /** @type {ReadableStream<Uint8Array>} a 200 has a body */ (res.body)) bytes += chunk.length;
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  if (bytes !== urls.length * MEDIA_MB * 1024 * 1024) throw new Error('bench: media bytes missing');
  return { mbps: bytes / 1048576 / secs, peakMb: peak / 1048576 };
}

async function mediaRelay(log) {
  const sim = await startSim();
  await helper.startServer();
  await startHttp();
  const acc = simAccount('acc', sim);
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    acc.node,
    { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', heartbeatSec: 0, maxMediaMb: 20, wires: [[], []] },
  ];
  await load([accountMod, bridgeNode], flow, Object.assign({ b: { token: TOKEN } }, acc.credentials));
  const ids = [];
  for (let i = 0; i < MEDIA_N; i++) {
    const r = await sim.userSends({ channel: 'app', userId: `m${i}`, type: 'image', data: Buffer.alloc(MEDIA_MB * 1024 * 1024, i), contentType: 'image/jpeg', filename: `p${i}.jpg` });
    ids.push(r.mediaId);
  }
  const linker = new MediaLinker(new BridgeSecrets(TOKEN), '/wecom/ws/media/');
  const relayUrls = ids.map((id) => httpUrl(linker.link({ type: 'image', mediaId: id }, 'acc', 'app').url));
  await readAll(relayUrls.slice(0, 5), { authorization: `Bearer ${TOKEN}` }); // warm up the token and pools
  const relay = await readAll(relayUrls, { authorization: `Bearer ${TOKEN}` });
  const token = (await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${acc.node.corpId}&corpsecret=${acc.credentials.acc.agentSecret}`)).json()).access_token;
  const direct = await readAll(ids.map((id) => `${sim.url}/cgi-bin/media/get?access_token=${token}&media_id=${id}`), {});
  log(`media relay ${relay.mbps.toFixed(0)} MB/s (peak +${relay.peakMb.toFixed(1)} MB) vs direct ${direct.mbps.toFixed(0)} MB/s (peak +${direct.peakMb.toFixed(1)} MB)`);
  await helper.unload();
  await stopHttp();
  await helper.stopServer();
  await sim.stop();
  return { relay: relay.mbps, direct: direct.mbps, peakMb: relay.peakMb };
}

module.exports = { run };
