// Pieces of a local cluster (used by `npm run cluster`, the multi-instance tests and the Redis bench):
//  - startInstance(): one Node-RED with this package and the bundled flow, as a child process, with a
//    state store chosen by its environment (REDIS_URL → Redis);
//  - startProxy(): a small round-robin HTTP + WebSocket proxy on loopback (no sticky sessions), which skips
//    an upstream that refuses connections, like nginx's `proxy_next_upstream error`.
// Loopback only. Requires `npm run build` first (it runs dist/).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const http = require('node:http');
const { fork } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');

/** The sandbox credentials every instance of one cluster shares (one WeCom app). */
function clusterCredentials() {
  const { generateCredentials } = require(path.join(ROOT, 'dist', 'sandbox', 'start.js'));
  return generateCredentials();
}

/** WECOM_* environment for an instance talking to `apiBase` (the simulator) with credentials `c`. */
function wecomEnv(c, apiBase) {
  return {
    WECOM_CORP_ID: c.corpId,
    WECOM_AGENT_ID: c.agentId,
    WECOM_AGENT_SECRET: c.agentSecret,
    WECOM_KF_SECRET: c.kfSecret,
    WECOM_TOKEN: c.token,
    WECOM_ENCODING_AES_KEY: c.encodingAESKey,
    WECOM_AGENT_WS_TOKEN: c.agentWsToken,
    WECOM_API_BASE: apiBase,
  };
}

/**
 * Start one instance. opts: { env (merged over process.env), userDir (default: a new temp dir), flows (an
 * array to deploy instead of the bundled example), name, quiet (default true), log (fn for its output) }.
 * Resolves to { name, url, port, pid, userDir, stop(), kill(), exited }.
 */
function startInstance(opts = {}) {
  const userDir = opts.userDir || fs.mkdtempSync(path.join(os.tmpdir(), `wecom-${opts.name || 'node'}-`));
  if (opts.flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(opts.flows, null, 2));
  const env = { ...process.env, ...(opts.env || {}), WECOM_CLUSTER_USER_DIR: userDir, WECOM_CLUSTER_QUIET: opts.quiet === false ? '0' : '1' };
  // cwd = the user dir: relative file names in a flow (the transcript file node) land there.
  const child = fork(path.join(__dirname, 'cluster-instance.js'), [], { cwd: userDir, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const log = opts.log || (() => {});
  const tail = [];
  const onOut = (d) => {
    for (const line of d.toString('utf8').split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
      log(`[${opts.name || child.pid}] ${line}`);
    }
  };
  // stdio is ['ignore', 'pipe', 'pipe', 'ipc'], so both streams exist
  /** @type {import('node:stream').Readable} */ (child.stdout).on('data', onOut);
  /** @type {import('node:stream').Readable} */ (child.stderr).on('data', onOut);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`instance ${opts.name || ''} did not start: ${why}\n${tail.join('\n')}`));
    const early = (code, signal) => fail(`exited (${code ?? signal})`);
    child.once('exit', early);
    child.on('message', (msg) => {
      const m = /** @type {{ type?: string, url: string, port: number } | null} */ (msg);
      if (!m || m.type !== 'started') return;
      child.off('exit', early);
      const stopWith = async (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolve({
        name: opts.name || String(child.pid),
        url: m.url,
        port: m.port,
        pid: child.pid,
        userDir,
        exited,
        stop: () => stopWith('SIGTERM'),
        kill: () => stopWith('SIGKILL'),
        logTail: () => tail.join('\n'),
      });
    });
  });
}

/**
 * A round-robin reverse proxy for HTTP and WebSocket upgrades on 127.0.0.1. upstreams: [{ host, port }].
 * opts.port (default 0), opts.extra(req, res) → true when it answered a request itself (e.g. the
 * simulator pages of the demo). Resolves to { url, port, upstreams, close(), counts }.
 */
