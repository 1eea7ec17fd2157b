'use strict';
// The Node-RED editor in Chromium, served by the in-process sandbox: it loads with the example flow and no
// console errors; every node type's edit dialog opens and shows its labels in English and, with the editor
// language set to zh-CN, in Chinese; the palette category reads WeCom / 企业微信.
// Types whose runtime .js or editor .html is not built yet are skipped.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const browser = require('./browser');
const { ROOT, useSandbox, packageTypes, exampleFlow } = require('./sandbox');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';
const RAW_KEY = /^[a-z][\w-]*\.[\w.-]+$/; // an untranslated catalog key, e.g. "wecom-in.label.path"
const CJK = /[\u4e00-\u9fff]/;

/** Every string under <type>.label in the built catalog for `lang`. */
function catalogLabels(type, lang) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const js = path.join(ROOT, pkg['node-red'].nodes[type]);
  const file = path.join(path.dirname(js), 'locales', lang, `${path.basename(js, '.js')}.json`);
  if (!fs.existsSync(file)) return [];
  const section = (JSON.parse(fs.readFileSync(file, 'utf8'))[type] || {}).label || {};
  const out = [];
  const walk = (o) => Object.values(o).forEach((v) => (typeof v === 'string' ? out.push(v.trim()) : v && typeof v === 'object' && walk(v)));
  walk(section);
  return out;
}

