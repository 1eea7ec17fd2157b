'use strict';
// A Node-RED runtime in its own process for the durability specs: the user dir comes from DUR_USERDIR
// (flows.json and flows_cred.json written by the spec), the state store is the local one under it.
// Prints one JSON line {port} once the flows run; SIGTERM stops Node-RED cleanly.
const http = require('node:http');
const path = require('node:path');
const RED = require('node-red');
const { prepareUserDir } = require('../../dist/sandbox/start.js');

const userDir = /** @type {string} */ (process.env.DUR_USERDIR);
prepareUserDir(userDir, path.resolve(__dirname, '..', '..'));
// DUR_STATS=1 (the pipeline bench): GET /__bench/stats answers the local store's write counts and the heap,
// /__bench/heap writes a heap snapshot.
const { localWrites } = require('../../dist/nodes/lib/state/backends/local.js');
localWrites.measureBytes = !!process.env.DUR_STATS;
/**
 * GET /__bench/stats (?gc=1: after a full garbage collection, when Node runs with --expose-gc);
 * GET /__bench/heap?file=…: write a heap snapshot there (after a collection).
 * @param {http.IncomingMessage} req @param {http.ServerResponse} res
 */
function benchStats(req, res) {
  if (!process.env.DUR_STATS || !req.url || !req.url.startsWith('/__bench/')) return false;
  const u = new URL(req.url, 'http://x');
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  if (u.searchParams.get('gc') && gc) gc();
  res.setHeader('content-type', 'application/json');
  if (u.pathname === '/__bench/heap') {
    if (gc) gc();
    res.end(JSON.stringify({ file: require('node:v8').writeHeapSnapshot(String(u.searchParams.get('file'))) }));
  } else res.end(JSON.stringify({ writes: localWrites, mem: process.memoryUsage() }));
  return true;
}
const server = http.createServer((req, res) =>
  benchStats(req, res) ||
  RED.httpAdmin(/** @type {import('express').Request} */ (req), /** @type {import('express').Response} */ (res), () =>
    RED.httpNode(/** @type {import('express').Request} */ (req), /** @type {import('express').Response} */ (res), () => {
      res.statusCode = 404;
      res.end();
    }),
  ),
);
// cast: @types/node-red's settings type predates editorTheme.tours and has no slot for this package's wecomState
RED.init(server, /** @type {import('@node-red/runtime').LocalSettings} */ (/** @type {unknown} */ ({
  userDir,
  flowFile: 'flows.json',
  credentialSecret: false,
  httpAdminRoot: '/admin',
  httpNodeRoot: '/',
  logging: { console: { level: process.env.DUR_LOG || 'error', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false, updateNotification: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  // DUR_STATE=memory lets the pipeline bench compare the stores in the same kind of process.
  wecomState: { kind: process.env.DUR_STATE === 'memory' ? 'memory' : 'local', dir: path.join(userDir, 'wecom-state') },
})));
server.listen(0, '127.0.0.1', async () => {
  const started = new Promise((resolve) => RED.events.once('flows:started', resolve));
  await RED.start();
  await started;
  process.stdout.write(JSON.stringify({ port: /** @type {import('node:net').AddressInfo} */ (server.address()).port }) + '\n');
});
process.on('SIGTERM', () => {
  RED.stop().then(
    () => (process.env.DUR_DEBUG && process.stderr.write('stopped\n'), process.exit(0)),
    () => process.exit(1),
  );
});
