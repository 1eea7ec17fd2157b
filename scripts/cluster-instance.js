// Child process of scripts/cluster-lib.js startInstance(): one Node-RED (the sandbox runtime in its
// non-sandbox mode: WECOM_* from the environment) on a free loopback port; tells the parent its URL.
'use strict';
const path = require('node:path');
const { startSandbox } = require(path.join(__dirname, '..', 'dist', 'sandbox', 'start.js'));

(async () => {
  const sb = await startSandbox({
    port: Number(process.env.PORT) || 0,
    host: '127.0.0.1',
    userDir: process.env.WECOM_CLUSTER_USER_DIR,
    quiet: process.env.WECOM_CLUSTER_QUIET !== '0',
  });
  const port = Number(new URL(sb.url).port);
  if (process.send) process.send({ type: 'started', url: sb.url.replace(/\/$/, ''), port });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    sb.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop); // the parent went away
})().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
