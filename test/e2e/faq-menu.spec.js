'use strict';
// 微信客服 did-you-mean as a tappable menu, through the bundled flow and the WeCom simulator: a vague question gets a
// msgmenu (at most 10 items, the last "以上都不是"); a tap on an item answers that entry; a tap on "以上都不是" hands
// the customer to a person (queued, no agent online), who then goes back to the bot (取消人工) so nothing is left
// queued. App messages keep the numbered text. Shared in-process sandbox, no agent connected.
const assert = require('node:assert/strict');
const { useSandbox, exampleFlow, lastSeq, opsAuth } = require('./sandbox');
const { until: waitUntil, request } = require('../helpers/runtime');
const { createFaqBot, faqBotConfig } = require('../../dist/nodes/lib/bot/faq/bot');
const { parseFaqMenuId, KF_MENU_MAX } = require('../../dist/nodes/lib/contract/outcomes');
const { FAQ_SUGGEST_TEXTS } = require('../../dist/nodes/lib/user-texts');
const browser = require('./browser');

// With E2E_SCREENSHOTS=1 the user simulator with a did-you-mean menu is shot (docs/screenshots/sandbox-user-menu.png).
const SHOTS = process.env.E2E_SCREENSHOTS === '1';

const until = (probe, what, ms = 20000) => waitUntil(probe, what, ms);
// words of the bundled KB that are vague on their own; the test asks the first one the bundled bot suggests for
const VAGUE = ['发票', '退款', '小票', '收银机', '账号', '到账', '试用', '物流'];

