'use strict';
// `npm start` with real WeCom credentials never serves the editor / admin API (flows, /context with the
// transcripts, /comms) without a login: with NODE_RED_ADMIN_PASSWORD it requires one; without, it generates a
// password, prints it once and keeps only its hash. The client's address and Host never open it. Started in a child process (Node-RED starts once per process); WeCom's API base points
// at a closed loopback port, so nothing leaves the machine.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ACCOUNT } = require('../helpers/fixtures');
const http = require('node:http');
const WebSocket = require('ws');
const { editorAccess, ADMIN_HASH_FILE } = require('../../dist/sandbox/start.js');

const START = path.join(__dirname, '..', '..', 'dist', 'sandbox', 'start.js');

function startReal(env, userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-login-'))) {
  // started under umask 022: what it writes must still be private
  const script = `process.umask(0o022); require(${JSON.stringify(START)}).startSandbox({ port: 0, userDir: ${JSON.stringify(userDir)}, quiet: true, logFile: ${JSON.stringify(path.join(userDir, 'nr.log'))} }).then((s) => console.log('URL ' + s.url), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/URL (\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    url,
    userDir,
    output: () => out,
    /** Stop the child; keep the user dir when asked (a second start on it). */
    stop: async (keep = false) => {
      child.kill('SIGTERM');
      await exited;
      if (!keep) fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/**
 * A raw HTTP request (fetch cannot set Host).
 * @param {string} base @param {string} method @param {string} p
 * @param {Record<string, string>} [headers] @param {string} [body]
 * @returns {Promise<{status: number, headers: import('node:http').IncomingHttpHeaders, body: string}>}
 */
function raw(base, method, p, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, base), { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What /comms says to a client that subscribes without a login: every frame until the socket closes. */
function commsWithoutLogin(base) {
  return new Promise((resolve, reject) => {
    const frames = [];
    const ws = new WebSocket(new URL('comms', base.replace(/^http/, 'ws')), { headers: { origin: 'https://evil.example' } });
    ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
    ws.on('message', (d) => frames.push(String(d)));
    ws.on('close', () => resolve(frames));
    ws.on('error', reject);
  });
}

async function login(base, password) {
  const res = await fetch(new URL('auth/token', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password }) });
  return { status: res.status, token: res.ok ? (await res.json()).access_token : undefined };
}

const REAL = {
  WECOM_CORP_ID: ACCOUNT.corpId,
  WECOM_AGENT_ID: ACCOUNT.agentId,
  WECOM_AGENT_SECRET: ACCOUNT.agentSecret,
  WECOM_TOKEN: ACCOUNT.token,
  WECOM_ENCODING_AES_KEY: ACCOUNT.encodingAESKey,
  WECOM_API_BASE: 'http://127.0.0.1:9',
  WECOM_AGENT_WS_TOKEN: 'login-test-token',
};


describe('e2e: the editor with real credentials', function () {
  this.timeout(60000);
  let sb;
  before(() => {
    sb = startReal({ ...REAL, NODE_RED_ADMIN_PASSWORD: 'correct horse' });
  });
  after(() => sb && sb.stop());

  it('refuses the admin API without a login and lets the admin in with the password', async function () {
    const base = await sb.url;
    for (const p of ['flows', 'context/global', 'settings']) {
      assert.equal((await fetch(new URL(p, base))).status, 401, `${p} needs a login`);
    }
    const login = await (await fetch(new URL('auth/login', base))).json();
    assert.equal(login.type, 'credentials');
    const bad = await fetch(new URL('auth/token', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password: 'wrong' }) });
    assert.equal(bad.status, 403);
    const tok = await (await fetch(new URL('auth/token', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'admin', password: 'correct horse' }) })).json();
    assert.ok(tok.access_token);
    const flows = await fetch(new URL('flows', base), { headers: { authorization: `Bearer ${tok.access_token}` } });
    assert.equal(flows.status, 200);
    // the WeCom callback stays public (it is signed)
    const forged = await fetch(new URL(`wecom/callback?msg_signature=${'0'.repeat(40)}&timestamp=1&nonce=n`, base), { method: 'POST', body: '<xml><Encrypt>AAAA</Encrypt></xml>' });
    assert.equal(forged.status, 403, 'wecom-in itself answers (signature mismatch), no login asked');
  });

  it('the sandbox editor (no login) answers only requests that name this machine', function () {
    const access = editorAccess(true, {});
    const req = (headers) => /** @type {import('node:http').IncomingMessage} */ (/** @type {unknown} */ ({ headers, socket: { remoteAddress: '127.0.0.1' } }));
    assert.equal(access.allows(req({ host: '127.0.0.1:3416' })), true);
    assert.equal(access.allows(req({ host: 'localhost:3416', origin: 'http://localhost:3416' })), true);
    assert.equal(access.allows(req({ host: 'rebind.evil.example:3416' })), false, 'DNS rebinding');
    assert.equal(access.allows(req({ host: '127.0.0.1:3416', origin: 'https://evil.example' })), false, 'cross-site POST');
    assert.equal(access.allows(req({ host: '127.0.0.1:3416', origin: 'null' })), false);
    assert.equal(editorAccess(true, {}, undefined, '192.168.1.5').allows(req({ host: '192.168.1.5:3416' })), true, 'the listen address');
  });
});

describe('e2e: the editor with real credentials and no admin password', function () {
  this.timeout(60000);
  let sb;
  before(() => {
    sb = startReal({ ...REAL, NODE_RED_ADMIN_PASSWORD: '' });
  });
  after(() => sb && sb.stop());

  it('cross-origin POST /flows, a foreign Host and /comms get nothing; the password printed once logs in', async function () {
    const base = await sb.url;
    const flow = JSON.stringify([{ id: 'evil1', type: 'tab', label: 'evil' }]);
    const attempts = [
      await raw(base, 'POST', 'flows', { origin: 'https://evil.example', 'content-type': 'application/json', 'node-red-deployment-type': 'full' }, flow),
      await raw(base, 'GET', 'flows', { host: 'rebind.evil.example' }),
      await raw(base, 'GET', 'context/global', { host: 'rebind.evil.example' }),
      await raw(base, 'GET', 'settings', { 'x-forwarded-for': '127.0.0.1' }),
    ];
    for (const a of attempts) assert.ok(a.status >= 400, `refused (got ${a.status})`);
    assert.ok(!fs.readFileSync(path.join(sb.userDir, 'flows.json'), 'utf8').includes('evil1'), 'no flow deployed');
    const frames = await commsWithoutLogin(base);
    assert.ok(frames.every((f) => !f.includes('"topic"')), 'no status or log frame');
    assert.ok(frames.some((f) => f.includes('"auth":"fail"')), '/comms refuses the socket');

    // the user dir's data, written under umask 022, is private: folders 0700, files 0600
    for (const f of ['flows.json', ADMIN_HASH_FILE, '.credential-secret']) assert.equal(fs.statSync(path.join(sb.userDir, f)).mode & 0o077, 0, f);
    for (const d of ['wecom-state', 'wecom-events']) {
      const dir = path.join(sb.userDir, d);
      if (!fs.existsSync(dir)) continue;
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700, d);
      for (const f of fs.readdirSync(dir)) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o077, 0, `${d}/${f}`);
    }
    const m = sb.output().match(/Editor password \(user admin, shown only now\): ([A-Za-z0-9]{24})/);
    assert.ok(m, 'the generated password is printed');
    const hash = fs.readFileSync(path.join(sb.userDir, ADMIN_HASH_FILE), 'utf8');
    assert.ok(!hash.includes(m[1]) && /^\$2/.test(hash), 'only its bcrypt hash is stored');
    assert.equal(fs.statSync(path.join(sb.userDir, ADMIN_HASH_FILE)).mode & 0o777, 0o600);
    assert.equal((await login(base, 'wrong')).status, 403);
    const ok = await login(base, m[1]);
    assert.ok(ok.token);
    assert.equal((await fetch(new URL('flows', base), { headers: { authorization: `Bearer ${ok.token}` } })).status, 200);

    // a second start on the same user dir keeps the password and does not print it again
    await sb.stop(true);
    sb = startReal({ ...REAL }, sb.userDir);
    const base2 = await sb.url;
    assert.equal((await raw(base2, 'GET', 'flows')).status, 401);
    assert.ok(!/Editor password/.test(sb.output()), 'printed only once');
    assert.ok((await login(base2, m[1])).token, 'the same password still logs in');
  });
});
