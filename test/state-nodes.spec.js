'use strict';
// The state layer seen through the nodes, in a real Node-RED runtime: an unwritable store refuses callbacks
// with 5xx; hung sends to some users never hold up the others; an intended identical answer is not
// swallowed by WeCom's duplicate check.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { helper, load, startHttp, stopHttp, httpUrl, request, sleep, until } = require('./helpers/runtime');
const { textXml, sealed } = require('./helpers/fixtures');
const { startSim, simAccount } = require('./helpers/simulator');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');
const outMod = require('../dist/nodes/wecom-out/wecom-out.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-state-nodes-'));

/** A WeCom API stand-in whose message/send never answers for users named hang*; the others are recorded. */
async function hangingApi() {
  const held = [];
  const sent = [];
  const server = http.createServer((req, res) => {
    const url = new URL(/** @type {string} */ (req.url), 'http://x');
    if (url.pathname.endsWith('/gettoken')) {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', access_token: 'T', expires_in: 7200 }));
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (String(body.touser).startsWith('hang')) {
        held.push(res);
        return;
      }
      sent.push({ user: body.touser, text: body.text && body.text.content });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', msgid: 'm' + sent.length }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    held,
    sent,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('state layer through the nodes', function () {
  this.timeout(20000);
  before(startHttp);
  after(async () => {
    await stopHttp();
    fs.rmSync(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('the store cannot record: callbacks get 5xx and nothing is emitted', async () => {
    const file = path.join(root, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    helper.settings({ wecomState: { kind: 'local', dir: path.join(file, 'wecom-state') } });
    const sim = { url: 'http://127.0.0.1:9' };
    const acc = simAccount('acc1', sim);
    await load([accountMod, inMod], [
      { id: 'tab1', type: 'tab' },
      acc.node,
      { id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/full', wires: [['sink']] },
      { id: 'sink', z: 'tab1', type: 'helper' },
    ], acc.credentials);
    const got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    const s = sealed(textXml('not recorded', { msgId: '9901' }));
    const res = await request('POST', httpUrl('/wecom/full' + s.qs), s.body);
    assert.ok(res.status >= 500 && res.status < 600, `5xx, got ${res.status}`);
    await sleep(100);
    assert.equal(got.length, 0);
    await until(() => helper.getNode('in1').status.args.some((a) => a[0] && a[0].text === 'wecom-in.status.storeDown'), 'the store-down status');
  });

  for (const hung of [8, 16]) {
    it(`${hung} hung sends to some users do not hold up other users' answers`, async () => {
      const api = await hangingApi();
      try {
        const acc = simAccount('acc1', { url: api.url }, { retry: { timeoutMs: 60000, maxRetries: 0, baseDelayMs: 5, maxDelayMs: 20 } });
        await load([accountMod, outMod], [
          { id: 'tab1', type: 'tab' },
          acc.node,
          { id: 'out1', z: 'tab1', type: 'wecom-out', account: 'acc1', concurrency: 8, wires: [['sink']] },
          { id: 'sink', z: 'tab1', type: 'helper' },
        ], acc.credentials);
        const out = helper.getNode('out1');
        for (let i = 0; i < hung; i++) out.receive({ payload: 'stuck ' + i, wecom: { channel: 'app', userId: 'hang' + i } });
        await until(() => api.held.length === hung, 'the hung sends to reach the API');
        for (let i = 0; i < 5; i++) out.receive({ payload: 'hello ' + i, wecom: { channel: 'app', userId: 'free' + i } });
        // The others are answered while every hung send is still open (the client timeout is 60 s).
        await until(() => api.sent.length === 5, 'the other users\' answers', 10000);
        assert.equal(api.held.filter((r) => !r.writableEnded).length, hung);
        assert.deepEqual(api.sent.map((s) => s.user).sort(), ['free0', 'free1', 'free2', 'free3', 'free4']);
      } finally {
        await api.close();
      }
    });
  }

  it('the same answer twice to one user reaches the user twice, also across a restart of the store', async () => {
    const sim = await startSim();
    const dir = path.join(root, 'repeat');
    try {
      helper.settings({ wecomState: { kind: 'local', dir } });
      const acc = simAccount('acc1', sim);
      const flow = [
        { id: 'tab1', type: 'tab' },
        acc.node,
        { id: 'out1', z: 'tab1', type: 'wecom-out', account: 'acc1', dupCheckSec: 600, wires: [['sink']] },
        { id: 'sink', z: 'tab1', type: 'helper' },
      ];
      const answers = () => sim.records().filter((r) => r.direction === 'bot' && r.userId === 'rep1' && r.text === '好的').length;
      await load([accountMod, outMod], flow, acc.credentials);
      helper.getNode('out1').receive({ payload: '好的', wecom: { channel: 'app', userId: 'rep1' } });
      await until(() => answers() === 1, 'the first answer');
      helper.getNode('out1').receive({ payload: '好的', wecom: { channel: 'app', userId: 'rep1' } });
      await until(() => answers() === 2, 'the second identical answer');
      await helper.unload();
      await load([accountMod, outMod], flow, acc.credentials);
      helper.getNode('out1').receive({ payload: '好的', wecom: { channel: 'app', userId: 'rep1' } });
      await until(() => answers() === 3, 'the identical answer after the restart');
    } finally {
      await sim.stop();
    }
  });
});
