'use strict';
// The WeCom API client (nodes/lib) against the simulator over real loopback HTTP.
const assert = require('node:assert/strict');
const { WecomApi, WecomApiError } = require('../dist/nodes/lib/wecom/wecom-api');
const { splitUtf8 } = require('../dist/nodes/lib/wecom/api/text-split');
const { WecomApi: FromMain } = require('../dist/index');
const { ACCOUNT } = require('./helpers/fixtures');
const { startSim, FAST_RETRY } = require('./helpers/simulator');

describe('WecomApi (lib) against the simulator', function () {
  let sim;
  const apis = [];
  const make = (o) => {
    const a = new WecomApi(Object.assign({ corpId: ACCOUNT.corpId, secret: ACCOUNT.agentSecret, agentId: ACCOUNT.agentId, apiBase: sim.url, retry: FAST_RETRY }, o || {}));
    apis.push(a);
    return a;
  };
  beforeEach(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    while (apis.length) await apis.pop().close();
    await sim.stop();
  });

  it('is exported from the package main entry: new WecomApi({...}).sendText(user, text)', async function () {
    assert.equal(FromMain, WecomApi);
    const api = make();
    const r = await api.sendText('zhangsan', '你好');
    assert.equal(r.errcode, 0);
    const got = sim.records().filter((x) => x.direction === 'bot');
    assert.deepEqual(got.map((x) => [x.userId, x.text]), [['zhangsan', '你好']]);
  });

  it('100 concurrent sends cause exactly one gettoken', async function () {
    const api = make();
    await Promise.all(Array.from({ length: 100 }, (_, i) => api.sendText(`u${i % 25}`, `msg ${i}`)));
    assert.equal(sim.stats().gettoken, 1);
    assert.equal(sim.records().filter((x) => x.direction === 'bot').length, 100);
  });

  it('a token invalidated mid-run is refreshed; nothing lost or doubled', async function () {
    const api = make();
    const first = Array.from({ length: 30 }, (_, i) => api.sendText(`v${i % 10}`, `a${i}`));
    await Promise.all(first.slice(0, 5));
    sim.invalidateTokens();
    const second = Array.from({ length: 30 }, (_, i) => api.sendText(`v${i % 10}`, `b${i}`));
    await Promise.all([...first, ...second]);
    const texts = sim.records().filter((x) => x.direction === 'bot').map((x) => x.text).sort();
    const want = [...Array.from({ length: 30 }, (_, i) => `a${i}`), ...Array.from({ length: 30 }, (_, i) => `b${i}`)].sort();
    assert.deepEqual(texts, want);
    assert.equal(sim.stats().gettoken, 2, 'one refresh after the invalidation, not one per failed call');
  });

  it('a configuration error (wrong secret) raises one clear error and is not retried', async function () {
    const api = make({ secret: 'not-the-secret' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => api.sendText('zhangsan', 'x')));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof WecomApiError);
      assert.equal(r.reason.errcode, 40001);
      assert.equal(r.reason.kind, 'config');
      assert.match(r.reason.message, /Secret/);
      assert.doesNotMatch(r.reason.message, /not-the-secret|access_token=[^*]/);
    }
    assert.equal(sim.stats().gettoken, 1, 'single-flight and no retry: one gettoken for 20 calls');
    assert.equal(sim.stats()['message/send'] ?? 0, 0);
  });

  it('60020-style config errors name the admin-console fix', function () {
    const e = new WecomApiError({ api: 'message/send', errcode: 60020, errmsg: 'not allow to access from your ip, hint: [x] access_token=SECRETTOKEN' });
    assert.equal(e.kind, 'config');
    assert.match(e.message, /企业可信IP/);
    assert.doesNotMatch(e.message, /SECRETTOKEN/);
  });

  it('never puts the access token into an error', async function () {
    const api = make();
    await api.sendText('zhangsan', 'warm up');
    // Within its life WeCom returns the same token again: read it to look for it in the error.
    const q = new URLSearchParams({ corpid: ACCOUNT.corpId, corpsecret: ACCOUNT.agentSecret });
    const token = (await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json()).access_token;
    assert.ok(token && token.length > 10);
    const err = await api.sendAppMessage('image', { media_id: 'nope' }, { touser: 'zhangsan' }).catch((e) => e);
    assert.ok(err instanceof WecomApiError);
    assert.equal(err.errcode, 40007);
    assert.ok(!(err.message + JSON.stringify(err) + String(err.stack)).includes(token));
  });

  it('splits Chinese text at 2048 UTF-8 bytes on character boundaries and sends the parts in order', async function () {
    const text = Array.from({ length: 1500 }, (_, i) => '微信客服消息'[i % 6]).join('') + '尾';
    const parts = splitUtf8(text, 2048);
    assert.ok(parts.length >= 3);
    assert.equal(parts.join(''), text);
    for (const p of parts) assert.ok(Buffer.byteLength(p) <= 2048);
    // emoji (4-byte, surrogate pairs) are never cut
    const emoji = '😀'.repeat(1000);
    const ep = splitUtf8(emoji, 2048);
    assert.equal(ep.join(''), emoji);
    for (const p of ep) assert.ok(!/[\ud800-\udbff]$/.test(p));
    const api = make();
    const r = await api.sendText('lisi', text);
    assert.equal(r.parts, parts.length);
    assert.deepEqual(sim.records().filter((x) => x.direction === 'bot').map((x) => x.text), parts);
  });

  it('uploads media from a Buffer (multipart field "media") and sends it', async function () {
    const api = make();
    const up = await api.uploadMedia('image', { data: Buffer.from('\x89PNG fake image bytes'), filename: 'a.png' });
    assert.match(up.mediaId, /^sim_image_/);
    await api.sendAppMessage('image', { media_id: up.mediaId }, { touser: 'lisi' });
    const last = sim.records().pop();
    assert.equal(last.msgtype, 'image');
    assert.equal(last.data.media_id, up.mediaId);
  });

  it('waits out a 45009 frequency limit instead of failing or tight-looping', async function () {
    await sim.stop();
    sim = await startSim({ apiPerWindow: 4, rateWindowMs: 300 });
    const api = make({ retry: Object.assign({}, FAST_RETRY, { rateLimitWaitMs: 350, maxRateLimitWaits: 3 }) });
    for (let i = 0; i < 8; i++) await api.sendText('zhangsan', `limited ${i}`);
    assert.ok(sim.stats().rateLimited >= 1, 'the limit was hit');
    assert.ok(sim.stats().rateLimited <= 4, 'one wait per limit hit, no tight loop');
    assert.deepEqual(sim.records().filter((x) => x.direction === 'bot').map((x) => x.text), Array.from({ length: 8 }, (_, i) => `limited ${i}`));
  });

  it('kf/send_msg carries a stable msgid: a replay after a lost answer is not posted twice', async function () {
    sim.setCallbackUrl('');
    await sim.userSays({ channel: 'kf', userId: 'wmCUST1', text: 'hi' });
    const api = make({ secret: ACCOUNT.kfSecret });
    await api.kfSendMsg('wkSANDBOX01', 'wmCUST1', 'text', { content: 'one' }, 'fixedid1');
    const err = await api.kfSendMsg('wkSANDBOX01', 'wmCUST1', 'text', { content: 'one' }, 'fixedid1').catch((e) => e);
    assert.ok(err instanceof WecomApiError, 'a reused msgid is refused by WeCom, never delivered twice');
    assert.equal(sim.records().filter((x) => x.direction === 'bot').length, 1);
  });
});
