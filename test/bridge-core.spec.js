'use strict';
// ws-bridge's core without Node-RED: who may connect (bridge-access), the node's settings (bridge-config),
// the routing of frames and replies (bridge-router), the media route's decisions (bridge-media) and the cluster
// relay's leadership over a StateStore (bridge-relay).
const assert = require('node:assert/strict');
const { Readable, pipeline, Writable } = require('node:stream');
const { admitAgent, connectOptions } = require('../dist/nodes/lib/bridge/access.js');
const { bridgeConfig, clientHeaders, reconnectDelay } = require('../dist/nodes/lib/bridge/config.js');
const { BridgeRouter, isBridgeFrame } = require('../dist/nodes/lib/bridge/router.js');
const { capped, credentialCheck, linkFrameMedia, mediaAccess, mediaHeaders } = require('../dist/nodes/lib/bridge/media/serve.js');
const { BridgeSecrets } = require('../dist/nodes/lib/bridge/secrets.js');
const { leaderHost, startRelayCore } = require('../dist/nodes/lib/bridge/relay.js');
const { mintAgentToken } = require('../dist/nodes/lib/bridge/agent-token.js');
const { MediaLinker } = require('../dist/nodes/lib/bridge/media/link.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');
const { numField } = require('../dist/nodes/lib/fields.js');

const TOKEN = 'shared-secret-token-d8Qz41Lx7Vn0';
const SECRETS = new BridgeSecrets(TOKEN);
const CHECK = credentialCheck(SECRETS, 30 * 86_400_000);
const NOBODY = credentialCheck(new BridgeSecrets(''), 0);
const SHARED = { shared: true };

