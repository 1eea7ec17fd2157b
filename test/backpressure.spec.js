'use strict';
// Issue 19 (not in test/e2e: it drives Node-RED through the test helper, which cannot run while the e2e specs'
// shared in-process sandbox is up): a burst several times larger than wecom-in's cap on messages in flight, while the WeCom simulator is
// slow. The flow is wecom-in → gate → wecom-out (an echo); the gate holds what reaches it until the test opens it,
// so the inbox's cap is reached for certain: the pump's in-flight counter stops at the cap while the rest of the
// burst waits in the state store (every callback acknowledged), and once the gate opens every message is answered
// exactly once and each user's answers come in the order the user wrote.
const assert = require('node:assert/strict');
const { helper, load, startHttp, stopHttp, httpUrl, until } = require('./helpers/runtime');
const { startSim, simAccount } = require('./helpers/simulator');
const { liveGauges } = require('../dist/nodes/shared/ops/events.js');

const MODS = ['wecom-account', 'wecom-in', 'wecom-out'].map((n) => require(`../dist/nodes/${n}/${n}.js`));
const CAP = 8;
const OUT_CAP = 4; // wecom-out's, from WECOM_MAX_IN_FLIGHT (wecom-in's own setting wins over it)
const USERS = 8;
const PER_USER = 10; // 80 messages: ten times the cap

describe('e2e: backpressure — a burst larger than the in-flight cap waits in the store', function () {
  this.timeout(120000);
  let sim;
  before(() => startHttp());
  after(() => stopHttp());
  beforeEach(async () => {
    sim = await startSim({ callbackUrl: httpUrl('/wecom/cb'), perUserPerMinute: 100000 });
  });
  afterEach(async () => {
    delete process.env.WECOM_MAX_IN_FLIGHT;
    await helper.unload();
    await sim.stop();
  });

  it('never has more than the cap in flight, answers every message once, in each user\'s order', async () => {
    const acc = simAccount('acc', sim);
    process.env.WECOM_MAX_IN_FLIGHT = String(OUT_CAP);
    await load(
      MODS,
      [
        { id: 't', type: 'tab' },
        acc.node,
        { id: 'in', z: 't', type: 'wecom-in', account: 'acc', path: '/wecom/cb', maxInFlight: CAP, wires: [['gate']] },
        { id: 'gate', z: 't', type: 'helper', wires: [['out']] },
        { id: 'out', z: 't', type: 'wecom-out', account: 'acc', wires: [[]] },
      ],
      acc.credentials,
    );
    // The gate: holds messages until opened, then passes them (and every later one) on in arrival order.
    const gate = helper.getNode('gate');
    const held = [];
    let open = false;
    gate.on('input', (m) => (open ? gate.send(m) : held.push(m)));
    sim.setFaults({ latencyMs: 150 }); // a slow WeCom: every API call waits

    const burst = [];
    for (let u = 0; u < USERS; u++) {
      // One user's messages one after another (their order is the order WeCom delivers them); users in parallel.
      burst.push(
        (async () => {
          const statuses = [];
          for (let i = 0; i < PER_USER; i++) statuses.push((await sim.userSays({ channel: 'app', userId: `bp${u}`, text: `bp${u}-${i}` })).status);
          return statuses;
        })(),
      );
    }
    const statuses = (await Promise.all(burst)).flat();
    assert.deepEqual(statuses, new Array(USERS * PER_USER).fill(200), 'every callback acknowledged at once, the flow notwithstanding');

    // Every message recorded; only CAP of them emitted, the rest waiting in the store.
    const full = await until(() => {
      const b = liveGauges().backlog;
      return b && b.depth === USERS * PER_USER && b.inFlight === CAP ? b : null;
    }, 'the backlog reading: all recorded, the cap in flight', 20000);
    assert.equal(full.maxInFlight, CAP);
    assert.equal(held.length, CAP, 'the inbox emitted the cap and stopped');
    assert.equal(full.inFlightPeak, CAP, 'never more than the cap in flight');

    open = true;
    for (const m of held.splice(0)) gate.send(m);
    const answers = await until(() => {
      const got = sim.records().filter((r) => r.direction === 'bot');
      return got.length >= USERS * PER_USER ? got : null;
    }, 'every message answered', 90000);

    const texts = answers.map((r) => r.text);
    assert.equal(new Set(texts).size, texts.length, 'no message answered twice');
    for (let u = 0; u < USERS; u++) {
      const mine = answers.filter((r) => r.userId === `bp${u}`).map((r) => r.text);
      assert.deepEqual(mine, Array.from({ length: PER_USER }, (_, i) => `bp${u}-${i}`), `user bp${u}: every message once, in order`);
    }
    const [inbox, outbox] = await until(() => {
      const g = liveGauges();
      return g.backlog && g.backlog.depth === 0 && g.outbox && g.outbox.depth === 0 ? [g.backlog, g.outbox] : null;
    }, 'both backlogs empty', 20000);
    assert.ok(inbox.inFlightPeak <= CAP, `in flight peaked at ${inbox.inFlightPeak}, over the cap ${CAP}`);
    // wecom-out reads at most 4 × its cap of entries not yet sent, however slow WeCom is.
    assert.equal(outbox.maxInFlight, 4 * OUT_CAP);
    assert.ok(outbox.inFlightPeak <= 4 * OUT_CAP, `the outbox had ${outbox.inFlightPeak} entries in flight, over ${4 * OUT_CAP}`);
  });
});
