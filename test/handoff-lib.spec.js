'use strict';
// The pure parts of handoff: business hours, the per-conversation lock, idempotent transitions,
// off-hours notices, timers derived from stored timestamps, and the agent protocol parser.
const assert = require('node:assert');
const { parseBusinessHours, isOpen, ScheduleError } = require('../dist/nodes/lib/handoff/business-hours.js');
const { KeyedMutex } = require('../dist/nodes/lib/state/keyed-mutex.js');
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory.js');
const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store.js');
const { HandoffEngine, DEFAULT_TEXTS } = require('../dist/nodes/lib/handoff/engine.js');
const { compileWordList, DEFAULT_TRANSFER_WORDS, DEFAULT_TRANSFER_EXCLUDE } = require('../dist/nodes/lib/handoff/transfer-words.js');
const { parseAgentFrame, FrameError } = require('../dist/nodes/lib/bridge/protocol.js');
const { nextDeadline, newConversation } = require('../dist/nodes/lib/handoff/conversation.js');

/** @typedef {import('../dist/nodes/lib/contract/messages').WecomMsg} WecomMsg */
/** @typedef {import('../dist/nodes/lib/contract/wecom-meta').WecomMeta} WecomMeta */
/** @typedef {import('../dist/nodes/lib/bridge/protocol').ToAgentFrame} ToAgentFrame */
/** @typedef {import('../dist/nodes/lib/bridge/protocol').MessageFrame} MessageFrame */

const MON_10_SH = Date.UTC(2026, 10, 30, 2, 0); // Monday 2026-11-30 10:00 in Shanghai
const MON_19_SH = Date.UTC(2026, 10, 30, 11, 0); // Monday 19:00 in Shanghai
const SAT_10_SH = Date.UTC(2026, 10, 28, 2, 0); // Saturday 10:00 in Shanghai

describe('business hours', function () {
  it('follows a weekly schedule in Asia/Shanghai', function () {
    const bh = parseBusinessHours('mon-fri 09:00-18:00; sat 10:00-12:00');
    assert.strictEqual(isOpen(bh, MON_10_SH), true);
    assert.strictEqual(isOpen(bh, MON_19_SH), false);
    assert.strictEqual(isOpen(bh, SAT_10_SH + 60_000), true);
    assert.strictEqual(isOpen(bh, SAT_10_SH + 3 * 3600_000), false);
  });
  it('honours the time zone and holidays', function () {
    assert.strictEqual(isOpen(parseBusinessHours('mon-fri 09:00-18:00', '', 'UTC'), MON_10_SH), false);
    assert.strictEqual(isOpen(parseBusinessHours('mon-fri 09:00-18:00', '2026-11-30'), MON_10_SH), false);
    assert.strictEqual(isOpen(parseBusinessHours('', '2026-12-25'), MON_19_SH), true);
  });
  it('rejects malformed schedules', function () {
    for (const bad of ['funday 09:00-10:00', 'mon 9-10', 'mon 10:00-09:00', 'mon']) {
      assert.throws(() => parseBusinessHours(bad), ScheduleError, bad);
    }
    assert.throws(() => parseBusinessHours('', '30/11/2026'), ScheduleError);
    assert.throws(() => parseBusinessHours('', '', 'Mars/Olympus'), ScheduleError);
  });
});

