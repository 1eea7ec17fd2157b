'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SmallTalk, parseSmallTalk } = require('../dist/nodes/lib/bot/faq/smalltalk');
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { stepPending, parseChoice, makePending } = require('../dist/nodes/lib/bot/faq/suggest');
const { helper, load } = require('./helpers/runtime');
const faqMod = require('../dist/nodes/faq-lookup/faq-lookup.js');

// A KB with entries that share words with chit-chat (人工, 客服, 在线, 谢谢…) and near neighbours.
const KB = [
  { id: 'price', question: '软件怎么收费？', alternates: ['价格是多少'], answer: 'PRICE' },
  { id: 'human', question: '怎么联系人工客服？', alternates: ['转人工', '人工客服'], answer: 'HUMAN' },
  { id: 'hours', question: '客服工作时间是什么时候？', alternates: ['周末有客服吗', '客服在线时间'], answer: 'HOURS' },
  { id: 'forgot', question: '忘记登录密码怎么办？', alternates: ['密码忘了', '找回密码'], answer: 'FORGOT' },
  { id: 'change', question: '如何修改登录密码？', alternates: ['改密码'], answer: 'CHANGE' },
  { id: 'up', question: '如何升级套餐？', alternates: ['基础版怎么升到专业版'], answer: 'UP' },
  { id: 'down', question: '可以降级套餐吗？', alternates: ['专业版想换回基础版'], answer: 'DOWN' },
  { id: 'trial', question: '可以免费试用吗？试用期多久？', alternates: ['怎么申请试用'], answer: 'TRIAL' },
  { id: 'trialEnd', question: '试用到期后会怎样？数据还在吗？', alternates: ['试用结束后会自动扣费吗'], answer: 'TRIAL-END' },
  { id: 'thanks', question: '邀请好友有奖励吗？', alternates: ['推荐有礼'], answer: 'INVITE' },
  { id: 'pay', question: '购买时支持哪些付款方式？', alternates: ['能用微信支付吗', '可以用支付宝吗'], answer: 'PAY' },
];

const CHIT_CHAT = ['你好', '您好呀', '在吗', '在不在', '有人吗', '亲 在么', '哈喽', '早上好', '谢谢', '好的谢谢', '谢谢啦~', '收到',
  '明白了', '嗯嗯', 'ok', '好滴', '知道了 多谢', '辛苦了', '行吧', '好的好的', '拜拜', '你是机器人吗', '是真人吗', '你叫什么名字',
  '哈哈哈', '[捂脸]', '😂😂', '??', '👍'];

describe('FAQ small talk', function () {
  it('no chit-chat message gets an FAQ answer (each is small talk, answered with its own reply)', async function () {
    const bot = createFaqBot({ entries: KB });
    for (const q of CHIT_CHAT) {
      const d = await bot.decide(q);
      assert.equal(d.kind, 'smallTalk', q);
      assert.equal(d.index, undefined, q);
      assert.ok(d.reply, q);
    }
  });

  it('a greeting in front of a question still gets the FAQ answer', async function () {
    const bot = createFaqBot({ entries: KB });
    for (const [q, id] of [['你好 我想问下怎么收费', 'price'], ['在吗 密码忘了怎么办', 'forgot'], ['谢谢 另外怎么转人工', 'human']]) {
      const d = await bot.decide(q);
      assert.notEqual(d.kind, 'smallTalk', q);
      assert.equal(d.candidates[0].id, id, q);
    }
  });

  it('kinds: presence, bot, thanks, greeting, ack, bye, emotion', function () {
    const st = new SmallTalk();
    assert.equal(st.detect('有人在吗')?.kind, 'presence');
    assert.equal(st.detect('你是不是机器人啊')?.kind, 'bot');
    assert.equal(st.detect('好的 谢谢')?.kind, 'thanks');
    assert.equal(st.detect('哈喽')?.kind, 'greeting');
    assert.equal(st.detect('嗯嗯 好的')?.kind, 'ack');
    assert.equal(st.detect('拜拜')?.kind, 'bye');
    assert.equal(st.detect('[捂脸]')?.kind, 'emotion');
    assert.equal(st.detect('退款'), null);
    assert.equal(st.detect(''), null);
  });

  it('user phrases extend the lists; replies are configurable, an empty reply goes to miss', async function () {
    const st = new SmallTalk({ phrases: parseSmallTalk('thanks: 感恩的心, 多谢晒\nnonsense: x') });
    assert.equal(st.detect('感恩的心')?.kind, 'thanks');
    assert.equal(new SmallTalk().detect('感恩的心'), null);
    const bot = createFaqBot({ entries: KB, repliesText: 'greeting: 您好，我是小禾\nthanks:' });
    assert.equal((await bot.decide('你好')).reply, '您好，我是小禾');
    assert.equal((await bot.decide('谢谢')).reply, '');
  });
});

