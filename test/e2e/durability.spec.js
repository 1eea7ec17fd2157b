'use strict';
// Exactly once to the user, end to end, with real processes: Node-RED runs in a child process on a user dir
// with the local (disk) state store; a steady stream of text callbacks is interrupted by kill -9, SIGTERM or
// a full redeploy; Node-RED is started again on the same user dir; every callback that was not acknowledged
// is re-sent WeCom-style (same body), and some acknowledged ones too (a lost 200). The simulator counts the
// answers: every message is answered exactly once.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { textXml, sealed } = require('../helpers/fixtures');
const { startSim, simAccount } = require('../helpers/simulator');
const { until, sleep } = require('../helpers/runtime');
const { agentClient } = require('../helpers/agent-client');
const { startRed } = require('../helpers/red-process');

const CB = '/wecom/cb';

function writeFlow(userDir, sim) {
  const acc = simAccount('acc', sim);
  const flow = [
    { id: 'tab', type: 'tab', label: 'durability' },
    acc.node,
    { id: 'in', z: 'tab', type: 'wecom-in', account: 'acc', path: CB, replayAfterSec: 1, wires: [['tpl']] },
    { id: 'tpl', z: 'tab', type: 'template', field: 'payload', fieldType: 'msg', syntax: 'mustache', output: 'str', template: 're:{{payload}}', wires: [['out']] },
    { id: 'out', z: 'tab', type: 'wecom-out', account: 'acc', replayAfterSec: 1, dupCheckSec: 600, wires: [[]] },
  ];
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(acc.credentials));
  return flow;
}

function post(port, pathAndQs, body, headers) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQs, method: 'POST', headers: Object.assign({ 'content-type': 'text/xml' }, headers || {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(10000, () => req.destroy());
    req.end(body);
  });
}

let msgSeq = 8800000000000000000n;
function makeMessages(prefix, n, users) {
  return Array.from({ length: n }, (_, i) => {
    const text = `${prefix}-${i}`;
    const s = sealed(textXml(text, { user: `${prefix}u${i % users}`, msgId: String(msgSeq++) }));
    return { text, user: `${prefix}u${i % users}`, qs: s.qs, body: s.body, acked: false };
  });
}