describe('KeyedMutex', function () {
  it('runs tasks of one key in order and survives failures', async function () {
    const m = new KeyedMutex();
    const log = [];
    const slow = (v, ms) => () => new Promise((r) => setTimeout(() => { log.push(v); r(v); }, ms));
    const p = [m.run('a', slow(1, 30)), m.run('a', () => { throw new Error('x'); }), m.run('a', slow(2, 1)), m.run('b', slow(3, 1))];
    const res = await Promise.allSettled(p);
    assert.deepStrictEqual(res.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.deepStrictEqual(log, [3, 1, 2]);
  });
});

function engine(opts = {}, clock = { t: MON_10_SH }) {
  const store = new ConversationStore(new MemoryStore(), () => clock.t);
  const scheduled = new Map();
  const e = new HandoffEngine(
    store,
    Object.assign(
      {
        transfer: compileWordList({}, { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: DEFAULT_TRANSFER_EXCLUDE }),
        cancel: null,
        missThreshold: 1,
        idleMs: 60_000,
        queueMs: 0,
        transcriptMax: 3,
        hours: null,
        texts: DEFAULT_TEXTS,
      },
      opts,
    ),
    (id, at) => scheduled.set(id, at),
    () => clock.t,
  );
  return { e, store, scheduled, clock };
}
let n = 0;
/**
 * @param {string} text
 * @param {string} [user]
 * @returns {WecomMsg & { wecom: WecomMeta }}
 */
const msg = (text, user = 'u') => ({
  payload: text,
  wecom: { channel: 'kf', corpId: 'ww1', agentId: '1', userId: user, openKfId: 'wk1', msgType: 'text', msgId: `id${++n}`, createTime: 1, conversationId: `kf:ww1:wk1:${user}`, raw: { big: 'x' }, replyKey: 'slot' },
});

describe('handoff engine', function () {
  it('two transfer messages of one conversation arriving together hand off once', async function () {
    const { e, store } = engine();
    const [a, b] = await Promise.all([e.user(msg('转人工')), e.user(msg('人工客服'))]);
    assert.strictEqual(a.agent.length + b.agent.length, 2);
    const frames = [...a.agent, ...b.agent].map((m) => /** @type {ToAgentFrame} */ (m.payload).type);
    assert.deepStrictEqual(frames, ['handoff', 'message'], 'the second is forwarded to the agent, not a second handoff');
    const c = await store.get('kf:ww1:wk1:u');
    assert.ok(c);
    assert.strictEqual(c.state, 'queued');
    assert.deepStrictEqual(c.wecom?.raw, {}, 'raw payload is not stored');
    assert.strictEqual(c.wecom?.replyKey, undefined);
    assert.deepStrictEqual(await store.active(), ['kf:ww1:wk1:u']);
  });

  it("a new agents' hub ({event:'leader'}) gets the active conversations again: queued as a handoff, with an agent as a silent restore", async function () {
    const { e } = engine();
    await e.user(msg('转人工', 'q'));
    await e.user(msg('转人工', 'h'));
    await e.bridge({ event: 'assigned', conversationId: 'kf:ww1:wk1:h', agentId: 'ag1' });
    await e.user(msg('你好', 'b')); // with the bot: not offered
    const out = await e.bridge({ event: 'leader' });
    const byConv = Object.fromEntries(out.agent.map((m) => [/** @type {{ conversationId: string }} */ (m.payload).conversationId, m]));
    assert.deepStrictEqual(Object.keys(byConv).sort(), ['kf:ww1:wk1:h', 'kf:ww1:wk1:q']);
    assert.strictEqual(/** @type {ToAgentFrame} */ (byConv['kf:ww1:wk1:q'].payload).type, 'handoff');
    assert.strictEqual(byConv['kf:ww1:wk1:h'].handoff?.restore, true);
    assert.strictEqual(byConv['kf:ww1:wk1:h'].handoff?.agentId, 'ag1');
    assert.deepStrictEqual(out.notice, [], 'users are told nothing');
    assert.deepStrictEqual(out.bot, []);
  });

  it('a user message emitted again from the inbox (its first run stopped midway) goes to the bot again, recorded once', async function () {
    const { e, store } = engine();
    const m = msg('你好');
    assert.strictEqual((await e.user(m)).bot.length, 1);
    const again = await e.user(JSON.parse(JSON.stringify(m)));
    assert.strictEqual(again.bot.length, 1, 'the replay is answered');
    assert.deepStrictEqual((await store.get('kf:ww1:wk1:u'))?.transcript.map((h) => h.text), ['你好']);
    // The same message coming back from the bot path as a miss is still not sent to the bot again.
    const miss = await e.user(Object.assign(JSON.parse(JSON.stringify(m)), { faq: { answer: null } }));
    assert.strictEqual(miss.bot.length, 0);
  });

  it('keeps only the last N transcript entries', async function () {
    const { e, store } = engine();
    for (const t of ['1', '2', '3', '4']) await e.user(msg(t));
    assert.deepStrictEqual((await store.get('kf:ww1:wk1:u'))?.transcript.map((h) => h.text), ['2', '3', '4']);
  });

  it('sends the off-hours notice at most once per conversation per day', async function () {
    const clock = { t: MON_19_SH };
    const { e, store } = engine({ hours: parseBusinessHours('mon-fri 09:00-18:00') }, clock);
    const first = await e.user(msg('转人工'));
    assert.deepStrictEqual(first.notice.map((m) => m.handoff?.notice), ['offHours']);
    assert.strictEqual(first.agent.length, 0);
    const again = await e.user(msg('转人工'));
    assert.strictEqual(again.notice.length, 0);
    clock.t += 24 * 3600_000; // Tuesday 19:00
    assert.deepStrictEqual((await e.user(msg('转人工'))).notice.map((m) => m.handoff?.notice), ['offHours']);
    clock.t = MON_10_SH + 24 * 3600_000 * 2; // Wednesday 10:00: open
    assert.strictEqual(/** @type {ToAgentFrame} */ ((await e.user(msg('转人工'))).agent[0].payload).type, 'handoff');
    assert.strictEqual((await store.get('kf:ww1:wk1:u'))?.state, 'queued');
  });

  it('derives the idle deadline from stored timestamps and only expires once it has passed', async function () {
    const { e, scheduled, clock } = engine();
    await e.user(msg('转人工'));
    const id = 'kf:ww1:wk1:u';
    assert.strictEqual(scheduled.get(id), clock.t + 60_000);
    clock.t += 30_000;
    assert.strictEqual((await e.expire(id)).notice.length, 0, 'an early timer does nothing');
    clock.t += 31_000;
    const out = await e.expire(id);
    assert.deepStrictEqual(out.agent.map((m) => m.payload), [{ type: 'closed', conversationId: id, by: 'timeout' }]);
    assert.strictEqual(scheduled.get(id), null);
    assert.strictEqual((await e.expire(id)).notice.length, 0, 'idempotent');
  });

  it('agent activity reported by the bridge moves the idle deadline', async function () {
    const { e, scheduled, clock } = engine();
    await e.user(msg('转人工', 'act'));
    const id = 'kf:ww1:wk1:act';
    await e.bridge({ event: 'assigned', conversationId: id, agentId: 'a1', agentsOnline: 1 });
    clock.t += 50_000;
    await e.bridge({ event: 'activity', conversationId: id, agentId: 'a1' });
    assert.strictEqual(scheduled.get(id), clock.t + 60_000);
    clock.t += 20_000;
    assert.strictEqual((await e.expire(id)).agent.length, 0, 'not idle yet');
  });

  it('queue timeout returns a waiting conversation to the bot', function () {
    const c = newConversation('x', 1000);
    c.state = 'queued';
    c.since = 1000;
    c.lastActivity = 5000;
    assert.deepStrictEqual(nextDeadline(c, 10_000, 2000), { at: 3000, kind: 'queue' });
    c.state = 'human';
    assert.deepStrictEqual(nextDeadline(c, 10_000, 2000), { at: 15_000, kind: 'idle' });
  });

  it('native transfer calls the interface instead of the bridge', async function () {
    const calls = [];
    const { e, store } = engine({ nativeTransfer: async (w) => calls.push(w.userId) });
    const out = await e.user(msg('转人工', 'n1'));
    assert.deepStrictEqual(calls, ['n1']);
    assert.strictEqual(out.agent.length, 0);
    const c = await store.get('kf:ww1:wk1:n1');
    assert.ok(c);
    assert.deepStrictEqual([c.state, c.agent, c.native], ['human', 'wecom', true]);
    assert.strictEqual((await e.user(msg('你好', 'n1'))).bot.length, 0, 'the bot stays silent');
  });

  it('native transfer leaves app conversations to the agents\' bridge', async function () {
    const calls = [];
    const { e } = engine({ nativeTransfer: async (w) => calls.push(w.userId) });
    const m = msg('转人工', 'a1');
    m.wecom = Object.assign({}, m.wecom, { channel: 'app', openKfId: undefined, conversationId: 'app:ww1:1:a1' });
    const out = await e.user(m);
    assert.deepStrictEqual(calls, []);
    assert.strictEqual(out.agent.length, 1);
    assert.strictEqual(/** @type {ToAgentFrame} */ (out.agent[0].payload).type, 'handoff');
  });
});

describe('agent protocol', function () {
  it('parses valid frames and rejects the rest with a code', function () {
    assert.deepStrictEqual(parseAgentFrame('{"type":"reply","conversationId":"c","text":"hi","id":3}'), { type: 'reply', conversationId: 'c', text: 'hi', id: 3 });
    const code = (s) => {
      try {
        parseAgentFrame(s);
      } catch (e) {
        assert.ok(e instanceof FrameError);
        return e.code;
      }
      return 'ok';
    };
    assert.strictEqual(code('null'), 'bad_json');
    assert.strictEqual(code('"x"'), 'bad_json');
    assert.strictEqual(code('{"type":1}'), 'unknown_type');
    assert.strictEqual(code('{"type":"reply","conversationId":"c","text":"   "}'), 'bad_frame');
    assert.strictEqual(code(JSON.stringify({ type: 'reply', conversationId: 'c', text: 'x'.repeat(5000) })), 'too_long');
    assert.strictEqual(code('{"type":"accept","conversationId":5}'), 'bad_frame');
  });
});

describe('ConversationStore.sweepIdle', function () {
  const { ConversationStore } = require('../dist/nodes/lib/handoff/conversation-store');
  it('forgets idle conversations with the bot, and keeps recent ones and those with a human', async function () {
    let now = 1_000_000;
    const store = new ConversationStore(new MemoryStore(), () => now);
    await store.update('old-bot', (c) => { c.lastActivity = now; });
    await store.update('old-human', (c) => { c.state = 'human'; c.agent = 'a1'; c.lastActivity = now; });
    now += 10_000;
    await store.update('fresh-bot', (c) => { c.lastActivity = now; });
    assert.equal(await store.sweepIdle(5_000), 1);
    assert.equal(await store.get('old-bot'), undefined);
    assert.equal((await store.get('old-human'))?.state, 'human');
    assert.ok(await store.get('fresh-bot'));
    assert.deepEqual(await store.active(), ['old-human']);
  });
});
