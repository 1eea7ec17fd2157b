'use strict';
// handoff's native WeCom transfer, against the WeCom simulator: a 微信客服 conversation that asks for a
// human goes to WeCom's own 接待人员 (kf/service_state/trans), not to the agents' WebSocket.
const assert = require('node:assert/strict');
const { helper, load, sleep } = require('./helpers/runtime');
const { ACCOUNT } = require('./helpers/fixtures');
const { startSim, simAccount, waitFor } = require('./helpers/simulator');
const { WecomApi } = require('../dist/index.js');
const accountMod = require('../dist/nodes/wecom-account/wecom-account.js');
const handoffMod = require('../dist/nodes/handoff/handoff.js');

const OPEN_KF = 'wkSANDBOX01';

describe('handoff: native WeCom transfer (微信客服 → 接待人员)', function () {
  let sim;
  let api;
  before(async () => {
    sim = await startSim();
    api = new WecomApi({ corpId: ACCOUNT.corpId, secret: ACCOUNT.kfSecret, agentId: ACCOUNT.agentId, apiBase: sim.url });
  });
  after(async () => {
    await api.close();
    await sim.stop();
  });
  afterEach(() => helper.unload());

  async function run(servicer, userId) {
    await sim.userSays({ channel: 'kf', userId, openKfId: OPEN_KF, text: '你好' }); // opens the 微信客服 session
    const acc = simAccount('acc1', sim);
    const flow = [
      { id: 't', type: 'tab' },
      acc.node,
      { id: 'h', z: 't', type: 'handoff', native: true, account: 'acc1', servicer, wires: [['bot'], ['agents'], ['notices']] },
      { id: 'bot', z: 't', type: 'helper' },
      { id: 'agents', z: 't', type: 'helper' },
      { id: 'notices', z: 't', type: 'helper' },
    ];
    await load([accountMod, handoffMod], flow, acc.credentials);
    const seen = { bot: [], agents: [], notices: [] };
    for (const k of Object.keys(seen)) helper.getNode(k).on('input', (m) => seen[k].push(m));
    const wecom = { channel: 'kf', corpId: ACCOUNT.corpId, agentId: ACCOUNT.agentId, userId, openKfId: OPEN_KF, msgType: 'text', msgId: `m-${userId}`, createTime: 1, conversationId: `kf:${ACCOUNT.corpId}:${OPEN_KF}:${userId}`, raw: {} };
    helper.getNode('h').receive({ payload: '转人工', topic: wecom.conversationId, wecom });
    const state = await waitFor(async () => {
      const s = await api.kfGetServiceState(OPEN_KF, userId);
      return s.serviceState === 2 || s.serviceState === 3 ? s : null;
    }, 5000, 'the session to leave the bot');
    await sleep(50);
    return { state, seen };
  }

  it('moves the session to a named 接待人员 (state 3) and tells neither the bot nor the agents', async function () {
    const { state, seen } = await run('zhangsan', 'wmNative1');
    assert.deepEqual(state, { serviceState: 3, servicerUserId: 'zhangsan' });
    assert.equal(seen.bot.length, 0);
    assert.equal(seen.agents.length, 0);
  });

  it('without a servicer, puts the session in WeCom\'s queue (state 2)', async function () {
    const { state } = await run('', 'wmNative2');
    assert.equal(state.serviceState, 2);
  });
});
