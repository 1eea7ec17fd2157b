'use strict';
const assert = require('node:assert/strict');
const { helper, load, startHttp, stopHttp, httpUrl, request, sleep } = require('./helpers/runtime');
const { ACCOUNT, KEYS, accountNode, textXml, sealed } = require('./helpers/fixtures');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const inMod = require('../dist/nodes/wecom-in/wecom-in.js');

function flow(extra) {
  const acc = accountNode('acc1');
  return {
    nodes: [
      { id: 'tab1', type: 'tab' },
      acc.node,
      Object.assign({ id: 'in1', z: 'tab1', type: 'wecom-in', account: 'acc1', path: '/wecom/callback', wires: [['out1']] }, extra || {}),
      { id: 'out1', z: 'tab1', type: 'helper' },
    ],
    credentials: acc.credentials,
  };
}

describe('wecom-in', function () {
  before(() => startHttp());
  after(() => stopHttp());
  afterEach(() => helper.unload());

  it('emits a decrypted text message in the message contract', async function () {
    const f = flow();
    await load([accountMod, inMod], f.nodes, f.credentials);
    const out = helper.getNode('out1');
    const got = new Promise((resolve) => out.on('input', resolve));
    const { qs, body } = sealed(textXml('你好', { user: 'lisi', msgId: '4561255354251345929' }));
    const res = await request('POST', httpUrl('/wecom/callback' + qs), body);
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    const msg = await got;
    assert.equal(msg.payload, '你好');
    assert.equal(msg.wecom.userId, 'lisi');
    assert.equal(msg.wecom.msgId, '4561255354251345929');
    assert.equal(msg.wecom.channel, 'app');
    assert.equal(msg.topic, `app:${ACCOUNT.corpId}:${ACCOUNT.agentId}:lisi`);
  });
});
