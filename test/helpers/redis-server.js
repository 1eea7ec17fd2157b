// A real redis-server for tests and scripts: loopback only, a free port, its own temp dir, append-only file
// fsynced on every write (so a stop/start keeps everything acknowledged). Also stop/start for outage tests.
//
//   const rs = require('./helpers/redis-server');
//   if (!rs.available()) { console.log(rs.HOW_TO_GET); this.skip(); }
//   const server = await rs.start();   // { url, port, dir, stop(), start(), kill(), cli(...args) }
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const HOW_TO_GET =
  'redis-server not found on PATH: the Redis tests are skipped. Install it (Debian/Ubuntu: `apt-get install -y redis-server`; macOS: `brew install redis`) and run the tests again.';

let found;
/** The redis-server binary on PATH (or $REDIS_SERVER), or null. */
function available() {
  if (found !== undefined) return found;
  const candidates = [process.env.REDIS_SERVER, 'redis-server'];
  found = null;
  for (const c of candidates) {
    if (!c) continue;
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      found = c;
      break;
    } catch {
      /* next */
    }
  }
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Send one inline command over a raw socket; resolves to the first reply line (or rejects). */
function rawCommand(port, line, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    sock.on('connect', () => sock.write(line + '\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        clearTimeout(t);
        sock.end();
        resolve(buf.slice(0, i));
      }
    });
    sock.on('error', (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

async function waitFor(pred, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > until) throw new Error(`redis-server: ${what} timed out`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/**
 * Start a redis-server. Options: { port } to reuse a port (restart), { dir } to reuse a data dir,
 * { persist: false } to run without the append-only file, { quiet: true } (default) to keep its log in dir.
 */
async function start(opts = {}) {
  const bin = available();
  if (!bin) throw new Error(HOW_TO_GET);
  const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-redis-'));
  const port = opts.port || (await freePort());
  const persist = opts.persist !== false;
  let child = null;

  const up = async () => {
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', dir,
      '--save', '',
      '--appendonly', persist ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--daemonize', 'no',
      '--logfile', path.join(dir, 'redis.log'),
    ];
    child = spawn(bin, args, { stdio: 'ignore' });
    const me = child;
    let exited = false;
    me.on('exit', () => {
      exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`redis-server exited at start (see ${path.join(dir, 'redis.log')})`);
        try {
          return (await rawCommand(port, 'PING')) === '+PONG';
        } catch {
          return false;
        }
      },
      10000,
      'start',
    );
  };

  const down = async (signal) => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  };

  await up();
  const server = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child ? child.pid : null;
    },
    get running() {
      return child !== null;
    },
    /** Start again on the same port and dir (after stop/kill). */
    start: up,
    /** SIGTERM: Redis finishes writing the append-only file, then exits. */
    stop: () => down('SIGTERM'),
    /** SIGKILL. */
    kill: () => down('SIGKILL'),
    /** One inline command, first reply line (e.g. cli('INFO commandstats') is not suited; use a client). */
    cli: (line) => rawCommand(port, line),
    /** Stop and delete the data dir. */
    async destroy() {
      await down('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Call inside describe(): without redis-server, registers one skipped test that says how to get it and
 * returns true (the caller then returns without defining its Redis tests).
 */
function missing() {
  if (available()) return false;
  it('needs redis-server', function () {
    console.log(`      ${HOW_TO_GET}`);
    this.skip();
  });
  return true;
}

module.exports = { available, missing, start, freePort, HOW_TO_GET };
