'use strict';
// Issue 2 benchmarks:
//  1. decrypt + verify + parse per second (wecom-in's whole callback core) against @wecom/crypto's decrypt alone;
//  2. HTTP throughput and p99 latency of encrypted POST callbacks through wecom-in against Node-RED's own
//     `http in → http response` flow, both in one Node-RED runtime, same bodies, same client.
const { performance } = require('node:perf_hooks');
const wecomCrypto = require('@wecom/crypto');
const { XMLParser } = require('fast-xml-parser');
const { openCallback } = require('../dist/nodes/lib/wecom/callback');
const { decrypt } = require('../dist/nodes/lib/wecom/crypto');
const { ACCOUNT, KEYS, accountNode, textXml, sealed } = require('../test/helpers/fixtures');
const rt = require('../test/helpers/runtime');
const { post, percentile } = require('./http-load');

function opsPerSecond(fn, ms) {
  for (let i = 0; i < 2000; i++) fn(i);
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 500; i++) fn(n++);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** @param {string[]} urls @param {string[]} bodies @param {number} concurrency */
async function load(urls, bodies, concurrency) {
  const r = await post(urls, bodies, concurrency);
  return { rps: urls.length / r.secs, p50: percentile(r.lat, 50), p99: percentile(r.lat, 99), failures: r.failures };
}

async function run(log) {
  const rows = [];
  // 1. the callback core
  const samples = Array.from({ length: 256 }, (_, i) => {
    const s = sealed(textXml(`你好，请问专业版多少钱一年？第${i}条`, { msgId: String(7000000000000000000n + BigInt(i)) }));
    const q = Object.fromEntries(new URLSearchParams(s.qs.slice(1)));
    return { q, body: s.body, enc: /** @type {RegExpMatchArray} */ (s.body.match(/<Encrypt><!\[CDATA\[(.*?)\]\]>/))[1] };
  });
  // Interleave the measurements so machine noise hits both sides alike.
  const fxp = new XMLParser({ processEntities: false, parseTagValue: false });
  const sameJob = (i) => {
    const s = samples[i & 255];
    if (wecomCrypto.getSignature(ACCOUNT.token, s.q.timestamp, s.q.nonce, s.enc) !== s.q.msg_signature) throw new Error('sig');
    return fxp.parse(wecomCrypto.decrypt(ACCOUNT.encodingAESKey, s.enc).message);
  };
  const m = { ours: 0, theirs: 0, ourDecrypt: 0, sameJob: 0 };
  for (let round = 0; round < 3; round++) {
    m.ours += opsPerSecond((i) => openCallback(KEYS, samples[i & 255].q, samples[i & 255].body), 400);
    m.theirs += opsPerSecond((i) => wecomCrypto.decrypt(ACCOUNT.encodingAESKey, samples[i & 255].enc), 400);
    m.ourDecrypt += opsPerSecond((i) => decrypt(KEYS.aesKey, samples[i & 255].enc, ACCOUNT.corpId), 400);
    m.sameJob += opsPerSecond(sameJob, 400);
  }
  for (const k of Object.keys(m)) m[k] /= 3;
  log(`callback core ${m.ours.toFixed(0)}/s, @wecom/crypto decrypt ${m.theirs.toFixed(0)}/s, our strict decrypt ${m.ourDecrypt.toFixed(0)}/s, @wecom/crypto sign+decrypt+fxp ${m.sameJob.toFixed(0)}/s`);
  rows.push({ group: 'callback', metric: 'verify+decrypt+parse', value: m.ours, unit: 'ops/s', baseline: '@wecom/crypto decrypt alone', baselineValue: m.theirs, ratio: m.ours / m.theirs, target: '≥ 1.0×' });
  rows.push({ group: 'callback', metric: 'verify+decrypt+parse', value: m.ours, unit: 'ops/s', baseline: '@wecom/crypto sign+decrypt + fast-xml-parser', baselineValue: m.sameJob, ratio: m.ours / m.sameJob, target: '(same job)' });
  rows.push({ group: 'callback', metric: 'strict decrypt (pad, length, receiveid)', value: m.ourDecrypt, unit: 'ops/s', baseline: '@wecom/crypto decrypt alone', baselineValue: m.theirs, ratio: m.ourDecrypt / m.theirs, target: '≥ 1.0×' });

  // 2. HTTP through a real Node-RED runtime
  const httpIn = require('@node-red/nodes/core/network/21-httpin.js');
  const acc = accountNode('acc1');
  const flow = [
    { id: 't', type: 'tab' },
    acc.node,
    { id: 'in1', z: 't', type: 'wecom-in', account: 'acc1', path: '/wecom/callback', wires: [[]] },
    { id: 'h1', z: 't', type: 'http in', url: '/baseline', method: 'post', wires: [['h2']] },
    { id: 'h2', z: 't', type: 'http response', statusCode: '200', wires: [] },
  ];
  await rt.startHttp();
  await rt.load([require('../dist/nodes/wecom-account/wecom-account.js'), require('../dist/nodes/wecom-in/wecom-in.js'), httpIn], flow, acc.credentials);
  const N = 4000;
  const C = 32;
  let idBase = 7100000000000000000n;
  /** @type {(path: string, n: number) => [string[], string[]]} */
  const mk = (path, n) => {
    const urls = [];
    const bodies = [];
    for (let i = 0; i < n; i++) {
      const s = sealed(textXml(`压测消息 ${i}`, { msgId: String(idBase++) }));
      urls.push(rt.httpUrl(path + s.qs));
      bodies.push(s.body);
    }
    return [urls, bodies];
  };
  // Warm-up both routes, then measure with fresh MsgIds (a repeated MsgId would be a re-send).
  await load(...mk('/wecom/callback', 500), C);
  await load(...mk('/baseline', 500), C);
  const [bu, bb] = mk('/baseline', N);
  const [wu, wb] = mk('/wecom/callback', N);
  const base = await load(bu, bb, C);
  const ourHttp = await load(wu, wb, C);
  await rt.helper.unload();
  await rt.stopHttp();
  log(`wecom-in ${ourHttp.rps.toFixed(0)} req/s p99 ${ourHttp.p99.toFixed(2)} ms; http in→response ${base.rps.toFixed(0)} req/s p99 ${base.p99.toFixed(2)} ms; failures ${ourHttp.failures}/${base.failures}`);
  rows.push({ group: 'callback', metric: 'wecom-in HTTP throughput', value: ourHttp.rps, unit: 'req/s', baseline: 'http in → http response', baselineValue: base.rps, ratio: ourHttp.rps / base.rps, target: '≥ 0.9×' });
  rows.push({ group: 'callback', metric: 'wecom-in HTTP p99 latency', value: ourHttp.p99, unit: 'ms', baseline: 'http in → http response', baselineValue: base.p99, ratio: base.p99 / ourHttp.p99, target: '≥ 0.9× (lower is better)' });
  return rows;
}

module.exports = { run };
