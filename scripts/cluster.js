#!/usr/bin/env node
// `npm run cluster`: the whole multi-instance set-up on this machine, for a demo — a redis-server from PATH
// (or $REDIS_URL) on a free port, the WeCom simulator, two Node-RED instances sharing that Redis, and a
// round-robin proxy (no sticky sessions) on $PORT (default 3416) in front of them. Loopback only.
// Ctrl-C stops everything.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { clusterCredentials, wecomEnv, startInstance, startProxy, ROOT } = require('./cluster-lib');
const redisServer = require('../test/helpers/redis-server');

const INSTANCES = Math.max(2, Number(process.env.CLUSTER_SIZE) || 2);

/** The demo pages of the proxy: /sandbox/config.json and /sandbox/sim/* → the simulator's /_sim/*. */
function demoPages(sim, creds) {
  return (req, res) => {
    const url = req.url || '/';
    if (url.split('?')[0] === '/sandbox/config.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ sandboxMode: true, simulator: true, agentWsPath: '/wecom/ws', corpId: creds.corpId, agentId: creds.agentId, openKfIds: creds.openKfIds }));
      return true;
    }
    if (!url.startsWith('/sandbox/sim/')) return false;
    const target = new URL(`/_sim/${url.slice('/sandbox/sim/'.length)}`, sim.url);
    const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode || 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
    return true;
  };
}

(async () => {
  const { startSimulator } = require(path.join(ROOT, 'dist', 'sandbox', 'simulator'));
  let redis = null;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    if (!redisServer.available()) {
      console.error('redis-server not found on PATH. Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL.');
      process.exit(1);
    }
    redis = await redisServer.start();
    redisUrl = redis.url;
  }
  const creds = clusterCredentials();
  const sim = await startSimulator({ port: 0, ...creds, openKfIds: creds.openKfIds });
  const env = { ...wecomEnv(creds, sim.url), REDIS_URL: redisUrl, WECOM_STATE: 'redis' };
  const nodes = [];
  for (let i = 0; i < INSTANCES; i++) {
    nodes.push(await startInstance({ name: `node${i + 1}`, env, log: (l) => console.log(l) }));
  }
  const proxy = await startProxy(
    nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    { port: Number(process.env.PORT) || 3416, extra: demoPages(sim, creds) },
  );
  sim.setCallbackUrl(`${proxy.url}/wecom/callback`);

  console.log(
    [
      '',
      '  node-red-contrib-wecom — local cluster (sandbox: WeCom is simulated on loopback)',
      '',
      `  Redis                ${redis ? `${redisUrl} (redis-server, data in ${redis.dir})` : 'REDIS_URL'}`,
      ...nodes.map((n) => `  Instance ${n.name.padEnd(11)} ${n.url}/   (editor; user dir ${n.userDir})`),
      `  Round-robin proxy    ${proxy.url}/   (callbacks, agents' WebSocket and pages go through here)`,
      `  WeChat user page     ${proxy.url}/sandbox/user.html`,
      `  Agent console        ${proxy.url}/wecom/console/#token=${encodeURIComponent(creds.agentWsToken)}&agent=sandbox-agent`,
      '',
      `  Try: kill -9 one instance (pids ${nodes.map((n) => n.pid).join(', ')}) and keep chatting.`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('\nstopping…');
    await proxy.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await sim.stop();
    if (redis) await redis.destroy();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
})().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
