'use strict';
// ws-bridge on the local (disk) state store: what an acknowledging agent has not acknowledged survives a
// restart of the flow, and its reconnect with ?ack=N replays the rest by seq.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { agentClient } = require('./helpers/agent-client');
const { helper, load } = require('./helpers/runtime');
const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');

const TOKEN = 'agent-secret-token-Hq7Rw2Zk9';
const CID = 'app:ww1:1000002:u1';
const wecom = { channel: 'app', corpId: 'ww1', agentId: '1000002', userId: 'u1', msgType: 'text', msgId: 'm1', createTime: 1, conversationId: CID, raw: {} };
const flow = [
  { id: 'tab', type: 'tab', label: 't' },
  { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', graceSec: 60, wires: [['out'], ['ev']] },
  { id: 'out', z: 'tab', type: 'helper' },
  { id: 'ev', z: 'tab', type: 'helper' },
];
const toBridge = (/** @type {any} */ payload) => helper.getNode('b').receive({ payload, wecom, handoff: {} });
const userSays = (/** @type {string} */ text) => toBridge({ type: 'message', conversationId: CID, userId: 'u1', msgType: 'text', text, msgId: text, ts: 2 });

describe('ws-bridge on the local state store: unacknowledged frames survive a restart', function () {
  let dir = '';
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-bridge-outbox-'));
    helper.settings({ wecomState: { kind: 'local', dir } });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('frames written while the agent was away are replayed in seq order after the restart, from its ?ack=', async function () {
    const url = helper.url().replace(/^http/, 'ws') + '/wecom/ws';
    await load(bridgeNode, flow, { b: { token: TOKEN } });
    let a = agentClient(url, { agent: 'alice', token: TOKEN, ack: 0 });
    await a.opened;
    toBridge({ type: 'handoff', conversationId: CID, channel: 'app', userId: 'u1', reason: 'no_answer', text: '人工', history: [], ts: 1 });
    const handed = await a.next('handoff');
    a.ws.send(JSON.stringify({ type: 'received', seq: handed.seq }));
    a.ws.close();
    await a.closed;
    userSays('二');
    userSays('三');
    await helper.unload();

    await load(bridgeNode, flow, { b: { token: TOKEN } });
    a = agentClient(url, { agent: 'alice', token: TOKEN, ack: handed.seq });
    await a.opened;
    const welcome = await a.next('welcome');
    const m2 = await a.next('message');
    const m3 = await a.next('message');
    assert.deepEqual([m2.text, m3.text], ['二', '三']);
    assert.deepEqual([m2.seq, m3.seq, welcome.seq], [handed.seq + 1, handed.seq + 2, handed.seq + 2], 'numbered on from what was acknowledged; the welcome tells the last');
    assert.ok(!a.frames.some((f) => f.type === 'handoff'), 'the acknowledged handoff is not sent again');
    assert.equal(welcome.agentId, 'alice');
    a.ws.close();
    await a.closed;
    await helper.unload();
  });
});
