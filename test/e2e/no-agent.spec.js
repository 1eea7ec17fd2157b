'use strict';
// The bundled flow with no agent online: a question the bot cannot answer queues the user for a human, and the
// user is told their place in words and how to go back (取消人工); meanwhile the bot still answers keyword and
// FAQ questions; 取消人工 brings the bot back. Shared in-process sandbox, no WebSocket agent connected.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { useSandbox, exampleFlow, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until: waitUntil } = require('../helpers/runtime');

const until = (probe, what, ms = 15000) => waitUntil(probe, what, ms);

describe('e2e: the bundled flow with no agent online never traps the user', function () {
  this.timeout(60000);
  const sandbox = useSandbox();
  let sim;
  let sb;
  const user = `noagent-${Date.now().toString(36)}`;

  /** The user says `text`; resolves with the first bot message to them after it that matches `re`. */
  async function sayUntil(text, re) {
    const since = lastSeq(sim);
    const res = await sim.userSays({ channel: 'app', userId: user, text });
    assert.equal(res.status, 200);
    return until(() => sim.records(since).find((r) => r.direction === 'bot' && r.userId === user && re.test(r.text)), `a reply to "${text}" matching ${re}`);
  }

  before(async function () {
    sb = await sandbox();
    await hubIdle(sb);
    sim = sb.simulator;
    assert.ok(sim, 'the sandbox runs the WeCom simulator');
  });

  it('the bundled handoff node has a queue timeout', function () {
    const h = exampleFlow().find((n) => n.type === 'handoff');
    assert.ok(Number(h.queueTimeout) > 0, 'queueTimeout is set');
  });

  it('an FAQ miss queues the user, who is told the place in words and how to go back', async function () {
    const since = lastSeq(sim);
    // one notice (the place comes with ws-bridge's queued event): no "transferring…" before it
    const place = await sayUntil('帮我订一张明天去上海的机票', /第 1 位/);
    assert.match(place.text, /暂无客服在线/);
    assert.match(place.text, /取消人工/);
    assert.deepEqual(sim.records(since).filter((r) => r.direction === 'bot' && r.userId === user).map((r) => r.text), [place.text], 'the only notice');
  });

  it('while queued, the bot still answers keyword and FAQ questions', async function () {
    const price = await sayUntil('价格多少', /^关于价格问题/);
    assert.ok(price);
    const hello = await sayUntil('你好', /^您好！我是禾点收银智能客服/);
    assert.ok(hello);
    const faq = await sayUntil('退款几天能到账啊', /原路退回/);
    assert.ok(faq);
  });

  it('取消人工 brings the bot back, and it goes on answering', async function () {
    await sayUntil('取消人工', /取消人工服务/);
    await sayUntil('价格多少', /^关于价格问题/);
  });

  it('the transcript is written under the Node-RED user dir', async function () {
    const file = path.join(sb.userDir, 'wecom-transcript.jsonl');
    const line = await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').find((l) => l.includes(user)), 'the transcript line');
    assert.ok(JSON.parse(line));
  });
});
