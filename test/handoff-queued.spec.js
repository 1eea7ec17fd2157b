'use strict';
// Handoff defaults that never trap a user: while queued the bot answers what it can and only its misses reach the
// agent; notices give the place in words and the way back; cancel words win over transfer words; the node's queue
// timeout is on by default.
const assert = require('node:assert');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');
const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store.js');
const { HandoffEngine, DEFAULT_TEXTS } = require('../dist/nodes/lib/handoff/engine.js');
const { compileWordList, DEFAULT_TRANSFER_WORDS, DEFAULT_TRANSFER_EXCLUDE, DEFAULT_CANCEL_WORDS } = require('../dist/nodes/lib/handoff/transfer-words.js');
const { helper, load } = require('./helpers/runtime');
const handoffMod = require('../dist/nodes/handoff/handoff.js');

/** @typedef {import('../dist/nodes/lib/contract/messages').WecomMsg} WecomMsg */
/** @typedef {import('../dist/nodes/lib/contract/wecom-meta').WecomMeta} WecomMeta */
/** @typedef {import('../dist/nodes/lib/bridge/protocol').ToAgentFrame} ToAgentFrame */
/** @typedef {import('../dist/nodes/lib/bridge/protocol').MessageFrame} MessageFrame */

function engine(opts = {}) {
  const store = new ConversationStore(new MemoryStore());
  const e = new HandoffEngine(
    store,
    Object.assign(
      {
        transfer: compileWordList({}, { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: DEFAULT_TRANSFER_EXCLUDE }),
        cancel: compileWordList({}, { words: DEFAULT_CANCEL_WORDS, mode: 'contains', exclude: [] }),
        missThreshold: 1,
        idleMs: 60_000,
        queueMs: 600_000,
        transcriptMax: 20,
        hours: null,
        texts: DEFAULT_TEXTS,
        cancelWord: '取消人工',
        botWhileQueued: true,
      },
      opts,
    ),
    () => undefined,
  );
  return { e, store };
}
let n = 0;
/**
 * @param {string} text
 * @param {string} [user]
 * @returns {WecomMsg & { wecom: WecomMeta }}
 */
const msg = (text, user = 'u') => ({
  payload: text,
  wecom: { channel: 'app', corpId: 'ww1', agentId: '1', userId: user, msgType: 'text', msgId: `q${++n}`, createTime: 1, conversationId: `app:ww1:1:${user}`, raw: {} },
});
const ID = 'app:ww1:1:u';

describe('handoff: while queued', function () {
  it('a question goes to the bot, not the agent; its miss coming back joins the agent history', async function () {
    const { e, store } = engine();
    await e.user(msg('转人工'));
    assert.strictEqual((await store.get(ID))?.state, 'queued');
    // offered to the agents, not yet queued by the bridge: messages go to the agent side
    const offered = await e.user(msg('还在吗'));
    assert.deepStrictEqual([offered.bot.length, offered.agent.map((m) => /** @type {ToAgentFrame} */ (m.payload).type)], [0, ['message']]);
    await e.bridge({ event: 'queued', conversationId: ID, position: 0, agentsOnline: 0 });
    const q = msg('价格多少');
    const first = await e.user(q);
    assert.deepStrictEqual([first.bot.length, first.agent.length], [1, 0], 'the bot gets it first');
    const miss = await e.user(Object.assign({}, q, { faq: { miss: true } }));
    assert.deepStrictEqual(miss.agent.map((m) => /** @type {MessageFrame} */ (m.payload)).map((f) => [f.type, f.text]), [['message', '价格多少']]);
    assert.strictEqual(miss.bot.length, 0);
    assert.strictEqual((await store.get(ID))?.state, 'queued');
  });

  it('a transfer word while queued goes to the agent directly; a cancel word brings the bot back', async function () {
    const { e, store } = engine();
    await e.user(msg('转人工'));
    await e.bridge({ event: 'queued', conversationId: ID, position: 0, agentsOnline: 0 });
    const again = await e.user(msg('人工客服'));
    assert.deepStrictEqual([again.bot.length, again.agent.map((m) => /** @type {ToAgentFrame} */ (m.payload).type)], [0, ['message']]);
    const cancel = await e.user(msg('取消人工'));
    assert.deepStrictEqual(cancel.notice.map((m) => m.handoff?.notice), ['closedUser']);
    assert.strictEqual((await store.get(ID))?.state, 'bot');
  });

  it('with botWhileQueued off, every message of a queued user goes to the agent (as before)', async function () {
    const { e } = engine({ botWhileQueued: false });
    await e.user(msg('转人工'));
    await e.bridge({ event: 'queued', conversationId: ID, position: 0, agentsOnline: 0 });
    const out = await e.user(msg('价格多少'));
    assert.deepStrictEqual([out.bot.length, out.agent.map((m) => /** @type {ToAgentFrame} */ (m.payload).type)], [0, ['message']]);
  });

  it('the notices give the place in words and the way back', async function () {
    const { e } = engine();
    const t = await e.user(msg('转人工'));
    assert.match(/** @type {string} */ (t.notice[0].payload), /回复“取消人工”可回到机器人/);
    await e.bridge({ event: 'presence', agentsOnline: 0 });
    const q = await e.bridge({ event: 'queued', conversationId: ID, position: 0, agentsOnline: 0 });
    assert.match(/** @type {string} */ (q.notice[0].payload), /是第 1 位/);
    assert.match(/** @type {string} */ (q.notice[0].payload), /取消人工/);
    assert.doesNotMatch(/** @type {string} */ (q.notice[0].payload), /\{/, 'no unfilled placeholder');
  });

  it('取消人工 with the bot does not hand over (cancel words win over the 人工 transfer word)', async function () {
    const { e, store } = engine();
    const out = await e.user(msg('取消人工'));
    assert.deepStrictEqual([out.bot.length, out.agent.length], [1, 0]);
    assert.strictEqual((await store.get(ID))?.state, 'bot');
  });
});

describe('handoff node: a queue timeout by default', function () {
  afterEach(() => helper.unload());
  it('a node with no queue timeout set sends the user back to the bot after 10 idle units', async function () {
    await load(handoffMod, [
      { id: 't', type: 'tab' },
      // idle unit ms: the idle timeout (30) is after the default queue timeout (10)
      { id: 'h', z: 't', type: 'handoff', idleUnit: 'ms', wires: [['bot'], ['agent'], ['notice']] },
      { id: 'bot', z: 't', type: 'helper' },
      { id: 'agent', z: 't', type: 'helper' },
      { id: 'notice', z: 't', type: 'helper' },
    ]);
    const notices = [];
    const timedOut = new Promise((resolve) => helper.getNode('notice').on('input', (m) => {
      notices.push(m.handoff?.notice);
      if (m.handoff?.notice === 'queueTimeout') resolve(m);
    }));
    helper.getNode('h').receive(msg('转人工', 'nodeuser'));
    const m = await timedOut;
    assert.deepStrictEqual(notices, ['transfer', 'queueTimeout']);
    assert.match(m.payload, /转回机器人/);
  });
});
