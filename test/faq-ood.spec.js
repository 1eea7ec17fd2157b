'use strict';
// Issue #21: the bot answers right or not at all. Messages no entry answers get no entry, at any KB size.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { createFaqBot, faqBotConfig } = require('../dist/nodes/lib/bot/faq/bot');
const { explain, isSalient } = require('../dist/nodes/lib/bot/faq/coverage');

const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'wecom-customer-service.json'), 'utf8'));
const faqNode = flow.find((n) => n.type === 'faq-lookup');
const fixture = (f) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'faq', f), 'utf8'));
/** The bundled flow's bot, built from its node's configuration as faq-lookup builds it. */
const bundledBot = () => createFaqBot(faqBotConfig(faqNode, { entries: faqNode.entries, synonymsFile: '', smallTalkFile: '' }, null));
const retailKb = path.join(__dirname, '..', '..', '..', 'shared', 'faq-eval', 'kb.json');
const retailKb2 = path.join(__dirname, '..', '..', 'shared', 'faq-eval', 'kb.json');

describe('FAQ out of domain (issue #21)', function () {
  it("the issue's messages get no entry from the bundled flow's KB; its two did-you-means offer nothing unrelated", function () {
    const bot = bundledBot();
    for (const q of ['有什么好听的歌推荐', '冰箱不制冷怎么办', '孩子上幼儿园要准备什么', '怎么申请专利', '牙疼怎么办', '你们支持鸿蒙系统的收银机吗', '账号被冻结了咋办']) {
      const d = bot.decideLexical(q);
      assert.notStrictEqual(d.kind, 'answer', `${q} answered with ${d.index !== undefined ? bot.index.entries[d.index].question : ''}`);
    }
    for (const q of ['怎么考驾照', '西瓜怎么挑']) assert.strictEqual(bot.decideLexical(q).kind, 'miss', q);
  });

  it('the in-scope questions of the bundled KB are still answered', function () {
    const bot = bundledBot();
    const cases = [['退款多久到账', 'f14'], ['电子发票在哪里下载', 'f38'], ['密码忘了怎么办', 'f40'], ['周末有客服吗', 'f69']];
    for (const [q, id] of cases) {
      const d = bot.decideLexical(q);
      assert.strictEqual(d.kind, 'answer', q);
      assert.strictEqual(bot.index.entries[Number(d.index)].id, id, q);
    }
  });

  it("the hotel domain's off-topic questions are answered by no KB (hotel 40, bundled 15, retail 80)", function () {
    const off = fixture('hotel-offtopic.json');
    const kbs = [['hotel', fixture('hotel-kb.json')], ['bundled', faqNode.entries]];
    const retail = [retailKb, retailKb2].find((f) => fs.existsSync(f));
    if (retail) kbs.push(['retail 80', JSON.parse(fs.readFileSync(retail, 'utf8'))]);
    for (const [name, entries] of kbs) {
      const bot = createFaqBot({ entries });
      const answered = off.filter((d) => bot.decideLexical(d.q).kind === 'answer').map((d) => d.q);
      assert.deepStrictEqual(answered, [], `${name} KB answered off-topic questions`);
    }
  });

  it('an uncovered salient word blocks the answer; generic words neither block nor suffice', function () {
    const entry = { own: '小票打印机连接不上怎么|打印机不出纸', answer: '请检查打印机电源和数据线' };
    assert.deepStrictEqual(explain(['冰箱', '不', '制冷', '怎么'], entry).uncovered, ['冰箱', '制冷']);
    assert.deepStrictEqual(explain(['打印机', '连不上', '怎么'], entry).uncovered, []);
    assert.strictEqual(isSalient('怎么'), false);
    assert.strictEqual(isSalient('三点'), false);
    assert.strictEqual(isSalient('鸿蒙'), true);
    // 价格 (多少钱) counts when covered, never blocks on its own
    assert.deepStrictEqual(explain(['冰箱', '价格'], entry).uncovered, ['冰箱']);
  });
  // a small shop KB: the entries' answers mention 收银机 and 收银员, so the KB knows those words
  const shopKb = [
    { id: 'price', question: '收银机多少钱？', alternates: ['收银机价格'], answer: '收银一体机 1999 元。' },
    { id: 'warranty', question: '保修多久？', alternates: [], answer: '收银机、打印机等硬件整机保修一年。' },
    { id: 'password', question: '忘记登录密码怎么办？', alternates: ['密码忘了'], answer: '在登录页点忘记密码，用手机验证码重置。' },
    { id: 'staff', question: '如何添加收银员账号？', alternates: ['怎么给员工开账号'], answer: '在后台员工管理里添加收银员并设置权限。' },
    { id: 'printer', question: '小票打印机连不上怎么办？', alternates: [], answer: '检查打印机电源和数据线。' },
  ];
  const idOf = (bot, d) => (d.kind === 'answer' ? bot.index.entries[Number(d.index)].id : d.kind);

  it('a context word the KB uses elsewhere does not block the answer; a word the KB never uses does', function () {
    const bot = createFaqBot({ entries: shopKb });
    // 收银员 is not in the password entry, but the KB uses it: context, the question is about the password
    const d = bot.decideLexical('收银员忘记密码了怎么办');
    assert.strictEqual(idOf(bot, d), 'password');
    assert.deepStrictEqual(d.uncovered, ['收银员']);
    // 微博, 钢琴 are used nowhere in the KB: another topic, no answer whatever the score
    for (const q of ['微博密码忘了', '我的钢琴忘记密码了']) {
      const x = bot.decideLexical(q);
      assert.notStrictEqual(x.kind, 'answer', q);
      assert.strictEqual(x.uncovered?.length, 1, q);
    }
  });

  it('prefers a runner-up that explains the message over a higher-scoring entry that does not', function () {
    const bot = createFaqBot({ entries: shopKb });
    const q = '收银机保修几年';
    assert.strictEqual(bot.index.search(q, 3).best?.id, 'price', 'the lexical best is the price entry (收银机)');
    const d = bot.decideLexical(q);
    assert.strictEqual(idOf(bot, d), 'warranty');
    assert.deepStrictEqual(d.candidates.map((c) => c.id).slice(0, 2), ['warranty', 'price']);
  });

  it('pronouns, numbers and function words cut into a word neither block nor make it salient', function () {
    assert.strictEqual(isSalient('一个月'), false);
    assert.strictEqual(isSalient('另外'), false);
    // a one-character generic verb still carries the topic of its compound
    assert.strictEqual(isSalient('收款'), true);
    assert.strictEqual(isSalient('退款'), true);
    const entry = { own: '付款成功但订单显示未支付怎么办', answer: '' };
    assert.deepStrictEqual(explain(['我付', '付款', '订单'], entry).uncovered, []);
    assert.deepStrictEqual(explain(['收款'], { own: '退款多久到账', answer: '' }).uncovered, ['收款']);
  });
});
