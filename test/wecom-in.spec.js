'use strict';
const assert = require('node:assert/strict');
const { helper, load, startHttp, stopHttp, httpUrl, request, sleep, until: waitUntil, state } = require('./helpers/runtime');

const until = (pred, what) => waitUntil(pred, what, 2000);
const { ACCOUNT, KEYS, accountNode, textXml, sealed } = require('./helpers/fixtures');
const { vectors } = /** @type {{ vectors: Array<Record<string, string>> }} */ (require('./fixtures/wecom-crypto-vectors.json'));
const { buildXml } = require('../dist/nodes/lib/wecom/xml');
const { encrypt, signature, decrypt } = require('../dist/nodes/lib/wecom/crypto');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');

const PATH = '/wecom/callback';

/** The official vectors are signed in 2016: flows that replay them allow that clock skew (flow JSON only option). */
const VECTOR_SKEW = { maxClockSkewSec: 4e9 };

function flow(inProps, accProps) {
  const acc = accountNode('acc1', accProps);
  return {
    nodes: [
      { id: 'tab1', type: 'tab' },
      acc.node,
      Object.assign({ id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: PATH, wires: [['out1']] }, inProps || {}),
      { id: 'out1', z: 'tab1', type: 'helper' },
    ],
    credentials: acc.credentials,
  };
}

/** Collect every message the helper node receives. */
function collector(id) {
  const got = [];
  helper.getNode(id).on('input', (m) => got.push(m));
  return got;
}

function post(path, innerXml, keys) {
  const { qs, body } = sealed(innerXml, keys);
  return request('POST', httpUrl(path + qs), body);
}

function routeCount(path) {
  /** @type {any} express's private router (no public API lists routes) */
  const app = state.app;
  if (!app._router) return 0;
  return app._router.stack.filter((l) => l.route && l.route.path === path).length;
}

