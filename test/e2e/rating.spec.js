'use strict';
// Satisfaction rating (满意度) end to end in Chromium, against the shared sandbox with rating turned on for this
// spec (the bundled flow has it off: handoff's `rating` is set through the admin API with a "nodes" deploy and put
// back afterwards): a 微信客服 user on the user-simulator page is handed to an agent in the packaged console; the
// agent closes; the user gets the closing notice as a menu (非常满意 / 满意 / 一般 / 不满意) and taps 满意; the ops
// view's "Agents today" shows the rating for that agent. With E2E_SCREENSHOTS=1 the user's menu and the ops
// view's agents panel are shot (the ops view in both languages).
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, flowsApi, opsAuth } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until } = require('../helpers/runtime');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';

describe('e2e: satisfaction rating — close, the 微信客服 menu, a tap, the ops view per agent', function () {
  this.timeout(180000);
  const run = Date.now().toString(36);
  const agent = `rate-${run}`;
  const customer = `wmRate${run}`;
  let sb;
  let sim;
  let b;
  /** The flows as they were (put back after this spec). */
  let original = null;

  // registered before useSandbox(): these run while the shared sandbox is still up
  after(async function () {
    if (b) await b.close(); // no agent stays signed in
    if (original) {
      const res = await flowsApi(sb.url, 'POST', { flows: original }, 'nodes');
      assert.equal(res.status, 200, 'the bundled flow is put back');
    }
  });
  const sandbox = useSandbox();

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    sim = sb.simulator;
    await hubIdle(sb);
    original = (await (await flowsApi(sb.url, 'GET')).json()).flows;
    const flows = JSON.parse(JSON.stringify(original));
    const handoff = flows.find((n) => n.type === 'handoff');
    assert.equal(handoff.rating, false, 'the bundled flow asks for no rating');
    handoff.rating = true;
    const res = await flowsApi(sb.url, 'POST', { flows }, 'nodes');
    assert.equal(res.status, 200, 'rating turned on (handoff redeployed)');
    b = await browser.launch({ locale: 'zh-CN' });
  });

  it('the agent closes; the user taps 满意 in the menu; the ops view shows it for the agent', async function () {
    const con = await b.newPage();
    await con.setViewportSize({ width: 1280, height: 800 });
    await con.goto(`${sb.url}wecom/console/#token=${encodeURIComponent(sb.agentToken)}&agent=${agent}`);
    await con.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });

    const user = await b.newPage();
    await user.setViewportSize({ width: 1100, height: 760 });
    await user.goto(sb.userPageUrl);
    await user.waitForSelector('#sim-state[data-state="open"]', { timeout: 15000 });
    await user.fill('#new-user', customer);
    await user.selectOption('#new-channel', 'kf');
    await user.click('#add-user-btn');
    await user.waitForSelector(`.item.selected[data-user="${customer}"]`);
    await user.fill('#text', '转人工');
    await user.click('#send');

    const sel = `#active .conv[data-id$=":${customer}"]`;
    await con.waitForSelector(sel, { timeout: 20000 });
    await con.click(sel);
    await con.fill('#reply-text', '您好，问题已为您处理好了');
    await con.click('#reply-send');
    await user.waitForFunction(() => Array.from(document.querySelectorAll('#messages .msg[data-direction="bot"] .bubble')).some((e) => e.textContent === '您好，问题已为您处理好了'), null, { timeout: 20000 });
    await con.click('#close');

    // the closing notice is the question: one 微信客服 menu message, within the customer's 5 replies
    const menu = await until(() => sim.records().find((r) => r.direction === 'bot' && r.userId === customer && r.msgtype === 'msgmenu'), 'the rating menu at the user', 20000);
    assert.match(String(menu.data.head_content), /本次人工服务已结束/);
    assert.deepEqual(menu.data.list.map((x) => x.click.content), ['非常满意', '满意', '一般', '不满意']);
    const item = (text) => user.locator('#messages .msg[data-direction="bot"] .bubble button.menu-item', { hasText: new RegExp(`^${text}$`) }).last();
    await item('满意').waitFor({ timeout: 20000 });
    if (SHOTS) await browser.screenshot(user, 'sandbox-rating-menu');
    await item('满意').click();
    await until(() => sim.records().some((r) => r.direction === 'user' && r.userId === customer && r.text === '满意'), 'the tap as the user message', 20000);

    const ops = await b.newPage();
    await ops.setViewportSize({ width: 1280, height: 1000 });
    await ops.setExtraHTTPHeaders(opsAuth(sb.opsPassword));
    await ops.goto(sb.opsUrl);
    const row = `#agents-today tr[data-agent="${agent}"]`;
    // the ops view reads its summary every 15 s: reload until the rating is counted
    await until(async () => {
      await ops.reload();
      await ops.waitForSelector(row, { timeout: 15000 });
      return /1 条评价/.test(String(await ops.textContent(`${row} td.sat`)));
    }, 'the rating in the ops view', 40000);
    const sat = String(await ops.textContent(`${row} td.sat`));
    assert.match(sat, /100% 满意（1 条评价）/);
    assert.match(sat, /非常满意 0 · 满意 1 · 一般 0 · 不满意 0/);
    assert.match(String(await ops.textContent(`${row} td.handled`)), /^1$/, 'one conversation handled');
    // the bot did not answer the tap: the only message after the menu is the user's
    const after = sim.records(menu.seq).filter((r) => r.userId === customer);
    assert.deepEqual(after.map((r) => `${r.direction}:${r.text}`), ['user:满意']);
    if (SHOTS) {
      await ops.locator('#agents-today').scrollIntoViewIfNeeded();
      await browser.screenshot(ops, 'ops-rating-zh-CN');
      await ops.click('#lang-en');
      await ops.waitForFunction((sel) => /satisfied \(1 ratings?\)/.test(document.querySelector(sel)?.textContent ?? ''), `${row} td.sat`);
      await browser.screenshot(ops, 'ops-rating-en-US');
      await ops.click('#lang-zh');
    }
    await con.close();
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });
});