describe('e2e: 微信客服 did-you-mean as a menu (bundled flow, simulator)', function () {
  this.timeout(90000);
  // before useSandbox's own after hook (hooks run in order): a failed step must not leave the customer queued
  after(async function () {
    if (handedOff) await sim.userSays({ channel: 'kf', userId: customer, text: '取消人工' });
  });
  const sandbox = useSandbox();
  let sim;
  let sb;
  const customer = `menu-${Date.now().toString(36)}`;
  let handedOff = false;
  const entries = exampleFlow().find((n) => n.type === 'faq-lookup').entries;
  let question = '';
  /** The ops view's counters of today (what the event record says the pipeline decided). */
  async function totals() {
    const auth = opsAuth(sb.opsPassword);
    const r = await request('GET', `${sb.opsUrl}api/summary`, null, auth);
    assert.equal(r.status, 200);
    return JSON.parse(r.body).summary.totals;
  }
  /** Wait until counter `name` has grown past `before`. */
  const grown = (name, before) => until(async () => ((await totals())[name] || 0) > (before[name] || 0), `the ops counter ${name} to grow`);
  /** The first bot record to `user` after `since` that `pick` accepts. */
  const botTo = (user, since, pick, what) => until(() => sim.records(since).find((r) => r.direction === 'bot' && r.userId === user && pick(r)), what);

  /** The customer asks `question`; resolves the menu items they receive. */
  async function menuFor(user) {
    const since = lastSeq(sim);
    assert.equal((await sim.userSays({ channel: 'kf', userId: user, text: question })).status, 200);
    const rec = await botTo(user, since, (r) => r.msgtype === 'msgmenu', `a msgmenu for "${question}"`);
    return rec.data;
  }

  before(async function () {
    sb = await sandbox();
    sim = sb.simulator;
    assert.ok(sim, 'the sandbox runs the WeCom simulator');
    // the bundled FAQ node's own decision, from its saved configuration: the question it suggests for
    const cfg = exampleFlow().find((n) => n.type === 'faq-lookup');
    const bot = createFaqBot(faqBotConfig(cfg, { entries: cfg.entries, synonymsFile: '', smallTalkFile: '' }, null));
    for (const q of VAGUE) {
      const d = await bot.decide(q);
      if (d.kind === 'suggest' && d.candidates.length >= 2) {
        question = q;
        break;
      }
    }
    assert.ok(question, `one of ${VAGUE.join(', ')} gets a did-you-mean with two entries from the bundled KB`);
  });

  it('a vague question gets a menu of at most 10 items ending in 以上都不是; a tap answers that entry', async function () {
    const menu = await menuFor(customer);
    assert.equal(menu.head_content, FAQ_SUGGEST_TEXTS.prompt);
    assert.ok(menu.list.length >= 3 && menu.list.length <= KF_MENU_MAX, `${menu.list.length} items`);
    assert.ok(menu.list.every((i) => i.type === 'click' && parseFaqMenuId(i.click.id)), 'click items with faq-lookup ids');
    assert.equal(menu.list.at(-1).click.content, FAQ_SUGGEST_TEXTS.none);
    const item = menu.list[1].click;
    const entry = entries.find((e) => e.question === item.content);
    assert.ok(entry, `the second item is a KB question: ${item.content}`);

    const since = lastSeq(sim);
    const before = await totals();
    await sim.userSays({ channel: 'kf', userId: customer, text: item.content, menuId: item.id });
    const answer = await botTo(customer, since, (r) => r.msgtype === 'text', 'the answer to the tap');
    assert.equal(answer.text, entry.answer, 'the tapped entry is answered');
    await grown('picked', before); // answered as the choice, not as a new question that happens to match
  });

  it('以上都不是 hands the customer to a person (queued), and 取消人工 brings the bot back', async function () {
    const menu = await menuFor(customer);
    const none = menu.list.at(-1).click;
    let since = lastSeq(sim);
    const before = await totals();
    await sim.userSays({ channel: 'kf', userId: customer, text: none.content, menuId: none.id });
    handedOff = true;
    const queued = await botTo(customer, since, (r) => /排队中，是第 \d+ 位/.test(r.text), 'the queue notice');
    assert.match(queued.text, /暂无客服在线/);
    await grown('handoff:faq_declined', before); // handed off because the customer asked, not as a miss
    assert.equal(sim.records(since).filter((r) => r.direction === 'bot' && r.userId === customer && r.msgtype === 'msgmenu').length, 0, 'no new suggestion');

    since = lastSeq(sim);
    await sim.userSays({ channel: 'kf', userId: customer, text: '取消人工' });
    await botTo(customer, since, (r) => /取消人工服务/.test(r.text), 'back to the bot');
    handedOff = false;
  });


  it('on the user simulator page the menu items are buttons: a tap answers that entry', async function () {
    browser.requireBrowser();
    const b = await browser.launch({ locale: 'zh-CN' });
    try {
      const page = await b.newPage();
      await page.setViewportSize({ width: 1100, height: 720 });
      await page.goto(sb.userPageUrl);
      await page.waitForSelector('#sim-state[data-state="open"]', { timeout: 15000 });
      const user = `${customer}-page`;
      await page.fill('#new-user', user);
      await page.selectOption('#new-channel', 'kf');
      await page.click('#add-user-btn');
      await page.waitForSelector(`.item.selected[data-user="${user}"]`);
      await page.fill('#text', question);
      await page.press('#text', 'Enter');
      await page.waitForSelector('#messages .msg[data-direction="bot"] .menu-item', { timeout: 20000 });
      const labels = await page.$$eval('#messages .msg[data-direction="bot"] .menu-item', (els) => els.map((e) => e.textContent));
      assert.equal(labels.at(-1), FAQ_SUGGEST_TEXTS.none);
      const entry = entries.find((e) => e.question === labels[0]);
      assert.ok(entry, `the first item is a KB question: ${labels[0]}`);
      if (SHOTS) await browser.screenshot(page, 'sandbox-user-menu');
      await page.click('#messages .msg[data-direction="bot"] .menu-item >> nth=0');
      await page.waitForFunction(
        (t) => Array.from(document.querySelectorAll('#messages .msg[data-direction="bot"] .bubble')).some((e) => e.textContent === t),
        entry.answer,
        { timeout: 20000 },
      );
      const tap = sim.records().find((r) => r.direction === 'user' && r.userId === user && r.text === labels[0]);
      assert.ok(tap, 'the tap reached WeCom as the item text');
    } finally {
      await b.close();
    }
  });

  it('app messages keep the numbered text, and "2" answers the second entry', async function () {
    const user = `${customer}-app`;
    let since = lastSeq(sim);
    await sim.userSays({ channel: 'app', userId: user, text: question });
    const shown = await botTo(user, since, (r) => r.text.startsWith(FAQ_SUGGEST_TEXTS.prompt), 'the numbered suggestion');
    assert.equal(shown.msgtype, 'text');
    const second = /^2\. (.+)$/m.exec(shown.text);
    assert.ok(second, shown.text);
    const entry = entries.find((e) => e.question === second[1]);
    assert.ok(entry);
    since = lastSeq(sim);
    await sim.userSays({ channel: 'app', userId: user, text: '2' });
    const answer = await botTo(user, since, () => true, 'the answer to "2"');
    assert.equal(answer.text, entry.answer);
  });
});