describe('FAQ near neighbours', function () {
  it('the distinguishing word decides between entries that share most words', async function () {
    const bot = createFaqBot({ entries: KB });
    const cases = [['密码忘记了登不上', 'forgot'], ['想改一下密码', 'change'], ['怎么升到专业版', 'up'], ['专业版降到基础版', 'down'],
      ['能免费试用几天', 'trial'], ['试用到期了数据会不会丢', 'trialEnd']];
    for (const [q, id] of cases) assert.equal((await bot.decide(q)).candidates[0].id, id, q);
  });
});

describe('FAQ did-you-mean state (pure)', function () {
  it('numbered replies choose, anything else or expiry clears', function () {
    assert.equal(parseChoice('2'), 2);
    assert.equal(parseChoice('第二个'), 2);
    assert.equal(parseChoice('12'), null);
    const p = makePending(['a', 'b', 'c', 'd'], 1000);
    assert.deepEqual(p.ids, ['a', 'b', 'c']);
    assert.deepEqual(stepPending(p, { text: '3' }, 2000, 5000), { action: 'choose', id: 'c', via: 'number' });
    assert.deepEqual(stepPending(p, { text: '4' }, 2000, 5000), { action: 'clear' });
    assert.deepEqual(stepPending(p, { text: '1' }, 7000, 5000), { action: 'none' }, 'expired: nothing open');
    assert.deepEqual(stepPending(p, { text: '退款' }, 2000, 5000), { action: 'clear' });
    assert.deepEqual(stepPending(undefined, { text: '1' }, 2000, 5000), { action: 'none' });
  });
});

describe('faq-lookup node: small talk and word-list files', function () {
  afterEach(() => helper.unload());
  const flow = (extra) => [{ id: 'tab1', type: 'tab' },
    Object.assign({ id: 'f1', z: 'tab1', type: 'faq-lookup', entries: KB, wires: [['a'], ['s'], ['m']] }, extra),
    { id: 'a', z: 'tab1', type: 'helper' }, { id: 's', z: 'tab1', type: 'helper' }, { id: 'm', z: 'tab1', type: 'helper' }];
  const ask = (payload) => new Promise((resolve) => {
    const hs = {};
    for (const id of ['a', 's', 'm']) {
      hs[id] = (msg) => { for (const k of Object.keys(hs)) helper.getNode(k).removeListener('input', hs[k]); resolve({ out: id, msg }); };
      helper.getNode(id).on('input', hs[id]);
    }
    helper.getNode('f1').receive({ payload, topic: 'c1' });
  });

  it('answers small talk on output 1 with msg.faq.smallTalk and no FAQ id', async function () {
    await load(faqMod, flow({}));
    const r = await ask('谢谢');
    assert.equal(r.out, 'a');
    assert.equal(r.msg.faq.smallTalk, 'thanks');
    assert.equal(r.msg.faq.id, null);
    assert.notEqual(r.msg.payload, '谢谢');
  });

  it('a synonyms file and a phrases file extend the built-in lists', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-lists-'));
    fs.writeFileSync(path.join(dir, 'syn.txt'), '甩卖价, 标价 => 价格\n');
    fs.writeFileSync(path.join(dir, 'st.txt'), 'ack: 收到收到哈, 了然\n');
    const without = createFaqBot({ entries: KB });
    assert.notEqual((await without.decide('甩卖价')).kind, 'answer');
    await load(faqMod, flow({ synonymsFile: path.join(dir, 'syn.txt'), smallTalkFile: path.join(dir, 'st.txt') }));
    const r = await ask('甩卖价');
    assert.equal(r.out, 'a');
    assert.equal(r.msg.faq.id, 'price');
    const s = await ask('了然');
    assert.equal(s.msg.faq.smallTalk, 'ack');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
