'use strict';
// ws-bridge's credentials and media safety without Node-RED: what user media is (sniffed from its bytes) and the
// headers it is served with, the HKDF-derived keys (agent tokens and media links never share a key, nor use the
// shared token raw), weak shared tokens, the token lifetime cap, rotation, revocation over a shared StateStore,
// media links bound to the agent they were given to, and at most 2 media replies per agent in flight.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { Readable } = require('node:stream');
const { sniffPassive, inertMediaHeaders, peekHead } = require('../dist/nodes/lib/bridge/media/sniff.js');
const { BridgeSecrets, deriveKey, sharedTokenProblem, AGENT_TOKEN_LABEL, MEDIA_LINK_LABEL } = require('../dist/nodes/lib/bridge/secrets.js');
const { checkAgentToken, checkCredential, mintAgentToken } = require('../dist/nodes/lib/bridge/agent-token.js');
const { MediaLinker } = require('../dist/nodes/lib/bridge/media/link.js');
const { credentialCheck, mediaAccess } = require('../dist/nodes/lib/bridge/media/serve.js');
const { Revocations } = require('../dist/nodes/lib/bridge/revocations.js');
const { BridgeRouter } = require('../dist/nodes/lib/bridge/router.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');
const { bridgeConfig } = require('../dist/nodes/lib/bridge/config.js');
const { numField } = require('../dist/nodes/lib/fields.js');
const { until } = require('./helpers/runtime');

const TOKEN = 'e3b0c44298fc1c149afbf4c8996fb924';
const DAY = 86_400_000;
const now = () => Math.floor(Date.now() / 1000);

describe('bridge security: user media is sniffed from its bytes', function () {
  const bytes = {
    'image/jpeg': Buffer.from('ffd8ffe000104a464946', 'hex'),
    'image/png': Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
    'image/gif': Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
    'image/webp': Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'),
    'audio/amr': Buffer.from('#!AMR\n\x3c', 'latin1'),
    'audio/mpeg': Buffer.from('ID3\x04\x00\x00\x00\x00', 'latin1'),
    'video/mp4': Buffer.from('\x00\x00\x00\x18ftypmp42', 'latin1'),
  };
  it('knows the passive types by their magic numbers', function () {
    for (const [type, b] of Object.entries(bytes)) assert.equal(sniffPassive(b), type, type);
    assert.equal(sniffPassive(Buffer.from([0xff, 0xfb, 0x90, 0x64])), 'audio/mpeg', 'an MP3 frame header without ID3');
  });
  it('everything else is not passive: HTML, SVG, XML, PDF, script, AAC, empty', function () {
    for (const s of ['<!doctype html><script>alert(1)</script>', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', '<?xml version="1.0"?><svg/>', '%PDF-1.4', 'alert(1)', ' GIF89a<script>', '']) {
      assert.equal(sniffPassive(Buffer.from(s)), null, s);
    }
    assert.equal(sniffPassive(Buffer.from([0xff, 0xf1, 0x50, 0x80])), null, 'AAC (ADTS) is not MPEG layer III');
  });
  it('passive media inline; anything else an octet-stream attachment; never sniffable, always sandboxed', function () {
    const html = inertMediaHeaders(null, 'x.html', 12);
    assert.equal(html['Content-Type'], 'application/octet-stream');
    assert.equal(html['Content-Disposition'], "attachment; filename*=UTF-8''x.html");
    assert.equal(html['Content-Length'], '12');
    const png = inertMediaHeaders('image/png', '图.png');
    assert.equal(png['Content-Type'], 'image/png');
    assert.equal(png['Content-Disposition'], `inline; filename*=UTF-8''${encodeURIComponent('图.png')}`);
    for (const h of [html, png]) {
      assert.equal(h['X-Content-Type-Options'], 'nosniff');
      assert.equal(h['Content-Security-Policy'], "sandbox; default-src 'none'");
    }
  });
  it('peeks at the first bytes and still streams all of them, however the source is chunked', async function () {
    const all = crypto.randomBytes(100);
    const { head, body } = await peekHead(Readable.from([all.subarray(0, 3), all.subarray(3, 10), all.subarray(10)]), 16);
    assert.deepEqual(head, all.subarray(0, 16));
    const chunks = [];
    for await (const c of body) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), all);
    const tiny = await peekHead(Readable.from([Buffer.from('ab')]), 16);
    assert.deepEqual(tiny.head, Buffer.from('ab'));
  });
});

