'use strict';
// Browser-test harness: playwright-core driving the system Chromium (/usr/bin/chromium, headless, no
// downloads), with console/page error collection and helpers for the Node-RED editor.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
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
const NOISE = [/ResizeObserver loop/i];

/** Why browser tests cannot run here, or null when they can. */
/** Throw a clear error when Chromium or playwright-core is missing (the browser tests are part of npm test). */
function requireBrowser() {
  const why = unavailable();
  if (why) throw new Error(`browser tests need Chromium: ${why}`);
}

function unavailable() {
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed';
  }
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install -y chromium)`;
  return null;
}

/**
 * Launch Chromium with a fresh user-data dir. Returns {browser, context, newPage, errors, close}.
 * `errors` collects console errors and uncaught page errors of every page opened with newPage().
 */
async function launch(opts = {}) {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-e2e-'));
  // launchPersistentContext gives the fresh --user-data-dir; the headless flag is passed explicitly
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
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
      const existing = context.pages().find((p) => p.url() === 'about:blank' && !p.__used);
      const page = existing || (await context.newPage());
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
    return Array.from(tray.querySelectorAll('.red-ui-tray-body label'))
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
  CHROMIUM,
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
