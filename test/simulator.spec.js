'use strict';
// The WeCom simulator's own contract: HTTP control surface (/_sim/*, CORS, SSE) and WeCom-like
// callback delivery (encrypted POSTs, re-sends when no answer comes in time).
const assert = require('node:assert/strict');
const http = require('node:http');
const { openCallback } = require('../dist/nodes/lib/wecom/callback');
const { KEYS } = require('./helpers/fixtures');
const { startSim, waitFor } = require('./helpers/simulator');

function callbackServer(handler) {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/cb` }));
  });
}

describe('WeCom simulator', function () {
  let sim;
  let cb;
  afterEach(async () => {
    if (sim) await sim.stop();
    if (cb) {
      cb.server.closeAllConnections();
      await new Promise((r) => cb.server.close(r));
    }
    sim = cb = null;
  });

  it('POSTs encrypted callbacks that wecom-in can open, and re-sends when no answer comes in time', async function () {
    const bodies = [];
    let calls = 0;
    cb = await callbackServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        calls++;
        const q = Object.fromEntries(new URL(/** @type {string} */ (req.url), 'http://x').searchParams);
        bodies.push(openCallback(KEYS, q, Buffer.concat(chunks).toString()).message);
        if (calls < 3) return; // no answer: the simulator must give up waiting and re-send
        res.end();
      });
    });
    sim = await startSim({ callbackUrl: cb.url, callbackDeadlineMs: 200 });
    const r = await sim.userSays({ channel: 'app', userId: 'zhangsan', text: '重发测试' });
    assert.equal(r.status, 200);
    assert.equal(calls, 3);
    assert.equal(sim.stats().callbackResends, 2);
    for (const b of bodies) {
      assert.equal(b.Content, '重发测试');
      assert.equal(b.MsgId, r.msgId, 'a re-send carries the same MsgId');
    }
  });

  it('offers the control surface over HTTP with CORS: say, records, stream, faults, config', async function () {
    sim = await startSim();
    const cfg = await fetch(`${sim.url}/_sim/config`);
    assert.equal(cfg.headers.get('access-control-allow-origin'), '*');
    const c = await cfg.json();
    assert.deepEqual(c.openKfIds, ['wkSANDBOX01']);
    assert.deepEqual(c.channels, ['app', 'kf']);
    assert.ok(!JSON.stringify(c).includes('secret') && !JSON.stringify(c).includes(KEYS.token));

    const streamed = [];
    const ac = new AbortController();
    const stream = await fetch(`${sim.url}/_sim/stream`, { signal: ac.signal });
    const body = stream.body;
    assert.ok(body);
    const reading = (async () => {
      const dec = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of body) {
          buf += dec.decode(chunk, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (ev.startsWith('data: ')) streamed.push(JSON.parse(ev.slice(6)));
          }
        }
      } catch {
        /* aborted */
      }
    })();

    const pre = await fetch(`${sim.url}/_sim/say`, { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
    const said = await (await fetch(`${sim.url}/_sim/say`, { method: 'POST', body: JSON.stringify({ channel: 'kf', userId: 'wmX', text: 'hi there' }) })).json();
    assert.match(said.msgId, /^\d+$/);
    assert.equal(said.status, 0, 'no callback URL set');
    const recs = await (await fetch(`${sim.url}/_sim/records?since=0`)).json();
    assert.deepEqual(recs.map((r) => [r.direction, r.channel, r.userId, r.text]), [['user', 'kf', 'wmX', 'hi there']]);
    await waitFor(() => streamed.length === 1, 3000, 'the streamed record');
    assert.equal(streamed[0].seq, recs[0].seq);
    const f = await (await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 0.5, latencyMs: 5 }) })).json();
    assert.deepEqual(f, { errorRate: 0.5, latencyMs: 5 });
    ac.abort();
    await reading;
  });

  it('enforces the documented limits: 2048-byte text, wrong secret, expired/invalid tokens, 95002 without a customer message', async function () {
    sim = await startSim();
    const q = new URLSearchParams({ corpid: 'ww1436e0e65a779aee', corpsecret: 'wrong' });
    assert.equal((await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json()).errcode, 40001);
    q.set('corpsecret', 'test-agent-secret-value');
    const tok = (await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json()).access_token;
    const send = async (body, t) => (await fetch(`${sim.url}/cgi-bin/message/send?access_token=${t || tok}`, { method: 'POST', body: JSON.stringify(body) })).json();
    const long = { touser: 'a', msgtype: 'text', agentid: 1000002, text: { content: '字'.repeat(683) } };
    assert.equal((await send(long)).errcode, 45002);
    long.text.content = '字'.repeat(682);
    assert.equal((await send(long)).errcode, 0);
    sim.invalidateTokens();
    assert.equal((await send(long)).errcode, 40014);
    q.set('corpsecret', 'test-kf-secret-value');
    const kt = (await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json()).access_token;
    const kf = await (await fetch(`${sim.url}/cgi-bin/kf/send_msg?access_token=${kt}`, { method: 'POST', body: JSON.stringify({ touser: 'wmNOBODY', open_kfid: 'wkSANDBOX01', msgtype: 'text', text: { content: 'hi' } }) })).json();
    assert.equal(kf.errcode, 95002);
  });
});
