'use strict';
// The package as a Node-RED user gets it: `npm pack`, `npm install <tgz>` into a fresh user dir, the bundled
// flow imported (its FAQ node pointed at a KB file in the user dir), Node-RED started as its own process, the
// WeCom simulator driving callbacks on loopback. In Chromium: the console shows only its sign-in until a valid
// credential, carries a conversation from the simulated WeChat user to the agent and back, the ops view shows
// the counters and the unanswered question, and copying that question into the KB file makes the bot answer it.
// Everything users typed is shown as text (an <img onerror> message never runs). Screenshots with E2E_SCREENSHOTS=1.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const browser = require('./browser');
const { startSim } = require('../helpers/simulator');
const { ACCOUNT } = require('../helpers/fixtures');
const { until } = require('../helpers/runtime');
const { opsAuth, lastSeq } = require('./sandbox');

const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = process.env.E2E_SCREENSHOTS === '1';
const AGENT_TOKEN = 'packaged-agent-token-1234567890';
const OPS_PASSWORD = 'packaged-ops-password';
const XSS = '<img src=x onerror="window.__pwned=1">';
const MISS = '能寄到火星吗';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

const npm = (args, cwd) => execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { npm_config_loglevel: 'error' }) });

describe('e2e: the packed package in a fresh Node-RED user dir (console, ops view, KB copy)', function () {
  this.timeout(240000);
  let dir;
  let userDir;
  let sim;
  let red;
  let base;
  let b;
  let consolePage;
  let opsPage;
  let redLog = '';
  const since = () => lastSeq(sim);
  const botSaid = (user, pred, from = 0) => sim.records(from).find((r) => r.direction === 'bot' && r.userId === user && pred(r.text));

  before(async function () {
    browser.requireBrowser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-packaged-'));
    userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    // dist is built (npm test builds first); --ignore-scripts keeps prepack from rebuilding it under the running specs
    const tgz = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], ROOT).trim().split('\n').pop();
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-user', private: true }));
    npm(['install', path.join(dir, /** @type {string} */ (tgz)), '--prefer-offline', '--no-audit', '--no-fund'], userDir);
    const pkgDir = path.join(userDir, 'node_modules', 'node-red-contrib-wecom');
    for (const f of ['console/index.html', 'console/ops.html', 'dist/nodes/shared/ops/console-routes.js', 'examples/wecom-customer-service.json']) {
      assert.ok(fs.existsSync(path.join(pkgDir, f)), `the package ships ${f}`);
    }
    // "Import → Examples": the bundled flow, with its FAQ entries moved to a KB file in the user dir
    const flow = JSON.parse(fs.readFileSync(path.join(pkgDir, 'examples', 'wecom-customer-service.json'), 'utf8'));
    const faq = flow.find((n) => n.type === 'faq-lookup');
    fs.writeFileSync(path.join(userDir, 'faq-kb.json'), JSON.stringify(faq.entries, null, 2));
    faq.kbFile = 'faq-kb.json';
    faq.entries = [];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sim = await startSim({ callbackUrl: `${base}/wecom/callback`, hangMs: 800, callbackDeadlineMs: 5000 });
    fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, flowFile: 'flows.json', credentialSecret: 'packaged-test', logging: { console: { level: 'warn' } } })};\n`);
    const env = Object.assign({}, process.env, {
      WECOM_CORP_ID: ACCOUNT.corpId,
      WECOM_AGENT_ID: ACCOUNT.agentId,
      WECOM_AGENT_SECRET: ACCOUNT.agentSecret,
      WECOM_KF_SECRET: ACCOUNT.kfSecret,
      WECOM_TOKEN: ACCOUNT.token,
      WECOM_ENCODING_AES_KEY: ACCOUNT.encodingAESKey,
      WECOM_API_BASE: sim.url.replace(/\/+$/, ''),
      WECOM_AGENT_WS_TOKEN: AGENT_TOKEN,
      WECOM_OPS_PASSWORD: OPS_PASSWORD,
    });
    red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { cwd: userDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    red.stdout.on('data', (d) => (redLog += d));
    red.stderr.on('data', (d) => (redLog += d));
    await until(async () => {
      if (red.exitCode !== null) throw new Error(`Node-RED exited: ${redLog}`);
      const r = await fetch(`${base}/wecom/console/`).catch(() => null);
      return r && r.status === 200;
    }, `Node-RED serving the console (${redLog.slice(-500)})`, 60000);
    b = await browser.launch({ locale: 'zh-CN' });
  });

  after(async function () {
    this.timeout(30000);
    if (b) await b.close();
    if (red && red.exitCode === null) {
      red.kill('SIGINT');
      await new Promise((resolve) => red.once('exit', resolve));
    }
    if (sim) await sim.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the ops view, its API and the metrics refuse access without their credential (401)', async function () {
    for (const p of ['/wecom/ops/', '/wecom/ops/api/summary', '/wecom/ops/api/unanswered.csv']) {
      assert.equal((await fetch(base + p)).status, 401, p);
      assert.equal((await fetch(base + p, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } })).status, 401, `${p} with the agent token`);
    }
    assert.equal((await fetch(`${base}/wecom/metrics`)).status, 404, 'metrics are off in the bundled flow');
  });

  it('the console shows only its sign-in until a valid credential is given', async function () {
    consolePage = await b.newPage();
    await consolePage.goto(`${base}/wecom/console/`);
    await consolePage.waitForSelector('#signin:not(.hidden)');
    assert.equal(await consolePage.isVisible('#console'), false);
    await consolePage.fill('#token', 'wrong-token');
    await consolePage.fill('#agent-id', 'alice');
    await consolePage.click('#connect');
    await consolePage.waitForSelector('#conn-state[data-state="error"]', { timeout: 15000 });
    assert.equal(await consolePage.isVisible('#console'), false, 'a wrong token shows no console');
    assert.equal(await consolePage.isVisible('#signin'), true);
    await consolePage.fill('#token', AGENT_TOKEN);
    await consolePage.click('#connect');
    await consolePage.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });
    assert.equal(await consolePage.isVisible('#console'), true);
    assert.equal(await consolePage.isVisible('#signin'), false);
  });

  it('a WeChat user the bot cannot answer reaches the console with its history; the agent answers and the user gets it', async function () {
    const from = since();
    await sim.userSays({ channel: 'app', userId: 'mars', text: MISS });
    const sel = '#active .conv[data-id$=":mars"], #queued .conv[data-id$=":mars"]';
    await consolePage.waitForSelector(sel, { timeout: 20000 });
    await consolePage.click(sel);
    if (await consolePage.isVisible('#accept')) await consolePage.click('#accept');
    await consolePage.waitForSelector('#active .conv[data-id$=":mars"]', { timeout: 15000 });
    await consolePage.waitForFunction((t) => Array.from(document.querySelectorAll('#history .msg[data-from="user"] .bubble')).some((e) => e.textContent === t), MISS);
    // what a user types is shown as text, never run
    await sim.userSays({ channel: 'app', userId: 'mars', text: XSS });
    await consolePage.waitForFunction((t) => Array.from(document.querySelectorAll('#history .msg[data-from="user"] .bubble')).some((e) => e.textContent === t), XSS, { timeout: 15000 });
    assert.equal(await consolePage.evaluate(() => /** @type {any} set by the XSS probe if it ran */ (window).__pwned), undefined);
    assert.equal(await consolePage.$$eval('#history img', (els) => els.length), 0);
    await consolePage.fill('#reply-text', '您好，目前只能寄到地球上的地址。');
    await consolePage.press('#reply-text', 'Enter');
    await until(() => botSaid('mars', (t) => t === '您好，目前只能寄到地球上的地址。', from), 'the agent reply at the WeChat user', 20000);
    if (SHOTS) {
      await consolePage.evaluate(() => /** @type {HTMLElement} */ (document.getElementById('toast')).classList.add('hidden'));
      await browser.screenshot(consolePage, 'console-zh-CN');
      await consolePage.click('#lang-en');
      await browser.screenshot(consolePage, 'console-en-US');
      await consolePage.click('#lang-zh');
    }
    await consolePage.click('#close');
    await consolePage.waitForSelector('#closed .conv[data-id$=":mars"]', { timeout: 15000 });
  });

  it('the ops view shows the counters and the unanswered question, escaped', async function () {
    await sim.userSays({ channel: 'app', userId: 'xss', text: XSS });
    const from = since();
    await sim.userSays({ channel: 'app', userId: 'kwuser', text: '价格多少' });
    await sim.userSays({ channel: 'app', userId: 'faquser', text: '退款多久到账' });
    await until(() => botSaid('kwuser', () => true, from) && botSaid('faquser', () => true, from), 'the bot answers a keyword and an FAQ question', 20000);
    opsPage = await b.newPage();
    await opsPage.setExtraHTTPHeaders(opsAuth(OPS_PASSWORD));
    const card = (k) => opsPage.$eval(`.card[data-key="${k}"] .v`, (e) => Number(e.textContent)).catch(() => -1);
    await until(async () => {
      await opsPage.goto(`${base}/wecom/ops/`);
      await opsPage.waitForSelector('body[data-loaded]', { timeout: 15000 });
      return (await card('miss')) >= 2 && (await card('handoff')) >= 2 && (await card('in')) >= 5 && (await card('keyword')) >= 1 && (await card('faq')) >= 1;
    }, 'counters in the ops view', 30000);
    const labels = await opsPage.$$eval('#un tbody tr .label', (els) => els.map((e) => e.textContent));
    assert.ok(labels.includes(MISS), JSON.stringify(labels));
    assert.ok(labels.includes(XSS), JSON.stringify(labels));
    assert.equal(await opsPage.evaluate(() => /** @type {any} set by the XSS probe if it ran */ (window).__pwned), undefined);
    assert.equal(await opsPage.$$eval('#un img', (els) => els.length), 0);
    const csv = await opsPage.evaluate(() => fetch('api/unanswered.csv').then((r) => r.text()));
    assert.ok(csv.includes(MISS));
    if (SHOTS) {
      await browser.screenshot(opsPage, 'ops-zh-CN');
      await opsPage.click('#lang-en');
      await browser.screenshot(opsPage, 'ops-en-US');
      await opsPage.click('#lang-zh');
    }
  });

  it('copying the unanswered question into the KB file makes the bot answer it after the reload', async function () {
    const kb = JSON.parse(fs.readFileSync(path.join(userDir, 'faq-kb.json'), 'utf8'));
    const target = kb.find((e) => e.id === 'f24');
    const row = opsPage.locator('#un tbody tr', { has: opsPage.locator('.label', { hasText: MISS }) });
    const value = await row.locator('select.entry option').evaluateAll((os) => os.map((o) => o.value).find((v) => v.endsWith('\u0000f24')));
    assert.ok(value, 'entry f24 is offered');
    await row.locator('select.entry').selectOption(value);
    await row.locator('button.add').click();
    await until(() => {
      const now = JSON.parse(fs.readFileSync(path.join(userDir, 'faq-kb.json'), 'utf8')).find((e) => e.id === 'f24');
      return now.alternates && now.alternates.includes(MISS);
    }, 'the KB file has the new alternate', 10000);
    const from = since();
    await until(async () => {
      const mark = since();
      await sim.userSays({ channel: 'app', userId: `mars2${mark}`, text: MISS });
      return until(() => botSaid(`mars2${mark}`, () => true, mark), 'a bot answer', 10000).then((r) => r.text === target.answer);
    }, 'the FAQ answer to the copied question', 30000);
    assert.ok(sim.records(from).some((r) => r.direction === 'bot' && r.text === target.answer));
  });

  it('recorded every decision once as JSON lines in the user dir (the whole transcript)', async function () {
    const dirOf = path.join(userDir, 'wecom-events');
    const read = () => fs.readdirSync(dirOf).filter((f) => f.endsWith('.jsonl')).flatMap((f) => fs.readFileSync(path.join(dirOf, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    const events = await until(() => {
      const e = read();
      return e.some((x) => x.type === 'delivery' && x.from === 'agent') ? e : null;
    }, 'the agent reply in the record', 10000);
    const of = (user) => events.filter((e) => e.conversationId === `app:${ACCOUNT.corpId}:${ACCOUNT.agentId}:${user}`);
    const mars = of('mars').map((e) => [e.type, e.text ?? e.reason ?? e.by ?? e.agentId ?? null]);
    assert.deepEqual(mars.filter(([t]) => t === 'message.in'), [['message.in', MISS], ['message.in', XSS]]);
    assert.deepEqual(mars.filter(([t]) => t === 'faq.miss'), [['faq.miss', MISS]], 'the miss recorded once');
    assert.ok(of('mars').some((e) => e.type === 'handoff' && e.reason === 'no_answer'), JSON.stringify(mars));
    assert.ok(mars.some(([t, v]) => t === 'assigned' && v === 'alice'), JSON.stringify(mars));
    assert.ok(of('mars').some((e) => e.type === 'delivery' && e.from === 'agent' && e.ok === true && e.text === '您好，目前只能寄到地球上的地址。'));
    assert.ok(mars.some(([t]) => t === 'closed'), JSON.stringify(mars));
    const faq = of('faquser').find((e) => e.type === 'faq.answer');
    assert.equal(faq.faqId, 'f14');
    assert.equal(faq.band, 'answer');
    assert.ok(faq.score >= 0.26);
    assert.ok(of('kwuser').some((e) => e.type === 'keyword.hit' && e.answered === true));
  });

  it('no page logged an error (but the refused sign-in)', function () {
    // the refused sign-in: its credential travels in the subprotocol now, so the browser names only the 401
    const refusedSignIn = (/** @type {{text: string}} */ e) => /WebSocket connection to .*\/wecom\/ws\?agent=alice' failed: HTTP Authentication failed/.test(e.text) || /WebSocket connection to .*token=wrong-token.* failed/.test(e.text);
    const errors = b.errors.filter((e) => !refusedSignIn(e));
    assert.deepEqual(errors, [], JSON.stringify(errors, null, 1));
  });
});
