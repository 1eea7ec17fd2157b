'use strict';
// The whole pipeline through the bundled example flow, unchanged, in the same runtime set-up as `npm start`
// (the shared in-process sandbox: Node-RED + examples/wecom-customer-service.json + the WeCom simulator).
// WeChat users are played by the simulator (encrypted callbacks, 微信客服 pull), agents by real WebSocket clients.
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const { useSandbox, exampleFlow, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until: waitUntil } = require('../helpers/runtime');

const until = (probe, what, ms = 15000) => waitUntil(probe, what, ms);
const { createFaqBot } = require('../../dist/nodes/lib/bot/faq/bot');
const { sealCallback } = require('../../dist/nodes/lib/wecom/callback');
const { aesKeyFrom } = require('../../dist/nodes/lib/wecom/crypto');
const { buildXml } = require('../../dist/nodes/lib/wecom/xml');

// with an agent online the one notice of a handoff is "joined" (no "transferring…" before it: 微信客服 counts each)
const JOINED_NOTICE = '人工客服已接入，请问有什么可以帮您？';

/** A WebSocket agent that records every frame and can wait for one. */
async function connectAgent(sb, agentId) {
  const url = new URL(`wecom/ws?agent=${encodeURIComponent(agentId)}`, sb.url.replace(/^http/, 'ws'));
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${sb.agentToken}` } });
  const frames = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    frames,
    send: (f) => ws.send(JSON.stringify(f)),
    waitFor: (pred, what) => until(() => frames.find(pred), what),
    close: () => ws.close(),
  };
}

describe('e2e: the bundled pipeline (keywords → FAQ → human) for app and 微信客服 users', function () {
  this.timeout(60000);
  const sandbox = useSandbox();
  let sb;
  let sim;
  let agent;
  const run = Date.now().toString(36);

  /** The user says something; resolves with the bot's replies to that message (waits for `count` of them). */
  async function say(channel, userId, text, count = 1) {
    const since = lastSeq(sim);
    const res = await sim.userSays({ channel, userId, text });
    assert.equal(res.status, 200);
    return until(() => {
      const got = sim.records(since).filter((r) => r.direction === 'bot' && r.userId === userId);
      return got.length >= count ? got : null;
    }, `${count} answer(s) to "${text}"`);
  }

  /** The user says something; resolves with the first reply after it that matches `re`. */
  async function sayUntil(channel, userId, text, re) {
    const since = lastSeq(sim);
    const res = await sim.userSays({ channel, userId, text });
    assert.equal(res.status, 200);
    return until(() => sim.records(since).find((r) => r.direction === 'bot' && r.userId === userId && re.test(r.text)), `a reply to "${text}" matching ${re}`);
  }

  /** What the user received after `since` (no waiting). */
  function receivedSince(userId, since) {
    return sim.records(since).filter((r) => r.direction === 'bot' && r.userId === userId).map((r) => r.text);
  }

  before(async function () {
    sb = await sandbox();
    await hubIdle(sb);
    sim = sb.simulator;
    assert.ok(sim, 'the sandbox runs the WeCom simulator');
    agent = await connectAgent(sb, `agent-${run}`);
    await agent.waitFor((f) => f.type === 'welcome', 'the welcome frame');
  });
  after(() => agent && agent.close());

  it('answers a keyword rule first (价格)', async function () {
    const [answer] = await say('app', `kw-${run}`, '你们价格怎么算');
    assert.match(answer.text, /^关于价格问题/);
  });

  it('greets a greeting instead of handing it to a human', async function () {
    const [answer] = await say('app', `hello-${run}`, '你好！');
    assert.match(answer.text, /^您好！我是禾点收银智能客服/);
  });

  it('answers from the FAQ knowledge base', async function () {
    const [answer] = await say('app', `faq-${run}`, '退款几天能到账啊');
    assert.match(answer.text, /原路退回/);
  });

  it('offers a did-you-mean list for a vague question, and a numbered reply answers it', async function () {
    // Pick a vague question that the flow's own FAQ node scores in its grey band (between its thresholds).
    const faqNode = exampleFlow().find((n) => n.type === 'faq-lookup');
    const bot = createFaqBot({ entries: faqNode.entries, synonymsText: faqNode.synonyms });
    const vague = ['打印的问题', '电子版', '我想问下发票的事', '试用版的事情', '关于退款'].find((q) => bot.decideLexical(q).kind === 'suggest');
    assert.ok(vague, 'one of the vague questions falls in the grey band');
    const expected = bot.decideLexical(vague).candidates[0];
    const user = `dym-${run}`;
    const [list] = await say('app', user, vague);
    assert.match(list.text, /您是不是想问/);
    assert.ok(list.text.includes(expected.question), `the list offers ${expected.question}`);
    const [answer] = await say('app', user, '1');
    assert.equal(answer.text, faqNode.entries.find((e) => e.id === expected.id).answer);
  });

  it('hands 转人工 to an agent with the history; the agent replies; the bot is silent; close brings the bot back', async function () {
    const user = `human-${run}`;
    await say('app', user, '退款多久到账');
    const notices = await say('app', user, '转人工');
    assert.equal(notices[0].text, JOINED_NOTICE);
    const handoff = await agent.waitFor((f) => f.type === 'handoff' && f.userId === user, 'the handoff frame');
    assert.equal(handoff.channel, 'app');
    assert.equal(handoff.reason, 'keyword');
    const said = handoff.history.filter((h) => h.from === 'user').map((h) => h.text);
    assert.deepEqual(said.slice(-2), ['退款多久到账', '转人工']);

    agent.send({ type: 'reply', conversationId: handoff.conversationId, text: '您好，我是客服小王' });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'reply' && f.conversationId === handoff.conversationId, 'the reply ack');
    await until(() => receivedSince(user, 0).includes('您好，我是客服小王'), 'the agent reply at the user');

    // While the human has it, a question the bot could answer goes to the agent only.
    const before = lastSeq(sim);
    await sim.userSays({ channel: 'app', userId: user, text: '退款多久到账' });
    const forwarded = await agent.waitFor((f) => f.type === 'message' && f.conversationId === handoff.conversationId && f.text === '退款多久到账', 'the user message at the agent');
    assert.equal(forwarded.userId, user);
    assert.equal(receivedSince(user, before).some((t) => /原路退回/.test(t)), false, 'the bot stayed silent');

    agent.send({ type: 'close', conversationId: handoff.conversationId });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === handoff.conversationId, 'the close ack');
    await sayUntil('app', user, '退款多久到账', /原路退回/); // the bot answers again
  });

  it('answers a question about 客服 from the FAQ (周末有客服吗) and hands a request for 客服 (我要客服) to an agent', async function () {
    const faqNode = exampleFlow().find((n) => n.type === 'faq-lookup');
    const hours = faqNode.entries.find((e) => e.id === 'f69').answer;
    const user = `kfword-${run}`;
    const [answer] = await say('app', user, '周末有客服吗');
    assert.equal(answer.text, hours);
    const notices = await say('app', user, '我要客服');
    assert.equal(notices[0].text, JOINED_NOTICE);
    const handoff = await agent.waitFor((f) => f.type === 'handoff' && f.userId === user, 'the handoff frame');
    assert.equal(handoff.reason, 'keyword');
    agent.send({ type: 'close', conversationId: handoff.conversationId });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === handoff.conversationId, 'the close ack');
  });

  it('hands an FAQ miss to an agent (no_answer)', async function () {
    const user = `miss-${run}`;
    const notices = await say('app', user, '帮我订一张明天去上海的机票');
    assert.equal(notices[0].text, JOINED_NOTICE);
    const handoff = await agent.waitFor((f) => f.type === 'handoff' && f.userId === user, 'the handoff frame');
    assert.equal(handoff.reason, 'no_answer');
    agent.send({ type: 'close', conversationId: handoff.conversationId });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === handoff.conversationId, 'the close ack');
  });

  it('does the same for a 微信客服 user: keyword, FAQ, 转人工, agent reply', async function () {
    const user = `wm${run}`;
    const first = await say('kf', user, '价格是多少', 2); // the welcome text (enter_session) and the answer
    assert.ok(first.some((r) => r.channel === 'kf' && /^关于价格问题/.test(r.text)));
    const [faq] = await say('kf', user, '下单后几天发货');
    assert.equal(faq.channel, 'kf');
    const notices = await say('kf', user, '我要转人工');
    assert.equal(notices[0].text, JOINED_NOTICE);
    const handoff = await agent.waitFor((f) => f.type === 'handoff' && f.userId === user, 'the kf handoff frame');
    assert.equal(handoff.channel, 'kf');
    agent.send({ type: 'reply', conversationId: handoff.conversationId, text: '微信客服人工回复' });
    await until(() => sim.records().some((r) => r.direction === 'bot' && r.userId === user && r.channel === 'kf' && r.text === '微信客服人工回复'), 'the agent reply at the kf user');
    agent.send({ type: 'close', conversationId: handoff.conversationId });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === handoff.conversationId, 'the close ack');
  });

  it('tells the agent when 微信客服 refuses a reply (5 replies per customer message), and delivers after the user writes again', async function () {
    const user = `wmlimit${run}`;
    await say('kf', user, '转人工', 2); // welcome text and the transfer notice
    const handoff = await agent.waitFor((f) => f.type === 'handoff' && f.userId === user, 'the kf handoff frame');
    // The bridge keeps the last of the 5 replies for the closing notice, so it refuses the reply that would take it
    // (error no_budget, nothing sent); a reply WeCom itself refuses comes back undelivered with 95001.
    let refused = null;
    let refusedText = '';
    for (let i = 1; i <= 6 && !refused; i++) {
      const errorsBefore = agent.frames.filter((f) => f.type === 'error').length;
      agent.send({ type: 'reply', conversationId: handoff.conversationId, text: `第${i}条人工回复` });
      refused = await until(async () => {
        const u = agent.frames.find((f) => f.type === 'undelivered' && f.conversationId === handoff.conversationId);
        if (u) return u;
        const e = agent.frames.filter((f) => f.type === 'error').slice(errorsBefore).find((f) => f.code === 'no_budget');
        if (e) return e;
        return sim.records().some((r) => r.userId === user && r.text === `第${i}条人工回复`) ? 'delivered' : null;
      }, `reply ${i} delivered or reported`);
      if (refused === 'delivered') refused = null;
      else refusedText = `第${i}条人工回复`;
    }
    assert.ok(refused, 'one of the replies was refused and reported to the agent');
    assert.ok(refused.type === 'error' ? refused.code === 'no_budget' : refused.errcode === 95001, JSON.stringify(refused));
    assert.equal(sim.records().some((r) => r.userId === user && r.text === refusedText), false, 'the refused reply did not reach the user');
    // a new customer message resets the allowance
    await sim.userSays({ channel: 'kf', userId: user, text: '还在吗' });
    await agent.waitFor((f) => f.type === 'message' && f.conversationId === handoff.conversationId && f.text === '还在吗', 'the new user message');
    agent.send({ type: 'reply', conversationId: handoff.conversationId, text: '在的，请讲' });
    await until(() => sim.records().some((r) => r.userId === user && r.text === '在的，请讲'), 'the reply after the reset');
    agent.send({ type: 'close', conversationId: handoff.conversationId });
    await agent.waitFor((f) => f.type === 'ack' && f.ref === 'close' && f.conversationId === handoff.conversationId, 'the close ack');
  });

  function keys() {
    return { token: /** @type {string} */ (process.env.WECOM_TOKEN), aesKey: aesKeyFrom(/** @type {string} */ (process.env.WECOM_ENCODING_AES_KEY)), receiveId: /** @type {string} */ (process.env.WECOM_CORP_ID) };
  }
  function textMessage(user, text, msgId) {
    return buildXml({ ToUserName: process.env.WECOM_CORP_ID, FromUserName: user, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: text, MsgId: msgId, AgentID: Number(process.env.WECOM_AGENT_ID) });
  }
  async function postCallback(query, body) {
    return fetch(new URL(`wecom/callback?${new URLSearchParams(query)}`, sb.url), { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
  }

  it('answers once when WeCom re-sends the same callback', async function () {
    const user = `resend-${run}`;
    const inner = textMessage(user, '价格', String(8800000000000000000n + BigInt(Date.now() % 1000000)));
    const since = lastSeq(sim);
    const sends = [sealCallback(keys(), inner, process.env.WECOM_AGENT_ID), sealCallback(keys(), inner, process.env.WECOM_AGENT_ID), sealCallback(keys(), inner, process.env.WECOM_AGENT_ID)];
    const statuses = await Promise.all(sends.map((s) => postCallback(s.query, s.body).then((r) => r.status)));
    assert.deepEqual(statuses, [200, 200, 200]);
    await until(() => receivedSince(user, since).length >= 1, 'the answer');
    // A later message of the same user is answered too, and the re-sent one still only once.
    await say('app', user, '退款多久到账');
    assert.equal(receivedSince(user, since).filter((t) => /^关于价格问题/.test(t)).length, 1);
  });

  it('refuses a callback with a bad signature (4xx) and answers nothing', async function () {
    const user = `forged-${run}`;
    const s = sealCallback(keys(), textMessage(user, '价格', '8811111111111111111'), process.env.WECOM_AGENT_ID);
    const since = lastSeq(sim);
    const forged = await postCallback({ ...s.query, msg_signature: '0'.repeat(40) }, s.body);
    assert.equal(forged.status, 403);
    const unsigned = await postCallback({ timestamp: s.query.timestamp, nonce: s.query.nonce }, s.body);
    assert.equal(unsigned.status, 401);
    // A genuine message afterwards is answered, and nothing was sent for the forged ones before it.
    await say('app', user, '退款多久到账');
    assert.equal(receivedSince(user, since).filter((t) => /^关于价格问题/.test(t)).length, 0);
  });

  it('answers 404 to a malformed or escaping sandbox path and keeps serving', async function () {
    assert.equal((await fetch(new URL('sandbox/%E0%A4%A', sb.url))).status, 404);
    assert.equal((await fetch(new URL('sandbox/..%2F..%2Fpackage.json', sb.url))).status, 404);
    assert.equal((await fetch(new URL('sandbox/user.html', sb.url))).status, 200);
  });
});
