'use strict';
// ai-answer's own cost (`npm run bench -- ai`): per-message latency through the node (real Node-RED runtime,
// retrieval + prompt + checks + state store) around a loopback OpenAI-compatible stub that answers at once,
// vs calling the same stub directly with the same request (p50/p99); then 64 conversations at once against a
// stub that takes 2 s per answer (no head-of-line blocking: all done in about 2 s, not 64 × 2 s).
const path = require('node:path');
const { request } = require('undici');
const { helper, load } = require('../test/helpers/runtime');
const { startAiStub } = require('../test/helpers/ai-stub');

const dist = (p) => require(path.join(__dirname, '..', 'dist', p));
const N = 400;
const CONVERSATIONS = 64;
const KB = [
  { id: '12', question: '专业版多少钱？', alternates: ['专业版价格'], answer: '专业版每月 199 元，按年付 1990 元。' },
  { id: '13', question: '企业版多少钱？', alternates: ['企业版价格'], answer: '企业版每月 599 元，含 50 个坐席。' },
  { id: '20', question: '怎么开发票？', answer: '在订单页点击申请发票，3 个工作日内开出。' },
];
const REPLY = { content: '专业版每月 199 元 [f12]' };

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function flow(stub, delayMs) {
  const nodes = [
    { id: 'ep', type: 'ai-endpoint', baseUrl: stub.url, model: 'bench', timeout: 30, maxConcurrency: CONVERSATIONS, dailyBudget: 0 },
    { id: 'faq', type: 'faq-lookup', entries: KB, wires: [[], [], []] },
    { id: 'ai', type: 'ai-answer', endpoint: 'ep', faq: 'faq', userPerMinute: 0, budget: delayMs ? 10 : 8, wires: [['out'], ['out']] },
    { id: 'out', type: 'helper' },
  ];
  await load([dist('nodes/ai-endpoint/ai-endpoint.js'), dist('nodes/ai-answer/ai-answer.js'), dist('nodes/faq-lookup/faq-lookup.js')], nodes, { ep: { apiKey: 'bench-key' } });
  const pending = new Map();
  let answered = 0;
  helper.getNode('out').on('input', (m) => {
    if (m.ai && !m.ai.reason) answered++;
    const done = pending.get(m._bench);
    pending.delete(m._bench);
    if (done) done();
  });
  const ai = helper.getNode('ai');
  const ask = (i, user) =>
    new Promise((resolve) => {
      pending.set(i, resolve);
      ai.receive({ _bench: i, payload: '专业版多少钱？', wecom: { channel: 'kf', msgType: 'text', userId: user, conversationId: `kf:ww:wk:${user}` } });
    });
  return { ask, answered: () => answered };
}

async function run(log) {
  const rows = [];
  const stub = await startAiStub({ fallback: REPLY });
  // 1. through the node, one message at a time (each a new user: no per-user limit, fresh history)
  const f = await flow(stub, 0);
  for (let i = 0; i < 20; i++) await f.ask(-1 - i, `warm${i}`);
  const viaNode = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    await f.ask(i, `u${i}`);
    viaNode.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const last = stub.requests.at(-1);
  if (!last) throw new Error('the stub got no request');
  const sent = last.body;
  log(`through ai-answer: ${f.answered()} answered of ${N + 20}; last prompt ${sent.messages.map((m) => m.content).join('').length} characters`);
  await helper.unload();
  // 2. the same request straight to the stub
  const direct = [];
  for (let i = 0; i < N + 20; i++) {
    const t0 = process.hrtime.bigint();
    const res = await request(stub.url + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' }, body: JSON.stringify(sent) });
    await res.body.json();
    if (i >= 20) direct.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  for (const p of [0.5, 0.99]) {
    const ours = q(viaNode, p);
    const base = q(direct, p);
    rows.push({ group: 'ai', metric: `latency p${p * 100} (stub answers at once)`, value: ours, unit: 'ms', baseline: 'stub called directly', baselineValue: base, ratio: base / ours });
    rows.push({ group: 'ai', metric: `overhead p${p * 100}`, value: ours - base, unit: 'ms' });
  }
  await stub.close();

  // 3. 64 conversations at once, a stub that takes 2 s
  const slow = await startAiStub({ fallback: { ...REPLY, delayMs: 2000 } });
  const g = await flow(slow, 2000);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => g.ask(i, `c${i}`)));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`${CONVERSATIONS} conversations, 2 s stub: ${g.answered()} answered in ${secs.toFixed(2)} s`);
  rows.push({ group: 'ai', metric: `${CONVERSATIONS} conversations, 2 s model: wall time`, value: secs, unit: 's', baseline: 'one at a time (64 × 2 s)', baselineValue: CONVERSATIONS * 2, ratio: (CONVERSATIONS * 2) / secs, target: '≈ 2 s' });
  rows.push({ group: 'ai', metric: `${CONVERSATIONS} conversations, 2 s model: answered`, value: g.answered(), unit: 'msgs', target: String(CONVERSATIONS) });
  rows.push({ group: 'ai', metric: 'throughput with a 2 s model', value: g.answered() / secs, unit: 'answers/s' });
  await helper.unload();
  await slow.close();
  return rows;
}

module.exports = { run };
