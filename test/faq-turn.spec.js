'use strict';
// faq-lookup's per-message logic without Node-RED (lib/bot/faq/turn.ts): the did-you-mean kept per conversation
// in the state store (pending.ts), the 微信客服 menu (suggest.ts) and what the node sends for each decision.
const assert = require('node:assert/strict');
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { faqAsk, faqDecide, faqTurn, pendingKey, FAQ_ANSWER, FAQ_SUGGEST, FAQ_MISS, FAQ_DECLINED } = require('../dist/nodes/lib/bot/faq/turn');
const { suggestionText, suggestionMenu } = require('../dist/nodes/lib/bot/faq/suggest');
const { PendingSuggestions } = require('../dist/nodes/lib/bot/faq/pending');
const { MemoryStore } = require('../dist/nodes/lib/state/index');
const { parseFaqMenuId, KF_MENU_MAX } = require('../dist/nodes/lib/contract/outcomes');
const { FAQ_SUGGEST_TEXTS } = require('../dist/nodes/lib/user-texts');
const { kfToInbound } = require('../dist/nodes/lib/wecom/kf/convert');

const KB = [
  { id: 'forgot', question: '忘记登录密码怎么办？', alternates: ['密码忘了'], answer: 'FORGOT' },
  { id: 'change', question: '如何修改登录密码？', alternates: ['改密码'], answer: 'CHANGE' },
  { id: 'pay', question: '购买时支持哪些付款方式？', alternates: ['能用微信支付吗'], answer: 'PAY' },
];
// never answers, suggests whatever it finds: the did-you-mean path on every FAQ question
const suggesting = () => createFaqBot({ entries: KB, answerAt: 2, suggestAt: 0 });
const TTL = 60_000;

/** A clock the test moves, and the pending suggestions of one store as seen by `n` instances. */
function setup(n = 1) {
  const clock = { now: 1000 };
  const store = new MemoryStore();
  const instances = Array.from({ length: n }, () => new PendingSuggestions(store, TTL, () => clock.now));
  return { clock, store, p: instances[0], instances };
}
const ask = (text, more = {}) => ({ text, key: 'faq-pending:c1', ...more });
/** The pending record of a conversation. @returns {Promise<any>} */
const pendingOf = (store, key = 'faq-pending:c1') => store.get(key);
/** The menu items of a turn's msgmenu payload. */
const itemsOf = (turn) => /** @type {any} */ (turn.payload).msgmenu.list;

