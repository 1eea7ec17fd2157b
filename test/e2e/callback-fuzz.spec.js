'use strict';
// The callback port as `npm start` serves it (shared sandbox: Node-RED + the bundled flow): every content type
// gets a clear answer (never a hang), bodies are capped before any parser, slow bodies and headers get 408,
// a signed callback naming several users (@all, a|b) is refused with 400 and answered to nobody, a replayed (stale)
// callback gets 403 and no answer, and no id WeCom could send (any length, any characters) gets a 5xx.
const assert = require('node:assert/strict');
const net = require('node:net');
const { useSandbox, lastSeq } = require('./sandbox');
const { sealCallback } = require('../../dist/nodes/lib/wecom/callback');
const { aesKeyFrom } = require('../../dist/nodes/lib/wecom/crypto');
const { buildXml } = require('../../dist/nodes/lib/wecom/xml');
const fc = require('fast-check');

const PATH = '/wecom/callback';

describe('e2e: the callback port under fuzz', function () {
  this.timeout(60000);
  const sandbox = useSandbox();
  let sb;
  let port;
  before(async function () {
    sb = await sandbox();
    port = new URL(sb.url).port;
  });

  const keys = () => ({ token: /** @type {string} */ (process.env.WECOM_TOKEN), aesKey: aesKeyFrom(/** @type {string} */ (process.env.WECOM_ENCODING_AES_KEY)), receiveId: /** @type {string} */ (process.env.WECOM_CORP_ID) });
  const signedQuery = () => sealCallback(keys(), '<xml><MsgType>text</MsgType></xml>', process.env.WECOM_AGENT_ID).query;

  /** POST and resolve {status, ms}; a hang fails after 8 s. */
  async function post(body, headers, query = signedQuery()) {
    const res = await fetch(new URL(`${PATH.slice(1)}?${new URLSearchParams(query)}`, sb.url), { method: 'POST', body, headers, signal: AbortSignal.timeout(8000) });
    await res.arrayBuffer();
    return res.status;
  }

  const envelope = JSON.stringify({ ToUserName: 'ww', Encrypt: 'AAAA', AgentID: '1' });
  const TYPES = [
    ['application/json', envelope],
    ['application/json; charset=utf-8', '{"a":'],
    ['application/x-www-form-urlencoded', 'Encrypt=AAAA&ToUserName=ww'],
    ['text/plain', 'hello'],
    ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n'],
    ['application/octet-stream', Buffer.from([0, 1, 2, 3, 255])],
    ['text/xml', '<xml><Encrypt>AAAA</Encrypt></xml>'],
    ['application/xml', 'not xml at all'],
  ];
  for (const [type, body] of TYPES) {
    it(`Content-Type ${type}: a clear 4xx, no hang`, async function () {
      const status = await post(body, { 'content-type': type });
      assert.ok(status >= 400 && status < 500, `status ${status}`);
    });
  }

  it('no Content-Type at all: a clear 4xx', async function () {
    assert.ok((await post('<xml/>', {})) >= 400);
  });

  it('a 1 MB JSON body is refused 413 before any parser reads it', async function () {
    const big = JSON.stringify({ Encrypt: 'A'.repeat(1024 * 1024) });
    assert.equal(await post(big, { 'content-type': 'application/json' }), 413);
    assert.equal(await post(big, { 'content-type': 'application/x-www-form-urlencoded' }), 413);
  });

  it('a gzip-encoded body (WeCom never sends one) gets 415', async function () {
    assert.equal(await post(Buffer.from([0x1f, 0x8b, 8, 0]), { 'content-type': 'text/xml', 'content-encoding': 'gzip' }), 415);
  });

  /** Write `chunks` on a raw socket (pausing between), resolve with the status line the server answers. */
  function rawRequest(chunks, pauseMs) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(Number(port), '127.0.0.1');
      let got = '';
      const give = setTimeout(() => { sock.destroy(); reject(new Error('no answer within 15 s')); }, 15000);
      sock.on('data', (d) => { got += d; });
      sock.on('close', () => { clearTimeout(give); resolve(got.split('\r\n')[0]); });
      sock.on('error', () => undefined);
      let i = 0;
      const next = () => {
        if (i < chunks.length && !sock.destroyed) sock.write(chunks[i++]);
        if (i < chunks.length) setTimeout(next, pauseMs);
      };
      sock.on('connect', next);
    });
  }

  it('a body that trickles in too slowly gets 408', async function () {
    const q = new URLSearchParams(signedQuery());
    const head = `POST ${PATH}?${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n`;
    const status = await rawRequest([head, '<xml>', '<Encrypt>'], 1500);
    assert.match(status, /^HTTP\/1\.1 408/);
  });

  it('headers that never finish get 408', async function () {
    const status = await rawRequest([`POST ${PATH} HTTP/1.1\r\n`, 'Host: 127.0.0.1\r\n', 'X-Slow: 1\r\n'], 1500);
    assert.match(status, /^HTTP\/1\.1 408/);
  });

  for (const user of ['@all', 'zhangsan|lisi', 'a,b', '@ALL', 'zhang san']) {
    it(`a signed callback from "${user}" is refused 400 and answered to nobody`, async function () {
      const since = lastSeq(sb.simulator);
      const inner = buildXml({ ToUserName: process.env.WECOM_CORP_ID, FromUserName: user, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '价格', MsgId: String(8700000000000000000n + BigInt(Math.floor(Math.random() * 1e9))), AgentID: Number(process.env.WECOM_AGENT_ID) });
      const s = sealCallback(keys(), inner, process.env.WECOM_AGENT_ID);
      assert.equal(await post(s.body, { 'content-type': 'text/xml' }, s.query), 400);
      // a genuine message afterwards is answered; nothing went out for the refused one
      const ok = buildXml({ ToUserName: process.env.WECOM_CORP_ID, FromUserName: 'fuzzok', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '价格', MsgId: String(8600000000000000000n + BigInt(Math.floor(Math.random() * 1e9))), AgentID: Number(process.env.WECOM_AGENT_ID) });
      const s2 = sealCallback(keys(), ok, process.env.WECOM_AGENT_ID);
      assert.equal(await post(s2.body, { 'content-type': 'text/xml' }, s2.query), 200);
      const deadline = Date.now() + 10000;
      while (!sb.simulator.records(since).some((r) => r.direction === 'bot' && r.userId === 'fuzzok') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const sent = sb.simulator.records(since).filter((r) => r.direction === 'bot').map((r) => r.userId);
      assert.ok(sent.includes('fuzzok'), 'the genuine message was answered');
      assert.deepEqual(sent.filter((u) => u !== 'fuzzok'), [], 'nobody else was answered');
    });
  }

  /** Bot replies the simulator saw since `seq` to `user`, once the pipeline has had the time to answer `probe`. */
  async function answeredAfter(since, probeUser) {
    const deadline = Date.now() + 10000;
    while (!sb.simulator.records(since).some((r) => r.direction === 'bot' && r.userId === probeUser) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return sb.simulator.records(since).filter((r) => r.direction === 'bot').map((r) => r.userId);
  }
  const msgId = () => String(8500000000000000000n + BigInt(Math.floor(Math.random() * 1e12)));
  const text = (user, extra = {}) => buildXml({ ToUserName: process.env.WECOM_CORP_ID, FromUserName: user, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '价格', MsgId: msgId(), AgentID: Number(process.env.WECOM_AGENT_ID), ...extra });

  it('a correctly signed callback stamped in 2001 gets 403 and no answer', async function () {
    const since = lastSeq(sb.simulator);
    const old = sealCallback(keys(), text('replayer'), process.env.WECOM_AGENT_ID, '1000000000');
    assert.equal(await post(old.body, { 'content-type': 'text/xml' }, old.query), 403);
    const probe = sealCallback(keys(), text('freshprobe'), process.env.WECOM_AGENT_ID);
    assert.equal(await post(probe.body, { 'content-type': 'text/xml' }, probe.query), 200);
    const sent = await answeredAfter(since, 'freshprobe');
    assert.ok(sent.includes('freshprobe'), 'a fresh message is answered');
    assert.ok(!sent.includes('replayer'), 'the stale one is not');
  });

  it('a 20,000-digit MsgId and a 3,000-character OpenKfId get 4xx, not 5xx', async function () {
    const long = sealCallback(keys(), text('longid', { MsgId: '9'.repeat(20000) }), process.env.WECOM_AGENT_ID);
    const s1 = await post(long.body, { 'content-type': 'text/xml' }, long.query);
    assert.ok(s1 >= 400 && s1 < 500, `MsgId: ${s1}`);
    const kf = buildXml({ ToUserName: process.env.WECOM_CORP_ID, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'kf_msg_or_event', Token: 'ENCtoken', OpenKfId: 'w'.repeat(3000) });
    const sealedKf = sealCallback(keys(), kf, process.env.WECOM_AGENT_ID);
    const s2 = await post(sealedKf.body, { 'content-type': 'text/xml' }, sealedKf.query);
    assert.ok(s2 >= 400 && s2 < 500, `OpenKfId: ${s2}`);
  });

  it('property: signed callbacks with random ids never get a 5xx', async function () {
    this.timeout(120000);
    const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 100, maxLength: 5000 }), fc.stringMatching(/^[0-9]{1,30}$/), fc.string({ unit: 'grapheme', maxLength: 300 }));
    const field = fc.constantFrom('MsgId', 'FromUserName', 'OpenKfId', 'Token', 'MediaId', 'AgentID', 'CreateTime', 'Event', 'EventKey', 'ChangeType', 'ToUserName');
    const statuses = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, anyText), { minLength: 1, maxLength: 3 }), fc.constantFrom('text', 'event', 'image'), async (fields, type) => {
        const extra = Object.fromEntries(fields);
        if (type === 'event' && extra.Event === undefined) extra.Event = 'kf_msg_or_event';
        const inner = buildXml({ ToUserName: process.env.WECOM_CORP_ID, FromUserName: 'propuser', CreateTime: Math.floor(Date.now() / 1000), MsgType: type, Content: 'x', MsgId: msgId(), AgentID: Number(process.env.WECOM_AGENT_ID), ...extra });
        const s = sealCallback(keys(), inner, process.env.WECOM_AGENT_ID);
        const status = await post(s.body, { 'content-type': 'text/xml' }, s.query);
        statuses.push(status);
        return status < 500;
      }),
      { numRuns: 150 }
    );
    assert.ok(statuses.some((x) => x === 400) && statuses.some((x) => x === 200), `both valid and refused ids were tried (${[...new Set(statuses)]})`);
  });
});
