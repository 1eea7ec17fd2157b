'use strict';
// Browser-test harness: playwright-core driving a headless Chromium (no downloads), with console/page error
// collection and helpers for the Node-RED editor.
// Which Chromium: CHROMIUM_PATH when set; else /usr/bin/chromium when present (WECOM_TEST_NO_SYSTEM_CHROMIUM=1
// ignores it, to check the fallback); else the binary inside the @sparticuz/chromium dev dependency, unpacked
// once into test/.tmp/sparticuz-<version>/.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// the packaged (serverless) build renders fonts in one process; its multi-process font path aborts
const PACKAGED_FLAGS = ['--single-process', '--no-zygote', '--font-render-hinting=none'];
const NOISE = [/ResizeObserver loop/i];

/** The system Chromium, unless told to ignore it. */
function systemChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (process.env.WECOM_TEST_NO_SYSTEM_CHROMIUM === '1') return null;
  return fs.existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : null;
}

function sparticuzDir() {
  let dir;
  try {
    dir = path.dirname(require.resolve('@sparticuz/chromium')); // its exports map hides package.json
  } catch {
    return null;
  }
  for (; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const pkg = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
    if (pkg.name === '@sparticuz/chromium') return { version: pkg.version };
  }
  return null;
}

/**
 * Unpack @sparticuz/chromium's brotli-packed binary (it ships inside the npm package) into a cache dir of
 * this checkout and return its path. The package unpacks into os.tmpdir(), so a child process does it with
 * TMPDIR pointing at a private staging dir, which is then renamed into place (safe when runs overlap).
 */
