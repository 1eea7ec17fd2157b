'use strict';
// faq-lookup's per-message logic without Node-RED (lib/bot/faq/turn.ts): the did-you-mean state kept per
// conversation in a key-value store, and what the node sends for each decision.
const assert = require('node:assert/strict');
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { faqDecide, faqTurn, pendingKey, FAQ_ANSWER, FAQ_SUGGEST, FAQ_MISS } = require('../dist/nodes/lib/bot/faq/turn');
const { suggestionText } = require('../dist/nodes/lib/bot/faq/suggest');
const { memoryKV } = require('../dist/nodes/lib/state/backends/context-store');
const { FAQ_SUGGEST_TEXTS } = require('../dist/nodes/lib/user-texts');

const KB = [
  { id: 'forgot', question: '忘记登录密码怎么办？', alternates: ['密码忘了'], answer: 'FORGOT' },
  { id: 'change', question: '如何修改登录密码？', alternates: ['改密码'], answer: 'CHANGE' },
  { id: 'pay', question: '购买时支持哪些付款方式？', alternates: ['能用微信支付吗'], answer: 'PAY' },
];
// never answers, suggests whatever it finds: the did-you-mean path on every FAQ question
const suggesting = () => createFaqBot({ entries: KB, answerAt: 2, suggestAt: 0 });
const TTL = 60_000;

describe('faq-turn: one message through faq-lookup, pure', function () {
  it('the pending key is per conversation (msg.wecom.conversationId, else msg.topic), none without one', function () {
    assert.equal(pendingKey({ wecom: /** @type {any} */ ({ conversationId: 'app:ww1:1:u' }), topic: 't' }), 'faq-pending:app:ww1:1:u');
    assert.equal(pendingKey({ topic: 'room-7' }), 'faq-pending:room-7');
    assert.equal(pendingKey({ payload: 'x' }), null);
  });

  it('a suggestion is remembered; its number answers that entry as "picked" and clears it', async function () {
    const bot = suggesting();
    const kv = memoryKV();
    let now = 1000;
    const clock = () => now;
    const first = await faqDecide(bot, kv, 'faq-pending:c1', '登录密码', TTL, clock);
    assert.equal(first.kind, 'suggest');
    const shown = faqTurn(bot, first, '登录密码');
    assert.equal(shown.port, FAQ_SUGGEST);
    assert.equal(shown.event.type, 'faq.suggest');
    const questions = first.candidates.map((c) => c.question);
    assert.equal(shown.payload, suggestionText(questions));
    assert.ok(shown.payload && shown.payload.startsWith(FAQ_SUGGEST_TEXTS.prompt), 'the prompt comes first');
    assert.deepEqual(await kv.get('faq-pending:c1'), { ids: first.candidates.map((c) => c.id), at: 1000 });

    now += 5000;
    const picked = await faqDecide(bot, kv, 'faq-pending:c1', '2', TTL, clock);
    const turn = faqTurn(bot, picked, '2');
    const want = KB.find((e) => e.id === first.candidates[1].id);
    assert.ok(want);
    assert.deepEqual([turn.port, turn.payload, turn.faq.id, turn.event.type, turn.event.fields.band], [FAQ_ANSWER, want.answer, want.id, 'faq.answer', 'picked']);
    assert.equal(await kv.get('faq-pending:c1'), undefined, 'a pick clears the suggestion');
  });

  it('another conversation, an expired suggestion or another message does not pick', async function () {
    const bot = suggesting();
    const kv = memoryKV();
    let now = 0;
    const clock = () => now;
    await faqDecide(bot, kv, 'faq-pending:a', '登录密码', TTL, clock);
    assert.notEqual((await faqDecide(bot, kv, 'faq-pending:b', '1', TTL, clock)).kind, 'answer', 'b has nothing pending');
    now = TTL + 1;
    const late = await faqDecide(bot, kv, 'faq-pending:a', '1', TTL, clock);
    assert.notEqual(late.score, 1, 'an expired suggestion is not picked');
    assert.equal(await kv.get('faq-pending:a'), undefined, 'and it is cleared');
    // without a conversation nothing is remembered
    await faqDecide(bot, kv, null, '登录密码', TTL, clock);
    assert.deepEqual(await kv.keys(), []);
  });

  it('answers, small talk and misses go to their outputs with msg.faq', async function () {
    const bot = createFaqBot({ entries: KB });
    const answer = faqTurn(bot, await bot.decide('密码忘了怎么办'), '密码忘了怎么办');
    assert.deepEqual([answer.port, answer.payload, answer.faq.id, answer.event.fields.band], [FAQ_ANSWER, 'FORGOT', 'forgot', 'answer']);

    const hello = faqTurn(bot, await bot.decide('你好'), '你好');
    assert.deepEqual([hello.port, hello.faq.id, hello.faq.smallTalk, hello.event.type], [FAQ_ANSWER, null, 'greeting', 'faq.answer']);
    assert.ok(hello.payload);

    const silent = createFaqBot({ entries: KB, repliesText: 'greeting:' });
    const noReply = faqTurn(silent, await silent.decide('你好'), '你好');
    assert.deepEqual([noReply.port, noReply.payload, noReply.event.type], [FAQ_MISS, undefined, 'faq.miss'], 'small talk with no reply is a miss');

    const strict = createFaqBot({ entries: KB, answerAt: 2, suggestAt: 2 });
    const miss = faqTurn(strict, await strict.decide('登录密码'), '登录密码');
    assert.deepEqual([miss.port, miss.payload, miss.faq.id, miss.event.type], [FAQ_MISS, undefined, null, 'faq.miss']);
  });

  it('the hint names the numbers offered', function () {
    assert.match(suggestionText(['q1']), /请回复序号 1。$/);
    assert.match(suggestionText(['q1', 'q2']), /请回复序号 1 或 2。$/);
    assert.match(suggestionText(['q1', 'q2', 'q3', 'q4']), /3\. q3\n请回复序号 1、2 或 3。$/);
  });
});