describe('bridge security: keys derived from the shared token', function () {
  /** HKDF-SHA256 written out from RFC 5869 (what docs/agent-protocol.md tells other minters). */
  function rfcHkdf(ikm, info) {
    const prk = crypto.createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
    return crypto.createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest();
  }
  it('are HKDF-SHA256 with one label per use, distinct from each other and from the token', function () {
    const t = deriveKey(TOKEN, AGENT_TOKEN_LABEL);
    const m = deriveKey(TOKEN, MEDIA_LINK_LABEL);
    assert.deepEqual(t, rfcHkdf(TOKEN, 'wecom agent token v2'));
    assert.deepEqual(m, rfcHkdf(TOKEN, 'wecom media link v2'));
    assert.notDeepEqual(t, m);
    assert.notDeepEqual(t, Buffer.from(TOKEN));
  });
  it('a token signed with the raw shared token, or with the media key, is refused; a wat1 token is named legacy', function () {
    const secrets = new BridgeSecrets(TOKEN);
    const payload = Buffer.from(JSON.stringify({ a: 'mallory', e: now() + 600, t: now() })).toString('base64url');
    const signed = (key) => `wat2.${payload}.${crypto.createHmac('sha256', key).update('wat2.' + payload).digest('base64url')}`;
    assert.equal(checkAgentToken(secrets.tokenKeys, signed(deriveKey(TOKEN, AGENT_TOKEN_LABEL))).ok, true, 'the documented key works');
    assert.deepEqual(checkAgentToken(secrets.tokenKeys, signed(TOKEN)), { ok: false, why: 'invalid' });
    assert.deepEqual(checkAgentToken(secrets.tokenKeys, signed(deriveKey(TOKEN, MEDIA_LINK_LABEL))), { ok: false, why: 'invalid' });
    const wat1 = `wat1.${payload}.${crypto.createHmac('sha256', TOKEN).update('wat1.' + payload).digest('base64url')}`;
    assert.deepEqual(checkAgentToken(secrets.tokenKeys, wat1), { ok: false, why: 'legacy' });
  });
  it('a media link signature is not an agent token signature (keys are separate)', function () {
    const secrets = new BridgeSecrets(TOKEN);
    const url = new MediaLinker(secrets, '/m/').link({ type: 'image', mediaId: 'M' }, 'acct', 'app').url;
    const [, payload, sig] = /^\/m\/m2\.([^.]+)\.([^.]+)$/.exec(String(url)) || [];
    assert.equal(checkAgentToken(secrets.tokenKeys, `wat2.${payload}.${sig}`).ok, false);
  });
  it('a shared token shorter than 24 characters or of a tiny alphabet is named weak, with how to make one', function () {
    assert.match(String(sharedTokenProblem('abc')), /3 characters.*at least 24.*openssl rand -hex 24/);
    assert.match(String(sharedTokenProblem('ab'.repeat(20))), /only 2 different characters/);
    assert.equal(sharedTokenProblem(crypto.randomBytes(24).toString('hex')), null);
    assert.equal(sharedTokenProblem(TOKEN), null);
  });
  it('caps the lifetime: a token reaching further than the cap is refused, within it accepted, expired refused', function () {
    const keys = new BridgeSecrets(TOKEN).tokenKeys;
    assert.deepEqual(checkAgentToken(keys, mintAgentToken(TOKEN, 'a', { ttlSec: 31 * 86400 }), Date.now(), 30 * DAY), { ok: false, why: 'too_long' });
    assert.equal(checkAgentToken(keys, mintAgentToken(TOKEN, 'a', { ttlSec: 29 * 86400 }), Date.now(), 30 * DAY).ok, true);
    assert.deepEqual(checkAgentToken(keys, mintAgentToken(TOKEN, 'a', { expiresAt: now() - 1 }), Date.now(), 30 * DAY), { ok: false, why: 'expired' });
  });
  it('during a rotation the previous token, its agent tokens and its media links still work; afterwards they do not', function () {
    const OLD = 'c0ffee00c0ffee11c0ffee22c0ffee33';
    const rotating = new BridgeSecrets(TOKEN, OLD);
    const after = new BridgeSecrets(TOKEN);
    assert.deepEqual(checkCredential(rotating, OLD), { shared: true });
    assert.equal(checkCredential(after, OLD), null);
    const oldAgent = mintAgentToken(OLD, 'alice');
    assert.equal(checkCredential(rotating, oldAgent)?.shared, false);
    assert.equal(checkCredential(after, oldAgent), null);
    const oldLink = String(new MediaLinker(new BridgeSecrets(OLD), '/m/').link({ type: 'file', mediaId: 'M' }, 'acct', 'kf').url).slice(3);
    assert.equal(typeof new MediaLinker(rotating, '/m/').open(oldLink), 'object');
    assert.equal(new MediaLinker(after, '/m/').open(oldLink), null);
    const newLink = String(new MediaLinker(rotating, '/m/').link({ type: 'file', mediaId: 'M' }, 'acct', 'kf').url).slice(3);
    assert.equal(typeof new MediaLinker(after, '/m/').open(newLink), 'object', 'links are signed with the new token');
  });
});

