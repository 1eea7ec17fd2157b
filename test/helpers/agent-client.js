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

module.exports = { agentClient };
