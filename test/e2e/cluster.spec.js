'use strict';
// Two Node-RED instances (child processes, the bundled flow) on one real redis-server, serving one WeCom app
// (the loopback simulator). Counts what reaches WeCom: the sends (API calls), not only what WeCom delivers.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rs = require('../helpers/redis-server');
const { until, sleep } = require('../helpers/runtime');
const cl = require('../../scripts/cluster-lib');
const { admittedAgent } = require('../helpers/agent-client');
const WebSocket = require('ws');

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'wecom-customer-service.json');
const GREETING = /^您好！我是禾点收银智能客服/;
const TIMEOUT_TEXT = '由于长时间没有新消息，本次人工服务已结束。如需帮助请再次发送“人工”。';

/** The bundled flow with short timings for a test: idle timeout 3 s, take-over after 2 s. */
function clusterFlow() {
  const flow = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  for (const n of flow) {
    if (n.type === 'handoff') Object.assign(n, { idleTimeout: 3, idleUnit: 's' });
    if (n.type === 'wecom-in' || n.type === 'wecom-out') n.replayAfterSec = 2;
  }
  return flow;
}

describe('e2e cluster: two Node-REDs on one Redis serve one WeCom app', function () {
  this.timeout(180000);
  if (rs.missing()) return;
  let redis;
  let sim;
  let creds;
  let env;
  let admin;
  let A;
  let B;
  const nodes = [];
  let run = 0;
  const user = (tag, i) => `${tag}${run}x${i}`;

  const bot = (u) => sim.records().filter((r) => r.direction === 'bot' && r.userId === u);
  const stats = () => ({ ...sim.stats() });
  const delta = (before, name) => (sim.stats()[name] || 0) - (before[name] || 0);

  /** Nothing pending anywhere: every recorded callback has its outcome, every answer is sent. */
  async function settled(what) {
    await until(
      async () => (await admin.pendingCount('inbox:wecomIn', 'wecom-in')) === 0 && (await admin.pendingCount('outbox:wecomOut', 'wecom-out')) === 0,
      `inbox and outbox to settle (${what})`,
      60000,
    );
  }

  /** WeCom-style: POST until a 200 (same body each time); resolves the statuses seen. */
  async function deliver(url, cb, pauseMs = 200, maxTries = 200) {
    const seen = [];
    for (let i = 0; i < maxTries; i++) {
      const r = await cl.postCallback(creds, typeof url === 'function' ? url() : url, cb);
      seen.push(r.status);
      if (r.status === 200) return seen;
      await sleep(pauseMs);
    }
    return seen;
  }

  before(async function () {
    redis = await rs.start();
    creds = cl.clusterCredentials();
    const { startSimulator } = require('../../dist/sandbox/simulator');
    sim = await startSimulator({ port: 0, ...creds, perUserPerMinute: 1e6 });
    env = { ...cl.wecomEnv(creds, sim.url), WECOM_STATE: 'redis', REDIS_URL: redis.url };
    const flows = clusterFlow();
    [A, B] = await Promise.all([cl.startInstance({ name: 'A', env, flows }), cl.startInstance({ name: 'B', env, flows })]);
    nodes.push(A, B);
    const { RedisStore } = require('../../dist/nodes/lib/state/backends/redis');
    admin = new RedisStore({ url: redis.url, instanceId: 'test-admin' });
    await admin.ready();
  });
  beforeEach(() => {
    run++;
  });
  after(async function () {
    this.timeout(30000);
    await Promise.all(nodes.map((n) => n.kill()));
    if (admin) await admin.close();
    if (sim) await sim.stop();
    if (redis) await redis.destroy();
    for (const n of nodes) fs.rmSync(n.userDir, { recursive: true, force: true });
  });

  it('100 concurrent messages across both instances → one gettoken, each answered once', async () => {
    const before = stats();
    const cbs = Array.from({ length: 100 }, (_, i) => cl.appTextCallback(creds, user('tok', i), '你好'));
    const statuses = await Promise.all(cbs.map((cb, i) => cl.postCallback(creds, (i % 2 ? B : A).url, cb)));
    assert.deepEqual([...new Set(statuses.map((s) => s.status))], [200]);
    await until(() => cbs.every((cb) => bot(cb.user).length >= 1), 'every user answered', 60000);
    await settled('token run');
    assert.equal(delta(before, 'gettoken'), 1, 'one access_token for both instances');
    assert.equal(delta(before, 'message/send'), 100);
    for (const cb of cbs) assert.equal(bot(cb.user).length, 1, cb.user);
  });

  it('callbacks alternated between the instances are each answered once', async () => {
    const before = stats();
    const cbs = Array.from({ length: 40 }, (_, i) => cl.appTextCallback(creds, user('alt', i), '你好'));
    for (let i = 0; i < cbs.length; i++) assert.equal((await cl.postCallback(creds, (i % 2 ? B : A).url, cbs[i])).status, 200);
    await until(() => cbs.every((cb) => bot(cb.user).length >= 1), 'every user answered', 60000);
    await settled('alternated');
    for (const cb of cbs) {
      assert.equal(bot(cb.user).length, 1, cb.user);
      assert.match(bot(cb.user)[0].text, GREETING);
    }
    assert.equal(delta(before, 'message/send'), 40, 'one send per message');
    assert.equal(delta(before, 'duplicatesSuppressed'), 0);
  });

  it('one callback posted to both instances at the same moment is processed once', async () => {
    const before = stats();
    const cbs = Array.from({ length: 30 }, (_, i) => cl.appTextCallback(creds, user('both', i), '你好'));
    const answers = await Promise.all(cbs.map((cb) => Promise.all([cl.postCallback(creds, A.url, cb), cl.postCallback(creds, B.url, cb)])));
    for (const pair of answers) assert.deepEqual(pair.map((r) => r.status), [200, 200]);
    await until(() => cbs.every((cb) => bot(cb.user).length >= 1), 'every user answered', 60000);
    await settled('posted twice');
    for (const cb of cbs) assert.equal(bot(cb.user).length, 1, cb.user);
    assert.equal(delta(before, 'message/send'), 30, 'one send per message, not two');
    assert.equal(delta(before, 'duplicatesSuppressed'), 0);
  });

  it('微信客服: callbacks alternated between the instances → each message pulled and answered once', async () => {
    const proxy = await cl.startProxy([A, B].map((n) => ({ host: '127.0.0.1', port: n.port })));
    sim.setCallbackUrl(`${proxy.url}/wecom/callback`);
    try {
      const users = Array.from({ length: 12 }, (_, i) => user('kf', i));
      for (const round of [0, 1]) {
        const said = await Promise.all(users.map((u) => sim.userSays({ channel: 'kf', userId: u, text: '你好' })));
        assert.ok(said.every((r) => r.status === 200));
        const answered = (u) => bot(u).filter((r) => GREETING.test(r.text)).length >= round + 1;
        await until(() => users.every(answered), `round ${round} answered`, 60000).catch((e) => {
          const st = sim.stats();
          throw new Error(`${e.message}: unanswered ${users.filter((u) => !answered(u)).join(' ')}; sync_msg ${st['kf/sync_msg']}, send_msg ${st['kf/send_msg']}`);
        });
      }
      await settled('kf');
      await sleep(1500); // a late duplicate pull would show up here
      for (const u of users) assert.equal(bot(u).filter((r) => GREETING.test(r.text)).length, 2, u);
    } finally {
      sim.setCallbackUrl('');
      await proxy.close();
    }
  });

  it('an agent connected through one instance gets a handoff made on the other; its reply goes out once', async () => {
    // One instance (the lease holder) serves the agents; the other pipes agents' sockets to it.
    const lead = await until(() => admin.get('bridge-leader:bridge'), 'a bridge leader', 30000);
    const [leader, follower] = lead.port === A.port ? [A, B] : [B, A];
    const ws = new WebSocket(`${follower.url.replace(/^http/, 'ws')}/wecom/ws?agent=ag1`, { headers: { Authorization: `Bearer ${creds.agentWsToken}` } });
    const frames = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      const u = user('agent', 0);
      assert.equal((await cl.postCallback(creds, leader.url, cl.appTextCallback(creds, u, '转人工'))).status, 200);
      const handoff = await until(() => frames.find((f) => f.type === 'handoff' && f.userId === u), 'the handoff frame at the agent', 30000);
      ws.send(JSON.stringify({ type: 'reply', conversationId: handoff.conversationId, text: '您好，我是客服小王' }));
      await until(() => bot(u).some((r) => r.text === '您好，我是客服小王'), 'the agent reply at the user', 30000);
      await settled('agent reply');
      await sleep(1000);
      assert.equal(bot(u).filter((r) => r.text === '您好，我是客服小王').length, 1);
    } finally {
      ws.close();
    }
  });

  it('an idle timeout fires once', async () => {
    const u = user('idle', 0);
    assert.equal((await cl.postCallback(creds, A.url, cl.appTextCallback(creds, u, '转人工'))).status, 200);
    await until(() => bot(u).some((r) => r.text === TIMEOUT_TEXT), 'the idle timeout message', 30000);
    // Both instances poll the shared timer queue; the timer is gone once taken, so nothing fires it again.
    await until(async () => (await admin.nextDue('handoff-timers:handoff')) === null, 'the timer queue to empty', 30000);
    await settled('idle');
    await sleep(5500); // one more poll period of both instances' timers
    await settled('idle, after a poll');
    assert.equal(bot(u).filter((r) => r.text === TIMEOUT_TEXT).length, 1);
  });

  it('Redis stopped for 10 s under load: callbacks get 5xx meanwhile, nothing acknowledged is lost, service resumes', async () => {
    const before = stats();
    const cbs = Array.from({ length: 60 }, (_, i) => cl.appTextCallback(creds, user('down', i), '你好'));
    const acked = new Set();
    const statuses = [];
    let next = 0;
    const senders = Array.from({ length: 4 }, async (_, w) => {
      while (next < cbs.length) {
        const cb = cbs[next++];
        const seen = await deliver((w % 2 ? B : A).url, cb, 250);
        statuses.push(...seen);
        if (seen.at(-1) === 200) acked.add(cb.user);
        await sleep(100);
      }
    });
    await until(() => acked.size >= 10, 'some messages acknowledged before the outage', 30000);
    await redis.stop();
    await sleep(10000);
    await redis.start();
    await Promise.all(senders);
    assert.ok(statuses.some((s) => s >= 500), `callbacks during the outage were refused with 5xx (saw ${[...new Set(statuses)]})`);
    assert.equal(acked.size, cbs.length, 'every message was acknowledged in the end (WeCom re-sends)');
    await until(() => cbs.every((cb) => bot(cb.user).length >= 1), 'every acknowledged message answered', 90000);
    await settled('after the outage');
    for (const cb of cbs) assert.equal(bot(cb.user).length, 1, cb.user);
    assert.ok(delta(before, 'message/send') >= cbs.length);
  });

  it('kill -9 of the instance that runs the agents\' hub: the new hub gets the conversation back before the user writes again', async () => {
    // A cluster of its own (key prefix wecom2:) with the bundled flow's own idle timeout, so the conversation
    // outlives the lease take-over (~10 s).
    const flows = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    for (const n of flows) if (n.type === 'wecom-in' || n.type === 'wecom-out') n.replayAfterSec = 2;
    const env2 = { ...env, WECOM_REDIS_PREFIX: 'wecom2:' };
    const pair = await Promise.all([cl.startInstance({ name: 'C', env: env2, flows }), cl.startInstance({ name: 'D', env: env2, flows })]);
    nodes.push(...pair);
    const { RedisStore } = require('../../dist/nodes/lib/state/backends/redis');
    const admin2 = new RedisStore({ url: redis.url, instanceId: 'test-admin2', prefix: 'wecom2:' });
    await admin2.ready();
    /** @type {import('ws')[]} */
    const sockets = [];
    try {
      const lead = /** @type {{ port: number }} */ (await until(() => admin2.get('bridge-leader:bridge'), 'a bridge leader', 30000));
      const [leader, follower] = lead.port === pair[0].port ? pair : [pair[1], pair[0]];
      /** Agent ag3 through the follower; resolves its frames. */
      const connect = () => admittedAgent(follower.url, { agent: 'ag3', token: creds.agentWsToken, sockets });
      const first = await connect();
      const u = user('hub', 0);
      assert.equal((await cl.postCallback(creds, follower.url, cl.appTextCallback(creds, u, '转人工'))).status, 200);
      const handoff = await until(() => first.frames.find((f) => f.type === 'handoff' && f.userId === u), 'the handoff frame at the agent', 30000);
      await leader.kill();
      // the follower takes the lease; the agent reconnects through it; the user writes nothing meanwhile
      const again = await connect();
      const text = '故障切换后客服仍在';
      let tries = 0;
      await until(
        () => {
          if (bot(u).some((r) => r.text === text)) return true;
          // until the new hub has the conversation back, it refuses the reply (an error naming the reply's id);
          // only then is it sent again: another error frame (or none yet) is no reason to send a second reply
          if (tries === 0 || again.frames.some((f) => f.type === 'error' && f.id === `r${tries}`)) {
            tries++;
            again.ws.send(JSON.stringify({ type: 'reply', id: `r${tries}`, conversationId: handoff.conversationId, text }));
          }
          return false;
        },
        'the agent reply after the fail-over at the user',
        40000,
      );
      await sleep(1000);
      assert.equal(bot(u).filter((r) => r.text === text).length, 1, 'the reply reached the user once');
    } finally {
      for (const ws of sockets) ws.terminate();
      await admin2.close();
      await Promise.all(pair.map((n) => n.kill()));
    }
  });

  it('kill -9 of one instance under load: everything it acknowledged is answered once by the other', async () => {
    const proxy = await cl.startProxy([A, B].map((n) => ({ host: '127.0.0.1', port: n.port })));
    try {
      const cbs = Array.from({ length: 150 }, (_, i) => cl.appTextCallback(creds, user('kill', i), '你好'));
      const acked = new Set();
      let next = 0;
      const senders = Array.from({ length: 6 }, async () => {
        while (next < cbs.length) {
          const cb = cbs[next++];
          const seen = await deliver(proxy.url, cb, 100);
          if (seen.at(-1) === 200) acked.add(cb.user);
        }
      });
      await until(() => acked.size >= 50, '50 messages acknowledged', 60000);
      await A.kill();
      await Promise.all(senders);
      assert.equal(acked.size, cbs.length, 'the proxy moved on to B');
      await until(() => cbs.every((cb) => bot(cb.user).length >= 1), 'every acknowledged message answered', 90000);
      await settled('after kill -9');
      const twice = cbs.filter((cb) => bot(cb.user).length !== 1).map((cb) => cb.user);
      assert.deepEqual(twice, [], 'each user got exactly one answer');
    } finally {
      await proxy.close();
    }
  });
});
