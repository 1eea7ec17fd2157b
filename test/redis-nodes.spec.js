// The nodes on the Redis state backend (a real redis-server on loopback): Redis going away turns wecom-in,
// wecom-out and handoff red at once, callbacks are refused with 5xx meanwhile, and all of it clears by itself
// when Redis is back.
'use strict';
const assert = require('node:assert/strict');
const rs = require('./helpers/redis-server');
const { helper, load, startHttp, stopHttp, httpUrl, request, until } = require('./helpers/runtime');
const { textXml, sealed } = require('./helpers/fixtures');
const { simAccount } = require('./helpers/simulator');

const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');
const outMod = require('../dist/nodes/wecom-out/wecom-out.js');
const handoffMod = require('../dist/nodes/handoff/handoff.js');

describe('nodes on the Redis state store', function () {
  this.timeout(30000);
  if (rs.missing()) return;
  let server;
  before(async () => {
    server = await rs.start();
    await startHttp();
  });
  after(async () => {
    await stopHttp();
    if (server) await server.destroy();
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    if (!server.running) await server.start();
  });

  it('Redis down: red status on wecom-in, wecom-out and handoff, callbacks 503; cleared and accepted again when it is back', async () => {
    helper.settings({ wecomState: { kind: 'redis', url: server.url, prefix: `nodes${Date.now()}:` } });
    const acc = simAccount('acc1', { url: 'http://127.0.0.1:9' });
    await load([accountMod, inMod, outMod, handoffMod], [
      { id: 'tab1', type: 'tab' },
      acc.node,
      { id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/redis', wires: [['sink']] },
      { id: 'out1', z: 'tab1', type: 'wecom-out', account: 'acc1', wires: [[]] },
      { id: 'h1', z: 'tab1', type: 'handoff', wires: [[], [], []] },
      { id: 'sink', z: 'tab1', type: 'helper' },
    ], acc.credentials);
    const got = [];
    helper.getNode('sink').on('input', (m) => got.push(m));
    const post = async (id) => {
      const s = sealed(textXml(`hello ${id}`, { msgId: id }));
      return (await request('POST', httpUrl('/wecom/redis' + s.qs), s.body)).status;
    };
    assert.equal(await post('8801'), 200);
    await until(() => got.length === 1, 'the first message');

    /** The node's latest status (the helper's status spy is shared by all nodes). */
    const last = (id) => {
      const spy = helper.getNode(id).status;
      for (let i = spy.callCount - 1; i >= 0; i--) if (spy.thisValues[i] && spy.thisValues[i].id === id) return spy.args[i][0];
      return null;
    };
    const red = (id, key) => last(id) && last(id).fill === 'red' && last(id).text === key;
    await server.stop();
    await until(() => red('in1', 'wecom-in.status.storeDown') && red('out1', 'wecom-out.status.storeDown') && red('h1', 'handoff.status.storeDown'), 'red store-down status on every node', 10000);
    const during = await post('8802');
    assert.ok(during >= 500 && during < 600, `5xx while Redis is down, got ${during}`);

    await server.start();
    await until(() => ['in1', 'out1', 'h1'].every((id) => last(id) && last(id).fill !== 'red'), 'the status to clear', 15000);
    assert.equal(await post('8802'), 200, 'the re-send is accepted');
    await until(() => got.length === 2, 'the re-sent message');
    assert.equal(got[1].payload, 'hello 8802');
  });
});
