'use strict';
// The guessing back-off on ws-bridge's doors (real Node-RED, loopback HTTP): 300 wrong ops passwords, metrics
// tokens or agent tokens meet 429 with Retry-After; the right credential works again once the back-off has
// passed. The back-off is shortened through settings.js (wecom.guessBackoff) so the test need not wait long.
const assert = require('node:assert/strict');
const http = require('node:http');
const { helper, load, startHttp, stopHttp, httpUrl, request, sleep } = require('./helpers/runtime');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');

const basic = (pw) => ({ authorization: 'Basic ' + Buffer.from('ops:' + pw).toString('base64') });
const bridge = (extra) => Object.assign({ id: 'b1', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', wires: [[], []] }, extra);
const get = (p, headers) => request('GET', httpUrl(p), undefined, headers || {});
const BACKOFF = { freeFailures: 5, baseMs: 40, maxMs: 120, windowMs: 60_000 };

/** A WebSocket upgrade request: resolves the status (101 when it opened) and the Retry-After header. */
function upgrade(token) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${helper.url()}/wecom/ws?agent=a1`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', authorization: `Bearer ${token}` },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: 101, retryAfter: undefined });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Try `attempt` until it is not refused 429 (the back-off passing), at most `max` times; the last status. */
async function afterBackoff(attempt, max = 200) {
  let s = 429;
  for (let i = 0; i < max && s === 429; i++) {
    s = (await attempt()).status;
    if (s === 429) await sleep(10);
  }
  return s;
}

describe('ws-bridge: wrong credentials meet a back-off (429)', function () {
  this.timeout(60000);
  before(async () => {
    helper.settings({ wecom: { guessBackoff: BACKOFF } });
    await helper.startServer();
    await startHttp();
  });
  after(async () => {
    helper.settings({});
    await helper.stopServer();
    await stopHttp();
  });
  afterEach(() => helper.unload());

  it('300 wrong ops passwords meet 429s with Retry-After; the right one works after the back-off', async function () {
    await load([bridgeNode], [bridge()], { b1: { token: 'agent-token-for-guess-tests-0123456789', opsPassword: 'ops-pw-right' } });
    const statuses = [];
    let retryAfter;
    for (let i = 0; i < 300; i++) {
      const r = await get('/wecom/ops/api/summary', basic(`guess-${i}`));
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers['retry-after'];
    }
    const refused = statuses.filter((s) => s === 429).length;
    assert.ok(statuses.every((s) => s === 401 || s === 429), `only 401 / 429 (${[...new Set(statuses)]})`);
    assert.ok(refused > 0, 'some guesses met 429');
    assert.ok(statuses.filter((s) => s === 401).length < 300, 'not every guess was checked');
    assert.match(String(retryAfter), /^\d+$/);
    assert.equal(await afterBackoff(() => get('/wecom/ops/api/summary', basic('ops-pw-right'))), 200, 'the right password works again');
    // the success cleared the count: the next wrong one is a plain 401
    assert.equal((await get('/wecom/ops/api/summary', basic('wrong-again'))).status, 401);
    // a warning names the surface and address, never the password tried
    const warns = helper.log().args.filter((a) => a[0] && a[0].level === helper.log().WARN).map((a) => String(a[0].msg));
    assert.ok(warns.some((w) => /throttled|ops/.test(w)), warns.join(' / '));
    assert.ok(!warns.some((w) => w.includes('guess-')), 'no tried password in the log');
  });

  it('the metrics token is throttled the same way', async function () {
    await load([bridgeNode], [bridge({ metrics: true })], { b1: { token: 'agent-token-for-guess-tests-0123456789', metricsToken: 'metrics-right' } });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await get('/wecom/metrics', { authorization: `Bearer m-${i}` })).status);
    assert.ok(statuses.includes(429));
    assert.equal(await afterBackoff(() => get('/wecom/metrics', { authorization: 'Bearer metrics-right' })), 200);
  });

  it('wrong agent tokens on the WebSocket meet 429; the right token connects after the back-off', async function () {
    const token = 'agent-token-for-guess-tests-0123456789';
    await load([bridgeNode], [bridge()], { b1: { token } });
    const statuses = [];
    let retryAfter;
    for (let i = 0; i < 60; i++) {
      const r = await upgrade(`wrong-${i}`);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.retryAfter;
    }
    assert.ok(statuses.every((s) => s === 401 || s === 429), `${[...new Set(statuses)]}`);
    assert.ok(statuses.includes(429));
    assert.match(String(retryAfter), /^\d+$/);
    assert.equal(await afterBackoff(() => upgrade(token)), 101, 'the right token opens the socket');
  });
});
