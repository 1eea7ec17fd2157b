'use strict';
// The Node-RED editor in Chromium, served by the in-process sandbox: it loads with the example flow and no
// console errors; every node type's edit dialog opens and shows its labels in English and, with the editor
// language set to zh-CN, in Chinese; the palette category reads WeCom / 企业微信.
// Types whose runtime .js or editor .html is not built yet are skipped.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const browser = require('./browser');
const { ROOT, useSandbox, packageTypes, exampleFlow, lastSeq } = require('./sandbox');

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

  /** Screenshot of the whole example flow: wider window, sidebar hidden, zoomed out; then back as it was. */
  async function shootWholeFlow(page, name) {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 1700, height: 820 });
    await page.evaluate(() => {
      RED.actions.invoke('core:toggle-sidebar');
      RED.actions.invoke('core:zoom-out');
      RED.actions.invoke('core:zoom-out');
    });
    await page.waitForTimeout(500); // let the canvas redraw (nothing asserts on timing)
    await browser.screenshot(page, name);
    await page.evaluate(() => {
      RED.actions.invoke('core:zoom-reset');
      RED.actions.invoke('core:toggle-sidebar');
    });
    await page.setViewportSize(size);
  }

  async function checkLanguage(lang) {
    const page = await b.newPage();
    await browser.openEditor(page, sb.url, { lang });
    const types = await browser.editorTypes(page);
    const ours = packageTypes().filter((t) => types.includes(t));
    if (SHOTS) await shootWholeFlow(page, `editor-${lang}`);
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
      const invalid = [];
      RED.nodes.eachNode((n) => { if (n.valid === false) invalid.push(`${n.type} ${n.id}: ${JSON.stringify(n.validationErrors)}`); });
      return { nodes, invalid, tabs: RED.workspaces.count(), unknown: nodes.filter((n) => n.type === 'unknown' || !RED.nodes.getType(n.type)).map((n) => n.type) };
    });
    await page.waitForTimeout(500); // let late console errors arrive; nothing asserts on timing
    await page.close();
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
    assert.ok(flow, 'examples/wecom-customer-service.json exists');
    const expectedIds = flow.filter((n) => n.type !== 'tab' && n.type !== 'group' && n.z && !n.type.startsWith('subflow')).map((n) => n.id);
    const loadedIds = new Set(info.nodes.map((n) => n.id));
    assert.deepEqual(expectedIds.filter((id) => !loadedIds.has(id)), [], 'every node of the example flow is in the editor');
    assert.deepEqual(info.unknown, [], 'no unknown node types in the example flow');
    assert.deepEqual(info.invalid, [], 'no node of the example flow is marked invalid (warning triangle)');
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

  /** The status texts shown under the example flow's nodes of this package, once every one has one. */
  async function statusTexts(page) {
    const ours = packageTypes();
    await page.waitForFunction((types) => {
      const ids = [];
      RED.nodes.eachNode((n) => { if (types.includes(n.type)) ids.push(n.id); });
      return ids.length > 0 && ids.every((id) => { const el = document.getElementById(id); const l = el && el.querySelector('.red-ui-flow-node-status-label'); return l && l.textContent.trim() !== ''; });
    }, ours, { timeout: 15000 });
    return page.evaluate((types) => {
      const out = {};
      RED.nodes.eachNode((n) => { if (types.includes(n.type)) out[`${n.type} ${n.id}`] = /** @type {Element} */ (/** @type {HTMLElement} */ (document.getElementById(n.id)).querySelector('.red-ui-flow-node-status-label')).textContent?.trim(); });
      return out;
    }, ours);
  }

  it('node statuses follow the editor language: Chinese in a zh-CN editor, English in an en-US one', async function () {
    // let wecom-out send once, so its status is the composite "sent (1) · queue 0" one
    const since = lastSeq(sb.simulator);
    const userId = `status${Date.now().toString(36)}`;
    await sb.simulator.userSays({ channel: 'app', userId, text: '价格多少' });
    assert.ok(await botAnswer(userId, since), 'the bot answered');
    for (const lang of ['zh-CN', 'en-US']) {
      const page = await b.newPage();
      try {
        await browser.openEditor(page, sb.url, { lang });
        const texts = await statusTexts(page);
        const raw = Object.entries(texts).filter(([, t]) => /\.status\./.test(t));
        assert.deepEqual(raw, [], `no untranslated status key (${lang})`);
        const wrong = Object.entries(texts).filter(([, t]) => (lang === 'zh-CN' ? !CJK.test(t) : CJK.test(t)));
        assert.deepEqual(wrong, [], `every status in ${lang}: ${JSON.stringify(texts)}`);
      } finally {
        await page.close();
      }
    }
  });

  /** Wait for the simulator to record the bot's answer to `userId` after record `since`. */
  async function botAnswer(userId, since) {
    const deadline = Date.now() + 30000; // a liveness bound for a loaded machine, not a speed check
    for (;;) {
      const got = sb.simulator.records(since).find((r) => r.direction === 'bot' && r.userId === userId);
      if (got || Date.now() > deadline) return got || null;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Run `fn(page, kwNode)` on the editor with the example flow; the example flow is redeployed afterwards. */
  async function withKeywordNode(fn) {
    const flow = exampleFlow();
    const kw = flow && flow.find((n) => n.type === 'keyword-match');
    assert.ok(kw && sb.simulator, 'the example flow has a keyword-match node and the sandbox runs the simulator');
    const original = await (await fetch(new URL('flows', sb.url), { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const page = await b.newPage();
    try {
      await browser.openEditor(page, sb.url, { lang: 'en-US' });
      await fn(page, kw);
    } finally {
      await page.close();
      // put the example flow back for the other e2e specs sharing this sandbox
      await fetch(new URL('flows', sb.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify({ flows: original.flows }),
      });
    }
  }

  it('a keyword rule added in the keyword-match dialog and deployed answers on the existing wiring', async function () {
    const word = `发票${Date.now().toString(36).slice(-4)}`;
    const answer = `E2E 发票说明 ${word}：在后台「发票管理」申请。`;
    await withKeywordNode(async (page, kw) => {
      await browser.openEditDialog(page, kw.id);
      const rows = page.locator('#node-input-rule-container > li');
      const before = await rows.count();
      await page.locator('.red-ui-tray button.red-ui-editableList-addButton').click();
      await page.waitForFunction((n) => document.querySelectorAll('#node-input-rule-container > li').length === n + 1, before);
      const row = rows.nth(before);
      await row.locator('.kw-keywords').fill(word);
      await row.locator('.kw-reply').fill(answer);
      await page.click('#node-dialog-ok');
      await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
      const state = await page.evaluate((id) => {
        const n = RED.nodes.node(id);
        return { outputs: n.outputs, valid: n.valid, rules: n.rules.length };
      }, kw.id);
      assert.deepEqual(state, { outputs: 2, valid: true, rules: before + 1 }, 'the new rule shares the answered output');
      await browser.deploy(page);
      const since = lastSeq(sb.simulator);
      const userId = `kw${Date.now().toString(36)}`;
      await sb.simulator.userSays({ channel: 'app', userId, text: `请问${word}怎么开` });
      const got = await botAnswer(userId, since);
      assert.ok(got, 'the bot answered');
      assert.equal(got.text, answer);
    });
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });

  it('switched to one output per rule, the unwired rule output is flagged before deploy and the flag goes once it is wired', async function () {
    await withKeywordNode(async (page, kw) => {
      await browser.openEditDialog(page, kw.id);
      await page.selectOption('#node-input-routing', 'rules');
      await page.click('#node-dialog-ok');
      await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
      const flagged = await page.evaluate((id) => {
        const n = RED.nodes.node(id);
        const wired = (p) => RED.nodes.filterLinks({ source: n }).filter((l) => Number(l.sourcePort) === p).map((l) => l.target.id);
        const el = document.getElementById(id);
        const triangle = el && el.querySelector('.red-ui-flow-node-error');
        return {
          outputs: n.outputs,
          wires: [0, 1, 2].map(wired),
          valid: n.valid,
          errors: n.validationErrors,
          triangle: !!triangle && !triangle.classList.contains('hide'),
        };
      }, kw.id);
      assert.equal(flagged.outputs, kw.rules.length + 1);
      assert.deepEqual(flagged.wires, [kw.wires[0], [], kw.wires[1]], 'the answered wire moved to rule 1, otherwise kept, rule 2 unwired');
      assert.equal(flagged.valid, false, 'the node is marked invalid');
      assert.match(flagged.errors.join(' '), /output 2 not wired/);
      assert.ok(flagged.triangle, 'the warning triangle shows on the canvas');
      // Deploy stops at the "not properly configured" dialog, which names the node; cancel it
      await page.click('#red-ui-header-button-deploy');
      await page.waitForSelector('#red-ui-deploy-dialog-confirm-deploy-deploy', { state: 'visible', timeout: 15000 });
      const listed = await page.evaluate(() => Array.from(document.querySelectorAll('.red-ui-deploy-dialog-confirm-list li')).map((li) => li.textContent));
      assert.ok(listed.some((t) => t.includes('(keyword-match)')), `the deploy warning lists the keyword node: ${JSON.stringify(listed)}`);
      await page.locator('.red-ui-notification button', { hasText: 'Cancel' }).click();
      // wiring the output clears the flag
      const after = await page.evaluate(({ id, target }) => {
        const n = RED.nodes.node(id);
        const link = { source: n, sourcePort: 1, target: RED.nodes.node(target) };
        RED.nodes.addLink(link);
        return { valid: n.valid };
      }, { id: kw.id, target: kw.wires[0][0] });
      assert.equal(after.valid, true);
    });
  });
});
