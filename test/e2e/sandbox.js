'use strict';
// One in-process sandbox (Node-RED + WeCom simulator) shared by the e2e specs of a mocha run: Node-RED can
// be started only once per process, so every spec uses the same instance. Each spec's describe() calls
// useSandbox(); the sandbox stops after the last of those suites, before any later spec (for example the
// node-red-node-test-helper specs, which drive the same runtime modules) runs.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'wecom-customer-service.json');
const LOG_FILE = path.join(ROOT, 'test', '.tmp', 'node-red-e2e.log');

let starting = null;
let stopped = false;
let userDir = null;
let users = 0;
let released = 0;

/** The shared sandbox ({url, userPageUrl, consoleUrl, simulator, agentToken, …}); started on first use. */
function sharedSandbox() {
  if (stopped) return Promise.reject(new Error('the shared sandbox was already stopped'));
  if (!starting) {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sandbox-e2e-'));
    const { startSandbox } = require('../../dist/sandbox/start.js');
    // Node-RED's log lines go to test/.tmp/node-red-e2e.log (new each run), not into mocha's output
    fs.rmSync(LOG_FILE, { force: true });
    // short request/header time limits so the slow-client tests get their 408 quickly
    starting = startSandbox({ port: 0, userDir, quiet: true, logFile: LOG_FILE, requestTimeoutMs: 3000, headersTimeoutMs: 2000 });
  }
  return starting;
}

async function stopShared() {
  stopped = true;
  if (!starting) return;
  const sb = await starting.catch(() => null);
  if (sb) await sb.stop();
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
}

/** Call inside describe(): returns a function giving the shared sandbox; stops it after the last user suite. */
function useSandbox() {
  users++;
  after(async function () {
    this.timeout(20000);
    released++;
    if (released === users) await stopShared();
  });
  return sharedSandbox;
}

/** Node types this package declares, read from package.json ("node-red".nodes set names = type names). */
function packageTypes() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg['node-red'].nodes);
}

/** Types whose runtime .js and editor .html are both built. */
function builtTypes() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.entries(pkg['node-red'].nodes)
    .filter(([, rel]) => fs.existsSync(path.join(ROOT, rel)) && fs.existsSync(path.join(ROOT, rel.replace(/\.js$/, '.html'))))
    .map(([name]) => name);
}

function exampleFlow() {
  return fs.existsSync(EXAMPLE) ? JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) : null;
}

/**
 * Node-RED's admin API of the sandbox at `url`: GET the flows (v2: {flows, rev}), or POST `body` ({flows}) as a
 * deploy of `type` ('full' restarts every node, 'nodes' only the changed ones).
 * @param {string} url @param {'GET' | 'POST'} method @param {object} [body] @param {'full' | 'nodes' | 'flows'} [type]
 */
function flowsApi(url, method, body, type = 'full') {
  return fetch(new URL('flows', url), {
    method,
    headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', ...(method === 'POST' ? { 'Node-RED-Deployment-Type': type } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The ops view's Basic credential header (any user name; the ops password). */
function opsAuth(password) {
  return { authorization: 'Basic ' + Buffer.from(`ops:${password}`).toString('base64') };
}

/**
 * The simulator's newest record number, to read only what comes after it.
 * @param {{ records(since?: number): Array<{ seq: number }> }} sim
 */
function lastSeq(sim) {
  return sim.records().reduce((m, r) => Math.max(m, r.seq), 0);
}

module.exports = { ROOT, EXAMPLE, LOG_FILE, useSandbox, packageTypes, builtTypes, exampleFlow, opsAuth, lastSeq, flowsApi };
