'use strict';
// What the user is told and what it costs on 微信客服 (5 replies per customer message): one notice per handoff,
// no notice again when a deploy or restart offers waiting conversations again, and an agent's replies leave the
// last of the 5 for the closing notice.
const assert = require('node:assert/strict');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store');
const { HandoffEngine } = require('../dist/nodes/lib/handoff/engine');
const { handoffOptions } = require('../dist/nodes/lib/handoff/options');
const { kfProblem, kfRemaining } = require('../dist/nodes/lib/wecom/kf/budget');

/** @param {string} userId @param {string} msgId @returns {any} */
const wecom = (userId, msgId) => ({ channel: 'kf', corpId: 'ww1', agentId: '1000002', openKfId: 'wk1', userId, msgType: 'text', msgId, createTime: 1, conversationId: `kf:ww1:wk1:${userId}`, raw: {} });

describe('handoff notices and the 微信客服 budget', function () {
  it('a deploy while two users wait sends them nothing; each was told once', async function () {
    const store = new MemoryStore();
    const mk = () => new HandoffEngine(new ConversationStore(store, Date.now, 3600000), handoffOptions({}), () => undefined);
    let engine = mk();
    await engine.bridge({ event: 'presence', agentsOnline: 0 });
    /** @type {string[]} */
    const told = [];
    for (const u of ['wmA', 'wmB']) {
      const out = await engine.user({ payload: '转人工', wecom: wecom(u, `m-${u}`) });
      assert.deepEqual(out.notice, [], 'no "transferring…" notice: the bridge\'s answer is the one notice');
      const frame = /** @type {{ conversationId: string }} */ (out.agent[0].payload);
      const q = await engine.bridge({ event: 'queued', conversationId: frame.conversationId, position: 0, agentsOnline: 0, groupOnline: 0 });
      told.push(...q.notice.map((n) => String(n.payload)));
    }
    assert.equal(told.length, 2);
    assert.ok(told.every((t) => /当前暂无客服在线/.test(t)));

    // Deploy: a new engine over the same store re-offers both; the bridge reports them queued again
    engine = mk();
    const restored = await engine.restore();
    assert.equal(restored.agent.length, 2);
    assert.deepEqual(restored.notice, []);
    for (const m of restored.agent) {
      const f = /** @type {{ requeued?: boolean, conversationId: string }} */ (m.payload);
      assert.equal(f.requeued, true);
      const q = await engine.bridge({ event: 'queued', conversationId: f.conversationId, position: 0, agentsOnline: 0, groupOnline: 0, requeued: true });
      assert.deepEqual(q.notice, [], 'told already: nothing sent again');
    }
  });

  it('a handoff deployed on its own (the bridge kept running, no presence event) still sends one notice per handoff', async function () {
    const { HandoffService } = require('../dist/nodes/lib/handoff/service');
    const store = new MemoryStore();
    /** @type {any[]} */
    const notices = [];
    const mk = () =>
      new HandoffService(store, 'handoff-timers:h1', handoffOptions({}), {
        emit: (out) => notices.push(...out.notice),
        error: (err) => assert.fail(err),
        changed: () => undefined,
      });
    let s = mk();
    await s.start();
    await s.input({ payload: { event: 'presence', agentsOnline: 0, queued: 0 }, bridge: { event: 'presence', agentsOnline: 0, queued: 0 } });
    s.stop();
    // "Deploy modified nodes": only handoff restarts; the bridge sends no presence event
    s = mk();
    await s.start();
    notices.length = 0;
    await s.input({ payload: '转人工', wecom: wecom('wmSolo', 'solo-1') });
    assert.equal(notices.length, 0, 'no "transferring…": the bridge\'s queued/assigned answer is the one notice');
    s.stop();
    // a handoff that never heard of a bridge tells the user at once (nothing else will)
    const lone = new HandoffService(new MemoryStore(), 'handoff-timers:h2', handoffOptions({}), { emit: (out) => void notices.push(...out.notice), error: (err) => assert.fail(err), changed: () => undefined });
    await lone.start();
    await lone.input({ payload: '转人工', wecom: wecom('wmLone', 'lone-1') });
    assert.equal(notices.filter((n) => n.handoff.notice === 'transfer').length, 1);
    lone.stop();
  });

  it('agents get 5 − used − 1 replies; the kept one is the closing notice\'s', function () {
    const b = { lastCustomerAt: Date.now(), used: 1 };
    assert.deepEqual(kfRemaining(b, 1), { replies: 3, reserved: 1, until: b.lastCustomerAt + 48 * 3600 * 1000 });
    assert.equal(kfProblem({ ...b, used: 3 }, Date.now(), 1, 1), null, 'the 4th reply fits');
    assert.equal(kfProblem({ ...b, used: 4 }, Date.now(), 1, 1), 'count', 'an agent\'s 5th is refused');
    assert.equal(kfProblem({ ...b, used: 4 }, Date.now(), 1, 0), null, 'the closing notice may take it');
    assert.equal(kfProblem({ lastCustomerAt: Date.now() - 49 * 3600 * 1000, used: 0 }, Date.now()), 'window');
  });
});