/** Poll until `probe()` is truthy (a wait, never a timing assertion). */
async function waitFor(probe, what, ms = 5000) {
  for (const end = Date.now() + ms; !probe(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A hub sink that records what the agent was sent. */
function sink() {
  /** @type {any[]} */
  const frames = [];
  return { frames, send: (/** @type {any} */ f) => (frames.push(f), true), close() {} };
}

describe('bridge-access: agent upgrade admission', function () {
  it('refuses without a credential (401) and outside the origin list (403)', function () {
    assert.deepEqual(admitAgent(CHECK, [], { url: '/wecom/ws' }), { ok: false, status: 401, text: 'Unauthorized' });
    assert.equal(admitAgent(CHECK, [], { url: '/wecom/ws?token=wrong' }).ok, false);
    assert.equal(admitAgent(NOBODY, [], { url: '/wecom/ws?token=' }).ok, false, 'no token configured: nobody');
    const far = admitAgent(CHECK, ['https://cs.example'], { url: `/wecom/ws?token=${TOKEN}`, origin: 'https://evil.example' });
    assert.deepEqual(far, { ok: false, status: 403, text: 'Forbidden' });
    assert.equal(admitAgent(CHECK, ['https://cs.example'], { url: `/wecom/ws?token=${TOKEN}`, origin: 'https://cs.example' }).ok, true);
  });
  it('the shared token: ?agent= or X-Agent-Id names the agent, none is the system link; bad ids and params are 400', function () {
    const a = admitAgent(CHECK, [], { url: '/wecom/ws?agent=alice&groups=sales,vip&ack=7', authorization: `Bearer ${TOKEN}` });
    assert.deepEqual(a, { ok: true, agentId: 'alice', opts: { groups: ['sales', 'vip'], ack: 7 }, credential: SHARED });
    assert.deepEqual(admitAgent(CHECK, [], { url: `/x?token=${TOKEN}`, agentHeader: 'bob' }), { ok: true, agentId: 'bob', opts: {}, credential: SHARED });
    assert.deepEqual(admitAgent(CHECK, [], { url: `/x?token=${TOKEN}` }), { ok: true, agentId: null, opts: {}, credential: SHARED });
    assert.equal(/** @type {any} */ (admitAgent(CHECK, [], { url: `/x?token=${TOKEN}&agent=a%20b` })).status, 400);
    assert.equal(/** @type {any} */ (admitAgent(CHECK, [], { url: `/x?token=${TOKEN}&ack=-1` })).status, 400);
    assert.throws(() => connectOptions(new URL('http://h/x?ack=1.5')));
  });
  it('an agent token is that agent only, bound, with the groups it fixes', function () {
    const t = mintAgentToken(TOKEN, 'carol', { groups: ['vip'] });
    const a = admitAgent(CHECK, [], { url: `/x?token=${encodeURIComponent(t)}` });
    assert.deepEqual(a.ok && [a.agentId, a.opts], ['carol', { bound: true, groups: ['vip'], fixedGroups: true }]);
    assert.equal(a.ok && !a.credential.shared && a.credential.claims.agentId, 'carol');
    assert.equal(/** @type {any} */ (admitAgent(CHECK, [], { url: '/x?agent=dave', authorization: `Bearer ${t}` })).status, 403);
  });
});

describe('bridge-config: ws-bridge settings', function () {
  const read = { num: numField, env: { WECOM_AGENT_WS_TOKEN: ' from-env ', WECOM_OPS_PASSWORD: 'ops-env' } };
  it('blank fields take their defaults; a blank credential comes from the environment', function () {
    const c = bridgeConfig({}, {}, read);
    assert.equal(c.mode, 'server');
    assert.equal(c.token, 'from-env');
    assert.equal(c.opsPassword, 'ops-env');
    assert.equal(c.metricsToken, '');
    assert.equal(c.path, '/wecom/ws');
    assert.equal(c.heartbeatMs, 30_000);
    assert.equal(c.maxMedia, 20 * 1024 * 1024);
    assert.equal(c.maxPayload, 64 * 1024 + Math.ceil((20 * 1024 * 1024 * 4) / 3));
    assert.deepEqual(c.hub, { maxPerAgent: 5, bufferSize: 500, graceMs: 60_000 });
    assert.deepEqual([c.console, c.ops, c.metrics], [true, true, false]);
    assert.deepEqual(c.events, { retentionDays: 30, maxMb: 50 });
  });
  it('reads given values: client mode has no cap and no grace, lists are split, credentials win over the environment', function () {
    const c = bridgeConfig({ mode: 'client', maxPerAgent: '9', bufferSize: '0', origins: 'https://a, https://b', mediaOrigins: 'https://cdn.example/ ', console: 'false', metrics: true, heartbeatSec: '0' }, { token: 'tok' }, read);
    assert.equal(c.token, 'tok');
    assert.deepEqual(c.hub, { maxPerAgent: 0, bufferSize: 1, graceMs: -1 });
    assert.deepEqual(c.origins, ['https://a', 'https://b']);
    assert.deepEqual(c.mediaOrigins, ['https://cdn.example']);
    assert.deepEqual([c.console, c.metrics, c.heartbeatMs], [false, true, 0]);
  });
  it('client headers: a JSON object plus the Bearer token; unusable JSON is reported', function () {
    assert.deepEqual(clientHeaders('{"X-Tenant": 7}', 'tok'), { headers: { 'X-Tenant': '7', Authorization: 'Bearer tok' }, bad: false });
    assert.deepEqual(clientHeaders('{oops', ''), { headers: {}, bad: true });
    assert.deepEqual(clientHeaders('', ''), { headers: {}, bad: false });
  });
  it('reconnect delay doubles from 0.5 s up to the maximum, ±20 %', function () {
    assert.equal(reconnectDelay(0, 30_000, () => 0.5), 500);
    assert.equal(reconnectDelay(3, 30_000, () => 0.5), 4000);
    assert.equal(reconnectDelay(20, 30_000, () => 0.5), 30_000);
    assert.equal(reconnectDelay(0, 30_000, () => 0), 400);
  });
});

describe('bridge-router: frames in, replies and events out', function () {
  // the fields of msg.wecom the bridge reads (a full WecomMeta has more)
  const wecom = /** @type {any} */ ({ channel: 'app', userId: 'u1', conversationId: 'app:u1', accountId: 'acct1' });
  const offer = (id = 'app:u1') => ({ type: 'handoff', conversationId: id, channel: 'app', userId: 'u1', reason: 'no_answer', text: '人工', history: [], ts: 1 });
  function setup() {
    /** @type {Array<[any, any]>} */
    const sent = [];
    /** @type {any[]} */
    const replied = [];
    let changed = 0;
    const linker = new MediaLinker(SECRETS, '/wecom/ws/media/');
    const router = new BridgeRouter(
      { hub: { maxPerAgent: 5, bufferSize: 50, graceMs: -1 }, linker, mediaOrigins: [], maxMediaBytes: 1024, badInput: 'not a frame' },
      { send: (r, e) => sent.push([r, e]), replied: (m, a, media) => replied.push({ m, a, media }), evented() {}, changed: () => changed++ },
    );
    return { router, sent, replied, linker, changes: () => changed };
  }

  it('accepts frames and wecom-out errors only; anything else throws the configured error', function () {
    const { router } = setup();
    assert.equal(isBridgeFrame(offer()), true);
    assert.equal(isBridgeFrame({ type: 'handoff', conversationId: '' }), false);
    assert.equal(router.accepts({ payload: 'hello' }), false);
    assert.equal(router.accepts({ payload: 'x', error: { message: 'failed' } }), true);
    assert.throws(() => router.input({ payload: { type: 'reply' } }), /not a frame/);
    router.dispose();
  });
  it('a handoff reaches a connected agent (assigned on output 2); its reply goes out on output 1 with activity on output 2', function () {
    const { router, sent, replied, changes } = setup();
    const alice = sink();
    const conn = router.hub.open(alice, 'alice');
    router.input({ payload: offer(), wecom });
    assert.ok(changes() > 0);
    const assigned = sent.find(([, e]) => e && e.bridge.event === 'assigned');
    assert.ok(assigned, 'assigned event');
    assert.equal(assigned[1].wecom, wecom);
    assert.ok(alice.frames.some((f) => f.type === 'handoff' && f.conversationId === 'app:u1'));
    sent.length = 0;
    router.hub.receive(conn, JSON.stringify({ type: 'reply', id: 'r1', conversationId: 'app:u1', text: '您好' }));
    assert.equal(sent.length, 1);
    const [out, activity] = sent[0];
    assert.deepEqual(out, { payload: '您好', topic: 'app:u1', wecom, agent: { id: 'alice' }, bridge: { event: 'reply', conversationId: 'app:u1', agentId: 'alice' } });
    assert.equal(activity.bridge.event, 'activity');
    assert.deepEqual(replied, [{ m: out, a: 'alice', media: false }]);
    router.dispose();
  });
  it("wecom-out's error for an agent's reply comes back to that agent as undelivered", function () {
    const { router } = setup();
    const alice = sink();
    router.hub.open(alice, 'alice');
    router.input({ payload: offer(), wecom });
    router.input({ payload: '您好', error: { message: 'user left', errcode: 95001 }, bridge: { event: 'reply', conversationId: 'app:u1', agentId: 'alice' } });
    const u = alice.frames.find((f) => f.type === 'undelivered');
    assert.deepEqual({ ...u, seq: undefined }, { type: 'undelivered', conversationId: 'app:u1', text: '您好', media: undefined, errcode: 95001, message: 'user left', seq: undefined });
    router.dispose();
  });
  it("a user's media reaches the agent as a signed URL the media route opens, never as WeCom's media_id", function () {
    const { router, linker } = setup();
    const alice = sink();
    router.hub.open(alice, 'alice');
    router.input({ payload: offer(), wecom });
    router.input({ payload: { type: 'message', conversationId: 'app:u1', userId: 'u1', msgType: 'image', text: '', msgId: 'm1', ts: 2, media: { type: 'image', mediaId: 'MEDIA1' } }, wecom });
    const m = alice.frames.find((f) => f.type === 'message');
    assert.equal(m.media.mediaId, undefined);
    const ref = m.media.url.replace('/wecom/ws/media/', '');
    const access = mediaAccess(CHECK, linker, TOKEN, ref);
    assert.equal(access.ok, true);
    assert.deepEqual(access.ok && [access.ref.accountId, access.ref.mediaId, access.ref.channel], ['acct1', 'MEDIA1', 'app']);
    router.dispose();
  });
});

describe('bridge-media: the media route decides', function () {
  const linker = new MediaLinker(SECRETS, '/m/');
  const ref = () => String(linker.link({ type: 'file', mediaId: 'M', name: '报价 单.pdf' }, 'acct', 'kf').url).slice(3);
  it('401 without the credential, 404 for a forged ref, 410 once expired', function () {
    assert.equal(/** @type {any} */ (mediaAccess(CHECK, linker, null, ref())).status, 401);
    assert.equal(/** @type {any} */ (mediaAccess(CHECK, linker, TOKEN, ref() + 'x')).status, 404);
    const old = new MediaLinker(SECRETS, '/m/', () => Date.now() - 73 * 3600_000);
    const stale = String(old.link({ type: 'file', mediaId: 'M' }, 'acct', 'app').url).slice(3);
    assert.equal(/** @type {any} */ (mediaAccess(CHECK, linker, TOKEN, stale)).status, 410);
    const agentToken = mintAgentToken(TOKEN, 'alice');
    assert.equal(mediaAccess(CHECK, linker, agentToken, linker.bind('/m/' + ref(), 'alice').slice(3)).ok, true, 'an agent token reads links given to its agent');
  });
  it('headers name the file (UTF-8) and its length when known; a stream over the cap fails with 413', async function () {
    const opened = mediaAccess(CHECK, linker, TOKEN, ref());
    assert.ok(opened.ok);
    const h = mediaHeaders({ length: 10 }, opened.ref, null);
    assert.equal(h['Content-Disposition'], `attachment; filename*=UTF-8''${encodeURIComponent('报价 单.pdf')}`);
    assert.equal(h['Content-Length'], '10');
    assert.equal(mediaHeaders({ filename: 'a.png' }, opened.ref, 'image/png')['Content-Length'], undefined);
    const err = await new Promise((resolve) => pipeline(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), capped(10), new Writable({ write: (_c, _e, cb) => cb() }), resolve));
    assert.equal(/** @type {any} */ (err).status, 413);
  });
  it('frames without media are passed on as they are', function () {
    const f = { type: 'closed', conversationId: 'c', by: 'user' };
    assert.equal(linkFrameMedia(linker, /** @type {any} */ (f), /** @type {any} */ ({ channel: 'app', userId: 'u', accountId: 'a' })), f);
  });
});

describe('bridge-relay: one leader over the StateStore', function () {
  it('the leader handles what any instance submits, in order; when it closes the next one takes over, losing nothing', async function () {
    const store = new MemoryStore();
    /** @type {Record<string, any[]>} */
    const handled = { A: [], B: [] };
    /** @type {string[]} */
    const leaders = [];
    const relay = (/** @type {'A'|'B'} */ name) =>
      startRelayCore({ store, name: 'bridge1', leaseMs: 400, address: () => ({ host: '127.0.0.1', port: name === 'A' ? 1001 : 1002 }), handle: (m) => handled[name].push(m.n), onLeader: (l) => l && leaders.push(name), onError: (e) => assert.fail(e) });
    const A = relay('A');
    await waitFor(() => A.leader, 'A leads');
    const B = relay('B');
    await waitFor(() => B.leaderAt() !== null, 'B knows the leader');
    assert.deepEqual(B.leaderAt(), { host: '127.0.0.1', port: 1001, instanceId: store.instanceId });
    assert.equal(B.leader, false);
    for (let n = 1; n <= 3; n++) await B.submit({ n });
    await waitFor(() => handled.A.length === 3, 'A handles 3');
    assert.deepEqual(handled.A, [1, 2, 3]);
    await A.close();
    await B.submit({ n: 4 });
    await waitFor(() => B.leader && handled.B.length === 1, 'B leads and handles 4', 5000);
    assert.deepEqual(handled.B, [4]);
    assert.deepEqual(leaders, ['A', 'B']);
    await B.close();
  });
  it('publishes a reachable host: the configured one, else the bound address, else the host name for a wildcard', function () {
    assert.equal(leaderHost({ host: '0.0.0.0' }, ' node-a.internal '), 'node-a.internal');
    assert.equal(leaderHost({ host: '10.0.0.5' }), '10.0.0.5');
    assert.equal(leaderHost({ host: '::' }), require('node:os').hostname());
  });
});
