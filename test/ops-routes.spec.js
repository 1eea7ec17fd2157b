'use strict';
// What ws-bridge serves beside its WebSocket: the agent console (static, sign-in only), the ops view and its
// API behind the ops password (401 without), the Prometheus text behind the metrics token (off by default).
const assert = require('node:assert/strict');
const { helper, load, startHttp, stopHttp, httpUrl, request } = require('./helpers/runtime');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');
const faqNode = require('../dist/nodes/faq-lookup/faq-lookup.js');

const basic = (pw) => ({ authorization: 'Basic ' + Buffer.from('ops:' + pw).toString('base64') });
const bridge = (extra) => Object.assign({ id: 'b1', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', wires: [[], []] }, extra);
const get = (p, headers) => request('GET', httpUrl(p), undefined, headers || {});

describe('ws-bridge: console, ops view and metrics routes', function () {
  before(startHttp);
  after(stopHttp);
  afterEach(() => helper.unload());

  it('serves the console page (only its sign-in; no data) with a strict CSP, and its config without secrets', async function () {
    await load([bridgeNode], [bridge()], { b1: { token: 'agent-tok', opsPassword: 'ops-pw' } });
    const page = await get('/wecom/console/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.ok(page.body.includes('id="signin"'));
    assert.ok(!page.body.includes('agent-tok'));
    const cfg = await get('/wecom/console/config.json');
    assert.deepEqual(JSON.parse(cfg.body), { wsPath: '/wecom/ws', ops: true });
    assert.equal((await get('/wecom/console/console.js')).status, 200);
    assert.equal((await get('/wecom/console/..%2Fpackage.json')).status, 404);
    assert.equal((await get('/wecom/console')).status, 302);
  });

  it('refuses the ops view and its API without the ops password (401), and with a wrong one', async function () {
    await load([bridgeNode], [bridge()], { b1: { token: 'agent-tok', opsPassword: 'ops-pw' } });
    for (const p of ['/wecom/ops/', '/wecom/ops/api/summary', '/wecom/ops/api/faq', '/wecom/ops/ops.js', '/wecom/ops/api/unanswered.csv']) {
      const r = await get(p);
      assert.equal(r.status, 401, p);
      assert.match(String(r.headers['www-authenticate']), /^Basic/);
      assert.equal((await get(p, basic('wrong'))).status, 401, p);
      assert.equal((await get(p, { authorization: 'Bearer agent-tok' })).status, 401, `${p}: the agent token is not the ops password`);
    }
    const ok = await get('/wecom/ops/api/summary', basic('ops-pw'));
    assert.equal(ok.status, 200);
    const body = JSON.parse(ok.body);
    assert.ok(body.summary.hours.length >= 24 && body.summary.hours.length <= 25, 'a bucket per hour of the last 24 h');
    assert.equal(typeof body.gauges.agentsOnline, 'number');
    assert.equal((await get('/wecom/ops/', { authorization: 'Bearer ops-pw' })).status, 200);
  });

  it('never opens the ops view without a password set: 401 for everyone', async function () {
    const saved = process.env.WECOM_OPS_PASSWORD;
    delete process.env.WECOM_OPS_PASSWORD;
    try {
      await load([bridgeNode], [bridge()], { b1: { token: 'agent-tok' } });
      assert.equal((await get('/wecom/ops/api/summary')).status, 401);
      assert.equal((await get('/wecom/ops/api/summary', basic(''))).status, 401);
    } finally {
      if (saved !== undefined) process.env.WECOM_OPS_PASSWORD = saved;
    }
  });

  it('metrics: 404 when off (default), 401 without the token, Prometheus text with it', async function () {
    await load([bridgeNode], [bridge()], { b1: { token: 'agent-tok', metricsToken: 'm-tok' } });
    assert.equal((await get('/wecom/metrics', { authorization: 'Bearer m-tok' })).status, 404);
    await helper.unload();
    await load([bridgeNode], [bridge({ metrics: true })], { b1: { token: 'agent-tok', metricsToken: 'm-tok' } });
    assert.equal((await get('/wecom/metrics')).status, 401);
    assert.equal((await get('/wecom/metrics', { authorization: 'Bearer agent-tok' })).status, 401);
    const r = await get('/wecom/metrics', { authorization: 'Bearer m-tok' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain;.*version=0\.0\.4/);
    assert.match(r.body, /^# HELP wecom_messages_in_total /m);
    assert.match(r.body, /^wecom_agents_online 0$/m);
  });

  it('the console can be switched off', async function () {
    await load([bridgeNode], [bridge({ console: false, ops: false })], { b1: { token: 'agent-tok', opsPassword: 'x' } });
    assert.equal((await get('/wecom/console/')).status, 404);
    assert.equal((await get('/wecom/ops/api/summary', basic('x'))).status, 404);
  });

  it('copying questions to an FAQ entry kept in the flow answers with a snippet to paste; bad requests are 4xx', async function () {
    const faq = { id: 'f1', type: 'faq-lookup', name: 'FAQ', entries: [{ id: 'inv', question: '如何开发票', answer: '在订单页申请' }], wires: [[], [], []] };
    await load([bridgeNode, faqNode], [bridge(), faq], { b1: { token: 'agent-tok', opsPassword: 'ops-pw' } });
    const list = JSON.parse((await get('/wecom/ops/api/faq', basic('ops-pw'))).body);
    assert.deepEqual(list.nodes.map((n) => [n.id, n.kbFile, n.entries.map((e) => e.id)]), [['f1', null, ['inv']]]);
    const post = (body, ct = 'application/json') => request('POST', httpUrl('/wecom/ops/api/alternates'), body, Object.assign({ 'content-type': ct }, basic('ops-pw')));
    const r = await post(JSON.stringify({ node: 'f1', entry: 'inv', questions: ['发票<img src=x onerror=alert(1)>', '开票'] }));
    assert.equal(r.status, 200);
    const b = JSON.parse(r.body);
    assert.equal(b.written, false);
    assert.equal(b.snippet.json, JSON.stringify(['发票<img src=x onerror=alert(1)>', '开票']));
    assert.equal((await post('{"entry":"inv","questions":[]}')).status, 400);
    assert.equal((await post('not json')).status, 400);
    assert.equal((await post('{"entry":"inv","questions":["a"]}', 'text/plain')).status, 415);
  });
});
