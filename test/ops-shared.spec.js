'use strict';
// The ops numbers of several instances on one Redis (nodes/lib/ops/shared-rollup.ts): each instance publishes
// the hours it changed; reading from any of them merges the others' hours into its own.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rs = require('./helpers/redis-server');
const { until, sleep } = require('./helpers/runtime');
const { OpsLog } = require('../dist/nodes/lib/ops/log');
const { SharedRollup } = require('../dist/nodes/lib/ops/shared-rollup');
const { HOUR_MS } = require('../dist/nodes/lib/ops/rollup');

const T0 = Date.UTC(2026, 10, 28, 8, 10, 0);

describe('ops: shared rollups on one Redis', function () {
  this.timeout(20000);
  if (rs.missing()) return;
  let redis;
  let store;
  const clock = { t: T0 };
  const now = () => clock.t;

  before(async () => {
    redis = await rs.start();
    const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');
    store = new RedisStore({ url: redis.url, instanceId: 'ops-shared', prefix: 'opsx:' });
    await store.ready();
  });
  // each test a day later: the sources of earlier tests are out of its range
  let day = 0;
  beforeEach(() => {
    clock.t = T0 + day++ * 86_400_000;
  });
  after(async () => {
    if (store) await store.close();
    if (redis) await redis.destroy();
  });

  /** One instance: its record (memory only) and its sharer. */
  const instance = () => {
    const log = new OpsLog({ dir: null, now });
    return { log, shared: new SharedRollup(store, { source: log.source, retentionDays: 30, now }) };
  };
  /** The unpaired channel is subscribed once a probe on it comes back (publishes on one channel arrive in order). */
  const subscribed = async (offs) => {
    const probes = [];
    offs.push(store.subscribe('ops-unpaired', (m) => probes.push(m)));
    await until(async () => {
      await store.publish('ops-unpaired', { source: 'probe' });
      await sleep(20);
      return probes.length > 0;
    }, 'the channel subscribed', 5000);
  };
  /** Two instances that share and adopt each other's unpaired replies, once the channel is subscribed. */
  const pairedInstances = async () => {
    const a = instance();
    const b = instance();
    const offs = [a, b].map((x) => {
      x.shared.shareUnpaired(x.log.rollup);
      return SharedRollup.adoptUnpaired(store, () => ({ source: x.log.source, rollup: x.log.rollup }));
    });
    await subscribed(offs);
    return { a, b, offs };
  };
  const miss = (log, conv, text) => {
    log.record('message.in', { conversationId: conv, text });
    log.record('faq.miss', { conversationId: conv, text, score: 0.1 });
  };

  it('either instance reads the sum of both: counts, unanswered questions, waits, agents and disputes', async () => {
    const a = instance();
    const b = instance();
    miss(a.log, 'c1', '发票怎么开');
    miss(a.log, 'c2', '能开专票吗');
    miss(b.log, 'c3', '发票怎么开');
    b.log.record('handoff', { conversationId: 'c3', reason: 'keyword' });
    clock.t += 30_000;
    b.log.record('assigned', { conversationId: 'c3', agentId: 'alice' });
    b.log.record('closed', { conversationId: 'c3', agentId: 'alice', by: 'agent' });
    a.log.record('faq.answer', { conversationId: 'c4', faqId: 'f1', band: 'answer', text: '营业时间', answer: '9 点到 18 点' });
    a.log.record('message.in', { conversationId: 'c4', text: '答非所问' });
    assert.equal(await a.shared.publish(a.log.rollup), 1, 'one hour changed on A');
    assert.equal(await b.shared.publish(b.log.rollup), 1);
    assert.equal(await b.shared.publish(b.log.rollup), 0, 'nothing changed since: nothing written');

    const from = clock.t - HOUR_MS;
    const to = clock.t + HOUR_MS;
    for (const me of [a, b]) {
      const name = me === a ? 'A' : 'B';
      const view = await me.shared.view(me.log.rollup, from, to);
      const s = view.summary(from, to);
      assert.equal(s.totals.in, 4, `${name}: messages of both`);
      assert.equal(s.totals.miss, 3, name);
      assert.equal(s.totals.handoff, 1, name);
      assert.equal(s.wait.count, 1, name);
      const un = view.unansweredIn(from, to).sort((x, y) => y.count - x.count);
      assert.deepEqual(un.map((u) => [u.text, u.count]), [['发票怎么开', 2], ['能开专票吗', 1]], name);
      assert.deepEqual(view.agentsIn(from, to).map((x) => [x.agentId, x.handled]), [['alice', 1]], name);
      assert.deepEqual(view.disputedIn(from, to).map((d) => d.reply), ['答非所问'], name);
    }
    // reading never changes an instance's own numbers
    assert.equal(a.log.summary(from, to).totals.in, 3);
    assert.equal(b.log.summary(from, to).totals.in, 1);
  });

  it('a wait whose handoff was recorded on one instance and its assignment on the other counts once', async () => {
    const a = instance();
    const b = instance();
    const queuedAt = clock.t;
    a.log.record('handoff', { conversationId: 'w1', reason: 'keyword' });
    clock.t += 45_000;
    b.log.record('assigned', { conversationId: 'w1', agentId: 'bob', queuedAt });
    await a.shared.publish(a.log.rollup);
    await b.shared.publish(b.log.rollup);
    const from = clock.t - HOUR_MS;
    const to = clock.t + HOUR_MS;
    const s = (await a.shared.view(a.log.rollup, from, to)).summary(from, to);
    assert.equal(s.wait.count, 1);
    const p50 = Number(s.wait.p50);
    assert.ok(p50 >= 45_000 && p50 <= 45_000 * 1.2, String(p50));
  });

  it('a reply on one instance disputing an answer given on the other is paired there (FAQ and AI answers)', async () => {
    const { a, b, offs } = await pairedInstances();
    try {
      a.log.record('faq.answer', { conversationId: 'p1', faqId: 'f7', band: 'answer', text: '怎么退款', answer: '在订单页申请' });
      a.log.record('ai.answer', { conversationId: 'p2', text: '能开发票吗' });
      b.log.record('message.in', { conversationId: 'p1', text: '答非所问' });
      b.log.record('message.in', { conversationId: 'p2', text: '不对，我要人工' });
      b.log.record('message.in', { conversationId: 'p3', text: '谢谢' });
      const from = clock.t - HOUR_MS;
      const to = clock.t + HOUR_MS;
      await until(() => a.log.rollup.disputedIn(from, to).length === 1 && a.log.summary(from, to).totals.aiDisputed === 1, 'the disputes paired on A', 5000);
      assert.deepEqual(
        a.log.rollup.disputedIn(from, to).map((d) => [d.question, d.faqId, d.answer, d.reply]),
        [['怎么退款', 'f7', '在订单页申请', '答非所问']],
      );
      assert.equal(a.log.summary(from, to).totals.in ?? 0, 0, 'the message is counted where it was handled');
      await a.shared.publish(a.log.rollup);
      await b.shared.publish(b.log.rollup);
      const view = await b.shared.view(b.log.rollup, from, to);
      assert.equal(view.disputedIn(from, to).length, 1, 'B\'s ops view shows it');
      assert.equal(view.summary(from, to).totals.in, 3);
      // the answer was disputed once: a second 不对 pairs with nothing (the next dispute, published after it, does)
      b.log.record('message.in', { conversationId: 'p1', text: '不对' });
      a.log.record('faq.answer', { conversationId: 'p4', faqId: 'f8', band: 'answer', text: '几点发货', answer: '下午四点' });
      b.log.record('message.in', { conversationId: 'p4', text: '没用' });
      await until(() => a.log.rollup.disputedIn(from, to).length >= 2, 'the second dispute', 5000);
      assert.deepEqual(a.log.rollup.disputedIn(from, to).map((d) => d.reply).sort(), ['没用', '答非所问']);
    } finally {
      for (const off of offs) off();
    }
  });

  it('a did-you-mean list offered on one instance and picked from on the other is never counted declined', async () => {
    const { a, b, offs } = await pairedInstances();
    try {
      const from = clock.t - HOUR_MS;
      const to = clock.t + HOUR_MS;
      a.log.record('faq.suggest', { conversationId: 's1', faqIds: ['f1', 'f2'], band: 'suggest', text: '怎么开票' });
      a.log.record('faq.suggest', { conversationId: 's2', faqIds: ['f3', 'f4'], band: 'suggest', text: '几时到货' });
      a.log.record('faq.suggest', { conversationId: 's3', faqIds: ['f5', 'f6'], band: 'suggest', text: '怎么退货' });
      b.log.record('faq.answer', { conversationId: 's1', faqId: 'f2', band: 'picked', text: '2' });
      b.log.record('faq.answer', { conversationId: 's2', faqId: 'f3', band: 'picked', text: '1' });
      await until(() => Object.keys(a.log.rollup.toJSON().suggested).join() === 's3', 'the picks adopted on A', 5000);
      // the user's next questions on A: s1's list was picked from (on B), s3's was declined
      a.log.record('faq.miss', { conversationId: 's1', text: '还有别的问题' });
      a.log.record('faq.miss', { conversationId: 's3', text: '都不是' });
      assert.equal(a.log.summary(from, to).totals.declined, 1, 'only the list no one picked from');
    } finally {
      for (const off of offs) off();
    }
  });

  it('an hour changed after a publish is written again; a failed publish is retried', async () => {
    const a = instance();
    const b = instance();
    miss(a.log, 'd1', '退货地址');
    await a.shared.publish(a.log.rollup);
    miss(a.log, 'd2', '退货地址');
    const from = clock.t - HOUR_MS;
    const to = clock.t + HOUR_MS;
    assert.equal((await b.shared.view(b.log.rollup, from, to)).summary(from, to).totals.miss, 1, 'B sees what A published');
    const down = Object.assign(Object.create(store), { update: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) });
    const broken = new SharedRollup(down, { source: a.log.source, retentionDays: 30, now });
    await assert.rejects(broken.publish(a.log.rollup), /down/);
    await a.shared.publish(a.log.rollup);
    assert.equal((await b.shared.view(b.log.rollup, from, to)).summary(from, to).totals.miss, 2, 'the hour written after the failure');
  });

  it('live gauges of the others, while they renew them', async () => {
    const a = instance();
    const b = instance();
    await a.shared.publishLive({ agentsOnline: 2, queued: 1, groups: {} }, 60_000);
    const seen = await b.shared.othersLive();
    assert.ok(seen.some((g) => g.agentsOnline === 2 && g.queued === 1));
    assert.equal((await a.shared.othersLive()).some((g) => g.agentsOnline === 2), false, 'not its own');
  });

  it('a record on disk keeps its source across restarts (its hours are replaced, not counted twice)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-src-'));
    try {
      const first = new OpsLog({ dir, now });
      first.close();
      const again = new OpsLog({ dir, now });
      again.close();
      assert.equal(again.source, first.source);
      assert.match(first.source, /^[0-9a-f]{16}$/);
      assert.notEqual(new OpsLog({ dir: null, now }).source, new OpsLog({ dir: null, now }).source);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
