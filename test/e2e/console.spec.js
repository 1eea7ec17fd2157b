'use strict';
// The packaged agent console (console/) in Chromium against a scripted bridge that speaks docs/agent-protocol.md
// version 2 frame by frame: sign-in only until the credential is accepted; groups on the URL; pictures, files,
// links and locations in the history (escaped, media fetched with the credential in a header and shown from
// blob: URLs; the credential is in no URL, the WebSocket's included); `received` acknowledgements
// and replays dropped by seq; `?ack=` on reconnect; transfer; a reply with a picture.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const WebSocket = require('ws');
const browser = require('./browser');
const { until } = require('../helpers/runtime');

const CONSOLE = path.resolve(__dirname, '..', '..', 'console');
const TOKEN = 'console-spec-token-Jw5Nc2Rq';
const AUTH = 'wecom-auth.' + Buffer.from(TOKEN).toString('base64url');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const XSS = '<img src=x onerror="window.__pwned=1">';
const CONV = 'kf:ww1:wk1:wmUser';

function fakeBridge() {
  const got = [];
  const urls = [];
  const media = [];
  const sockets = [];
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const u = new URL(/** @type {string} */ (req.url), 'http://x');
    if (u.pathname === '/wecom/console/config.json') return res.end(JSON.stringify({ wsPath: '/wecom/ws' }));
    if (u.pathname === '/favicon.ico') {
      res.statusCode = 204;
      return res.end();
    }
    if (u.pathname.startsWith('/wecom/ws/media/')) {
      media.push(u.search);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.statusCode = 401;
        return res.end();
      }
      res.setHeader('content-type', 'image/png');
      return res.end(PNG);
    }
    const name = u.pathname.replace(/^\/wecom\/console\/?/, '') || 'index.html';
    fs.readFile(path.join(CONSOLE, path.basename(name)), (err, body) => {
      if (err) {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('content-type', types[path.extname(name)] || 'application/octet-stream');
      res.end(body);
    });
  });
  const wss = new WebSocket.Server({ noServer: true, handleProtocols: (p) => (p.has('wecom-agent') ? 'wecom-agent' : false) });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(/** @type {string} */ (req.url), 'http://x');
    const offered = String(req.headers['sec-websocket-protocol'] || '').split(',').map((p) => p.trim());
    if (u.pathname !== '/wecom/ws' || !offered.includes(AUTH) || !offered.includes('wecom-agent')) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    urls.push(u);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        got.push(f);
        if (f.type === 'received') return;
        ws.send(JSON.stringify({ type: 'ack', ref: f.type, id: f.id, conversationId: f.conversationId }));
        if (f.type === 'transfer') ws.send(JSON.stringify({ type: 'closed', seq: 3, conversationId: f.conversationId, by: 'transferred' }));
      });
      ws.send(JSON.stringify({ type: 'welcome', version: 2, features: ['system', 'agent-token', 'media', 'groups', 'transfer', 'seq', 'received'], agentId: u.searchParams.get('agent'), system: false, groups: (u.searchParams.get('groups') || '').split(',').filter(Boolean), conversations: [], queued: 0, seq: 0 }));
      ws.send(JSON.stringify({ type: 'queue', queued: 0, conversations: [] }));
    });
  });
  return {
    got,
    urls,
    media,
    send: (f) => sockets[sockets.length - 1].send(JSON.stringify(f)),
    drop: () => sockets[sockets.length - 1].terminate(),
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`))),
    close: () => {
      for (const s of sockets) s.terminate();
      wss.close();
      return new Promise((r) => server.close(r));
    },
  };
}

describe('e2e: the agent console against a protocol-v2 bridge', function () {
  this.timeout(60000);
  let bridge;
  let base;
  let b;
  let page;
  const bubbles = () => page.$$eval('#history .msg .bubble', (els) => els.map((e) => e.textContent));

  before(async function () {
    browser.requireBrowser();
    bridge = fakeBridge();
    base = await bridge.listen();
    b = await browser.launch({ locale: 'zh-CN' });
    page = await b.newPage();
  });
  after(async () => {
    if (b) await b.close();
    if (bridge) await bridge.close();
  });

  it('shows only its sign-in, also after a refused credential', async function () {
    await page.goto(`${base}/wecom/console/`);
    await page.waitForSelector('#signin:not(.hidden)');
    assert.equal(await page.isVisible('#console'), false);
    assert.equal(await page.textContent('#signin h2'), '坐席登录');
    await page.fill('#token', 'nope');
    await page.fill('#agent-id', 'alice');
    await page.click('#connect');
    await page.waitForSelector('#conn-state[data-state="error"]');
    assert.equal(await page.isVisible('#console'), false);
    assert.equal(bridge.urls.length, 0);
  });

  it('signs in with the token as a subprotocol (agent id and groups on the URL, no token), and shows the groups', async function () {
    await page.fill('#token', TOKEN);
    await page.fill('#groups', 'billing, vip');
    await page.click('#connect');
    await page.waitForSelector('#conn-state[data-state="open"]');
    const u = bridge.urls[0];
    assert.equal(u.searchParams.get('agent'), 'alice');
    assert.equal(u.searchParams.get('groups'), 'billing,vip');
    assert.equal(u.searchParams.has('token'), false, 'no credential in the WebSocket URL');
    assert.deepEqual(await page.$$eval('#my-groups .tag', (els) => els.map((e) => e.textContent)), ['组：billing', '组：vip']);
  });

  it('shows pictures, files, links and locations from the history, escaped, fetching media with the credential in a header', async function () {
    bridge.send({
      type: 'handoff', seq: 1, conversationId: CONV, channel: 'kf', userId: 'wmUser', reason: 'keyword', group: 'billing', text: '转人工', ts: Date.now(),
      history: [
        { from: 'user', text: XSS, ts: Date.now() - 5000 },
        { from: 'user', text: '[image]', msgType: 'image', ts: Date.now() - 4000, media: { type: 'image', url: '/wecom/ws/media/m1', mime: 'image/png', name: 'a.png' } },
        { from: 'user', text: '[file]', msgType: 'file', ts: Date.now() - 3000, media: { type: 'file', url: '/wecom/ws/media/m2', mime: 'application/pdf', name: `${XSS}.pdf`, size: 2048 } },
        { from: 'user', text: '[link]', msgType: 'link', ts: Date.now() - 2000, link: { title: XSS, url: 'javascript:window.__pwned=2' } },
        { from: 'user', text: '[location]', msgType: 'location', ts: Date.now() - 1000, location: { latitude: 39.9, longitude: 116.3, name: '天安门', address: '北京' } },
        { from: 'user', text: '转人工', ts: Date.now() },
      ],
    });
    await page.waitForSelector(`#active .conv[data-id="${CONV}"]`);
    await page.click(`#active .conv[data-id="${CONV}"]`);
    await page.waitForFunction(() => document.querySelector('#history .media img') && /** @type {HTMLImageElement} */ (document.querySelector('#history .media img')).complete);
    const src = await page.getAttribute('#history .media img', 'src');
    assert.match(src, /^blob:/, 'the picture is shown from a blob: URL');
    assert.deepEqual(bridge.media, [''], 'fetched once, nothing in its query');
    assert.equal(await page.$$eval('#history .media img', (els) => els.length), 1, 'only the picture is an <img>');
    assert.ok(await page.$eval('#history .media img', (i) => i.naturalWidth === 1), 'the picture loaded with the credential');
    const all = (await bubbles()).join('\n');
    assert.ok(all.includes(XSS), 'the typed text is shown as text');
    assert.ok(all.includes(`${XSS}.pdf · 2 KB`), all);
    assert.ok(all.includes('天安门 · 北京'), all);
    assert.equal(await page.$$eval('#history a', (as) => as.filter((a) => /^javascript:/i.test(a.href)).length), 0, 'no javascript: link');
    assert.equal(await page.evaluate(() => /** @type {any} set by the XSS probe if it ran */ (window).__pwned), undefined);
  });

  it('acknowledges what it processed with received, and drops a replayed frame', async function () {
    await until(() => bridge.got.find((f) => f.type === 'received' && f.seq === 1), 'received seq 1');
    bridge.send({ type: 'message', seq: 2, conversationId: CONV, userId: 'wmUser', msgType: 'text', text: '订单号 123', msgId: 'x1', ts: Date.now() });
    bridge.send({ type: 'message', seq: 2, conversationId: CONV, userId: 'wmUser', msgType: 'text', text: '订单号 123', msgId: 'x1', ts: Date.now() });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#history .bubble')).some((e) => e.textContent === '订单号 123'));
    await until(() => bridge.got.find((f) => f.type === 'received' && f.seq === 2), 'received seq 2');
    assert.equal((await bubbles()).filter((t) => t === '订单号 123').length, 1);
  });

  it('reconnects after a dead socket telling the bridge what it has (?ack=)', async function () {
    bridge.drop();
    await until(() => bridge.urls.length === 2, 'a reconnect', 20000);
    assert.equal(bridge.urls[1].searchParams.get('ack'), '2');
    await page.waitForSelector('#conn-state[data-state="open"]');
  });

  it('replies with a picture (base64 media) and transfers to a colleague', async function () {
    await page.setInputFiles('#attach', { name: 'p.png', mimeType: 'image/png', buffer: PNG });
    await page.waitForSelector('#attached:not(.hidden)');
    await page.fill('#reply-text', '请看图');
    await page.press('#reply-text', 'Enter');
    const reply = await until(() => bridge.got.find((f) => f.type === 'reply'), 'the reply');
    assert.equal(reply.conversationId, CONV);
    assert.equal(reply.text, '请看图');
    assert.equal(reply.media.mime, 'image/png');
    assert.equal(reply.media.name, 'p.png');
    assert.deepEqual(Buffer.from(reply.media.data, 'base64'), PNG);
    await page.fill('#transfer-to', 'bob');
    await page.click('#transfer');
    const tr = await until(() => bridge.got.find((f) => f.type === 'transfer'), 'the transfer');
    assert.deepEqual([tr.conversationId, tr.to], [CONV, 'bob']);
    await page.waitForSelector(`#closed .conv[data-id="${CONV}"]`);
  });

  it('switches to English', async function () {
    await page.click('#lang-en');
    assert.equal(await page.textContent('#conn-state'), 'Connected');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
  });

  it('logged no error but the refused sign-in', function () {
    const errors = b.errors.filter((e) => !/\/wecom\/ws\?agent=alice' failed/.test(e.text));
    assert.deepEqual(errors, [], JSON.stringify(errors, null, 1));
  });
});
