'use strict';
// "Mark as wrong" on the ops view's disputed answers (Chromium, shared sandbox): a user asks a question the FAQ
// answers and replies 不对; the ops view lists the disputed answer with a button; pressing it posts to
// api/never-answer, the row is marked (in both languages, and still after the summary reloads) and, as the
// bundled flow keeps its KB in the node, the "never" snippet to paste is shown. With E2E_SCREENSHOTS=1 the panel
// is shot in both languages.
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, opsAuth, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until } = require('../helpers/runtime');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';

describe('e2e: ops view — mark a disputed answer as wrong', function () {
  this.timeout(120000);
  const run = Date.now().toString(36);
  const user = `disp-${run}`;
  const question = '退款几天能到账啊';
  let sb;
  let sim;
  let b;

  // registered before useSandbox(): runs while the shared sandbox is up. 不对 may hand the user over (a miss of
  // the bot goes to handoff): close what is live so later specs start with an idle hub.
  after(async function () {
    if (b) await b.close();
    if (sb) await hubIdle(sb);
  });
  const sandbox = useSandbox();

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    sim = sb.simulator;
    b = await browser.launch({ locale: 'zh-CN' });
  });

  it('the disputed row gets a "mark as wrong" button; pressing it marks the row and shows the never snippet', async function () {
    let since = lastSeq(sim);
    await sim.userSays({ channel: 'app', userId: user, text: question });
    await until(() => sim.records(since).find((r) => r.direction === 'bot' && r.userId === user && /原路退回/.test(r.text)), 'the FAQ answer', 20000);
    since = lastSeq(sim);
    await sim.userSays({ channel: 'app', userId: user, text: '不对' });

    const ops = await b.newPage();
    await ops.setViewportSize({ width: 1280, height: 1000 });
    await ops.setExtraHTTPHeaders(opsAuth(sb.opsPassword));
    await ops.goto(sb.opsUrl);
    const row = ops.locator('#disputed tbody tr', { has: ops.locator('td.label', { hasText: new RegExp(`^${question}$`) }) }).last();
    // the summary is read every 15 s: reload until the dispute is listed
    await until(async () => {
      await ops.reload();
      await ops.waitForSelector('body[data-loaded]', { timeout: 15000 });
      return (await row.count()) > 0 && (await row.locator('td').nth(2).textContent())?.startsWith('不对');
    }, 'the disputed answer in the ops view', 40000);
    const entry = await row.getAttribute('data-entry');
    assert.ok(entry, 'the answer names its FAQ entry');
    const button = row.locator('button.wrong');
    assert.equal(await button.textContent(), '标记为答错');
    await button.click();
    await ops.waitForSelector('#snippet:not(.hidden)', { timeout: 10000 });
    assert.match(String(await row.getAttribute('class')), /\badded\b/, 'the row is marked');
    assert.equal(await row.locator('button.wrong').count(), 0, 'no second press');
    assert.equal(await row.locator('.tag.added').textContent(), '已标记答错');
    assert.equal(await row.locator('.tag.added').getAttribute('title'), `已标记答错：${entry} 不再回答此问题`);
    const snippet = String(await ops.textContent('#snippet'));
    assert.match(snippet, new RegExp(`条目 ${entry} 的 never 列表`));
    assert.ok(snippet.includes(JSON.stringify([question])), `the snippet holds the question: ${snippet}`);
    const shoot = async (name) => {
      if (!SHOTS) return;
      await ops.evaluate(() => /** @type {HTMLElement} */ (document.getElementById('toast')).classList.add('hidden'));
      await ops.locator('#disputed').scrollIntoViewIfNeeded();
      await browser.screenshot(ops, name);
    };
    await shoot('ops-disputed-zh-CN');
    await ops.click('#lang-en');
    assert.equal(await row.locator('.tag.added').textContent(), 'Marked wrong');
    assert.equal(await row.locator('.tag.added').getAttribute('title'), `Marked wrong: ${entry} no longer answers this`);
    await shoot('ops-disputed-en-US');
    // the summary reloads (Refresh): the row stays marked
    const loaded = await ops.getAttribute('body', 'data-loaded');
    await ops.click('#refresh');
    await ops.waitForFunction((before) => document.body.getAttribute('data-loaded') !== before, loaded, { timeout: 15000 });
    assert.match(String(await row.getAttribute('class')), /\badded\b/, 'still marked after the reload');
    await ops.click('#lang-zh');
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });
});
