'use strict';
// Agent credentials in a real Node-RED runtime with real `ws` clients: a weak shared token is refused with a red
// status and a clear error; the credential may travel as a subprotocol (no URL); a token that expires while
// connected closes the socket (4001) and nothing reaches it afterwards (the frames wait for the next connection);
// POST <path>/revoke closes the sockets of the revoked tokens at once and refuses them afterwards.
const assert = require('node:assert');
const WebSocket = require('ws');
const { helper, load, startHttp, stopHttp, httpUrl } = require('./helpers/runtime');
const { agentClient } = require('./helpers/agent-client');
const handoffNode = require('../dist/nodes/handoff/handoff.js');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');
const { mintAgentToken } = require('../dist/index.js');
const { BridgeSecrets, sharedTokenProblem } = require('../dist/nodes/lib/bridge/secrets.js');
const { MediaLinker } = require('../dist/nodes/lib/bridge/media/link.js');

const TOKEN = 'f5a1c2d3e4b5a6978899aabbccddeeff';
const wsUrl = () => helper.url().replace(/^http/, 'ws') + '/wecom/ws';

function appMsg(user, text) {
  const conversationId = `app:ww1:1000002:${user}`;
  return { payload: text, topic: conversationId, wecom: { channel: 'app', corpId: 'ww1', agentId: '1000002', userId: user, msgType: 'text', msgId: `m-${user}-${text}`, createTime: 1, conversationId, raw: {} } };
}

