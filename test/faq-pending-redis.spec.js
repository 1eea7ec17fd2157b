'use strict';
// faq-lookup's pending did-you-mean across instances: two Node-RED processes (scripts/cluster-lib.js) on one real
// redis-server, each with the same small flow (http in → faq-lookup → http response). A suggestion offered by
// instance A is answered on instance B — typed "2", a menu tap, "none of these" — and gets the entry A offered.
const assert = require('node:assert/strict');
const rs = require('./helpers/redis-server');
const { request } = require('./helpers/runtime');
const cl = require('../scripts/cluster-lib');
const { REFUND_KB } = require('./helpers/fixtures');

const KB = REFUND_KB;

/** POST /faq {text, wecom} → the message as it left faq-lookup: {port, payload, faq, handoff}. */
function faqFlow() {
  const port = (n) => ({ id: `port${n}`, z: 't', type: 'function', func: `msg.payload = { port: ${n}, payload: msg.payload, faq: msg.faq, handoff: msg.handoff }; return msg;`, outputs: 1, wires: [['res']] });
  return [
    { id: 't', type: 'tab', label: 'faq' },
    { id: 'in', z: 't', type: 'http in', url: '/faq', method: 'post', wires: [['unwrap']] },
    { id: 'unwrap', z: 't', type: 'function', func: 'msg.wecom = msg.payload.wecom; msg.topic = msg.wecom.conversationId; msg.payload = msg.payload.text; return msg;', outputs: 1, wires: [['faq']] },
    { id: 'faq', z: 't', type: 'faq-lookup', version: 2, entries: KB, answerConfidence: 0.99, suggestConfidence: 0.01, suggestTtl: 300, wires: [['port0'], ['port1'], ['port2']] },
    port(0), port(1), port(2),
    { id: 'res', z: 't', type: 'http response', wires: [] },
  ];
}

describe('faq-lookup on two Node-REDs sharing Redis: a did-you-mean offered on one is answered on the other', function () {
  this.timeout(120000);
  if (rs.missing()) return;
  let redis;
  let A;
  let B;
  let seq = 0;
  const conv = `kf:ww-test:wk-test:cust${Date.now().toString(36)}`;

  /** The customer's message on `instance`; `menuId` for a tap. */
  async function say(instance, text, menuId) {
    const wecom = { channel: 'kf', conversationId: conv, userId: 'cust', openKfId: 'wk-test', msgType: 'text', msgId: `m${++seq}`, ...(menuId ? { menuId } : {}) };
    const r = await request('POST', `${instance.url}/faq`, JSON.stringify({ text, wecom }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body);
  }
  /** A asks; resolves the suggestion (its menu and candidates). */
  async function offerOnA() {
    const r = await say(A, '退款的事');
    assert.equal(r.port, 1, 'a suggestion');
    assert.equal(r.payload.msgtype, 'msgmenu');
    assert.ok(r.faq.candidates.length >= 2, 'two entries offered');
    return { items: r.payload.msgmenu.list.map((i) => i.click), candidates: r.faq.candidates };
  }

  before(async function () {
    redis = await rs.start();
    const env = { ...cl.wecomEnv(cl.clusterCredentials(), 'http://127.0.0.1:9'), WECOM_STATE: 'redis', REDIS_URL: redis.url, WECOM_REDIS_PREFIX: 'faqpending:' };
    [A, B] = await Promise.all([cl.startInstance({ name: 'A', env, flows: faqFlow() }), cl.startInstance({ name: 'B', env, flows: faqFlow() })]);
  });
  after(async function () {
    await Promise.all([A, B].filter(Boolean).map((i) => i.stop()));
    if (redis) await redis.destroy();
  });

  it('"2" typed on B answers the second entry A offered; the suggestion is then used up on both', async function () {
    const { candidates } = await offerOnA();
    const picked = await say(B, '2');
    assert.deepEqual([picked.port, picked.faq.id, picked.faq.choice, picked.payload], [0, candidates[1].id, 'number', KB.find((e) => e.id === candidates[1].id)?.answer]);
    for (const again of [await say(A, '2'), await say(B, '1')]) assert.notEqual(again.faq.choice, 'number', 'no second pick');
  });

  it('a menu tap on B answers the tapped entry; "none of these" on B asks for a person', async function () {
    const first = await offerOnA();
    const tap = await say(B, first.items[0].content, first.items[0].id);
    assert.deepEqual([tap.port, tap.faq.id, tap.faq.choice], [0, first.candidates[0].id, 'menu']);

    const second = await offerOnA();
    const none = second.items.at(-1);
    const declined = await say(B, none.content, none.id);
    assert.deepEqual([declined.port, declined.faq.id, declined.faq.choice, declined.handoff], [2, null, 'none', { action: 'transfer', reason: 'faq_declined' }]);
  });

  it("a tap on an older offer's menu on B is a new question, not a pick", async function () {
    const old = await offerOnA();
    await offerOnA(); // a newer suggestion replaces it
    const stale = await say(B, old.items[1].content, old.items[1].id);
    assert.equal(stale.faq.choice, 'stale');
  });
});