describe('bridge security: ws-bridge settings', function () {
  const read = (env = {}) => ({ num: numField, env });
  it('a weak token (or previous token) is a problem in server mode; the previous token comes from the environment', function () {
    assert.match(String(bridgeConfig({}, { token: 'abc' }, read()).tokenProblem), /3 characters/);
    assert.equal(bridgeConfig({ mode: 'client' }, { token: 'abc' }, read()).tokenProblem, null, "client mode: the remote system's business");
    const c = bridgeConfig({}, { token: TOKEN }, read({ WECOM_AGENT_WS_TOKEN_PREVIOUS: ' short ' }));
    assert.equal(c.previousToken, 'short');
    assert.match(String(c.tokenProblem), /5 characters/);
    assert.equal(bridgeConfig({}, { token: TOKEN }, read()).tokenProblem, null);
  });
  it("the token lifetime cap defaults to 30 days; frames never need more than WeCom's largest media (20 MB)", function () {
    assert.equal(bridgeConfig({}, { token: TOKEN }, read()).maxTokenMs, 30 * DAY);
    assert.equal(bridgeConfig({ agentCredentialDays: '7' }, { token: TOKEN }, read()).maxTokenMs, 7 * DAY);
    const big = bridgeConfig({ maxMediaMb: '500' }, { token: TOKEN }, read());
    assert.equal(big.maxMedia, 20 * 1024 * 1024);
    assert.equal(big.maxPayload, 64 * 1024 + Math.ceil((20 * 1024 * 1024 * 4) / 3));
  });
});

describe('bridge security: revocation in the state store', function () {
  it('one instance revokes, every instance honours it: the listener hears it, a later load reads it', async function () {
    const store = new MemoryStore();
    const a = new Revocations(store, 30 * DAY);
    const b = new Revocations(store, 30 * DAY);
    const heard = [];
    const off = b.listen((r) => heard.push(r));
    const before = { agentId: 'alice', expiresAt: now() + 600, issuedAt: now() - 10 };
    assert.equal(b.revoked(before), false);
    await a.revoke('alice', now() - 5);
    await until(() => heard.length === 1, 'the revocation at the other instance');
    assert.equal(heard[0].agentId, 'alice');
    assert.equal(b.revoked(before), true, 'a token issued before the cut-off is void');
    assert.equal(b.revoked({ ...before, issuedAt: now() }), false, 'a token issued after it is not');
    assert.equal(b.revoked({ ...before, agentId: 'bob' }), false, "bob's tokens are not");
    const c = new Revocations(store, 30 * DAY);
    assert.equal(c.revoked(before), false, 'nothing cached yet');
    await c.load('alice');
    assert.equal(c.revoked(before), true, 'read from the store');
    await a.revoke('*');
    await c.load('bob');
    assert.equal(c.revoked({ agentId: 'bob', expiresAt: now() + 600, issuedAt: now() - 1 }), true, '"*" voids every agent');
    off();
    await store.close();
  });
});