describe('wecom-in', function () {
  before(() => startHttp());
  after(() => stopHttp());
  afterEach(() => helper.unload());

  describe('URL verification (GET)', function () {
    it('answers the official vector with the bare plaintext', async function () {
      const v = vectors.find((x) => x.id === 'B1');
      assert.ok(v);
      const f = flow(VECTOR_SKEW);
      await load([accountMod, inMod], f.nodes, f.credentials);
      const qs = new URLSearchParams({ msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.encrypt });
      const res = await request('GET', httpUrl(`${PATH}?${qs}`));
      assert.equal(res.status, 200);
      assert.equal(res.body, v.plaintext_msg);
      assert.match(res.headers['content-type'] || '', /^text\/plain/);
    });

    it('maps a "+" that arrived as a space back to "+"', async function () {
      const v = vectors.find((x) => x.id === 'B1');
      assert.ok(v);
      assert.ok(v.encrypt.includes('+'));
      const f = flow(VECTOR_SKEW);
      await load([accountMod, inMod], f.nodes, f.credentials);
      const raw = `msg_signature=${v.msg_signature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${v.encrypt}`; // '+' unescaped
      const res = await request('GET', httpUrl(`${PATH}?${raw}`));
      assert.equal(res.status, 200);
      assert.equal(res.body, v.plaintext_msg);
    });

    it('refuses a wrong signature (403) and missing parameters (401)', async function () {
      const v = vectors.find((x) => x.id === 'B1');
      assert.ok(v);
      const f = flow(VECTOR_SKEW);
      await load([accountMod, inMod], f.nodes, f.credentials);
      const bad = new URLSearchParams({ msg_signature: '0'.repeat(40), timestamp: v.timestamp, nonce: v.nonce, echostr: v.encrypt });
      assert.equal((await request('GET', httpUrl(`${PATH}?${bad}`))).status, 403);
      assert.equal((await request('GET', httpUrl(PATH))).status, 401);
    });
  });

  describe('data callbacks (POST)', function () {
    it('decrypts the official vector and keeps the MsgId a string', async function () {
      const v = vectors.find((x) => x.id === 'B2');
      assert.ok(v);
      const f = flow(VECTOR_SKEW);
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      const qs = new URLSearchParams({ msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce });
      const body = `<xml><ToUserName><![CDATA[${v.receiveid}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`;
      const res = await request('POST', httpUrl(`${PATH}?${qs}`), body);
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      await until(() => got.length === 1, 'the message');
      const m = got[0];
      assert.equal(m.payload, '你好');
      assert.equal(m.wecom.msgId, '1456453720');
      assert.equal(typeof m.wecom.msgId, 'string');
      assert.equal(m.wecom.userId, 'ChenJiaShun');
      assert.equal(m.wecom.createTime, 1476422779);
      assert.equal(m.wecom.accountId, 'acc1');
      assert.equal(m.topic, m.wecom.conversationId);
    });

    it('accepts the JSON envelope spelling too', async function () {
      const f = flow();
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      const enc = encrypt(KEYS.aesKey, textXml('json envelope', { msgId: '777' }), ACCOUNT.corpId);
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = '42';
      const qs = new URLSearchParams({ msg_signature: signature(KEYS.token, ts, nonce, enc), timestamp: ts, nonce });
      const res = await request('POST', httpUrl(`${PATH}?${qs}`), JSON.stringify({ tousername: ACCOUNT.corpId, encrypt: enc, agentid: 1000002 }), { 'content-type': 'application/json' });
      assert.equal(res.status, 200);
      await until(() => got.length === 1, 'the message');
      assert.equal(got[0].payload, 'json envelope');
    });

    it('emits every inbound type in the message contract', async function () {
      const f = flow();
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      const base = { ToUserName: ACCOUNT.corpId, FromUserName: 'wangwu', CreateTime: 1700000000, AgentID: 1000002 };
      /** @type {Array<[Record<string, string | number>, string, string, string?]>} */
      const cases = [
        [{ MsgType: 'image', PicUrl: 'http://x/p.jpg', MediaId: 'm1', MsgId: '9000000000000000001' }, '[image]', 'image'],
        [{ MsgType: 'voice', MediaId: 'm2', Format: 'amr', MsgId: '9000000000000000002' }, '[voice]', 'voice'],
        [{ MsgType: 'video', MediaId: 'm3', ThumbMediaId: 't3', MsgId: '9000000000000000003' }, '[video]', 'video'],
        [{ MsgType: 'location', Location_X: '23.1', Location_Y: '113.3', Scale: '15', Label: '广州', MsgId: '9000000000000000004' }, '[location]', 'location'],
        [{ MsgType: 'link', Title: 't', Description: 'd', Url: 'http://x', PicUrl: 'http://y', MsgId: '9000000000000000005' }, '[link]', 'link'],
        [{ MsgType: 'event', Event: 'subscribe' }, '[event:subscribe]', 'event', 'subscribe'],
        [{ MsgType: 'event', Event: 'unsubscribe', CreateTime: 1700000001 }, '[event:unsubscribe]', 'event', 'unsubscribe'],
        [{ MsgType: 'event', Event: 'enter_agent', EventKey: '' }, '[event:enter_agent]', 'event', 'enter_agent'],
        [{ MsgType: 'event', Event: 'CLICK', EventKey: 'MENU_PRICE' }, '[event:click]', 'event', 'click'],
        [{ MsgType: 'event', Event: 'view', EventKey: 'https://example.com' }, '[event:view]', 'event', 'view'],
        [{ MsgType: 'event', Event: 'change_contact', ChangeType: 'update_user' }, '[event:change_contact]', 'event', 'change_contact'],
      ];
      for (const [fields] of cases) {
        const res = await post(PATH, buildXml(Object.assign({}, base, fields)));
        assert.equal(res.status, 200);
      }
      await until(() => got.length === cases.length, 'all messages');
      cases.forEach(([fields, payload, msgType, event], i) => {
        const m = got.find((x) => x.wecom.raw.MsgType === fields.MsgType && (x.wecom.raw.Event || '') === (fields.Event || '') && (x.wecom.raw.MsgId || '') === (fields.MsgId || ''));
        assert.ok(m, `case ${i} emitted`);
        assert.equal(m.payload, payload);
        assert.equal(m.wecom.msgType, msgType);
        assert.equal(m.wecom.event, event);
        assert.equal(m.wecom.userId, 'wangwu');
        assert.equal(m.wecom.channel, 'app');
      });
      const loc = got.find((x) => x.wecom.msgType === 'location');
      assert.equal(loc.wecom.raw.Label, '广州');
    });

    it('emits a message once when WeCom re-sends it, also concurrently', async function () {
      const f = flow();
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      const inner = textXml('只要一次', { msgId: '1234567890123456789' });
      const sends = [sealed(inner), sealed(inner), sealed(inner)]; // different nonces, same message
      const res = await Promise.all(sends.map(({ qs, body }) => request('POST', httpUrl(PATH + qs), body)));
      res.forEach((r) => assert.equal(r.status, 200));
      const event = buildXml({ ToUserName: ACCOUNT.corpId, FromUserName: 'u9', CreateTime: 1700000100, MsgType: 'event', Event: 'click', EventKey: 'K', AgentID: 1000002 });
      await Promise.all([post(PATH, event), post(PATH, event), post(PATH, event)]);
      const otherKey = event.replace('<EventKey><![CDATA[K]]>', '<EventKey><![CDATA[K2]]>');
      await post(PATH, otherKey);
      await until(() => got.length >= 3, 'three distinct messages');
      await sleep(100);
      assert.equal(got.filter((m) => m.wecom.msgId === '1234567890123456789').length, 1);
      assert.equal(got.filter((m) => m.wecom.event === 'click').length, 2);
    });

    it('keeps dedupe keys in the state store: a re-send after a restart is not emitted again', async function () {
      const f = flow({});
      const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'wecom-in-state-'));
      helper.settings({ wecomState: { kind: 'local', dir } });
      try {
        await load([accountMod, inMod], f.nodes, f.credentials);
        let got = collector('out1');
        const once = sealed(textXml('stored', { msgId: '55' }));
        assert.equal((await request('POST', httpUrl(PATH + once.qs), once.body)).status, 200);
        await until(() => got.length === 1, 'the message');
        await helper.unload();
        await load([accountMod, inMod], f.nodes, f.credentials);
        got = collector('out1');
        assert.equal((await request('POST', httpUrl(PATH + once.qs), once.body)).status, 200);
        await post(PATH, textXml('new', { msgId: '56' }));
        await until(() => got.length === 1, 'the new message');
        await sleep(100);
        assert.deepEqual(got.map((m) => m.wecom.msgId), ['56']);
      } finally {
        helper.settings({});
      }
    });
  });

  describe('key rotation (Previous Token / EncodingAESKey on the account)', function () {
    const { aesKeyFrom } = require('../dist/nodes/lib/wecom/crypto');
    const OLD = { token: 'OldCallbackToken1', encodingAESKey: 'c'.repeat(43) };
    const oldKeys = { token: OLD.token, aesKey: aesKeyFrom(OLD.encodingAESKey), receiveId: ACCOUNT.corpId };

    it('accepts callbacks signed with the old and the new keys while the previous ones are set, only the new ones after', async function () {
      const f = flow();
      Object.assign(f.credentials.acc1, { previousToken: OLD.token, previousEncodingAESKey: OLD.encodingAESKey });
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      assert.equal((await post(PATH, textXml('signed with the new keys', { msgId: '51' }))).status, 200);
      assert.equal((await post(PATH, textXml('signed with the old keys', { msgId: '52' }), oldKeys)).status, 200);
      await until(() => got.length === 2, 'both messages');
      await helper.unload();
      // rotation done: the previous fields cleared
      const g = flow();
      await load([accountMod, inMod], g.nodes, g.credentials);
      assert.equal((await post(PATH, textXml('old keys again', { msgId: '53' }), oldKeys)).status, 403);
      assert.equal((await post(PATH, textXml('new keys', { msgId: '54' }))).status, 200);
    });

    it('reads the previous keys from WECOM_TOKEN_PREVIOUS / WECOM_ENCODING_AES_KEY_PREVIOUS, and refuses a malformed one with a clear status', async function () {
      process.env.WECOM_TOKEN_PREVIOUS = OLD.token;
      process.env.WECOM_ENCODING_AES_KEY_PREVIOUS = OLD.encodingAESKey;
      try {
        const f = flow();
        await load([accountMod, inMod], f.nodes, f.credentials);
        assert.equal((await post(PATH, textXml('old keys from env', { msgId: '55' }), oldKeys)).status, 200);
        await helper.unload();
        process.env.WECOM_TOKEN_PREVIOUS = 'not valid!';
        const g = flow();
        await load([accountMod, inMod], g.nodes, g.credentials);
        const errors = helper.log().args.filter((a) => a[0] && a[0].level === helper.log().ERROR).map((a) => String(a[0].msg));
        // (the test runtime shows message ids; the editor and runtime show the translated sentence)
        assert.ok(errors.some((m) => /errors\.previousToken|Previous Token must be/.test(m)), `a clear error (${errors.join(' / ')})`);
        assert.ok(!errors.some((m) => m.includes(OLD.token) || m.includes('not valid!')), 'no secret in it');
      } finally {
        delete process.env.WECOM_TOKEN_PREVIOUS;
        delete process.env.WECOM_ENCODING_AES_KEY_PREVIOUS;
      }
    });
  });

  describe('bad input', function () {
    let got;
    beforeEach(async function () {
      const f = flow();
      await load([accountMod, inMod], f.nodes, f.credentials);
      got = collector('out1');
    });

    function signedBody(enc, extra) {
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = '7';
      const qs = new URLSearchParams({ msg_signature: signature(KEYS.token, ts, nonce, enc), timestamp: ts, nonce });
      return { url: httpUrl(`${PATH}?${qs}`), body: extra === undefined ? `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>` : extra };
    }
    function rawEncrypt(buf) {
      const crypto = require('node:crypto');
      const ci = crypto.createCipheriv('aes-256-cbc', KEYS.aesKey, KEYS.aesKey.subarray(0, 16));
      ci.setAutoPadding(false);
      return Buffer.concat([ci.update(buf), ci.final()]).toString('base64');
    }

    const cases = {
      'missing signature → 401': async () => {
        const { body } = sealed(textXml('x'));
        return request('POST', httpUrl(PATH), body);
      },
      'wrong signature → 403': async () => {
        const { qs, body } = sealed(textXml('x'));
        return request('POST', httpUrl(PATH + qs.replace(/msg_signature=[0-9a-f]/, 'msg_signature=Z')), body);
      },
      'signature of another token → 403': async () => {
        const { qs, body } = sealed(textXml('x'), Object.assign({}, KEYS, { token: 'other' }));
        return request('POST', httpUrl(PATH + qs), body);
      },
      'bad base64 → 400': async () => {
        const s = signedBody('***notbase64***');
        return request('POST', s.url, s.body);
      },
      'bad padding → 400': async () => {
        const b = Buffer.alloc(64, 0x41);
        b[63] = 0;
        const s = signedBody(rawEncrypt(b));
        return request('POST', s.url, s.body);
      },
      'wrong length → 400': async () => {
        const s = signedBody(Buffer.alloc(40, 1).toString('base64'));
        return request('POST', s.url, s.body);
      },
      'wrong receiveid → 400': async () => {
        return post(PATH, textXml('x'), Object.assign({}, KEYS, { receiveId: 'wwSomeoneElse' }));
      },
      'non-XML envelope → 400': async () => {
        const s = signedBody('abcd', 'this is not xml');
        return request('POST', s.url, s.body);
      },
      'non-XML plaintext → 400': async () => {
        const s = signedBody(encrypt(KEYS.aesKey, 'hello, not xml', ACCOUNT.corpId));
        return request('POST', s.url, s.body);
      },
      'entity expansion in the envelope → 400': async () => {
        const enc = encrypt(KEYS.aesKey, textXml('x'), ACCOUNT.corpId);
        const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Encrypt>${enc}</Encrypt><X>&lol2;</X></xml>`;
        const s = signedBody(enc, bomb);
        return request('POST', s.url, s.body);
      },
      'entity declaration in the plaintext → 400': async () => {
        const inner = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><MsgType>text</MsgType><Content>&e;</Content></xml>`;
        const s = signedBody(encrypt(KEYS.aesKey, inner, ACCOUNT.corpId));
        return request('POST', s.url, s.body);
      },
      'oversize body → 413': async () => {
        const s = signedBody('abcd', `<xml><Encrypt>${'A'.repeat(300 * 1024)}</Encrypt></xml>`);
        return request('POST', s.url, s.body);
      },
    };
    for (const [name, run] of Object.entries(cases)) {
      const expected = Number(/** @type {RegExpMatchArray} */ (name.match(/(\d{3})$/))[1]);
      it(name, async function () {
        const res = await run();
        assert.equal(res.status, expected);
        await sleep(30);
        assert.equal(got.length, 0, 'nothing emitted');
        const warnings = helper.log().args.filter((a) => a[0] && a[0].level === helper.log().WARN).map((a) => String(a[0].msg));
        assert.ok(warnings.some((w) => w.includes('wecom-in.warn.rejected')), 'a warning is logged');
        for (const w of warnings) {
          for (const secret of [ACCOUNT.token, ACCOUNT.encodingAESKey, ACCOUNT.agentSecret]) assert.ok(!w.includes(secret), 'no secret in the log');
        }
      });
    }

    it('counts accepted and rejected callbacks in the status', async function () {
      const node = helper.getNode('in1');
      await post(PATH, textXml('ok', { msgId: '1' }));
      await request('POST', httpUrl(PATH), '<xml/>');
      await until(() => got.length === 1, 'the accepted message');
      // status updates are throttled (a few a second): wait for the one after these two callbacks
      // the text is the catalog key with its numbers, which the editor shows in its own language
      const want = 'wecom-in.status.counts?accepted=1&rejected=1';
      await until(() => node.status.args.some((a) => a[0].text === want), 'a status update with both counts');
    });
  });

  describe('routes and accounts', function () {
    it('removes its routes on close and after ten redeploys has exactly one handler pair', async function () {
      const f = flow();
      for (let i = 0; i < 10; i++) {
        await load([accountMod, inMod], f.nodes, f.credentials);
        if (i < 9) await helper.unload();
      }
      assert.equal(routeCount(PATH), 2, 'one GET and one POST route');
      const got = collector('out1');
      await post(PATH, textXml('after redeploys', { msgId: '31' }));
      await until(() => got.length === 1, 'the message');
      await helper.unload();
      assert.equal(routeCount(PATH), 0);
      const res = await post(PATH, textXml('gone', { msgId: '32' }));
      assert.equal(res.status, 404);
    });

    it('runs two accounts side by side on different paths', async function () {
      const a2 = vectors.find((x) => x.id === 'A2');
      assert.ok(a2);
      const acc1 = accountNode('acc1');
      const acc2 = { id: 'acc2', type: 'wecom-account', corpId: a2.receiveid, agentId: '218' };
      const nodes = [
        { id: 'tab1', type: 'tab' },
        acc1.node,
        acc2,
        { id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/one', wires: [['out1']] },
        { id: 'in2', z: 'tab1', type: 'wecom-in', account: 'acc2', path: '/wecom/two', wires: [['out2']], ...VECTOR_SKEW },
        { id: 'out1', z: 'tab1', type: 'helper' },
        { id: 'out2', z: 'tab1', type: 'helper' },
      ];
      const creds = Object.assign({}, acc1.credentials, { acc2: { token: a2.token, encodingAESKey: a2.encoding_aes_key } });
      await load([accountMod, inMod], nodes, creds);
      const got1 = collector('out1');
      const got2 = collector('out2');
      const qs = new URLSearchParams({ msg_signature: a2.msg_signature, timestamp: a2.timestamp, nonce: a2.nonce });
      const body = `<xml><ToUserName><![CDATA[${a2.receiveid}]]></ToUserName><Encrypt><![CDATA[${a2.encrypt}]]></Encrypt></xml>`;
      assert.equal((await request('POST', httpUrl(`/wecom/two?${qs}`), body)).status, 200);
      assert.equal((await request('POST', httpUrl(`/wecom/one?${qs}`), body)).status, 403, 'account one refuses account two\'s callback');
      assert.equal((await post('/wecom/one', textXml('for one', { msgId: '41' }))).status, 200);
      assert.equal((await post('/wecom/two', textXml('for two?', { msgId: '42' }))).status, 403);
      await until(() => got1.length === 1 && got2.length === 1, 'one message each');
      assert.equal(got2[0].payload, 'hello');
      assert.equal(got2[0].wecom.msgId, '4561255354251345929');
      assert.equal(got2[0].wecom.corpId, a2.receiveid);
      assert.equal(got1[0].payload, 'for one');
    });

    it('refuses a second wecom-in on a path already in use, with a red status and a clear error', async function () {
      const f = flow();
      f.nodes.push({ id: 'in2', z: 'tab1', type: 'wecom-in', account: 'acc1', path: PATH, wires: [['out1']] });
      await load([accountMod, inMod], f.nodes, f.credentials);
      const errors = helper.log().args.filter((a) => a[0] && a[0].level === helper.log().ERROR).map((a) => a[0]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].msg, 'wecom-in.errors.pathInUse');
      assert.equal(routeCount(PATH), 2, 'only the first node mounted its GET and POST');
      const got = collector('out1');
      await post(PATH, textXml('once', { msgId: '71' }));
      await until(() => got.length === 1, 'the message');
      await sleep(50);
      assert.equal(got.length, 1);
    });

    it('shows a red status and a clear error for an invalid account, without crashing', async function () {
      const f = flow();
      f.credentials.acc1.encodingAESKey = 'too-short';
      await load([accountMod, inMod], f.nodes, f.credentials);
      const node = helper.getNode('in1');
      const status = node.status.args.map((a) => a[0]).pop();
      assert.equal(status.fill, 'red');
      assert.ok(node.error.called);
      assert.ok(!String(node.error.args[0][0]).includes('too-short'), 'the bad value itself is not echoed');
      assert.equal(routeCount(PATH), 0, 'no route without valid keys');
    });

    it('declares every secret as a password credential and keeps it out of the flow', async function () {
      const f = flow();
      await load([accountMod, inMod], f.nodes, f.credentials);
      const def = helper._redNodes.getCredentialDefinition('wecom-account');
      for (const k of ['agentSecret', 'kfSecret', 'token', 'encodingAESKey']) assert.equal(def[k].type, 'password');
      const exported = JSON.stringify(helper._redNodes.getFlows().flows);
      for (const secret of [ACCOUNT.token, ACCOUNT.encodingAESKey, ACCOUNT.agentSecret, ACCOUNT.kfSecret]) assert.ok(!exported.includes(secret));
      assert.equal(helper.getNode('acc1').credentials.token, ACCOUNT.token);
    });

    it('reads blank account fields from WECOM_* environment variables', async function () {
      const saved = Object.assign({}, process.env);
      Object.assign(process.env, { WECOM_CORP_ID: ACCOUNT.corpId, WECOM_AGENT_ID: '1000002', WECOM_TOKEN: ACCOUNT.token, WECOM_ENCODING_AES_KEY: ACCOUNT.encodingAESKey });
      try {
        const nodes = [
          { id: 'tab1', type: 'tab' },
          { id: 'acc1', type: 'wecom-account', corpId: '', agentId: '' },
          { id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: PATH, wires: [['out1']] },
          { id: 'out1', z: 'tab1', type: 'helper' },
        ];
        await load([accountMod, inMod], nodes, {});
        const got = collector('out1');
        await post(PATH, textXml('from env', { msgId: '51' }));
        await until(() => got.length === 1, 'the message');
        assert.equal(got[0].wecom.agentId, '1000002');
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      }
    });
  });

  describe('passive reply', function () {
    it('answers with the encrypted reply when one is claimed within the budget', async function () {
      const f = flow({ passiveReply: true, passiveBudgetMs: 3000 });
      await load([accountMod, inMod], f.nodes, f.credentials);
      helper.getNode('out1').on('input', (m) => {
        const answer = /** @type {any} */ (helper.getNode('acc1')).passiveReplies.claim(m.wecom.replyKey);
        assert.ok(answer);
        answer(buildXml({ ToUserName: m.wecom.userId, FromUserName: m.wecom.corpId, CreateTime: 1, MsgType: 'text', Content: '被动回复' }));
      });
      const res = await post(PATH, textXml('ping', { msgId: '61' }));
      assert.equal(res.status, 200);
      const enc = /** @type {RegExpMatchArray} */ (res.body.match(/<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/))[1];
      const sig = /** @type {RegExpMatchArray} */ (res.body.match(/<MsgSignature><!\[CDATA\[(.*?)\]\]>/))[1];
      const ts = /** @type {RegExpMatchArray} */ (res.body.match(/<TimeStamp>(\d+)<\/TimeStamp>/))[1];
      const nonce = /** @type {RegExpMatchArray} */ (res.body.match(/<Nonce><!\[CDATA\[(.*?)\]\]>/))[1];
      assert.equal(signature(KEYS.token, ts, nonce, enc), sig);
      assert.match(decrypt(KEYS.aesKey, enc, ACCOUNT.corpId).message, /被动回复/);
    });

    it('answers empty after the budget, and a late claim then fails so the reply goes by API', async function () {
      const f = flow({ passiveReply: true, passiveBudgetMs: 150 });
      await load([accountMod, inMod], f.nodes, f.credentials);
      const got = collector('out1');
      const res = await post(PATH, textXml('slow flow', { msgId: '62' }));
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      assert.equal(got.length, 1);
      assert.equal(/** @type {any} */ (helper.getNode('acc1')).passiveReplies.claim(got[0].wecom.replyKey), null);
    });
  });
});