function startProxy(upstreams, opts = {}) {
  let next = 0;
  const counts = upstreams.map(() => 0);
  const order = () => {
    const start = next++ % upstreams.length;
    return upstreams.map((_, i) => (start + i) % upstreams.length);
  };
  const MAX_BODY = 32 << 20;
  const sockets = new Set();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const server = http.createServer((req, res) => {
    if (opts.extra && opts.extra(req, res)) return;
    // The body is kept so that a refused upstream can be skipped (nothing was sent to it yet).
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const tries = order();
      const attempt = (k) => {
        if (k >= tries.length) {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          return res.end('no upstream available');
        }
        const i = tries[k];
        const u = upstreams[i];
        const up = http.request(
          { agent, host: u.host || '127.0.0.1', port: u.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress } },
          (upRes) => {
            counts[i]++;
            res.writeHead(upRes.statusCode || 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', (err) => {
          // Refused: nothing reached that upstream, try the next. Anything else may have been processed: 502
          // (WeCom re-sends; the instances' dedupe makes that safe).
          if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ECONNREFUSED' && !res.headersSent) return attempt(k + 1);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('upstream error');
        });
        res.on('close', () => up.destroy());
        up.end(body);
      };
      attempt(0);
    });
  });

  server.on('upgrade', (req, client, head) => {
    const tries = order();
    const attempt = (k) => {
      if (k >= tries.length) return client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
      const i = tries[k];
      const u = upstreams[i];
      const up = net.connect({ host: u.host || '127.0.0.1', port: u.port });
      let connected = false;
      up.once('connect', () => {
        connected = true;
        counts[i]++;
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let j = 0; j < req.rawHeaders.length; j += 2) lines.push(`${req.rawHeaders[j]}: ${req.rawHeaders[j + 1]}`);
        up.write(lines.join('\r\n') + '\r\n\r\n');
        if (head && head.length) up.write(head);
        up.pipe(client);
        client.pipe(up);
        sockets.add(up);
        sockets.add(client);
      });
      up.on('error', () => {
        if (!connected) return attempt(k + 1);
        client.destroy();
      });
      client.on('error', () => up.destroy());
      up.on('close', () => {
        sockets.delete(up);
        client.destroy();
      });
      client.on('close', () => {
        sockets.delete(client);
        up.destroy();
      });
    };
    attempt(0);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, '127.0.0.1', () => {
      const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        upstreams,
        counts,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            agent.destroy();
            server.closeAllConnections?.();
            server.close(() => r(undefined));
          }),
      });
    });
  });
}

let msgSeq = 7300000000000000000n + BigInt(Date.now()) * 1000n;
/**
 * An encrypted app text callback from `user` as WeCom sends it: { path, body, msgId } (path includes the query).
 * The same object posted twice is a WeCom re-send.
 */
function appTextCallback(c, user, text, msgId = String(msgSeq++)) {
  const dist = (m) => require(path.join(ROOT, 'dist', 'nodes', 'lib', 'wecom', m));
  const { sealCallback } = dist('callback');
  const { aesKeyFrom } = dist('crypto');
  const { buildXml } = dist('xml');
  const inner = buildXml({ ToUserName: c.corpId, FromUserName: user, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: text, MsgId: msgId, AgentID: Number(c.agentId) });
  const keys = { token: c.token, aesKey: aesKeyFrom(c.encodingAESKey), receiveId: c.corpId };
  const { query, body } = sealCallback(keys, inner, c.agentId);
  return { path: `/wecom/callback?${new URLSearchParams(query)}`, body, msgId, user };
}

/** The plaintext of a passive reply in a callback answer (WeCom's encrypted envelope), or null. */
function passiveReplyText(c, envelope) {
  if (!envelope || !envelope.trim()) return null;
  const dist = (m) => require(path.join(ROOT, 'dist', 'nodes', 'lib', 'wecom', m));
  const { parseXml, str } = dist('xml');
  const { decrypt, aesKeyFrom } = dist('crypto');
  const env = parseXml(envelope);
  const inner = parseXml(decrypt(aesKeyFrom(c.encodingAESKey), str(env, 'Encrypt'), c.corpId).message);
  return str(inner, 'Content') || `[${str(inner, 'MsgType')}]`;
}

/** POST one callback to `baseUrl`; resolves { status, passive (reply text or null) } — status 0 when unreachable. */
function postCallback(c, baseUrl, cb, agent) {
  return new Promise((resolve) => {
    const req = http.request(new URL(cb.path, baseUrl), { method: 'POST', agent, headers: { 'content-type': 'text/xml' }, timeout: 15000 }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        let passive = null;
        if (res.statusCode === 200) {
          try {
            passive = passiveReplyText(c, Buffer.concat(chunks).toString('utf8'));
          } catch {
            passive = null;
          }
        }
        resolve({ status: res.statusCode, passive });
      });
      res.on('error', () => resolve({ status: 0, passive: null }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, passive: null }));
    req.end(cb.body);
  });
}

module.exports = { ROOT, clusterCredentials, wecomEnv, startInstance, startProxy, appTextCallback, passiveReplyText, postCallback };
