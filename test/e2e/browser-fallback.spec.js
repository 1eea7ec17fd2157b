'use strict';
// Without /usr/bin/chromium the browser tests use the Chromium inside the @sparticuz/chromium dev dependency:
// a child process that is told to ignore the system Chromium picks it, launches it and renders a page.
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const SCRIPT = `
const b = require(${JSON.stringify(path.join(__dirname, 'browser.js'))});
(async () => {
  const which = b.chromium();
  const x = await b.launch();
  const page = await x.newPage();
  await page.setContent('<p id="t">企业微信 WeCom</p>');
  const text = await page.textContent('#t');
  await x.close();
  process.stdout.write(JSON.stringify({ source: which.source, text, errors: x.errors }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

describe('e2e: the packaged Chromium fallback', function () {
  this.timeout(120000);
  it('with the system Chromium hidden, launches @sparticuz/chromium and renders a page', function () {
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env, WECOM_TEST_NO_SYSTEM_CHROMIUM: '1' };
    delete env.CHROMIUM_PATH;
    const out = execFileSync(process.execPath, ['-e', SCRIPT], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.deepEqual(JSON.parse(out), { source: '@sparticuz/chromium', text: '企业微信 WeCom', errors: [] });
  });
});
