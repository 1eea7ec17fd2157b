'use strict';
// The message lifecycle's parts: the passive-reply slots as a service per account (lib/wecom/passive-reply.ts: first
// come wins, a slot answers once), and the contract's kinds every receiver reads (lib/contract/kinds.ts).
const assert = require('node:assert/strict');
const { PassiveReplies } = require('../dist/nodes/lib/wecom/passive-reply');

describe('passive-reply: slots per account', function () {
  it('a claimed slot answers with the reply, once', () => {
    const p = new PassiveReplies();
    /** @type {Array<string | null>} */
    const answers = [];
    const key = p.open(4000, (xml) => answers.push(xml));
    const answer = p.claim(key);
    assert.ok(answer);
    assert.equal(p.claim(key), null, 'a second claim finds nothing');
    answer('<xml>a</xml>');
    answer('<xml>b</xml>');
    p.release(key);
    assert.deepEqual(answers, ['<xml>a</xml>']);
    assert.equal(p.size, 0);
  });

  it('a released slot answers empty and cannot be claimed', () => {
    const p = new PassiveReplies();
    /** @type {Array<string | null>} */
    const answers = [];
    const key = p.open(4000, (xml) => answers.push(xml));
    p.release(key);
    assert.deepEqual(answers, [null]);
    assert.equal(p.claim(key), null);
  });

  it('an expired slot answers empty', async () => {
    const p = new PassiveReplies();
    const answered = new Promise((resolve) => p.open(5, resolve));
    assert.equal(await answered, null);
    assert.equal(p.size, 0);
  });

  it("one account's slot is not another account's", () => {
    const a = new PassiveReplies();
    const b = new PassiveReplies();
    const key = a.open(4000, () => undefined);
    assert.equal(b.claim(key), null);
    assert.ok(a.claim(key));
  });
});

describe('contract kinds: what a message arriving at a node is', function () {
  const { messageKind, isFaqMiss } = require('../dist/nodes/lib/contract/kinds');
  /** @type {import('../dist/nodes/lib/contract/wecom-meta').WecomMeta} */
  const wecom = { channel: 'app', corpId: 'c', agentId: '1', userId: 'u', msgType: 'text', msgId: '1', createTime: 1, conversationId: 'app:c:1:u', raw: {} };

  it('reads the tags most specific first', () => {
    assert.equal(messageKind({ wecom, wecomResult: { errcode: 0, channel: 'app', msgtype: 'text', msgids: [], parts: 1 } }), 'sendResult');
    assert.equal(messageKind({ wecom, error: { message: 'x' } }), 'sendError');
    assert.equal(messageKind({ wecom, bridge: { event: 'reply' } }), 'bridgeEvent');
    assert.equal(messageKind({ wecom, payload: 'hi' }), 'user');
    assert.equal(messageKind({ wecom: { ...wecom, conversationId: '' } }), 'other');
    assert.equal(messageKind({ payload: 'hi' }), 'other');
  });

  it('a FAQ miss is an entry-less msg.faq or one marked missed', () => {
    assert.equal(isFaqMiss({ id: null }), true);
    assert.equal(isFaqMiss({ id: 'f1', miss: true }), true);
    assert.equal(isFaqMiss({ id: 'f1', outcome: 'miss' }), true);
    assert.equal(isFaqMiss({ id: 'f1' }), false);
    assert.equal(isFaqMiss(undefined), false);
  });
});
