'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, load, sleep, until } = require('./helpers/runtime');
const kwMod = require('../dist/nodes/keyword-match/keyword-match.js');
const { compileRules, RuleError } = require('../dist/nodes/lib/bot/keyword/rules');

/** @type {import('../dist/nodes/lib/bot/keyword/rules').KeywordRule[]} */
const RULES = [
  { keywords: ['人工', '转人工'], mode: 'word', exclude: ['不用转人工'], label: 'human' },
  { keywords: ['客服'], mode: 'word', exclude: ['客服电话'] },
  { keywords: ['价格', '费用'], mode: 'contains', reply: '基础版 99 元/月' },
];

function flow(extra, nOut) {
  const n = nOut || RULES.length + 1;
  const wires = [];
  for (let i = 0; i < n; i++) wires.push(['o' + i]);
  const nodes = [{ id: 'tab1', type: 'tab' },
    Object.assign({ id: 'k1', z: 'tab1', type: 'keyword-match', rules: RULES, wires }, extra || {})];
  for (let i = 0; i < n; i++) nodes.push({ id: 'o' + i, z: 'tab1', type: 'helper' });
  return nodes;
}

/** Collect which helper node receives each message during `fn`. */
async function route(k, payloads, n) {
  const got = [];
  for (let i = 0; i < n; i++) helper.getNode('o' + i).on('input', (m) => got.push({ out: i, msg: m }));
  for (const p of payloads) k.receive({ payload: p, wecom: { conversationId: 'c1' } });
  await sleep(50);
  return got;
}

describe('keyword rules (lib)', function () {
  it('matches each mode', function () {
    const c = compileRules([
      { keywords: ['价格'], mode: 'contains' },
      { keywords: ['你好'], mode: 'exact' },
      { keywords: ['订单'], mode: 'startsWith' },
      { keywords: ['人工'], mode: 'word' },
      { keywords: ['/^\\d{6}$/'], mode: 'regex' },
    ]);
    const first = (t) => (c.match(t)[0] || {}).ruleIndex;
    assert.equal(first('请问价格多少'), 0);
    assert.equal(first('你好'), 1);
    assert.equal(first('你好啊'), undefined);
    assert.equal(first('订单号123'), 2);
    assert.equal(first('我的订单'), undefined);
    assert.equal(first('转人工'), 3);
    assert.equal(first('123456'), 4);
    assert.equal(first('1234567'), undefined);
  });
  it('normalises full-width, case, traditional characters and emoji codes', function () {
    const c = compileRules([{ keywords: ['价格', 'api'], mode: 'contains' }]);
    assert.equal(c.match('請問價格[捂脸]').length, 1);
    assert.equal(c.match('ＡＰＩ怎么用').length, 1);
  });
  it('人工智能 / 人工费 / 客服电话 do not trigger 人工 / 客服 word rules', function () {
    const c = compileRules(RULES);
    assert.deepEqual(c.match('人工智能是什么'), []);
    assert.deepEqual(c.match('人工费多少'), []);
    assert.deepEqual(c.match('客服电话是多少'), []);
    assert.equal(c.match('我要找客服')[0].ruleIndex, 1);
    assert.deepEqual(c.match('不用转人工了'), []);
  });
  it('excludes accept /regex/', function () {
    const c = compileRules([{ keywords: ['退款'], mode: 'contains', exclude: ['/不.{0,2}退款/'] }]);
    assert.equal(c.match('我要退款').length, 1);
    assert.equal(c.match('不用退款了').length, 0);
  });
  it('returns all matches in priority order when asked', function () {
    const c = compileRules(RULES);
    assert.deepEqual(c.match('转人工 价格', { all: true }).map((m) => m.ruleIndex), [0, 2]);
    assert.deepEqual(c.match('转人工 价格').map((m) => m.ruleIndex), [0]);
  });
  it('a bad regex throws RuleError with the rule index', function () {
    assert.throws(() => compileRules([{ keywords: ['a'], mode: 'contains' }, { keywords: ['(('], mode: 'regex' }]),
      (e) => e instanceof RuleError && e.ruleIndex === 1);
  });
});