async function start(token = TOKEN) {
  const flow = [
    { id: 'tab', type: 'tab', label: 't' },
    { id: 'h', z: 'tab', type: 'handoff', wires: [[], ['b'], []] },
    { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', maxPerAgent: 5, graceSec: 60, wires: [[], ['h']] },
  ];
  await load([handoffNode, bridgeNode], flow, { b: { token } });
  return { h: helper.getNode('h'), b: helper.getNode('b') };
}

/** The code and reason a client's socket closes with. */
const closing = (c) => new Promise((resolve) => c.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

describe('agent credentials (ws-bridge)', function () {
  this.timeout(20000);
  const open = [];
  const mk = (opts) => {
    const c = agentClient(wsUrl(), opts);
    open.push(c);
    return c;
  };
  before(async () => {
    await helper.startServer();
    await startHttp();
  });
  after(async () => {
    await stopHttp();
    await helper.stopServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await helper.unload();
  });

  it('a 3-character shared token: red status, a clear error, every socket refused (401), no media route', async function () {
    const { b } = await start('abc');
    const status = b.status.args.map((a) => a[0]).pop();
    assert.strictEqual(status.fill, 'red');
    assert.strictEqual(status.text, 'ws-bridge.status.weakToken');
    const error = b.error.args.map((a) => String(a[0])).join('\n');
    assert.match(error, /ws-bridge\.errors\.weakToken/);
    assert.ok(!error.includes('abc'), 'the token itself is not in the error');
    // the message the log shows (this runtime answers catalog keys): the problem, then what happens
    const catalog = require('../nodes/ws-bridge/locales/en-US/ws-bridge.json')['ws-bridge'].errors.weakToken;
    const shown = catalog.replace('__problem__', String(sharedTokenProblem('abc')));
    assert.match(shown, /3 characters; use at least 24 random ones .*openssl rand -hex 24.*every agent connection and media request is refused/);
    await assert.rejects(mk({ token: 'abc', agent: 'alice' }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    const media = await fetch(httpUrl('/wecom/ws/media/m2.x.y'), { headers: { authorization: 'Bearer abc' } });
    assert.strictEqual(media.status, 404, 'no media route (with a strong token the same request gets 401 or 404 from the route)');
    assert.strictEqual((await fetch(httpUrl('/wecom/ws/revoke'), { method: 'POST', headers: { authorization: 'Bearer abc' } })).status, 404, 'no revocation route');
  });

  it('the credential as a subprotocol (wecom-agent, wecom-auth.<base64url>) opens the socket; a wrong one gets 401', async function () {
    await start();
    const sub = (t) => new WebSocket(wsUrl() + '?agent=sam', ['wecom-agent', 'wecom-auth.' + Buffer.from(t).toString('base64url')]);
    const ok = sub(TOKEN);
    open.push({ close: () => new Promise((r) => (ok.readyState === WebSocket.CLOSED ? r(undefined) : (ok.once('close', () => r(undefined)), ok.terminate()))) });
    const welcome = await new Promise((resolve, reject) => {
      ok.once('message', (d) => resolve(JSON.parse(String(d))));
      ok.once('error', reject);
    });
    assert.strictEqual(ok.protocol, 'wecom-agent', 'the answer names only wecom-agent');
    assert.strictEqual(welcome.type, 'welcome');
    assert.strictEqual(welcome.agentId, 'sam');
    const bad = sub('wrong-token-wrong-token-wrong');
    bad.on('error', () => undefined);
    const status = await new Promise((resolve) =>
      bad.once('unexpected-response', (q, res) => {
        resolve(res.statusCode);
        q.destroy();
      }),
    );
    assert.strictEqual(status, 401);
  });

  it('a token that expires while connected: the socket is closed 4001 and nothing is delivered to it afterwards', async function () {
    const { h } = await start();
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const alice = mk({ token: mintAgentToken(TOKEN, 'alice', { expiresAt }) });
    await alice.opened;
    await alice.next('welcome');
    const closed = closing(alice);
    h.receive(appMsg('u1', '转人工'));
    const first = await alice.next('handoff');
    const { code, reason } = await closed;
    assert.deepStrictEqual([code, reason], [4001, 'token expired']);
    assert.ok(Date.now() >= expiresAt * 1000, 'closed at expiry, not before');
    const seen = alice.frames.length;
    h.receive(appMsg('u1', '还在吗'));
    // a new token for alice gets what arrived after the old one expired: nothing was lost, nothing went to the old socket
    const again = mk({ token: mintAgentToken(TOKEN, 'alice', { ttlSec: 600 }) });
    await again.opened;
    const msg = await again.next('message');
    assert.strictEqual(msg.text, '还在吗');
    assert.strictEqual(msg.conversationId, first.conversationId);
    assert.strictEqual(alice.frames.length, seen, 'the expired socket got nothing more');
  });

  it('POST <path>/revoke closes the revoked tokens at once and refuses them after; only the shared token may revoke', async function () {
    await start();
    const issued = Math.floor(Date.now() / 1000) - 1;
    const bobToken = mintAgentToken(TOKEN, 'bob', { issuedAt: issued, ttlSec: 600 });
    const carol = mk({ token: mintAgentToken(TOKEN, 'carol', { issuedAt: issued, ttlSec: 600 }) });
    const bob = mk({ token: bobToken });
    await Promise.all([bob.opened, carol.opened]);
    await Promise.all([bob.next('welcome'), carol.next('welcome')]);
    const revoke = (auth, body) => fetch(httpUrl('/wecom/ws/revoke'), { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
    assert.strictEqual((await revoke(`Bearer ${bobToken}`, '{"agentId":"bob"}')).status, 401, 'an agent token cannot revoke');
    assert.strictEqual((await fetch(httpUrl('/wecom/ws/media/m2.x.y'), { headers: { authorization: 'Bearer wrong' } })).status, 401, 'with a strong token the media route answers');
    assert.strictEqual((await revoke(`Bearer ${TOKEN}`, '{"agentId":"a b"}')).status, 400);
    const closed = closing(bob);
    const res = await revoke(`Bearer ${TOKEN}`, '{"agentId":"bob"}');
    assert.strictEqual(res.status, 200);
    const body = await res.json();
    assert.strictEqual(body.agentId, 'bob');
    assert.ok(body.before >= issued);
    assert.deepStrictEqual(await closed, { code: 4001, reason: 'token revoked' });
    await assert.rejects(mk({ token: bobToken }).opened, (/** @type {{ status?: number }} */ e) => e.status === 401);
    const bobsLink = new MediaLinker(new BridgeSecrets(TOKEN), '/wecom/ws/media/').link({ type: 'image', mediaId: 'M' }, 'no-account', 'app').url;
    const bound = new MediaLinker(new BridgeSecrets(TOKEN), '/wecom/ws/media/').bind(String(bobsLink), 'bob');
    assert.strictEqual((await fetch(httpUrl(bound), { headers: { authorization: `Bearer ${bobToken}` } })).status, 401, 'the media route refuses a revoked token');
    assert.strictEqual((await fetch(httpUrl(bound), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 502, '(the link itself is good: only its account is missing)');
    const fresh = mk({ token: mintAgentToken(TOKEN, 'bob', { issuedAt: body.before + 1, ttlSec: 600 }) });
    await fresh.opened;
    assert.strictEqual((await fresh.next('welcome')).agentId, 'bob', 'a token issued after the revocation works');
    carol.send({ type: 'ping', id: 1 });
    assert.strictEqual((await carol.next('ack')).ref, 'ping', "carol's token was not revoked");
  });
});
