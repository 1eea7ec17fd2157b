'use strict';
// The event record as a flow output (wecom-events) and the one-line calls in the nodes: a FAQ miss, a FAQ
// answer and a keyword answer each leave exactly one event with its decision (entry id, score, band, rule).
const assert = require('node:assert/strict');
const { helper, load, until } = require('./helpers/runtime');
const eventsNode = require('../dist/nodes/wecom-events/wecom-events.js');
const faqNode = require('../dist/nodes/faq-lookup/faq-lookup.js');
const keywordNode = require('../dist/nodes/keyword-match/keyword-match.js');

const wecom = (user) => ({ channel: 'app', userId: user, msgType: 'text', msgId: `m-${user}`, conversationId: `app:ww1:1000002:${user}` });

describe('wecom-events: every decision as a message', function () {
  afterEach(() => helper.unload());

  it('outputs one event per decision of keyword-match and faq-lookup, filtered by type when asked', async function () {
    const flow = [
      { id: 'ev', type: 'wecom-events', wires: [['all']] },
      { id: 'evMiss', type: 'wecom-events', types: 'faq.miss', wires: [['misses']] },
      { id: 'kw', type: 'keyword-match', rules: [{ keywords: ['价格'], mode: 'contains', reply: '基础版 99 元/月' }], wires: [[], ['faq']] },
      { id: 'faq', type: 'faq-lookup', entries: [{ id: 'refund', question: '退款多久到账', answer: '1-3 个工作日' }], wires: [[], [], []] },
      { id: 'all', type: 'helper' },
      { id: 'misses', type: 'helper' },
    ];
    await load([eventsNode, faqNode, keywordNode], flow);
    const all = [];
    const misses = [];
    helper.getNode('all').on('input', (m) => all.push(m));
    helper.getNode('misses').on('input', (m) => misses.push(m));
    const kw = helper.getNode('kw');
    kw.receive({ payload: '价格多少', wecom: wecom('u1') });
    kw.receive({ payload: '退款多久到账', wecom: wecom('u2') });
    kw.receive({ payload: '能寄到火星吗', wecom: wecom('u3') });
    await until(() => all.length >= 3 && misses.length >= 1, 'three events');
    const byConv = (u) => all.filter((m) => m.payload.conversationId === `app:ww1:1000002:${u}`).map((m) => m.payload);
    const [k] = byConv('u1');
    assert.equal(k.type, 'keyword.hit');
    assert.equal(k.rule, 1);
    assert.equal(k.answered, true);
    const [a] = byConv('u2');
    assert.equal(a.type, 'faq.answer');
    assert.equal(a.faqId, 'refund');
    assert.equal(a.band, 'answer');
    assert.ok(a.score > 0.26);
    const [m] = byConv('u3');
    assert.equal(m.type, 'faq.miss');
    assert.equal(m.text, '能寄到火星吗');
    assert.equal(all.length, 3, 'each decision once');
    assert.deepEqual(misses.map((x) => [x.topic, x.payload.text]), [['faq.miss', '能寄到火星吗']]);
  });
});