describe('bridge security: media links are bound to the agent they were given to', function () {
  const secrets = new BridgeSecrets(TOKEN);
  const check = credentialCheck(secrets, 30 * DAY);
  const linker = new MediaLinker(secrets, '/wecom/ws/media/');
  const wecom = /** @type {any} */ ({ channel: 'app', userId: 'u1', conversationId: 'app:u1', accountId: 'acct1' });
  it("alice's link opens with alice's token and the shared token; bob's token, an unbound or a re-bound link do not", function () {
    const url = String(linker.link({ type: 'image', mediaId: 'PIC' }, 'acct1', 'app').url);
    const ref = (u) => u.slice('/wecom/ws/media/'.length);
    const alices = linker.bind(url, 'alice');
    const alice = mintAgentToken(TOKEN, 'alice');
    const bob = mintAgentToken(TOKEN, 'bob');
    assert.equal(mediaAccess(check, linker, alice, ref(alices)).ok, true);
    assert.equal(mediaAccess(check, linker, TOKEN, ref(alices)).ok, true);
    assert.equal(/** @type {any} */ (mediaAccess(check, linker, bob, ref(alices))).status, 403);
    assert.equal(/** @type {any} */ (mediaAccess(check, linker, bob, ref(url))).status, 403, 'an unbound link is for the shared token only');
    const forged = alices.replace(/\.[^.]+\.[^.]+$/, `.${Buffer.from('bob').toString('base64url')}.${alices.split('.').pop()}`);
    assert.equal(/** @type {any} */ (mediaAccess(check, linker, bob, ref(forged))).status, 404, 'renaming the agent breaks the signature');
  });
  it('the router hands each agent its own link; the system link gets the unbound one', function () {
    const router = new BridgeRouter({ hub: { maxPerAgent: 5, bufferSize: 50, graceMs: -1 }, linker, mediaOrigins: [], maxMediaBytes: 1024, badInput: 'x' }, { send() {}, replied() {}, evented() {}, changed() {} });
    /** @type {any[]} */
    const alice = [];
    /** @type {any[]} */
    const system = [];
    router.hub.open({ send: (f) => alice.push(f) > 0, close() {} }, 'alice');
    router.input({ payload: { type: 'handoff', conversationId: 'app:u1', channel: 'app', userId: 'u1', reason: 'keyword', text: 'hi', history: [], ts: 1 }, wecom });
    router.input({ payload: { type: 'message', conversationId: 'app:u1', userId: 'u1', msgType: 'image', text: '', msgId: 'm1', ts: 2, media: { type: 'image', mediaId: 'PIC' } }, wecom });
    const got = alice.find((f) => f.type === 'message').media.url;
    const opened = linker.open(got.slice('/wecom/ws/media/'.length));
    assert.equal(opened && typeof opened === 'object' && opened.agentId, 'alice');
    router.dispose();
    const sysRouter = new BridgeRouter({ hub: { maxPerAgent: 5, bufferSize: 50, graceMs: -1 }, linker, mediaOrigins: [], maxMediaBytes: 1024, badInput: 'x' }, { send() {}, replied() {}, evented() {}, changed() {} });
    sysRouter.hub.open({ send: (f) => system.push(f) > 0, close() {} }, null);
    const history = [{ from: 'user', text: '', ts: 3, media: { type: 'image', mediaId: 'PIC2' } }];
    sysRouter.input({ payload: { type: 'handoff', conversationId: 'app:u2', channel: 'app', userId: 'u2', reason: 'keyword', text: 'hi', ts: 3, history }, wecom });
    const offered = system.find((f) => f.type === 'handoff');
    const r = linker.open(offered.history[0].media.url.slice('/wecom/ws/media/'.length));
    assert.ok(r && typeof r === 'object' && r.mediaId === 'PIC2' && r.agentId === undefined, 'the system link gets the unbound link');
    sysRouter.dispose();
  });
  it('an agent has at most 2 media replies in flight; the next is refused at once (bad_media) until one is done', async function () {
    let settled = 0;
    const router = new BridgeRouter(
      { hub: { maxPerAgent: 5, bufferSize: 50, graceMs: -1 }, linker, mediaOrigins: [], maxMediaBytes: 1024, badInput: 'x' },
      { send: (r) => void (r && typeof r.payload === 'object' && settled++), replied() {}, evented() {}, changed() {} },
    );
    /** @type {any[]} */
    const frames = [];
    const conn = router.hub.open({ send: (f) => frames.push(f) > 0, close() {} }, 'alice');
    router.input({ payload: { type: 'handoff', conversationId: 'app:u1', channel: 'app', userId: 'u1', reason: 'keyword', text: 'hi', history: [], ts: 1 }, wecom });
    const media = { data: Buffer.from('89504e470d0a1a0a0000', 'hex').toString('base64'), mime: 'image/png', name: 'p.png' };
    for (const id of [1, 2, 3]) router.hub.receive(conn, JSON.stringify({ type: 'reply', id, conversationId: 'app:u1', media }));
    const answers = frames.filter((f) => f.type === 'ack' || f.type === 'error');
    assert.deepEqual(answers.map((f) => [f.id, f.type, f.code]), [[1, 'ack', undefined], [2, 'ack', undefined], [3, 'error', 'bad_media']]);
    assert.match(answers[2].message, /2 media replies are still being sent/);
    await until(() => settled + frames.filter((f) => f.type === 'undelivered').length === 2, 'the first two settled');
    router.hub.receive(conn, JSON.stringify({ type: 'reply', id: 4, conversationId: 'app:u1', media }));
    assert.equal(frames.at(-1).type, 'ack', 'a slot is free again');
    router.dispose();
  });
});
