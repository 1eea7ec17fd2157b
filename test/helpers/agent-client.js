'use strict';
// A real WebSocket agent client for ws-bridge tests: frames are kept in order and read with next(type).
const WebSocket = require('ws');

/**
 * agentClient(url, {token, agent, groups, ack, headers}) → client. `token` goes into ?token= unless
 * headers carry Authorization. next(type) resolves with the next unread frame of that type (any if omitted).
 */
/**
 * @typedef {{ token?: string, agent?: string, groups?: string, ack?: boolean | number, headers?: Record<string, string> }} AgentClientOpts
 */

/**
 * @param {string} base
 * @param {AgentClientOpts} [opts]
 */
function agentClient(base, opts = {}) {
  const q = new URLSearchParams();
  if (opts.agent) q.set('agent', opts.agent);
  if (opts.token !== undefined) q.set('token', opts.token);
  if (opts.groups) q.set('groups', opts.groups);
  if (opts.ack !== undefined) q.set('ack', String(opts.ack));
  const ws = new WebSocket(`${base}?${q.toString()}`, { headers: opts.headers || {} });
  /** @type {any[]} parsed JSON frames from the bridge (untyped wire data) */
  const frames = [];
  /** @type {Array<() => void>} */
  const waiters = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()));
    for (const w of [...waiters]) w();
  });
  const c = {
    ws,
    frames,
    cursor: 0,
    /** @type {Promise<number>} */
    closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))),
    opened: new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    }),
    /**
     * @param {string} [type]
     * @param {number} [ms]
     * @returns {Promise<any>} the frame (JSON from the wire)
     */
    next(type, ms = 4000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = c.cursor; i < frames.length; i++) {
            if (!type || frames[i].type === type) {
              c.cursor = i + 1;
              waiters.splice(waiters.indexOf(check), 1);
              clearTimeout(t);
              resolve(frames[i]);
              return;
            }
          }
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`${opts.agent || 'system link'}: no ${type || 'frame'} arrived`));
        }, ms);
        waiters.push(check);
        check();
      });
    },
    /** @param {unknown} obj */
    send(obj) {
      ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
    },
    /** @returns {Promise<void>} */
    close() {
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.terminate();
      });
    },
  };
  return c;
}

/**
 * Connect an agent to `base` (an instance's http URL) until the hub admits it (its welcome arrives): while a
 * fail-over is under way an instance refuses or drops agent sockets. Each admitted socket is pushed onto
 * `sockets` so the test can close it. Resolves { ws, frames }.
 * @param {string} base
 * @param {{ agent: string, token: string, ack?: number, sockets: import('ws')[] }} o
 * @returns {Promise<{ ws: import('ws'), frames: any[] }>}
 */
async function admittedAgent(base, o) {
  const { until, sleep } = require('./runtime');
  const q = new URLSearchParams({ agent: o.agent });
  if (o.ack !== undefined) q.set('ack', String(o.ack));
  for (;;) {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/wecom/ws?${q}`, { headers: { Authorization: `Bearer ${o.token}` } });
    /** @type {any[]} */
    const frames = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    const ok = await new Promise((resolve) => {
      ws.once('error', () => resolve(false));
      ws.once('close', () => resolve(false));
      until(() => frames.some((f) => f.type === 'welcome'), 'welcome', 5000).then(() => resolve(true), () => resolve(false));
    });
    if (ok) return (o.sockets.push(ws), { ws, frames });
    ws.terminate();
    await sleep(300);
  }
}

module.exports = { agentClient, admittedAgent };