describe('e2e durability: real Node-RED processes, kill -9 / SIGTERM / redeploy', function () {
  this.timeout(120000);
  let sim;
  const dirs = [];
  let red = null;

  before(async () => {
    sim = await startSim();
  });
  afterEach(async () => {
    if (red && red.child.exitCode === null) {
      red.child.kill('SIGKILL');
      await red.exited;
    }
    red = null;
  });
  after(async () => {
    await sim.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const answers = (text) => sim.records().filter((r) => r.direction === 'bot' && r.text === `re:${text}`).length;

  function freshDir() {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-durability-'));
    dirs.push(d);
    writeFlow(d, sim);
    return d;
  }

  /** Post `msgs` at a steady pace (~50/s), calling `disrupt` when `at` of them have been fired. */
  async function stream(msgs, at, disrupt) {
    const inFlight = [];
    for (let i = 0; i < msgs.length; i++) {
      if (i === at) await disrupt();
      const m = msgs[i];
      const port = red.port;
      inFlight.push(post(port, CB + m.qs, m.body).then((status) => (m.acked = m.acked || status === 200)));
      await sleep(20);
    }
    await Promise.all(inFlight);
  }

  /** WeCom re-sends what got no 200 until it does; and re-sends `lost` acknowledged ones (their 200 was lost). */
  async function resend(msgs, lost) {
    for (const m of lost) assert.equal(await post(red.port, CB + m.qs, m.body), 200);
    for (const m of msgs.filter((x) => !x.acked)) {
      let last = 0;
      await until(async () => (m.acked = (last = await post(red.port, CB + m.qs, m.body)) === 200), `a 200 for the re-sent ${m.text} (last status ${last})`, 20000);
    }
  }

  async function exactlyOnce(msgs) {
    await until(() => msgs.every((m) => answers(m.text) >= 1), 'an answer to every message', 40000).catch((err) => {
      err.message += ` (unanswered: ${msgs.filter((m) => answers(m.text) === 0).map((m) => m.text).join(' ')})`;
      throw err;
    });
    // Long enough for any replay (replayAfterSec 1) to have produced a second answer.
    await sleep(2500);
    const wrong = msgs.filter((m) => answers(m.text) !== 1).map((m) => `${m.text}×${answers(m.text)}`);
    assert.deepEqual(wrong, [], 'every message answered exactly once');
  }

  for (const kind of ['kill -9', 'SIGTERM']) {
    it(`${kind} in the middle of a stream: every acknowledged message answered exactly once; re-sends not processed again`, async () => {
      const dir = freshDir();
      red = await startRed(dir);
      const prefix = kind === 'SIGTERM' ? 'term' : 'kill';
      const msgs = makeMessages(prefix, 120, 12);
      let downAt = 0;
      await stream(msgs, 60, async () => {
        red.child.kill(kind === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL');
        downAt = Date.now();
        await red.exited;
      });
      assert.ok(downAt > 0);
      const ackedBefore = msgs.filter((m) => m.acked);
      assert.ok(ackedBefore.length >= 10, 'a good part was acknowledged before the stop');
      assert.ok(msgs.some((m) => !m.acked), 'some callbacks went unacknowledged (the process was down)');
      red = await startRed(dir);
      await resend(msgs, ackedBefore.slice(-10));
      await exactlyOnce(msgs);
    });
  }

  it('a full redeploy in the middle of a stream: every message answered exactly once', async () => {
    const dir = freshDir();
    red = await startRed(dir);
    const flow = JSON.parse(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'));
    const msgs = makeMessages('dep', 120, 12);
    await stream(msgs, 60, async () => {
      const body = JSON.stringify(flow);
      const status = await new Promise((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port: red.port, path: '/flows', method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
      assert.ok(status === 200 || status === 204, `deploy answered ${status}`);
    });
    await resend(msgs, msgs.filter((m) => m.acked).slice(0, 5));
    await exactlyOnce(msgs);
  });

  it('微信客服: kill -9 in the middle of a stream of pulled messages: every customer message answered exactly once', async () => {
    const dir = freshDir();
    red = await startRed(dir);
    const setUrl = () => sim.setCallbackUrl(`http://127.0.0.1:${red.port}${CB}`);
    setUrl();
    const texts = Array.from({ length: 60 }, (_, i) => `kf-${i}`);
    const says = [];
    try {
      for (let i = 0; i < texts.length; i++) {
        if (i === 30) {
          red.child.kill('SIGKILL');
          await red.exited;
        }
        // Not awaited: while the process is down the simulator's callbacks fail (the messages wait in sync_msg).
        says.push(sim.userSays({ channel: 'kf', userId: `kfu${i % 15}`, text: texts[i] }).catch(() => undefined));
        await sleep(20);
      }
      red = await startRed(dir);
      setUrl();
      // The next callback pulls from the stored cursor; what the killed run recorded is replayed from the inbox.
      // (at most 5 replies per customer message: 15 customers keep the replies to what waited within it)
      await sim.userSays({ channel: 'kf', userId: 'kfu-after', text: 'kf-after' });
      await Promise.all(says);
      await exactlyOnce([...texts, 'kf-after'].map((text) => ({ text })));
    } finally {
      sim.setCallbackUrl('');
    }
  });

  it('the same answer to one user twice, with a restart in between, reaches the user twice', async () => {
    const dir = freshDir();
    red = await startRed(dir);
    const [a] = makeMessages('same', 1, 1);
    const b = Object.assign({}, a, sealed(textXml(a.text, { user: a.user, msgId: String(msgSeq++) })));
    assert.equal(await post(red.port, CB + a.qs, a.body), 200);
    await until(() => answers(a.text) === 1, 'the first answer', 20000);
    red.child.kill('SIGTERM');
    await red.exited;
    red = await startRed(dir);
    assert.equal(await post(red.port, CB + b.qs, b.body), 200);
    await until(() => answers(a.text) === 2, 'the identical second answer after the restart', 20000);
    const sameUser = sim.records().filter((r) => r.direction === 'bot' && r.userId === a.user);
    assert.equal(sameUser.length, 2);
  });

  it('a handoff made 1 s before a kill -9 is still with its agent afterwards', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-durability-'));
    dirs.push(dir);
    const acc = simAccount('acc', sim);
    const TOKEN = 'durability-agent-token-Wq4Xz8';
    const flow = [
      { id: 'tab', type: 'tab', label: 'handoff durability' },
      acc.node,
      { id: 'in', z: 'tab', type: 'wecom-in', account: 'acc', path: CB, replayAfterSec: 1, wires: [['h']] },
      { id: 'h', z: 'tab', type: 'handoff', wires: [['tpl'], ['b'], ['out']] },
      { id: 'tpl', z: 'tab', type: 'template', field: 'payload', fieldType: 'msg', syntax: 'mustache', output: 'str', template: 're:{{payload}}', wires: [['out']] },
      { id: 'b', z: 'tab', type: 'ws-bridge', mode: 'server', path: '/wecom/ws', graceSec: 60, wires: [['out'], ['h']] },
      { id: 'out', z: 'tab', type: 'wecom-out', account: 'acc', replayAfterSec: 1, wires: [[]] },
    ];
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow));
    fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(Object.assign({ b: { token: TOKEN } }, acc.credentials)));
    const connect = () => {
      const a = agentClient(`ws://127.0.0.1:${red.port}/wecom/ws`, { agent: 'a1', token: TOKEN });
      return a.opened.then(() => a);
    };
    red = await startRed(dir);
    let a1 = await connect();
    const user = 'hx' + Date.now().toString(36);
    const [m1] = makeMessages(user, 1, 1);
    const m1b = Object.assign({}, m1, sealed(textXml('转人工', { user, msgId: String(msgSeq++) })));
    assert.equal(await post(red.port, CB + m1b.qs, m1b.body), 200);
    const handed = await a1.next('handoff', 10000);
    await sleep(1000);
    red.child.kill('SIGKILL');
    await red.exited;
    red = await startRed(dir);
    a1 = await connect();
    const welcome = await a1.next('welcome', 10000);
    assert.ok(JSON.stringify(welcome).includes(handed.conversationId), 'the conversation is still the agent\'s');
    const m2 = sealed(textXml('重启后还在吗', { user, msgId: String(msgSeq++) }));
    assert.equal(await post(red.port, CB + m2.qs, m2.body), 200);
    const fwd = await a1.next('message', 10000);
    assert.equal(fwd.text, '重启后还在吗');
    a1.send({ type: 'reply', conversationId: handed.conversationId, text: '在的' });
    await until(() => sim.records().some((r) => r.direction === 'bot' && r.userId === user && r.text === '在的'), 'the agent\'s reply at the user', 10000);
    assert.equal(sim.records().filter((r) => r.direction === 'bot' && r.userId === user && r.text.startsWith('re:')).length, 0, 'the bot stayed silent');
    a1.ws.terminate();
  });
});
