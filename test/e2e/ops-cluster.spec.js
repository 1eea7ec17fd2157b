'use strict';
// Nothing per instance (issue 19): two Node-RED instances (child processes, the bundled flow) on one real
// redis-server. The ops view on either shows the whole service; the supervisor's live view and actions work
// through either; frames an agent has not acknowledged survive the death of the instance leading the hub and are
// replayed by seq from the survivor.
const { opsAuth } = require('./sandbox');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rs = require('../helpers/redis-server');
const { until, sleep } = require('../helpers/runtime');
const cl = require('../../scripts/cluster-lib');
const { admittedAgent } = require('../helpers/agent-client');

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'wecom-customer-service.json');
const OPS_PASSWORD = 'ops-cluster-pw-7f3a';
const auth = opsAuth(OPS_PASSWORD);

/** GET or POST (JSON) an ops API path of an instance; resolves { status, body }. */
async function ops(node, p, body) {
  const r = await fetch(`${node.url}/wecom/ops/api/${p}`, body === undefined ? { headers: auth } : { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** Poll `probe` every 200 ms (it asks Node-RED over HTTP) until it holds. */
const poll = (probe, what, ms) =>
  until(
    async () => {
      const got = await probe();
      if (!got) await sleep(200);
      return got;
    },
    what,
    ms,
  );

describe('e2e cluster: the ops view and the agents\' frames are the whole service\'s', function () {
  this.timeout(180000);
  if (rs.missing()) return;
  let redis;
  let sim;
  let creds;
  let admin;
  /** @type {any[]} */
  let pair = [];
  /** @type {import('ws')[]} */
  const sockets = [];

  before(async function () {
    redis = await rs.start();
    creds = cl.clusterCredentials();
    const { startSimulator } = require('../../dist/sandbox/simulator');
    sim = await startSimulator({ port: 0, ...creds, perUserPerMinute: 1e6 });
    const env = { ...cl.wecomEnv(creds, sim.url), WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_OPS_PASSWORD: OPS_PASSWORD, WECOM_OPS_SHARE_MS: '300' };
    const flows = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    for (const n of flows) if (n.type === 'wecom-in' || n.type === 'wecom-out') n.replayAfterSec = 2;
    pair = await Promise.all([cl.startInstance({ name: 'P', env, flows }), cl.startInstance({ name: 'Q', env, flows })]);
    const { RedisStore } = require('../../dist/nodes/lib/state/backends/redis');
    admin = new RedisStore({ url: redis.url, instanceId: 'ops-cluster-admin' });
    await admin.ready();
  });
  after(async function () {
    this.timeout(30000);
    for (const ws of sockets) ws.terminate();
    await Promise.all(pair.map((n) => n.kill()));
    if (admin) await admin.close();
    if (sim) await sim.stop();
    if (redis) await redis.destroy();
    for (const n of pair) fs.rmSync(n.userDir, { recursive: true, force: true });
  });

  it('the ops API of either instance counts the messages both handled, and lists the unanswered questions of both', async () => {
    const misses = ['能寄到火星吗', '能寄到冥王星吗'];
    const users = Array.from({ length: 20 }, (_, i) => `opsu${i}`);
    for (let i = 0; i < users.length; i++) {
      const text = i < 2 ? misses[i] : '你好';
      assert.equal((await cl.postCallback(creds, pair[i % 2].url, cl.appTextCallback(creds, users[i], text))).status, 200);
    }
    await poll(() => users.every((u) => sim.records().some((r) => r.direction === 'bot' && r.userId === u)), 'every user answered', 60000);
    // each instance handled some of them (its own hours in the store)
    const perSource = new Map();
    await poll(async () => {
      perSource.clear();
      for await (const k of admin.keys('ops-hour:')) {
        const b = await admin.get(k);
        const src = k.split(':')[1];
        perSource.set(src, (perSource.get(src) ?? 0) + (b?.n?.in ?? 0));
      }
      return [...perSource.values()].reduce((a, b) => a + b, 0) === users.length;
    }, 'both instances\' hours in the store', 30000);
    assert.equal(perSource.size, 2, 'two instances recorded messages');
    assert.ok([...perSource.values()].every((n) => n > 0 && n < users.length), `each handled some: ${JSON.stringify([...perSource.values()])}`);
    for (const node of pair) {
      const { status, body } = await ops(node, 'summary');
      assert.equal(status, 200);
      assert.equal(body.summary.totals.in, users.length, `${node.name}: the messages of both instances`);
      const labels = body.unanswered.flatMap((g) => g.questions.map((q) => q.text));
      for (const m of misses) assert.ok(labels.includes(m), `${node.name}: ${m} in ${JSON.stringify(labels)}`);
      const csv = await (await fetch(`${node.url}/wecom/ops/api/unanswered.csv`, { headers: auth })).text();
      for (const m of misses) assert.ok(csv.includes(m), `${node.name}: ${m} in the CSV`);
    }
  });

  it('an agent\'s unacknowledged frames survive kill -9 of the hub\'s instance: the survivor replays them by seq; the supervisor sees and acts through either instance', async () => {
    const lead = await poll(() => admin.get('bridge-leader:bridge'), 'a bridge leader', 30000);
    const [leader, follower] = lead.port === pair[0].port ? pair : [pair[1], pair[0]];
    /** Agent ag5 through `via` acknowledging up to `ack`; resolves its frames. */
    const connect = (via, ack) => admittedAgent(via.url, { agent: 'ag5', token: creds.agentWsToken, ack, sockets });
    const first = await connect(follower, 0); // acknowledges: frames are kept until it says `received`
    const u = 'hubuser';
    const other = 'hubother';
    assert.equal((await cl.postCallback(creds, follower.url, cl.appTextCallback(creds, u, '转人工'))).status, 200);
    const handoff = await poll(() => first.frames.find((f) => f.type === 'handoff' && f.userId === u), 'the handoff frame at the agent', 30000);
    assert.equal((await cl.postCallback(creds, leader.url, cl.appTextCallback(creds, u, '我的订单没到'))).status, 200);
    const message = await poll(() => first.frames.find((f) => f.type === 'message' && f.userId === u), 'the user\'s message frame', 30000);
    assert.ok(message.seq > handoff.seq);

    // the supervisor: the same live view through either instance; a close through the follower reaches the hub
    assert.equal((await cl.postCallback(creds, leader.url, cl.appTextCallback(creds, other, '转人工'))).status, 200);
    const otherConv = (await poll(() => first.frames.find((f) => f.type === 'handoff' && f.userId === other), 'the second handoff', 30000)).conversationId;
    for (const node of [follower, leader]) {
      const live = await ops(node, 'live');
      assert.equal(live.status, 200);
      const mine = live.body.conversations.find((c) => c.conversationId === handoff.conversationId);
      assert.equal(mine?.agentId, 'ag5', `${node.name}: ${JSON.stringify(live.body.conversations)}`);
      assert.ok(live.body.agents.some((a) => a.id === 'ag5' && a.online), node.name);
    }
    // the summary's live gauges on the follower count the leader's agents (published every few hundred ms here)
    await poll(async () => (await ops(follower, 'summary')).body.gauges?.agentsOnline === 1, 'the leader\'s agent in the follower\'s gauges', 30000);
    assert.deepEqual(await ops(follower, 'supervise', { op: 'close', conversationId: otherConv }), { status: 200, body: { ok: true } });
    await poll(() => first.frames.some((f) => f.type === 'closed' && f.conversationId === otherConv && f.by === 'supervisor'), 'the supervisor\'s close at the agent', 30000);
    const bogus = await ops(follower, 'supervise', { op: 'close', conversationId: 'app:nope:nobody' });
    assert.equal(bogus.status, 404, 'the leader\'s answer, passed back');

    // the frames are in the store before the hub's instance dies
    const kept = async () => {
      const seqs = [];
      for await (const k of admin.keys('bridge-outbox:bridge:ag5:')) seqs.push(Number(k.slice(k.lastIndexOf(':') + 1)));
      return seqs;
    };
    await poll(async () => (await kept()).includes(message.seq), 'the agent\'s frames in the store', 30000);
    await leader.kill();
    const again = await connect(follower, handoff.seq - 1);
    const replayed = await poll(() => {
      const h = again.frames.find((f) => f.seq === handoff.seq);
      const m = again.frames.find((f) => f.seq === message.seq);
      return h && m ? { h, m } : null;
    }, 'the kept frames replayed by the survivor', 60000);
    assert.equal(replayed.h.type, 'handoff');
    assert.equal(replayed.h.conversationId, handoff.conversationId);
    assert.equal(replayed.m.type, 'message');
    assert.equal(replayed.m.text, message.text);
    const seqs = again.frames.filter((f) => typeof f.seq === 'number' && f.type !== 'welcome' && f.type !== 'sync').map((f) => f.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
    assert.equal(seqs.filter((s) => s === handoff.seq).length, 1, 'each once');
    // acknowledged: gone from the store
    again.ws.send(JSON.stringify({ type: 'received', seq: Math.max(...seqs) }));
    await poll(async () => (await kept()).every((s) => s > Math.max(...seqs)), 'acknowledged frames removed from the store', 30000);
  });
});