function sparticuzChromium() {
  const sp = sparticuzDir();
  if (!sp) return null;
  const base = path.join(ROOT, 'test', '.tmp');
  const cache = path.join(base, `sparticuz-${sp.version}`);
  const exe = path.join(cache, 'chromium');
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(base, { recursive: true });
  const staging = fs.mkdtempSync(path.join(base, 'sparticuz-staging-'));
  try {
    const script = "const c = require('@sparticuz/chromium'); (c.default || c).executablePath().then((p) => process.stdout.write(p))";
    execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'pipe', 'inherit'] });
    // its fonts.conf names /tmp/fonts; point it at the unpacked fonts and the system's
    const fonts = path.join(staging, 'fonts');
    fs.writeFileSync(path.join(fonts, 'fonts.conf'), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${path.join(cache, 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${path.join(cache, 'fonts-cache')}</cachedir>\n</fontconfig>\n`);
    fs.renameSync(staging, cache);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(exe)) throw e; // another run put it in place first
  }
  return exe;
}

let resolved;
/** {path, source} of the Chromium to drive, or {why} when there is none. */
function chromium() {
  if (resolved) return resolved;
  const sys = systemChromium();
  if (sys) return (resolved = { path: sys, source: 'system' });
  if (!sparticuzDir()) {
    return { why: `${SYSTEM_CHROMIUM} not found and @sparticuz/chromium is not installed (npm install)` };
  }
  return (resolved = { path: sparticuzChromium(), source: '@sparticuz/chromium' });
}

/** Throw a clear error when no Chromium or playwright-core is available (the browser tests are part of npm test). */
function requireBrowser() {
  const why = unavailable();
  if (why) throw new Error(`browser tests need Chromium: ${why}`);
}

/** Why browser tests cannot run here, or null when they can. */
function unavailable() {
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed';
  }
  const c = chromium();
  if (c.why) return c.why;
  if (!fs.existsSync(c.path)) return `${c.path} not found`;
  return null;
}

/**
 * Launch Chromium with a fresh user-data dir. Returns {browser, context, newPage, errors, close}.
 * `errors` collects console errors and uncaught page errors of every page opened with newPage().
 */
async function launch(opts = {}) {
  const { chromium: pw } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-e2e-'));
  // launchPersistentContext gives the fresh --user-data-dir; the headless flag is passed explicitly
  const exe = chromium();
  if (exe.why) throw new Error(exe.why);
  // the packaged Chromium reads its fonts from the dir it was unpacked into
  const env = exe.source === 'system' ? undefined : { ...process.env, FONTCONFIG_PATH: path.join(path.dirname(exe.path), 'fonts') };
  const context = await pw.launchPersistentContext(dataDir, {
    executablePath: exe.path,
    env,
    headless: true,
    args: exe.source === 'system' ? FLAGS : FLAGS.concat(PACKAGED_FLAGS),
    locale: opts.locale || 'en-US',
    viewport: opts.viewport || { width: 1400, height: 900 },
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      if (NOISE.some((re) => re.test(text))) return;
      errors.push({ kind: 'console', url: page.url(), text });
    });
    page.on('pageerror', (err) => {
      const text = String((err && err.stack) || err);
      if (NOISE.some((re) => re.test(text))) return;
      errors.push({ kind: 'pageerror', url: page.url(), text });
    });
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    errors,
    async newPage() {
      /** @typedef {import('playwright-core').Page & { __used?: boolean }} MarkedPage */
      const existing = context.pages().find((p) => p.url() === 'about:blank' && !(/** @type {MarkedPage} */ (p)).__used);
      const page = /** @type {MarkedPage} */ (existing || (await context.newPage()));
      page.__used = true;
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Set the editor language before its scripts run ('' = browser default). */
async function setEditorLanguage(page, lang) {
  await page.addInitScript((l) => {
    try {
      if (l) localStorage.setItem('editor-language', l);
      else localStorage.removeItem('editor-language');
    } catch {
      /* about:blank has no storage */
    }
  }, lang || '');
}

/** Open the Node-RED editor at `url` and wait until it has loaded the node definitions and flows. */
/**
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {{ lang?: string }} [opts]
 */
async function openEditor(page, url, { lang } = {}) {
  if (lang !== undefined) await setEditorLanguage(page, lang);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    () => window.RED && RED.nodes && RED.nodes.getType && RED.workspaces && RED.workspaces.count() > 0 && document.querySelector('#red-ui-palette .red-ui-palette-node'),
    null,
    { timeout: 30000 }
  );
  // the loading spinner goes away once flows are in
  await page.waitForSelector('#red-ui-loading-progress', { state: 'hidden', timeout: 30000 });
}

/** Node types registered in the editor. */
function editorTypes(page) {
  return page.evaluate(() => RED.nodes.registry.getNodeTypes());
}

/** Ids of nodes of `type` in the loaded flows (config nodes included). */
function nodeIdsOfType(page, type) {
  return page.evaluate((t) => {
    const ids = [];
    RED.nodes.eachNode((n) => { if (n.type === t) ids.push(n.id); });
    RED.nodes.eachConfig((n) => { if (n.type === t) ids.push(n.id); });
    return ids;
  }, type);
}

/** Open the edit dialog of node `id` (config nodes via editConfig) and wait for its tray. */
async function openEditDialog(page, id) {
  await page.evaluate((nid) => {
    const n = RED.nodes.node(nid);
    if (!n) throw new Error(`no node ${nid}`);
    if (n._def.category === 'config') RED.editor.editConfig('', n.type, n.id);
    else RED.editor.edit(n);
  }, id);
  await page.waitForSelector('.red-ui-tray .red-ui-tray-body .red-ui-tray-content, .red-ui-tray .red-ui-tray-body', { state: 'visible', timeout: 15000 });
  await page.waitForTimeout(300); // oneditprepare may fill fields asynchronously (no assertion depends on timing)
}

/** Open the "add new config node" dialog for a config node type. */
async function openNewConfigDialog(page, type) {
  await page.evaluate((t) => RED.editor.editConfig('', t, '_ADD_'), type);
  await page.waitForSelector('.red-ui-tray .red-ui-tray-body', { state: 'visible', timeout: 15000 });
  await page.waitForTimeout(300);
}

/** The visible field labels of the open edit dialog (text of <label> elements in the top tray). */
function dialogLabels(page) {
  return page.evaluate(() => {
    const trays = document.querySelectorAll('.red-ui-tray');
    const tray = trays[trays.length - 1];
    if (!tray) return [];
    return /** @type {HTMLElement[]} */ (Array.from(tray.querySelectorAll('.red-ui-tray-body label')))
      .filter((l) => l.offsetParent !== null)
      .map((l) => l.textContent.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
  });
}

/** Close the open edit dialog(s) with Cancel. */
async function cancelDialogs(page) {
  for (let i = 0; i < 3; i++) {
    const open = await page.evaluate(() => document.querySelectorAll('.red-ui-tray').length);
    if (!open) return;
    await page.evaluate(() => RED.tray.close());
    await page.waitForTimeout(150);
  }
}

/**
 * Click Deploy and wait until the editor has no unsaved changes. Confirms the "not properly configured" /
 * "unused config nodes" dialog when it appears (the example flow reads its WeCom values from the environment).
 */
async function deploy(page) {
  await page.click('#red-ui-header-button-deploy');
  const confirm = '#red-ui-deploy-dialog-confirm-deploy-deploy';
  const done = await Promise.race([
    page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 15000 }).then(() => 'deployed'),
    page.waitForSelector(confirm, { state: 'visible', timeout: 15000 }).then(() => 'confirm'),
  ]);
  if (done === 'confirm') {
    await page.click(confirm);
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 15000 });
  }
}

/** Save a screenshot to docs/screenshots/<name>.png and return its path. */
async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Text of the palette category header for a category id (e.g. 'wecom'). */
function paletteCategoryLabel(page, category) {
  return page.evaluate((c) => {
    const el = document.querySelector(`#red-ui-palette-header-${c} span`) || document.querySelector(`#red-ui-palette-container-${c} .red-ui-palette-header`);
    return el ? el.textContent.trim() : null;
  }, category);
}

module.exports = {
  chromium,
  SCREENSHOTS,
  FLAGS,
  unavailable,
  requireBrowser,
  launch,
  setEditorLanguage,
  openEditor,
  editorTypes,
  nodeIdsOfType,
  openEditDialog,
  openNewConfigDialog,
  dialogLabels,
  cancelDialogs,
  deploy,
  screenshot,
  paletteCategoryLabel,
};
