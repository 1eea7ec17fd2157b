'use strict';
// `npm start` with real WeCom credentials never serves the editor / admin API (flows, /context with the
// transcripts, /comms) without a login: with NODE_RED_ADMIN_PASSWORD it requires one; without, it answers only
// clients on this machine. Started in a child process (Node-RED starts once per process); WeCom's API base points
// at a closed loopback port, so nothing leaves the machine.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ACCOUNT } = require('../helpers/fixtures');
const { editorAccess, isLoopback } = require('../../dist/sandbox/start.js');

const START = path.join(__dirname, '..', '..', 'dist', 'sandbox', 'start.js');

function startReal(env) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-login-'));
  const script = `require(${JSON.stringify(START)}).startSandbox({ port: 0, userDir: ${JSON.stringify(userDir)}, quiet: true, logFile: ${JSON.stringify(path.join(userDir, 'nr.log'))} }).then((s) => console.log('URL ' + s.url), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/URL (\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
  return { url, stop: () => { child.kill('SIGTERM'); fs.rmSync(userDir, { recursive: true, force: true }); } };
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

/**
 * A request seen only through its peer address (all editorAccess().allows reads).
 * @param {string} remoteAddress
 */
const peer = (remoteAddress) => /** @type {import('node:http').IncomingMessage} */ (/** @type {unknown} */ ({ socket: { remoteAddress } }));

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

  it('without a password, only clients on this machine reach the editor', function () {
    const access = editorAccess(false, { ...REAL });
    assert.equal(access.adminAuth, undefined);
    assert.equal(access.allows(peer('127.0.0.1')), true);
    assert.equal(access.allows(peer('::ffff:127.0.0.1')), true);
    assert.equal(access.allows(peer('203.0.113.7')), false);
    assert.equal(access.allows(peer('::ffff:10.0.0.2')), false);
    assert.match(access.note, /only from this machine/);
    assert.equal(isLoopback(undefined), false);
    // the sandbox (simulated WeCom) stays open: it listens on loopback by default
    assert.equal(editorAccess(true, {}).allows(peer('203.0.113.7')), true);
  });
});
