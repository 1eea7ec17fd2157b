'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, load, sleep, firstOutput } = require('./helpers/runtime');
const faqMod = require('../dist/nodes/faq-lookup/faq-lookup.js');
const { FaqIndex } = require('../dist/nodes/lib/bot/faq/search-index');
const { REFUND_KB } = require('./helpers/fixtures');

const KB = REFUND_KB;

function flow(extra) {
  return [{ id: 'tab1', type: 'tab' },
    Object.assign({ id: 'f1', z: 'tab1', type: 'faq-lookup', entries: KB, wires: [['a'], ['s'], ['m']] }, extra || {}),
    { id: 'a', z: 'tab1', type: 'helper' }, { id: 's', z: 'tab1', type: 'helper' }, { id: 'm', z: 'tab1', type: 'helper' }];
}

function next() {
  return firstOutput(['a', 's', 'm']);
}

async function ask(payload, conv) {
  const p = next();
  helper.getNode('f1').receive({ payload, topic: conv || 'conv1', wecom: { conversationId: conv || 'conv1' } });
  return p;
}

describe('FAQ index (lib)', function () {
  it('understands synonyms and traditional characters', function () {
    const idx = new FaqIndex(KB);
    assert.equal(idx.search('價錢多少').best?.id, 'p');
    const refund = idx.search('退钱要几天才能到帐').best;
    assert.equal(refund?.id, 't');
    assert.ok(refund);
    assert.ok(refund.score > /** @type {Array<{ score: number }>} */ (idx.search('今天天气').candidates).concat([{ score: 0 }])[0].score);
  });
});

describe('faq-lookup node', function () {
  afterEach(() => helper.unload());

  it('answers above the threshold, keeping msg.wecom', async function () {
    await load(faqMod, flow());
    const r = await ask('请问怎么开发票');
    assert.equal(r.out, 'a');
    assert.equal(r.msg.payload, 'INVOICE');
    assert.equal(r.msg.faq.id, 'i');
    assert.ok(r.msg.faq.confidence >= 0.3);
    assert.ok(Array.isArray(r.msg.faq.candidates));
    assert.equal(r.msg.wecom.conversationId, 'conv1');
  });

  it('misses with msg.faq.score on unrelated messages', async function () {
    await load(faqMod, flow());
    const r = await ask('附近有什么好吃的');
    assert.equal(r.out, 'm');
    assert.equal(r.msg.payload, '附近有什么好吃的');
    assert.equal(typeof r.msg.faq.score, 'number');
  });

  it('suggests in the grey band, and a numbered reply answers that entry', async function () {
    await load(faqMod, flow({ answerConfidence: 0.99, suggestConfidence: 0.01 }));
    const r = await ask('退款的事');
    assert.equal(r.out, 's');
    assert.match(r.msg.payload, /1\. /);
    const lines = r.msg.payload.split('\n');
    const second = r.msg.faq.candidates[1];
    assert.ok(lines.some((l) => l === `2. ${second.question}`));
    const other = await ask('2', 'conv2'); // another conversation: no pending suggestion
    assert.notEqual(other.out, 'a');
    const chosen = await ask('2');
    assert.equal(chosen.out, 'a');
    assert.equal(chosen.msg.faq.id, second.id);
    assert.equal(chosen.msg.payload, KB.find((e) => e.id === second.id)?.answer);
    const again = await ask('2'); // the suggestion is used up
    assert.notEqual(again.out, 'a');
  });

  it('msg.kb replaces the knowledge base', async function () {
    await load(faqMod, flow());
    helper.getNode('f1').receive({ kb: [{ id: 'x', question: '营业时间是几点', answer: 'NINE' }] });
    const r = await ask('你们营业时间是几点');
    assert.equal(r.msg.payload, 'NINE');
  });

  it('loads a CSV file and reloads it when it changes', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-'));
    const file = path.join(dir, 'kb.csv');
    fs.writeFileSync(file, 'id,question,alternates,answer\nk1,怎么开发票,申请发票|开票流程,OLD\n');
    await load(faqMod, flow({ entries: [], kbFile: file }));
    assert.equal((await ask('发票怎么开')).msg.payload, 'OLD');
    await sleep(1100);
    fs.writeFileSync(file, 'id,question,alternates,answer\nk1,怎么开发票,申请发票|开票流程,"NEW, reloaded"\n');
    let payload;
    for (let i = 0; i < 40 && payload !== 'NEW, reloaded'; i++) {
      await sleep(100);
      payload = (await ask('发票怎么开')).msg.payload;
    }
    assert.equal(payload, 'NEW, reloaded');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('FaqIndex pruning', function () {
  // A KB large enough for long posting lists: every combination of object × action × prefix.
  const OBJ = ['会员卡', '积分', '优惠券', '小票', '打印机', '扫码枪', '库存', '报表', '员工', '门店', '商品', '发票', '订单', '退款', '收款码'];
  const ACT = ['怎么设置', '在哪里修改', '如何删除', '可以批量导入吗', '怎么导出', '显示异常怎么办', '能恢复吗', '怎么关闭'];
  const PRE = ['', '请问', '在后台', '在手机上'];
  const KB = [];
  for (const o of OBJ) for (const a of ACT) for (const p of PRE) KB.push({ question: p + o + a, alternates: [o + a.replace('怎么', '如何')], answer: `在「${o}」页面${a.slice(0, 2)}。` });
  const QUERIES = ['会员卡怎么设置', '打印机坏了', '怎么设置', '积分可以导出吗 怎么弄', '发票', '请问', '员工在哪里改', '天气怎么样', '扫码枪显示异常', '在后台怎么关闭'];
  it(`top-3 equals the head of the full ranking (${KB.length} entries)`, function () {
    const idx = new FaqIndex(KB, { tuning: { mainClause: 0 } });
    for (const q of QUERIES) {
      const top = idx.search(q, 3, { longListFloor: 0 }).candidates;
      const all = idx.search(q, KB.length, { longListFloor: 0 }).candidates.slice(0, 3);
      assert.deepEqual(top, all, q);
    }
  });
  it('with the default floor, the best entry is the same whenever it reaches the floor', function () {
    const idx = new FaqIndex(KB);
    const exact = new FaqIndex(KB);
    for (const q of QUERIES) {
      const a = idx.search(q, 3);
      const b = exact.search(q, KB.length, { longListFloor: 0 });
      if (b.best && b.best.score >= 0.16) assert.equal(a.best && a.best.id, b.best.id, q);
    }
  });
  it('a message with two questions is ranked for the first one', function () {
    const kb = [
      { id: 'refund', question: '如何申请退款？', alternates: ['退款流程', '我要退款'], answer: '在订单页申请退款' },
      { id: 'refund-time', question: '退款多久到账？', alternates: ['退款退到哪里', '退款怎么还没收到'], answer: '原路退回，1-3 个工作日到账' },
      { id: 'settle', question: '顾客付的钱多久到我的账户？', alternates: ['营业款多久到账'], answer: 'T+1 结算' },
    ];
    assert.equal(new FaqIndex(kb).search('我想退款 钱多久能到').best?.id, 'refund');
    // the whole message alone leans to the second question; the main-clause pass is what changes it
    assert.equal(new FaqIndex(kb, { tuning: { mainClause: 0 } }).search('我想退款 钱多久能到').best?.id, 'refund-time');
    assert.equal(new FaqIndex(kb).search('退款几天能到账').best?.id, 'refund-time');
  });
});
