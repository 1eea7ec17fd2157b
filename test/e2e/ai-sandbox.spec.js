'use strict';
// The bundled flow's AI path through `npm start`'s set-up: the WeCom simulator, and the AI SIMULATOR standing in
// for an OpenAI-compatible endpoint (no WECOM_AI_* set). A question the FAQ misses but the example documents
// (examples/kb-docs) answer gets a cited answer from the material; one nothing answers still reaches an agent.
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const { useSandbox, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until: waitUntil } = require('../helpers/runtime');

const until = (probe, what, ms = 15000) => waitUntil(probe, what, ms);

describe('e2e: AI answers in the bundled flow (AI simulator on loopback)', function () {
  this.timeout(60000);
  const sandbox = useSandbox();
  let sb;
  const run = Date.now().toString(36);

  before(async () => {
    sb = await sandbox();
    await hubIdle(sb);
  });

  async function replyTo(userId, text) {
    const since = lastSeq(sb.simulator);
    const res = await sb.simulator.userSays({ channel: 'app', userId, text });
    assert.equal(res.status, 200);
    return until(() => sb.simulator.records(since).find((r) => r.direction === 'bot' && r.userId === userId), `a reply to "${text}"`);
  }

  it('runs the AI simulator, named as one on its page', async function () {
    assert.ok(sb.aiSimulator, 'sandbox mode without WECOM_AI_BASE_URL starts the AI simulator');
    const page = await fetch(sb.aiSimulator.url.replace(/\/v1$/, '/')).then((r) => r.text());
    assert.match(page, /AI 模拟器/);
    assert.match(page, /not a language model/);
    const cfg = await fetch(new URL('sandbox/config.json', sb.url)).then((r) => r.json());
    assert.equal(cfg.aiSimulator, true);
  });

  it('answers an FAQ miss from the example documents, without citation marks, through the simulated model', async function () {
    const before = sb.aiSimulator.stats.requests;
    const reply = await replyTo(`ai-${run}`, '支持支付宝付款吗');
    assert.match(reply.text, /支付宝/);
    assert.doesNotMatch(reply.text, /\[doc:|NO_ANSWER/);
    assert.equal(sb.aiSimulator.stats.requests, before + 1);
  });

  it('still hands a question nothing answers to an agent (reason no_answer)', async function () {
    const url = new URL(`wecom/ws?agent=ai-agent-${run}`, sb.url.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${sb.agentToken}` } });
    const frames = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    try {
      const user = `ai-miss-${run}`;
      await replyTo(user, '帮我订一张明天去上海的机票');
      const h = await until(() => frames.find((f) => f.type === 'handoff' && f.userId === user), 'the handoff frame');
      assert.equal(h.reason, 'no_answer');
      ws.send(JSON.stringify({ type: 'close', conversationId: h.conversationId }));
      await until(() => frames.find((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === h.conversationId), 'the close ack');
    } finally {
      ws.close();
    }
  });
});
