'use strict';
// The ops view's supervisor parts, pure: per agent today (handled, first-response median, satisfaction),
// disputed bot answers (不对 / 没用 / 转人工 right after an FAQ answer), and an unanswered list without
// events or cancel words, with rows already added to a KB marked.
const assert = require('node:assert/strict');
const { OpsLog } = require('../dist/nodes/lib/ops/log');
const { Rollup } = require('../dist/nodes/lib/ops/rollup');
const { makeEvent } = require('../dist/nodes/lib/ops/event');
const { isDispute } = require('../dist/nodes/lib/ops/disputes');
const { cancelWords, knownQuestions, opsSummary } = require('../dist/nodes/lib/ops/ops-api');
const { superviseRequest } = require('../dist/nodes/lib/bridge/supervise');

const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);

/** @param {Rollup} r */
const feeder = (r) => (/** @type {string} */ type, /** @type {Record<string, unknown>} */ f, dt = 0) => {
  const e = makeEvent(type, f, T0 + dt);
  assert.ok(e, type);
  r.add(e);
};

describe('ops: per agent today', function () {
  it('handled, median first response and ratings per agent', function () {
    const r = new Rollup();
    const ev = feeder(r);
    ev('assigned', { conversationId: 'c1', agentId: 'alice' }, 0);
    ev('reply', { conversationId: 'c1', agentId: 'alice' }, 10_000);
    ev('reply', { conversationId: 'c1', agentId: 'alice' }, 50_000); // not a first response
    ev('closed', { conversationId: 'c1', agentId: 'alice', by: 'agent' }, 60_000);
    ev('rating', { conversationId: 'c1', agentId: 'alice', score: 1 }, 70_000);
    ev('assigned', { conversationId: 'c2', agentId: 'alice' }, 0);
    ev('reply', { conversationId: 'c2', agentId: 'alice' }, 30_000);
    ev('closed', { conversationId: 'c2', agentId: 'alice', by: 'timeout' }, 90_000);
    ev('rating', { conversationId: 'c2', agentId: 'alice', score: 4 }, 95_000);
    ev('assigned', { conversationId: 'c3', agentId: 'bob' }, 0);
    ev('closed', { conversationId: 'c3', agentId: 'bob', by: 'supervisor' }, 5_000);
    ev('rating', { conversationId: 'c3', agentId: 'bob', score: 9 }, 6_000); // not a score
    const rows = r.agentsIn(T0, T0 + 3_600_000);
    assert.deepEqual(rows.map((a) => [a.agentId, a.handled, a.rated, a.ratings]), [['alice', 2, 2, [1, 0, 0, 1]], ['bob', 1, 0, [0, 0, 0, 0]]]);
    const alice = rows[0];
    assert.equal(alice.firstCount, 2);
    assert.ok(alice.firstP50 !== null && alice.firstP50 >= 10_000 && alice.firstP50 <= 12_000, `median of 10 s and 30 s as the lower bin: ${alice.firstP50}`);
    assert.equal(alice.satisfied, 0.5);
    assert.equal(rows[1].satisfied, null);
    const again = Rollup.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(again.agentsIn(T0, T0 + 3_600_000), rows, 'kept in the saved index');
  });
});

describe('ops: disputed answers', function () {
  it('a 不对 / 转人工 right after an FAQ answer is recorded with the question and the answer; later replies are not', function () {
    const r = new Rollup();
    const ev = feeder(r);
    ev('message.in', { conversationId: 'c1', text: '怎么退款' }, 0);
    ev('faq.answer', { conversationId: 'c1', faqId: 'refund', text: '怎么退款', answer: '在订单页申请退款', band: 'answer' }, 1);
    ev('message.in', { conversationId: 'c1', text: '不对！' }, 2);
    ev('message.in', { conversationId: 'c1', text: '没用' }, 3); // no answer right before it
    ev('message.in', { conversationId: 'c2', text: '发票' }, 4);
    ev('faq.answer', { conversationId: 'c2', faqId: 'inv', text: '发票', band: 'answer' }, 5);
    ev('message.in', { conversationId: 'c2', text: '谢谢' }, 6);
    ev('message.in', { conversationId: 'c2', text: '转人工' }, 7);
    ev('faq.answer', { conversationId: 'c3', faqId: 'hours', text: '几点上班', band: 'answer' }, 8);
    ev('message.in', { conversationId: 'c3', text: '答非所问' }, 9);
    const d = r.disputedIn(T0, T0 + 3_600_000);
    assert.deepEqual(d.map((x) => [x.question, x.faqId, x.reply]), [['几点上班', 'hours', '答非所问'], ['怎么退款', 'refund', '不对！']]);
    assert.equal(d[1].answer, '在订单页申请退款');
    assert.equal(isDispute('我要人工'), true);
    assert.equal(isDispute('不对的话怎么办'), false, 'a question that starts with 不对 is not a dispute');
  });
});

describe('ops: unanswered without noise', function () {
  it('drops [event:…] and cancel words, marks groups a KB already has; the summary carries agents and disputes', function () {
    const log = new OpsLog({ dir: null, now: () => T0 + 60_000 });
    log.record('faq.miss', { conversationId: 'c1', text: '[event:enter_session]', ts: T0 });
    log.record('faq.miss', { conversationId: 'c2', text: '取消人工', ts: T0 });
    log.record('faq.miss', { conversationId: 'c3', text: '发票怎么开', ts: T0 });
    log.record('faq.miss', { conversationId: 'c4', text: '运费多少', ts: T0 });
    log.record('assigned', { conversationId: 'c5', agentId: 'alice', ts: T0 });
    log.record('closed', { conversationId: 'c5', agentId: 'alice', by: 'agent', ts: T0 + 1000 });
    const ignore = cancelWords([{ type: 'handoff', cancelWords: '' }, { type: 'faq-lookup' }]);
    assert.ok(ignore.has('取消人工'), 'the defaults when blank');
    assert.deepEqual([...cancelWords([{ type: 'handoff', cancelWords: '算了\n/^不要了$/' }])], ['算了'], 'regular expressions left out');
    const known = knownQuestions([{ id: 'f', name: 'kb', kbFile: null, full: null, entries: [{ id: 'inv', question: '如何开发票', alternates: ['发票怎么开'] }] }]);
    const s = /** @type {any} */ (opsSummary(log, T0, T0 + 3_600_000, {}, { ignore, known }));
    const byLabel = Object.fromEntries(s.unanswered.map((g) => [g.label, g]));
    assert.deepEqual(Object.keys(byLabel).sort(), ['发票怎么开', '运费多少']);
    assert.equal(byLabel['发票怎么开'].added, 'inv');
    assert.equal(byLabel['运费多少'].added, undefined);
    assert.deepEqual(s.agents.map((a) => a.agentId), ['alice']);
    assert.deepEqual(s.disputed, []);
  });
});

describe('ops: supervise request', function () {
  it('accepts close and reassign with an agent id; anything else is a 400 reason', function () {
    assert.deepEqual(superviseRequest({ op: 'close', conversationId: 'c1' }), { ok: true, act: { op: 'close', conversationId: 'c1' } });
    assert.deepEqual(superviseRequest({ op: 'reassign', conversationId: 'c1', to: 'bob' }), { ok: true, act: { op: 'reassign', conversationId: 'c1', to: 'bob' } });
    assert.equal(superviseRequest({ op: 'reassign', conversationId: 'c1', to: 'b o b' }).ok, false);
    assert.equal(superviseRequest({ op: 'delete', conversationId: 'c1' }).ok, false);
    assert.equal(superviseRequest(null).ok, false);
  });
});
