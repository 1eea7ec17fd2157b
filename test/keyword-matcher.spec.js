'use strict';
// keyword-match's matching and routing without Node-RED (lib/bot/keyword/matcher.ts).
const assert = require('node:assert/strict');
const { KeywordMatcher, parseRulesJson, flag } = require('../dist/nodes/lib/bot/keyword/matcher');
const { payloadText, noPayload } = require('../dist/nodes/lib/bot/text/msg-text');

/** @param {any} m */
const clone = (m) => JSON.parse(JSON.stringify(m));
/** @type {any[]} */
const RULES = [
  { keywords: ['发票'], mode: 'contains', reply: '发票在后台开具', label: 'invoice' },
  { keywords: ['价格', '多少钱'], mode: 'contains', reply: '' },
];

describe('keyword-matcher: keyword-match without Node-RED', function () {
  it('answer routing: a rule with a reply goes to "answered" with the reply, one without only tags "otherwise"', function () {
    const k = new KeywordMatcher({ rules: RULES, routing: 'answer' });
    assert.equal(k.error, null);
    const hits = k.match('发票怎么开');
    assert.deepEqual(hits, [{ port: 0, reply: '发票在后台开具', info: { rule: 1, keyword: '发票', mode: 'contains', label: 'invoice', source: 'rules' } }]);
    const msg = { payload: '发票怎么开' };
    const out = k.route(msg, hits, clone);
    assert.deepEqual(out, [[{ payload: '发票在后台开具', keyword: hits[0].info }], null]);

    const tag = k.route({ payload: '价格' }, k.match('价格'), clone);
    assert.equal(tag[0], null);
    assert.deepEqual(tag[1]?.map((m) => [m.payload, m.keyword?.rule]), [['价格', 2]]);
    assert.deepEqual(k.route({ payload: '你好' }, k.match('你好'), clone), [null, [{ payload: '你好' }]]);
  });

  it('matchAll in per-rule routing: each hit on its own output, copies taken before any reply is set', function () {
    const k = new KeywordMatcher({ rules: RULES, matchAll: 'true', routing: 'rules' });
    const hits = k.match('发票多少钱');
    assert.deepEqual(hits.map((h) => h.port), [0, 1]);
    const out = k.route({ payload: '发票多少钱' }, hits, clone);
    assert.deepEqual(out.map((o) => o && o.map((m) => m.payload)), [['发票在后台开具'], ['发票多少钱'], null]);
  });

  it('the extra set (file or msg.rules): JSON text or a list, its best rule after the node\'s own, a bad one keeps the last', function () {
    const k = new KeywordMatcher({ rules: RULES, rulesFile: ' rules.json ', routing: 'rules' });
    assert.equal(k.rulesFile, 'rules.json');
    assert.equal(k.extraLoaded, false);
    assert.deepEqual(k.layout.outputs, 4, 'two rules, the extra output, otherwise');
    k.setExtra(JSON.stringify({ rules: [{ keywords: ['退款'], mode: 'contains', reply: 'R' }] }));
    assert.deepEqual([k.extraLoaded, k.size], [true, 3]);
    assert.deepEqual(k.match('我要退款').map((h) => [h.port, h.reply, h.info.source, h.info.rule]), [[2, 'R', 'extra', 1]]);
    assert.throws(() => k.setExtra('{"nope": 1}'), /array of rules/);
    assert.throws(() => k.setExtra([{ keywords: ['/(/'], mode: 'regex' }]), /rule 1/);
    assert.equal(k.size, 3, 'the previous extra set stays');
  });

  it('rules that do not compile: the error is kept and every match throws it', function () {
    const k = new KeywordMatcher({ rules: /** @type {any[]} */ ([{ keywords: ['/(/'], mode: 'regex' }]) });
    assert.ok(k.error);
    assert.throws(() => k.match('x'), (e) => e === k.error);
  });

  it('unwired rule outputs are named by port and label', function () {
    const k = new KeywordMatcher({ rules: RULES, routing: 'rules' });
    assert.deepEqual(k.unwired([['a'], [], ['b']]), ['2 (2: 价格 / 多少钱)']);
    assert.deepEqual(new KeywordMatcher({ rules: RULES, routing: 'answer' }).unwired([[], ['b']]), ['1 (answered)']);
  });

  it('helpers: flags, rules JSON, payload text', function () {
    assert.deepEqual([flag(true), flag('true'), flag('false'), flag(undefined)], [true, true, false, false]);
    assert.deepEqual(parseRulesJson('[{"keywords":["a"],"mode":"exact"}]'), [{ keywords: ['a'], mode: 'exact' }]);
    assert.deepEqual([payloadText('x'), payloadText(undefined), payloadText(null), payloadText(12)], ['x', '', '', '12']);
    assert.deepEqual([noPayload(''), noPayload(null), noPayload(undefined), noPayload(0), noPayload(' ')], [true, true, true, false, false]);
  });
});
