'use strict';
// A Node-RED runtime in a child process (test/e2e/durability-child.js) on a user dir that holds flows.json and
// flows_cred.json: used by the durability specs (kill -9 / SIGTERM) and the process pipeline bench.
const path = require('node:path');
const { spawn } = require('node:child_process');

const CHILD = path.join(__dirname, '..', 'e2e', 'durability-child.js');

/**
 * Start Node-RED in a child process; resolves once its flows run.
 * @param {string} userDir
 * @param {Record<string, string>} [env] extra environment (e.g. DUR_STATE=memory); DUR_NODE_ARGS in this process's
 *   environment adds Node options to the child (e.g. `--cpu-prof`)
 * @returns {Promise<{ child: import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>, port: number, exited: Promise<number | null> }>}
 */
function startRed(userDir, env) {
  const child = spawn(process.execPath, [...(process.env.DUR_NODE_ARGS || '').split(' ').filter(Boolean), CHILD], { env: Object.assign({}, process.env, env || {}, { DUR_USERDIR: userDir }), stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (process.env.DUR_DEBUG) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (process.env.DUR_DEBUG) process.stderr.write(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, port: JSON.parse(line).port, exited });
    });
    exited.then((code) => reject(new Error(`Node-RED exited (${code}) before it started: ${err.slice(-2000)}`)));
  });
}

module.exports = { startRed };
