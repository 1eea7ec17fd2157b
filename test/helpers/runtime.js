'use strict';
// Shared test plumbing: a real Node-RED runtime (node-red-node-test-helper) whose RED.httpNode
// routes are served on a real loopback HTTP server (helper.request() only reaches the admin app).
const http = require('node:http');
const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));

/** @type {{ app: ((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void) | null, server: http.Server | null, port: number }} */
const state = { app: null, server: null, port: 0 };

/** Wrap a node module so that loading it records the RED.httpNode app it was given. */
function capturing(mod) {
  return function (RED) {
    state.app = RED.httpNode;
    return mod(RED);
  };
}

/**
 * The test helper never loads `contextStorage` from helper.settings(); this pseudo-module does,
 * after the runtime's context is initialised and before the flows start.
 */
function contextStores() {
  const settings = helper.settings();
  if (!settings || !settings.contextStorage) return undefined;
  return helper._context.load();
}

/** helper.load with every module wrapped so httpNode routes are reachable via httpUrl(). */
function load(modules, flow, credentials) {
  const mods = (Array.isArray(modules) ? modules : [modules]).map(capturing);
  return helper.load([contextStores, ...mods], flow, credentials || {});
}

/** Start (once) the loopback server that serves the captured RED.httpNode app. */
async function startHttp() {
  if (state.server) return;
  const server = http.createServer((req, res) => {
    if (state.app) state.app(req, res, () => { res.statusCode = 404; res.end(); });
    else { res.statusCode = 503; res.end(); }
  });
  state.server = server;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  state.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
}

async function stopHttp() {
  const server = state.server;
  if (!server) return;
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  state.server = null;
}

/** @param {string} [path] */
function httpUrl(path) {
  return `http://127.0.0.1:${state.port}${path || ''}`;
}

/**
 * @typedef {{ status: number, body: string, headers: http.IncomingHttpHeaders }} HttpReply
 */

/**
 * A plain HTTP request on loopback; resolves {status, body, headers}.
 * @param {string} method
 * @param {string | URL} url
 * @param {string | Buffer | null} [body]
 * @param {http.OutgoingHttpHeaders} [headers]
 * @returns {Promise<HttpReply>}
 */
function request(method, url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: Object.assign({ 'content-type': 'text/xml' }, headers || {}) }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: /** @type {number} */ (res.statusCode), body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined && body !== null) req.write(body);
    req.end();
  });
}

/**
 * Resolve after `ms` milliseconds (for "nothing arrives" checks only, never for timing assertions).
 * @param {number} ms
 * @returns {Promise<void>}
 */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `probe` (sync or async) until it returns something truthy and resolve with it; fail the test naming
 * `what` after `ms` milliseconds. A wait, never a timing assertion.
 */
/**
 * @template T
 * @param {() => T | Promise<T>} probe
 * @param {string} [what]
 * @param {number} [ms]
 * @returns {Promise<NonNullable<Awaited<T>>>}
 */
async function until(probe, what, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what || 'a condition'}`);
    await sleep(10);
  }
}

/**
 * The first message any of these helper nodes receives, and which one got it (a node's outputs wired one
 * helper each: which output fired). Listens on all of them and stops listening on all once one fired.
 * @param {string[]} ids
 * @returns {Promise<{ out: string, msg: any }>}
 */
function firstOutput(ids) {
  return new Promise((resolve) => {
    /** @type {Record<string, (msg: any) => void>} */
    const hs = {};
    for (const id of ids) {
      hs[id] = (msg) => {
        for (const k of Object.keys(hs)) helper.getNode(k).removeListener('input', hs[k]);
        resolve({ out: id, msg });
      };
      helper.getNode(id).on('input', hs[id]);
    }
  });
}

module.exports = { helper, load, startHttp, stopHttp, httpUrl, request, sleep, until, state, firstOutput };