describe('e2e: Node-RED editor in Chromium', function () {
  this.timeout(90000);
  const sandbox = useSandbox();
  let sb;
  let b;

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    b = await browser.launch();
  });
  after(async () => {
    if (b) await b.close();
  });

  /** Open the dialog of a node of `type` (from the flow, or a fresh one), return its visible labels. */
  async function labelsOf(page, type) {
    let ids = await browser.nodeIdsOfType(page, type);
    const isConfig = await page.evaluate((t) => RED.nodes.getType(t).category === 'config', type);
    if (ids.length === 0 && isConfig) {
      await browser.openNewConfigDialog(page, type);
      return browser.dialogLabels(page);
    }
    if (ids.length === 0) {
      ids = [
        await page.evaluate((t) => {
          const id = `e2e${Math.random().toString(16).slice(2, 10)}`;
          RED.view.importNodes([{ id, type: t, x: 200, y: 200, z: RED.workspaces.active(), wires: [] }], { generateIds: false, addFlow: false });
          return id;
        }, type),
      ];
    }
    await browser.openEditDialog(page, ids[0]);
    const labels = await browser.dialogLabels(page);
    return labels;
  }

  async function checkLanguage(lang) {
    const page = await b.newPage();
    await browser.openEditor(page, sb.url, { lang });
    const types = await browser.editorTypes(page);
    const ours = packageTypes().filter((t) => types.includes(t));
    if (SHOTS) await browser.screenshot(page, `editor-${lang}`);
    const problems = [];
    for (const type of ours) {
      const labels = await labelsOf(page, type);
      const expected = catalogLabels(type, lang);
      if (SHOTS) await browser.screenshot(page, `dialog-${type}-${lang}`);
      await browser.cancelDialogs(page);
      if (labels.length === 0) problems.push(`${type}: the dialog shows no labels`);
      const raw = labels.filter((l) => RAW_KEY.test(l));
      if (raw.length) problems.push(`${type}: untranslated keys ${JSON.stringify(raw)}`);
      if (!labels.some((l) => expected.includes(l))) problems.push(`${type}: none of ${JSON.stringify(labels)} is a ${lang} catalog label`);
      if (lang === 'zh-CN' && !labels.some((l) => CJK.test(l))) problems.push(`${type}: no Chinese label in ${JSON.stringify(labels)}`);
      if (lang === 'en-US' && labels.every((l) => CJK.test(l) && !/[A-Za-z]/.test(l))) problems.push(`${type}: only Chinese labels in English`);
    }
    const palette = ours.length ? await browser.paletteCategoryLabel(page, 'wecom') : null;
    await page.close();
    return { ours, problems, palette };
  }

  it('loads with the example flow and no console errors', async function () {
    const page = await b.newPage();
    await browser.openEditor(page, sb.url, { lang: 'en-US' });
    const flow = exampleFlow();
    const info = await page.evaluate(() => {
      const nodes = [];
      RED.nodes.eachNode((n) => nodes.push({ id: n.id, type: n.type }));
      return { nodes, tabs: RED.workspaces.count(), unknown: nodes.filter((n) => n.type === 'unknown' || !RED.nodes.getType(n.type)).map((n) => n.type) };
    });
    await page.waitForTimeout(500); // let late console errors arrive; nothing asserts on timing
    await page.close();
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
    assert.ok(flow, 'examples/wecom-customer-service.json exists');
    const expectedIds = flow.filter((n) => n.type !== 'tab' && n.z && !n.type.startsWith('subflow')).map((n) => n.id);
    const loadedIds = new Set(info.nodes.map((n) => n.id));
    assert.deepEqual(expectedIds.filter((id) => !loadedIds.has(id)), [], 'every node of the example flow is in the editor');
    assert.deepEqual(info.unknown, [], 'no unknown node types in the example flow');
  });

  it('every node dialog shows English labels, and the palette category is "WeCom"', async function () {
    const { ours, problems, palette } = await checkLanguage('en-US');
    assert.deepEqual(ours.slice().sort(), packageTypes().slice().sort(), 'every node type of the package was checked');
    assert.deepEqual(problems, []);
    assert.equal(palette, 'WeCom');
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });

  it('with the editor language zh-CN every node dialog shows Chinese labels, and the category is 企业微信', async function () {
    const { ours, problems, palette } = await checkLanguage('zh-CN');
    assert.deepEqual(ours.slice().sort(), packageTypes().slice().sort(), 'every node type of the package was checked');
    assert.deepEqual(problems, []);
    assert.equal(palette, '企业微信');
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });

  it('a keyword rule changed in the keyword-match dialog and deployed changes the bot\'s answer', async function () {
    const flow = exampleFlow();
    const kw = flow && flow.find((n) => n.type === 'keyword-match' && Array.isArray(n.rules) && n.rules.some((r) => (r.keywords || []).includes('价格')));
    assert.ok(kw && sb.simulator, 'the example flow has the 价格 keyword rule and the sandbox runs the simulator');
    const word = `报价${Date.now().toString(36).slice(-4)}`;
    const answer = `E2E 报价说明 ${word}：标准版每年 999 元。`;
    const original = await (await fetch(new URL('flows', sb.url), { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const page = await b.newPage();
    try {
      await browser.openEditor(page, sb.url, { lang: 'en-US' });
      await browser.openEditDialog(page, kw.id);
      // the rule row holding 价格: add a keyword and a new answer through the dialog's own inputs
      const row = page.locator('#node-input-rule-container > li').filter({ has: page.locator('.kw-keywords') }).nth(kw.rules.findIndex((r) => (r.keywords || []).includes('价格')));
      const keywords = row.locator('.kw-keywords');
      await keywords.fill(`${await keywords.inputValue()} | ${word}`);
      await row.locator('.kw-reply').fill(answer);
      await page.click('#node-dialog-ok');
      await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
      await browser.deploy(page);
      const since = sb.simulator.records().reduce((m, r) => Math.max(m, r.seq), 0);
      const userId = `kw${Date.now().toString(36)}`;
      await sb.simulator.userSays({ channel: 'app', userId, text: `请问${word}` });
      const deadline = Date.now() + 15000;
      let got = null;
      while (!got && Date.now() < deadline) {
        got = sb.simulator.records(since).find((r) => r.direction === 'bot' && r.userId === userId);
        if (!got) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(got, 'the bot answered');
      assert.equal(got.text, answer);
    } finally {
      await page.close();
      // put the example flow back for the other e2e specs sharing this sandbox
      await fetch(new URL('flows', sb.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify({ flows: original.flows }),
      });
    }
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });
});
