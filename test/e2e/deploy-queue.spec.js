'use strict';
// A real full Deploy while two 微信客服 users wait for an agent (none online): the flows are posted back through
// Node-RED's admin API (POST /flows, Node-RED-Deployment-Type: full), so every node restarts and handoff offers
// the waiting conversations to the new agents' hub again. Each user was told their place once; the deploy sends
// them nothing (on 微信客服 every notice burns one of the user's 5 replies). Shared in-process sandbox and its
// WeCom simulator; no agent connects, and both users leave the queue (取消人工) at the end.
const assert = require('node:assert/strict');
const { useSandbox, flowsApi, lastSeq, opsAuth } = require('./sandbox');
const { until, request } = require('../helpers/runtime');

describe('e2e: a full deploy while two users wait re-sends them nothing', function () {
  this.timeout(120000);
  const run = Date.now().toString(36);
  const users = [`wmDeployA${run}`, `wmDeployB${run}`];
  let sb;
  let sim;
  let auth;
  /** Users handed over (they leave the queue in `after`). */
  const queued = [];
  // what the bot sent the user (not the simulator's own welcome on entering the session)
  const received = (userId, since) => sim.records(since).filter((r) => r.direction === 'bot' && r.userId === userId && !r.data?.onEvent);
  /** The ops view's live view; null while the ops routes are being set up again (during a deploy). */
  const live = async () => {
    const r = await request('GET', `${sb.opsUrl}api/live`, null, auth);
    return r.status === 200 ? JSON.parse(r.body) : null;
  };
  const mine = (view) => view.conversations.filter((c) => users.some((u) => c.conversationId.endsWith(`:${u}`)));
  // before useSandbox(): this hook must run while the shared sandbox is still up
  after(async function () {
    // leave no conversation queued for the specs that follow
    if (!sim) return;
    for (const u of queued) {
      const since = lastSeq(sim);
      await sim.userSays({ channel: 'kf', userId: u, text: '取消人工' });
      await until(() => received(u, since).some((r) => /取消人工服务/.test(r.text)), `${u} back with the bot`, 20000);
    }
  });

  const sandbox = useSandbox();

  before(async function () {
    sb = await sandbox();
    sim = sb.simulator;
    auth = opsAuth(sb.opsPassword);
    // nobody may take them: wait until agents other specs signed in have left the hub
    await until(async () => {
      const view = await live();
      return view && !view.agents.some((a) => a.online);
    }, 'no agent online', 20000);
  });

  it('each waiting user was told once; after POST /flows (full) the new hub has them queued and they receive nothing', async function () {
    for (const [i, u] of users.entries()) {
      const since = lastSeq(sim);
      await sim.userSays({ channel: 'kf', userId: u, text: '转人工' });
      queued.push(u);
      const told = await until(() => received(u, since).find((r) => /暂无客服在线/.test(r.text)), `${u} told the place`, 20000);
      assert.equal(received(u, since).length, 1, `one notice for user ${i + 1}`);
      assert.ok(told);
    }
    const beforeDeploy = lastSeq(sim);
    const deployAt = Date.now();
    const current = await (await flowsApi(sb.url, 'GET')).json();
    const res = await flowsApi(sb.url, 'POST', { flows: current.flows }, 'full');
    assert.equal(res.status, 200, 'the full deploy is accepted');

    // the restarted hub knows both again (offered by handoff at its start): queued, since the deploy
    await until(async () => {
      const view = await live();
      return view && mine(view).filter((c) => c.agentId === null && c.since >= deployAt).length === users.length;
    }, 'both conversations queued at the new hub', 20000);
    // a barrier through the same path a re-sent notice would take: each user's next message passes handoff
    // (under the conversation's lock, after the hub's queued event) and is answered by the bot, through the
    // user's ordered outbox — anything handoff sent them for the deploy would reach the simulator first
    for (const u of users) {
      const since = lastSeq(sim);
      await sim.userSays({ channel: 'kf', userId: u, text: '价格多少' });
      await until(() => received(u, since).some((r) => /^关于价格问题/.test(r.text)), `${u} answered by the bot`, 20000);
    }
    for (const u of users) {
      const texts = received(u, beforeDeploy).map((r) => r.text);
      assert.equal(texts.length, 1, `${u} got only the bot's answer after the deploy: ${JSON.stringify(texts)}`);
      assert.match(texts[0], /^关于价格问题/);
    }
  });
});
