'use strict';
// The agent's daily tools in the packaged console and the supervisor's view in the ops view, in Chromium against
// the sandbox: a canned reply with {customer.name} inserted via "/", an internal note that never reaches the
// user, a busy agent who gets no new conversation, search over closed conversations, and a supervisor who
// re-assigns a conversation from the ops view. With E2E_SCREENSHOTS=1 each new panel is shot in both languages.
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, lastSeq, opsAuth } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until } = require('../helpers/runtime');
const { agentClient } = require('../helpers/agent-client');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';

describe('e2e: agent tools in the console, supervisor in the ops view', function () {
  this.timeout(150000);
  const sandbox = useSandbox();
  const run = Date.now().toString(36);
  const me = `tools-${run}`;
  const u1 = `canned-${run}`;
  const u2 = `busy-${run}`;
  let sb;
  let sim;
  let b;
  let page;
  let ops;
  let peer;

  const said = (userId, pred, since = 0) => sim.records(since).find((r) => r.direction === 'bot' && r.userId === userId && pred(String(r.text ?? '')));
  /** Both languages of the page, as docs/screenshots/<name>-<lang>.png. */
  async function shoot(p, name) {
    if (!SHOTS) return;
    await p.evaluate(() => /** @type {HTMLElement} */ (document.getElementById('toast')).classList.add('hidden'));
    const lang = (l) => p.evaluate((id) => /** @type {HTMLElement} */ (document.getElementById(id)).click(), `lang-${l}`); // also under a dialog
    await browser.screenshot(p, `${name}-zh-CN`);
    await lang('en');
    await browser.screenshot(p, `${name}-en-US`);
    await lang('zh');
  }

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    await hubIdle(sb);
    sim = sb.simulator;
    b = await browser.launch({ locale: 'zh-CN' });
    page = await b.newPage();
    await page.setViewportSize({ width: 1280, height: 820 });
    await page.goto(`${sb.url}wecom/console/#token=${encodeURIComponent(sb.agentToken)}&agent=${me}`);
    await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });
    await page.waitForSelector('#canned-manage:not(.hidden)', { timeout: 10000 });
  });
  after(async () => {
    if (peer) await peer.close();
    if (b) await b.close();
  });

  it('keeps a team canned reply and inserts it with {customer.name} filled via "/"', async function () {
    await page.click('#canned-manage');
    await page.selectOption('#canned-scope', 'team');
    await page.fill('#canned-shortcut', `hi${run}`);
    await page.fill('#canned-text', '您好 {customer.name}，我是 {agent.name}，很高兴为您服务');
    await page.click('#canned-save');
    await page.waitForSelector(`#canned-team .canned-row[data-shortcut="hi${run}"]`, { timeout: 10000 });
    await shoot(page, 'console-canned-manage');
    await page.click('#canned-close');

    await sim.userSays({ channel: 'app', userId: u1, text: '转人工' });
    const sel = `#active .conv[data-id$=":${u1}"]`;
    await page.waitForSelector(sel, { timeout: 20000 });
    await page.click(sel);
    const name = await page.textContent('#conv-title');
    assert.ok(name && name !== '—');
    await page.type('#reply-text', `/hi${run.slice(0, 3)}`);
    await page.waitForSelector(`#canned-pop .canned-item[data-shortcut="hi${run}"]`, { timeout: 5000 });
    await shoot(page, 'console-canned-pick');
    await page.press('#reply-text', 'Enter');
    const text = await page.inputValue('#reply-text');
    assert.equal(text, `您好 ${name}，我是 ${me}，很高兴为您服务`, 'variables filled, the "/word" replaced');
    const since = lastSeq(sim);
    await page.press('#reply-text', 'Enter');
    await until(() => said(u1, (t) => t === text, since), 'the canned reply at the user', 20000);
  });

  it('an internal note shows for agents and never reaches the user', async function () {
    await page.click('#note-mode');
    await page.fill('#reply-text', `内部备注 ${run}：客户是老用户`);
    await page.press('#reply-text', 'Enter');
    await page.waitForFunction((t) => Array.from(document.querySelectorAll('#history .msg.note .bubble')).some((e) => e.textContent === t), `内部备注 ${run}：客户是老用户`, { timeout: 10000 });
    await page.waitForSelector('#history .msg.note:not(.pending)', { timeout: 10000 });
    await shoot(page, 'console-note');
    await page.click('#note-mode');
    const since = lastSeq(sim);
    await page.fill('#reply-text', `after-note ${run}`);
    await page.press('#reply-text', 'Enter');
    // the reply sent after the note arrives; the note was never sent before it (delivery is in order)
    await until(() => said(u1, (t) => t === `after-note ${run}`, since), 'the reply after the note', 20000);
    assert.equal(sim.records().some((r) => r.userId === u1 && String(r.text ?? '').includes(`内部备注 ${run}`)), false, 'the note never reached the user');
  });

  it('a busy agent gets no new conversation; back online it does', async function () {
    await page.selectOption('#agent-status', 'busy');
    await page.waitForSelector('#agent-status[data-status="busy"]', { timeout: 5000 });
    await shoot(page, 'console-status');
    await sim.userSays({ channel: 'app', userId: u2, text: '转人工' });
    // the queue frame lists it for this agent: it was not assigned (assignment happens before the queue is announced)
    await page.waitForSelector(`#queued .conv[data-id$=":${u2}"]`, { timeout: 20000 });
    assert.equal(await page.$(`#active .conv[data-id$=":${u2}"]`), null);
    await page.selectOption('#agent-status', 'online');
    await page.waitForSelector(`#active .conv[data-id$=":${u2}"]`, { timeout: 20000 });
  });

  it('the supervisor sees both conversations live and re-assigns one to another agent', async function () {
    peer = agentClient(new URL('wecom/ws', sb.url.replace(/^http/, 'ws')).toString(), { agent: `peer-${run}`, headers: { Authorization: `Bearer ${sb.agentToken}` } });
    await peer.opened;
    await peer.next('welcome');
    ops = await b.newPage();
    await ops.setViewportSize({ width: 1280, height: 1000 });
    await ops.setExtraHTTPHeaders(opsAuth(sb.opsPassword));
    await ops.goto(sb.opsUrl);
    const row = (u) => `#live tr[data-id$=":${u}"]`;
    await ops.waitForSelector(row(u2), { timeout: 15000 });
    assert.match(await ops.textContent(`${row(u2)} td:nth-child(2)`), new RegExp(me));
    await ops.waitForSelector(`#live tr[data-id$=":${u2}"] select.to option[value="peer-${run}"]`, { state: 'attached', timeout: 15000 });
    await shoot(ops, 'ops-supervisor');
    await ops.selectOption(`${row(u2)} select.to`, `peer-${run}`);
    await ops.click(`${row(u2)} button.reassign`);
    const ho = await peer.next('handoff', 15000);
    assert.ok(ho.conversationId.endsWith(`:${u2}`));
    assert.equal(ho.transferredFrom, me);
    await page.waitForSelector(`#closed .conv[data-id$=":${u2}"]`, { timeout: 15000 });
    await ops.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').includes('peer-'), `${row(u2)} td:nth-child(2)`, { timeout: 15000 });
    peer.send({ type: 'close', conversationId: ho.conversationId });
    await peer.next('ack');
  });

  it("closes a conversation and finds it again in the agent's search", async function () {
    await page.click(`#active .conv[data-id$=":${u1}"]`);
    await page.click('#close');
    await page.waitForSelector(`#closed .conv[data-id$=":${u1}"]`, { timeout: 15000 });
    // the closed record is written asynchronously: search until it is there
    await until(async () => {
      await page.fill('#search-q', `after-note ${run}`);
      await page.click('#search-go');
      await page.waitForSelector('#search-results > *', { timeout: 5000 });
      return (await page.$$('#search-results .found')).length > 0;
    }, 'the closed conversation in the search', 20000);
    await page.click('#search-results .found');
    await page.waitForFunction((t) => Array.from(document.querySelectorAll('#history .bubble')).some((e) => e.textContent === t), `after-note ${run}`, { timeout: 10000 });
    await shoot(page, 'console-search');
  });
});