describe('faq-turn: one message through faq-lookup, pure', function () {
  it('the pending key is per conversation (msg.wecom.conversationId, else msg.topic), none without one or for an event', function () {
    assert.equal(pendingKey({ wecom: /** @type {any} */ ({ conversationId: 'app:ww1:1:u' }), topic: 't' }), 'faq-pending:app:ww1:1:u');
    assert.equal(pendingKey({ topic: 'room-7' }), 'faq-pending:room-7');
    assert.equal(pendingKey({ payload: 'x' }), null);
    const w = { channel: 'kf', conversationId: 'kf:ww1:wk1:u', msgId: 'm1', menuId: 'faq_ab_1', msgType: 'text' };
    assert.deepEqual(faqAsk({ wecom: /** @type {any} */ (w) }, 'q'), { text: 'q', key: 'faq-pending:kf:ww1:wk1:u', menuId: 'faq_ab_1', msgId: 'm1', channel: 'kf' });
    assert.equal(faqAsk({ wecom: /** @type {any} */ ({ ...w, msgType: 'event' }) }, '[event:enter_session]').key, null, 'an event leaves the suggestion alone');
  });

  it('a 微信客服 tap arrives as a text with msg.wecom.menuId; a typed text has none', function () {
    const ctx = { corpId: 'ww1', agentId: '1', openKfId: 'wk1' };
    const entry = (text) => ({ msgid: 'x', open_kfid: 'wk1', external_userid: 'wm1', send_time: 1, origin: 3, msgtype: 'text', text });
    const tap = kfToInbound(entry({ content: '如何修改登录密码？', menu_id: 'faq_ab12_2' }), ctx);
    assert.deepEqual([tap.payload, tap.wecom.menuId, tap.wecom.msgType], ['如何修改登录密码？', 'faq_ab12_2', 'text']);
    assert.equal(kfToInbound(entry({ content: '2' }), ctx).wecom.menuId, undefined);
  });

  it('a suggestion is kept in the state store; its number answers that entry as "picked" and uses it up', async function () {
    const bot = suggesting();
    const { clock, store, p } = setup();
    const first = await faqDecide(bot, p, ask('登录密码', { msgId: 'm1' }));
    assert.equal(first.d.kind, 'suggest');
    const shown = faqTurn(bot, first, '登录密码');
    assert.equal(shown.port, FAQ_SUGGEST);
    assert.equal(shown.event.type, 'faq.suggest');
    const questions = first.d.candidates.map((c) => c.question);
    assert.equal(shown.payload, suggestionText(questions), 'app messages get the numbered text');
    assert.ok(typeof shown.payload === 'string' && shown.payload.startsWith(FAQ_SUGGEST_TEXTS.prompt), 'the prompt comes first');
    const kept = await pendingOf(store);
    assert.deepEqual([kept.ids, kept.at, kept.q, kept.offer], [first.d.candidates.map((c) => c.id), 1000, '登录密码', first.offer]);

    clock.now += 5000;
    const picked = await faqDecide(bot, p, ask('2', { msgId: 'm2' }));
    const turn = faqTurn(bot, picked, '2');
    const want = KB.find((e) => e.id === first.d.candidates[1].id);
    assert.ok(want);
    assert.deepEqual([turn.port, turn.payload, turn.faq.id, turn.faq.choice, turn.event.type, turn.event.fields.band], [FAQ_ANSWER, want.answer, want.id, 'number', 'faq.answer', 'picked']);
    assert.equal((await pendingOf(store)).by, 'm2', 'used by the message that picked');
    const later = await faqDecide(bot, p, ask('1', { msgId: 'm3' }));
    assert.notEqual(later.choice, 'number', 'a used suggestion is not picked again');
  });

  it('the same message emitted again (after a crash) gets the same entry', async function () {
    const bot = suggesting();
    const { p } = setup();
    const first = await faqDecide(bot, p, ask('登录密码', { msgId: 'm1' }));
    const a = await faqDecide(bot, p, ask('2', { msgId: 'm2' }));
    const b = await faqDecide(bot, p, ask('2', { msgId: 'm2' }));
    assert.deepEqual([a.choice, b.choice], ['number', 'number']);
    assert.equal(a.d.candidates[0].id, first.d.candidates[1].id);
    assert.equal(b.d.candidates[0].id, first.d.candidates[1].id);
    const again = await faqDecide(bot, p, ask('登录密码', { msgId: 'm1' }));
    assert.equal(again.offer, first.offer, 'a suggestion emitted again names the same offer (the same menu)');
  });

  it('another conversation, an expired suggestion or another message does not pick', async function () {
    const bot = suggesting();
    const { clock, store, p } = setup();
    await faqDecide(bot, p, ask('登录密码', { key: 'faq-pending:a', msgId: 'a1' }));
    assert.notEqual((await faqDecide(bot, p, ask('1', { key: 'faq-pending:b' }))).choice, 'number', 'b has nothing pending');
    clock.now += TTL + 1;
    const late = await faqDecide(bot, p, ask('1', { key: 'faq-pending:a', msgId: 'a2' }));
    assert.equal(late.choice, undefined, 'an expired suggestion is not picked');
    assert.notEqual(late.d.score, 1);
    await faqDecide(bot, p, ask('登录密码', { key: 'faq-pending:a', msgId: 'a3' }));
    await faqDecide(bot, p, ask('付款方式', { key: 'faq-pending:a', msgId: 'a4' }));
    assert.equal((await pendingOf(store, 'faq-pending:a')).by, undefined, 'a new question replaced it with a new suggestion');
    // without a conversation nothing is remembered
    const before = [];
    for await (const k of store.keys('faq-pending:')) before.push(k);
    await faqDecide(bot, p, ask('登录密码', { key: null }));
    const after = [];
    for await (const k of store.keys('faq-pending:')) after.push(k);
    assert.deepEqual(after, before);
  });

  it('微信客服: the suggestion is a msgmenu; a tap answers that entry, "none of these" asks for a person', async function () {
    const bot = suggesting();
    const { p } = setup();
    const offered = await faqDecide(bot, p, ask('登录密码', { msgId: 'k1', channel: 'kf' }));
    const turn = faqTurn(bot, offered, '登录密码', 'kf');
    assert.equal(turn.port, FAQ_SUGGEST);
    const menu = /** @type {any} */ (turn.payload);
    assert.equal(menu.msgtype, 'msgmenu');
    assert.equal(menu.msgmenu.head_content, FAQ_SUGGEST_TEXTS.prompt);
    assert.equal(menu.msgmenu.tail_content, FAQ_SUGGEST_TEXTS.menuTail);
    const items = itemsOf(turn);
    assert.ok(items.length <= KF_MENU_MAX);
    assert.deepEqual(items.map((i) => i.click.content), [...offered.d.candidates.map((c) => c.question), FAQ_SUGGEST_TEXTS.none]);
    assert.deepEqual(items.map((i) => parseFaqMenuId(i.click.id)), [...offered.d.candidates.map((_c, i) => ({ offer: offered.offer, n: i + 1 })), { offer: offered.offer, n: 0 }]);

    const tap = items[1].click;
    const chosen = faqTurn(bot, await faqDecide(bot, p, ask(tap.content, { msgId: 'k2', menuId: tap.id, channel: 'kf' })), tap.content, 'kf');
    const want = KB.find((e) => e.id === offered.d.candidates[1].id);
    assert.deepEqual([chosen.port, chosen.payload, chosen.faq.id, chosen.faq.choice, chosen.event.fields.band], [FAQ_ANSWER, want?.answer, want?.id, 'menu', 'picked']);

    const again = await faqDecide(bot, p, ask('登录密码', { msgId: 'k3', channel: 'kf' }));
    const none = itemsOf(faqTurn(bot, again, '登录密码', 'kf')).at(-1).click;
    const declined = faqTurn(bot, await faqDecide(bot, p, ask(none.content, { msgId: 'k4', menuId: none.id, channel: 'kf' })), none.content, 'kf');
    assert.deepEqual([declined.port, declined.faq.id, declined.faq.choice, declined.payload], [FAQ_MISS, null, 'none', undefined]);
    assert.deepEqual(declined.handoff, { action: 'transfer', reason: FAQ_DECLINED });
    assert.deepEqual([declined.event.type, declined.event.fields.band, declined.event.fields.text], ['faq.miss', 'declined', '登录密码'], 'the ops view sees the question that was not answered');
  });

  it('a tap on a menu that is not open any more is a new question; a foreign menu id is plain text', async function () {
    const bot = suggesting();
    const { clock, p } = setup();
    const old = await faqDecide(bot, p, ask('登录密码', { msgId: 'o1', channel: 'kf' }));
    const oldItems = itemsOf(faqTurn(bot, old, '登录密码', 'kf'));
    const newer = await faqDecide(bot, p, ask('付款', { msgId: 'o2', channel: 'kf' }));
    assert.notEqual(newer.offer, old.offer);
    // the first menu's second item, tapped after a newer suggestion replaced it
    const stale = oldItems[1].click;
    const r = await faqDecide(bot, p, ask(stale.content, { msgId: 'o3', menuId: stale.id, channel: 'kf' }));
    assert.equal(r.choice, 'stale');
    assert.notEqual(faqTurn(bot, r, stale.content, 'kf').event.fields.band, 'picked', 'not taken as a choice');
    // its entry is still what the tapped text asks, decided as any question
    assert.equal(r.d.candidates[0].id, (await bot.decide(stale.content)).candidates[0].id);
    // expired
    const fresh = await faqDecide(bot, p, ask('登录密码', { msgId: 'o4', channel: 'kf' }));
    clock.now += TTL + 1;
    const item = itemsOf(faqTurn(bot, fresh, '登录密码', 'kf'))[0].click;
    assert.equal((await faqDecide(bot, p, ask(item.content, { msgId: 'o5', menuId: item.id }))).choice, 'stale');
    // "none of these" on a closed menu still hands off: the customer asked for a person
    const none = oldItems.at(-1).click;
    assert.equal((await faqDecide(bot, p, ask(none.content, { msgId: 'o6', menuId: none.id }))).choice, 'none');
    // another menu's id (the rating question's) or a made-up one: the text as any message
    for (const menuId of ['rate_1', 'faq_zz_1x', 'faq_../../x_1']) {
      const other = await faqDecide(bot, p, ask('登录密码', { msgId: 'o7' + menuId, menuId }));
      assert.equal(other.choice, undefined, menuId);
    }
  });

  it('offered on one instance, answered on another sharing the store', async function () {
    const bot = suggesting();
    const { instances: [a, b] } = setup(2);
    const offered = await faqDecide(bot, a, ask('登录密码', { msgId: 'x1' }));
    const picked = await faqDecide(bot, b, ask('2', { msgId: 'x2' }));
    assert.deepEqual([picked.choice, picked.d.candidates[0].id], ['number', offered.d.candidates[1].id]);
  });

  it('answers, small talk and misses go to their outputs with msg.faq', async function () {
    const bot = createFaqBot({ entries: KB });
    const turnOf = async (b, text) => faqTurn(b, { d: await b.decide(text) }, text);
    const answer = await turnOf(bot, '密码忘了怎么办');
    assert.deepEqual([answer.port, answer.payload, answer.faq.id, answer.event.fields.band], [FAQ_ANSWER, 'FORGOT', 'forgot', 'answer']);

    const hello = await turnOf(bot, '你好');
    assert.deepEqual([hello.port, hello.faq.id, hello.faq.smallTalk, hello.event.type], [FAQ_ANSWER, null, 'greeting', 'faq.answer']);
    assert.ok(hello.payload);

    const silent = createFaqBot({ entries: KB, repliesText: 'greeting:' });
    const noReply = await turnOf(silent, '你好');
    assert.deepEqual([noReply.port, noReply.payload, noReply.event.type], [FAQ_MISS, undefined, 'faq.miss'], 'small talk with no reply is a miss');

    const strict = createFaqBot({ entries: KB, answerAt: 2, suggestAt: 2 });
    const miss = await turnOf(strict, '登录密码');
    assert.deepEqual([miss.port, miss.payload, miss.faq.id, miss.event.type, miss.handoff], [FAQ_MISS, undefined, null, 'faq.miss', undefined]);
  });

  it('the hint names the numbers offered; a menu never has more than WeCom allows', function () {
    assert.match(suggestionText(['q1']), /请回复序号 1。$/);
    assert.match(suggestionText(['q1', 'q2']), /请回复序号 1 或 2。$/);
    assert.match(suggestionText(['q1', 'q2', 'q3', 'q4']), /3\. q3\n请回复序号 1、2 或 3。$/);
    const many = suggestionMenu(Array.from({ length: 20 }, (_v, i) => `问题${i}`.repeat(30)), 'abc');
    assert.ok(many.msgmenu.list.length <= KF_MENU_MAX);
    assert.ok(many.msgmenu.list.every((i) => [...i.click.content].length <= 60), 'long questions are cut');
  });
});
