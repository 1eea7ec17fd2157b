'use strict';
// The two sandbox pages in Chromium, over the in-process sandbox (Node-RED + the example flow + the WeCom
// simulator): a WeChat user types 转人工 on the user page → the packaged agent console (the sandbox's link to
// /wecom/console/, signed in from its #fragment) shows the conversation with its
// history → the agent replies → the user page shows the reply → the agent closes the conversation.
// Fails with the reason when Chromium, the simulator, the example flow or a node it needs is missing.
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, exampleFlow } = require('./sandbox');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';
const REQUIRED_TYPES = ['wecom-account', 'wecom-in', 'wecom-out', 'handoff', 'ws-bridge'];


async function registeredTypes(baseUrl) {
  const res = await fetch(new URL('nodes', baseUrl), { headers: { accept: 'application/json' } });
  const sets = await res.json();
  return sets.filter((s) => s.enabled !== false && !s.err).flatMap((s) => s.types || []);
}

describe('e2e: sandbox pages carry a conversation from a WeChat user to an agent and back', function () {
  this.timeout(120000);
  const sandbox = useSandbox();
  let sb;
  let b;
  let userPage;
  let agentPage;
  const userId = `e2e${Date.now().toString(36)}`;
  const reply = '您好，我是人工客服小王，请问有什么可以帮您？';

  before(async function () {
    browser.requireBrowser();
    const flow = exampleFlow();
    assert.ok(flow, 'examples/wecom-customer-service.json exists');
    sb = await sandbox();
    assert.ok(sb.simulator, 'the sandbox runs the WeCom simulator');
    const have = await registeredTypes(sb.url);
    const inFlow = new Set(flow.map((n) => n.type));
    const missing = REQUIRED_TYPES.filter((t) => !have.includes(t) || !inFlow.has(t));
    assert.deepEqual(missing, [], 'every required node type is registered and in the example flow');
    b = await browser.launch({ locale: 'zh-CN' });
  });
  after(async () => {
    if (b) await b.close();
  });

  it('the agent console connects with the token from the URL fragment', async function () {
    agentPage = await b.newPage();
    await agentPage.goto(sb.consoleUrl);
    await agentPage.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });
    assert.equal(new URL(agentPage.url()).hash, '', 'the token is removed from the address bar');
  });

  it('a new WeChat user says 你好 and then 转人工 on the user page', async function () {
    userPage = await b.newPage();
    await userPage.goto(sb.userPageUrl);
    await userPage.waitForSelector('#sim-state[data-state="open"]', { timeout: 15000 });
    const consoleLink = await userPage.$eval('a[href*="console"]', (e) => e.href);
    assert.equal(new URL(consoleLink).pathname, '/wecom/console/', 'the user page links to the packaged agent console');
    await userPage.fill('#new-user', userId);
    await userPage.selectOption('#new-channel', 'app');
    await userPage.click('#add-user-btn');
    await userPage.waitForSelector(`.item.selected[data-user="${userId}"]`);
    await userPage.fill('#text', '你好');
    await userPage.press('#text', 'Enter');
    // the bot answers 你好 (FAQ, keyword rule or a did-you-mean list) before the user asks for a human
    await userPage.waitForSelector('#messages .msg[data-direction="bot"]', { timeout: 20000 });
    await userPage.fill('#text', '转人工');
    await userPage.click('#send');
    await userPage.waitForFunction(
      () => Array.from(document.querySelectorAll('#messages .msg[data-direction="user"] .bubble')).some((e) => e.textContent === '转人工'),
      null,
      { timeout: 15000 }
    );
  });

  it('the agent console shows the conversation with its history', async function () {
    const sel = `#active .conv[data-id$=":${userId}"]`;
    await agentPage.waitForSelector(sel, { timeout: 20000 });
    await agentPage.click(sel);
    const history = await agentPage.$$eval('#history .msg', (els) => els.map((e) => ({ from: e.getAttribute('data-from'), text: e.querySelector('.bubble').textContent })));
    assert.ok(history.some((h) => h.from === 'user' && h.text === '你好'), `history has 你好: ${JSON.stringify(history)}`);
    // (the bot's answer to 你好 is in the history only if wecom-out's result reached handoff before 转人工 did)
    assert.ok(history.every((h) => ['user', 'bot', 'agent'].includes(h.from)), JSON.stringify(history));
    assert.ok(history.some((h) => h.from === 'user' && h.text === '转人工'), `history has 转人工: ${JSON.stringify(history)}`);
  });

  it('the agent replies and the WeChat user receives it', async function () {
    await agentPage.fill('#reply-text', reply);
    await agentPage.press('#reply-text', 'Enter');
    // acknowledged by the bridge: no longer pending, not failed
    await agentPage.waitForFunction(
      (t) => Array.from(document.querySelectorAll('#history .msg.agent')).some((e) => /** @type {Element} */ (e.querySelector('.bubble')).textContent === t && !e.classList.contains('pending') && !e.classList.contains('failed')),
      reply,
      { timeout: 15000 }
    );
    await userPage.waitForFunction(
      (t) => Array.from(document.querySelectorAll('#messages .msg[data-direction="bot"] .bubble')).some((e) => e.textContent === t),
      reply,
      { timeout: 20000 }
    );
    if (SHOTS) {
      await browser.screenshot(userPage, 'sandbox-user');
    }
  });

  it('the agent closes the conversation', async function () {
    await agentPage.click('#close');
    await agentPage.waitForSelector(`#closed .conv[data-id$=":${userId}"]`, { timeout: 15000 });
    assert.equal(await agentPage.$(`#active .conv[data-id$=":${userId}"]`), null);
  });

  it('neither page logged an error', function () {
    assert.deepEqual(b.errors, [], JSON.stringify(b.errors, null, 1));
  });
});
