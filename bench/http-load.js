'use strict';
// The benches' HTTP load: POST bodies C at a time over keep-alive, with latency percentiles.
const http = require('node:http');
const { performance } = require('node:perf_hooks');

/**
 * @param {number[]} sorted
 * @param {number} p
 */
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * POST every body (C at a time); `done` is awaited before the clock stops. Resolves {secs, lat (sorted ms), failures}.
 * @param {string[]} urls
 * @param {string[]} bodies
 * @param {number} C
 * @param {() => Promise<unknown>} [done]
 */
async function post(urls, bodies, C, done) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const lat = [];
  let failures = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < urls.length) {
        const i = next++;
        const t = performance.now();
        await new Promise((resolve) => {
          const req = http.request(urls[i], { method: 'POST', agent, headers: { 'content-type': 'text/xml' } }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) failures++;
              lat.push(performance.now() - t);
              resolve(undefined);
            });
          });
          req.on('error', () => (failures++, resolve(undefined)));
          req.end(bodies[i]);
        });
      }
    }),
  );
  if (done) await done();
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return { secs, lat: lat.sort((a, b) => a - b), failures };
}


module.exports = { post, percentile };