describe('keyword-match node', function () {
  afterEach(() => helper.unload());

  it('routes to the rule output, sets the reply, msg.keyword, keeps msg.wecom; otherwise last', async function () {
    await load(kwMod, flow());
    const got = await route(helper.getNode('k1'), ['价格多少', '人工智能是什么', '转人工'], 4);
    const price = got.find((g) => g.out === 2);
    assert.equal(price.msg.payload, '基础版 99 元/月');
    assert.deepEqual([price.msg.keyword.rule, price.msg.keyword.keyword, price.msg.keyword.mode], [3, '价格', 'contains']);
    assert.equal(price.msg.wecom.conversationId, 'c1');
    assert.equal(got.find((g) => g.out === 3).msg.payload, '人工智能是什么');
    assert.equal(got.find((g) => g.out === 0).msg.payload, '转人工');
    assert.equal(got.length, 3);
  });

  it("a tap on faq-lookup's did-you-mean menu matches no rule; another menu's tap is matched as text", async function () {
    await load(kwMod, flow());
    const got = [];
    for (let i = 0; i < 4; i++) helper.getNode('o' + i).on('input', (m) => got.push({ out: i, msg: m }));
    const k = helper.getNode('k1');
    k.receive({ payload: '价格多少', wecom: { conversationId: 'c1', menuId: 'faq_0a1b2c3d4e_1' } });
    k.receive({ payload: '价格多少', wecom: { conversationId: 'c1', menuId: 'price_menu_1' } });
    await until(() => got.length === 2, 'both messages routed');
    const tap = got.find((g) => g.msg.wecom.menuId.startsWith('faq_'));
    const other = got.find((g) => g.msg.wecom.menuId.startsWith('price_'));
    assert.deepEqual([tap?.out, tap?.msg.payload, tap?.msg.keyword], [3, '价格多少', undefined], 'passed on unchanged');
    assert.deepEqual([other?.out, other?.msg.payload], [2, '基础版 99 元/月']);
  });

  it('all matches sends a copy per matching rule', async function () {
    await load(kwMod, flow({ matchAll: true }));
    const got = await route(helper.getNode('k1'), ['转人工 价格'], 4);
    assert.deepEqual(got.map((g) => g.out).sort(), [0, 2]);
    assert.equal(got.find((g) => g.out === 0).msg.payload, '转人工 价格');
  });

  it('keeps wires when rules are reordered or deleted (editor outputs map)', async function () {
    // the editor turns {old port: new port} into rewired wires; simulate it like the switch tests do
    const oldWires = [['human'], ['agent'], ['price'], ['other']];
    const map = { 0: 1, 1: -1, 2: 0, 3: 2 }; // price moved first, 客服 rule deleted
    const wires = [];
    for (const [o, n] of Object.entries(map)) if (n >= 0) wires[n] = oldWires[o];
    const rules = [RULES[2], RULES[0]];
    await load(kwMod, [{ id: 'tab1', type: 'tab' },
      { id: 'k1', z: 'tab1', type: 'keyword-match', rules, outputs: 3, wires },
      { id: 'human', z: 'tab1', type: 'helper' }, { id: 'price', z: 'tab1', type: 'helper' }, { id: 'other', z: 'tab1', type: 'helper' }]);
    const seen = [];
    for (const id of ['human', 'price', 'other']) helper.getNode(id).on('input', (m) => seen.push([id, m.payload]));
    const k = helper.getNode('k1');
    k.receive({ payload: '转人工' });
    k.receive({ payload: '费用多少' });
    k.receive({ payload: '我要找客服' });
    await sleep(50);
    assert.deepEqual(seen.sort(), [['human', '转人工'], ['other', '我要找客服'], ['price', '基础版 99 元/月']].sort());
  });

  it('a bad rule gives a red status and a catchable error, not a crash', async function () {
    await load(kwMod, [{ id: 'tab1', type: 'tab' },
      { id: 'k1', z: 'tab1', type: 'keyword-match', rules: [{ keywords: ['(('], mode: 'regex' }], wires: [[], []] },
      { id: 'c1', z: 'tab1', type: 'catch', scope: null, uncaught: false, wires: [['h1']] },
      { id: 'h1', z: 'tab1', type: 'helper' }]);
    const caught = new Promise((r) => helper.getNode('h1').on('input', r));
    helper.getNode('k1').receive({ payload: 'x' });
    const m = await caught;
    assert.match(m.error.message, /rule 1/);
  });

  it('loads rules from a JSON file and reloads it when it changes', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-'));
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, JSON.stringify([{ keywords: ['发票'], mode: 'contains', reply: 'A' }]));
    await load(kwMod, flow({ rules: [], rulesFile: file }, 2));
    const k = helper.getNode('k1');
    let got = await route(k, ['发票怎么开'], 2);
    assert.equal(got[0].out, 0);
    assert.equal(got[0].msg.payload, 'A');
    await sleep(1100);
    fs.writeFileSync(file, JSON.stringify([{ keywords: ['退款'], mode: 'contains', reply: 'B' }, { keywords: ['发票'], mode: 'contains', reply: 'C' }]));
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      await sleep(100);
      const g = [];
      const h = (m) => g.push(m.payload);
      helper.getNode('o0').on('input', h);
      k.receive({ payload: '发票怎么开' });
      await sleep(20);
      helper.getNode('o0').removeListener('input', h);
      ok = g[0] === 'C';
    }
    assert.ok(ok, 'reloaded rules were used');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('routing "answer": one answered output for every rule with a reply, otherwise for the rest', async function () {
    await load(kwMod, flow({ routing: 'answer' }, 2));
    const got = await route(helper.getNode('k1'), ['价格多少', '人工智能是什么', '转人工'], 2);
    assert.deepEqual(got.map((g) => [g.out, g.msg.payload]), [[0, '基础版 99 元/月'], [1, '人工智能是什么'], [1, '转人工']]);
    assert.equal(got[0].msg.keyword.label, undefined);
    assert.equal(got[0].msg.keyword.keyword, '价格');
    assert.equal(got[0].msg.wecom.conversationId, 'c1');
    assert.equal(got[1].msg.keyword, undefined, 'no rule matched');
    assert.equal(got[2].msg.keyword.label, 'human', 'a rule without a reply tags the message and lets it continue');
  });

  it('routing "answer" keeps its two outputs when a rule is added (a new rule answers on the same wire)', async function () {
    const rules = RULES.concat([{ keywords: ['发票'], mode: 'contains', reply: '发票在后台申请' }]);
    await load(kwMod, flow({ routing: 'answer', rules }, 2));
    const got = await route(helper.getNode('k1'), ['发票怎么开'], 2);
    assert.deepEqual(got.map((g) => [g.out, g.msg.payload, g.msg.keyword.rule]), [[0, '发票在后台申请', 4]]);
  });

  it('a node saved without the routing option keeps one output per rule (old flows keep their wiring)', async function () {
    await load(kwMod, flow());
    const got = await route(helper.getNode('k1'), ['我要找客服', '费用'], 4);
    assert.deepEqual(got.map((g) => g.out), [1, 2]);
  });

  it('an unwired rule output is logged once at start, naming the output', async function () {
    const wires = [['o0'], [], ['o2'], ['o3']];
    await load(kwMod, flow({ wires }));
    const warns = () => helper.log().args.filter((a) => a[0] && a[0].level === helper.log().WARN && a[0].id === 'k1').map((a) => String(a[0].msg));
    assert.equal(warns().length, 1);
    assert.match(warns()[0], /2 \(2: 客服\)/);
    await route(helper.getNode('k1'), ['我要找客服', '我要找客服'], 4);
    assert.equal(warns().length, 1, 'not repeated per message');
  });

  it('a fully wired node logs no warning', async function () {
    await load(kwMod, flow({ routing: 'answer' }, 2));
    assert.deepEqual(helper.log().args.filter((a) => a[0] && a[0].level === helper.log().WARN && a[0].id === 'k1'), []);
  });

  it('msg.rules replaces the extra rule set', async function () {
    await load(kwMod, flow({ rules: [], msgRules: true }, 2));
    const k = helper.getNode('k1');
    k.receive({ rules: [{ keywords: ['退款'], mode: 'word', reply: 'R' }] });
    const got = await route(k, ['我要退款', '你好'], 2);
    assert.deepEqual(got.map((g) => [g.out, g.msg.payload]), [[0, 'R'], [1, '你好']]);
  });
});

describe('normalise fast path', function () {
  const fc = require('fast-check');
  const { normalise, normaliseReference } = require('../dist/nodes/lib/bot/text/normalise');
  it('equals the whole-string reference (NFKC, regexes) on mixed text', function () {
    const pool = Array.from('abcXYZ09 ,.!?　，。！？、“”（）［］[]【】_-~ 請問價格錢费用发票退款人工智能ＡＢＣ１２３ｶﾞé\u0301ΣΑΣϹİ가ㄱㅏ\u1100\u1161😀👍🏻\u200d\ufe0f❤™©①㎏🈲\t\n[捂脸][Smile][OK][a b]微笑𠀀\u0000\ufdd0');
    const arb = fc.array(fc.oneof(fc.constantFrom(...pool), fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c))), { maxLength: 24 })
      .map((a) => a.join(''));
    fc.assert(fc.property(arb, (s) => normalise(s) === normaliseReference(s)), { numRuns: 3000 });
    for (const s of ['請問價格[捂脸]', 'ＡＰＩ怎么用', '  a  b  ', 'x[OK😀]y', '转人工', '']) assert.equal(normalise(s), normaliseReference(s));
  });
});
