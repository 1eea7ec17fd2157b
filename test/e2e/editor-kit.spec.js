'use strict';
// The editor kit (resources/editor-kit.js) in Chromium, served by Node-RED from the package's resources/
// folder: a fresh node of every type of the package opens its edit dialog under en-US and zh-CN with no page
// error, the dialog uses the kit, shows no raw catalog key as a placeholder and no label cut off (the zh-CN
// account dialog's "EncodingAESKey" included); the kit's helpers behave in the page (validators, list fields,
// rows shown by a field, catalog-labelled options, editable lists saved back into the node).
// Screenshots of the account dialog go to test/.tmp/editor-kit/ on every run.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const browser = require('./browser');
const { ROOT, useSandbox, packageTypes } = require('./sandbox');

const KIT_URL = /\/resources\/node-red-contrib-wecom\/editor-kit\.js$/;
const SHOTS = path.join(ROOT, 'test', '.tmp', 'editor-kit');

describe('e2e: the editor kit every node dialog shares', function () {
  this.timeout(120000);
  const sandbox = useSandbox();
  /** @type {{ url: string }} the shared sandbox */
  let sb;
  /** @type {Awaited<ReturnType<typeof browser.launch>>} */
  let b;

  before(async function () {
    browser.requireBrowser();
    fs.mkdirSync(SHOTS, { recursive: true });
    [sb, b] = await Promise.all([sandbox(), browser.launch()]);
  });
  after(async () => {
    if (b) await b.close();
  });

  /**
   * The editor in `lang`, the statuses of its requests for the kit, and a record of the kit's calls
   * (window.__kitCalls: the names of the kit functions called since).
   * @param {string} lang
   */
  async function editor(lang) {
    const page = await b.newPage();
    /** @type {number[]} */
    const kitStatuses = [];
    page.on('response', (r) => {
      if (KIT_URL.test(r.url())) kitStatuses.push(r.status());
    });
    await browser.openEditor(page, sb.url, { lang });
    await page.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__kitCalls = [];
      for (const [name, fn] of Object.entries(w.WecomEditorKit)) {
        if (typeof fn !== 'function') continue;
        w.WecomEditorKit[name] = function (/** @type {any[]} */ ...args) {
          w.__kitCalls.push(name);
          return fn.apply(this, args);
        };
      }
    });
    return { page, kitStatuses };
  }

  /**
   * Open the dialog of a fresh node of `type` with its default values, as dropped from the palette (a new
   * config node for a config type).
   * @param {import('playwright-core').Page} page
   * @param {string} type
   */
  async function openFresh(page, type) {
    const id = await page.evaluate((t) => {
      const def = RED.nodes.getType(t);
      if (def.category === 'config') return null;
      /** @type {Record<string, unknown>} */
      const n = { id: `kit${Math.random().toString(16).slice(2, 10)}`, type: t, x: 300, y: 300, z: RED.workspaces.active(), wires: [] };
      // as the palette does: a field without a default value (a deprecated one) is left out
      for (const [k, d] of Object.entries(def.defaults)) if (/** @type {any} */ (d).value !== undefined) n[k] = JSON.parse(JSON.stringify(/** @type {any} */ (d).value));
      RED.view.importNodes([n], { generateIds: false, addFlow: false });
      return n.id;
    }, type);
    if (id) await browser.openEditDialog(page, id);
    else await browser.openNewConfigDialog(page, type);
  }

  /** What the open dialog shows: cut-off labels, raw catalog keys as placeholders, the kit calls it made. */
  function inspectDialog(page, types) {
    return page.evaluate((ours) => {
      const trays = document.querySelectorAll('.red-ui-tray');
      const tray = trays[trays.length - 1];
      const visible = (/** @type {HTMLElement} */ e) => e.offsetParent !== null;
      const labels = /** @type {HTMLElement[]} */ (Array.from(tray.querySelectorAll('.red-ui-tray-body .form-row > label'))).filter(visible);
      const rawKey = new RegExp(`^(${ours.join('|')})\\.[\\w.-]+$`);
      const w = /** @type {any} */ (window);
      return {
        labels: labels.length,
        cut: labels.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => `${l.textContent.trim()} (${l.scrollWidth} > ${l.clientWidth})`),
        rawPlaceholders: Array.from(tray.querySelectorAll('[placeholder]')).map((e) => e.getAttribute('placeholder')).filter((p) => rawKey.test(p || '')),
        kitCalls: w.__kitCalls.splice(0),
      };
    }, types);
  }

  for (const lang of ['en-US', 'zh-CN']) {
    it(`${lang}: the kit is served from resources/ and every node dialog opens through it, without page errors or cut labels`, async function () {
      const { page, kitStatuses } = await editor(lang);
      const types = packageTypes();
      const problems = [];
      const used = {};
      for (const type of types) {
        await openFresh(page, type);
        const seen = await inspectDialog(page, types);
        if (type === 'wecom-account') await page.screenshot({ path: path.join(SHOTS, `dialog-wecom-account-${lang}.png`) });
        await browser.cancelDialogs(page);
        used[type] = [...new Set(seen.kitCalls)];
        if (seen.labels === 0) problems.push(`${type}: no labels`);
        if (seen.kitCalls.length === 0) problems.push(`${type}: the dialog made no call to the editor kit`);
        if (seen.cut.length) problems.push(`${type}: labels cut off: ${seen.cut.join(', ')}`);
        if (seen.rawPlaceholders.length) problems.push(`${type}: placeholders that are catalog keys: ${seen.rawPlaceholders.join(', ')}`);
      }
      const loaded = await page.evaluate(() => Object.keys(/** @type {any} */ (window).WecomEditorKit).sort());
      await page.close();
      assert.ok(kitStatuses.length > 0 && kitStatuses.every((s) => s === 200 || s === 304), `the kit was fetched: ${JSON.stringify(kitStatuses)}`);
      assert.ok(loaded.includes('placeholders') && loaded.includes('list') && loaded.includes('showRows'), `the kit defines its helpers: ${loaded}`);
      assert.deepEqual(problems, [], JSON.stringify(used));
      assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
    });
  }

  it('its helpers behave in the page: validators, list fields, rows shown by a field, catalog options, editable lists', async function () {
    const { page } = await editor('en-US');
    const pure = await page.evaluate(() => {
      const kit = /** @type {any} */ (window).WecomEditorKit;
      const confidence = kit.range(0, 1);
      const atLeastOne = kit.range(1);
      const digits = kit.blankOr(/^\d+$/);
      return {
        confidence: ['', undefined, '0', '0.5', '1', '1.5', '-1', 'x'].map((v) => confidence(v)),
        atLeastOne: ['', '1', '3600', '0', 'x'].map((v) => atLeastOne(v)),
        digits: ['', undefined, '__PWRD__', '42', '4a'].map((v) => digits(v)),
        split: kit.splitList(' a | b ||c | '),
        splitEmpty: kit.splitList(undefined),
      };
    });
    assert.deepEqual(pure, {
      confidence: [true, true, true, true, true, false, false, false],
      atLeastOne: [true, true, true, false, false],
      digits: [true, true, true, true, false],
      split: ['a', 'b', 'c'],
      splitEmpty: [],
    });

    // ws-bridge: the mode select shows the server or the client rows
    await openFresh(page, 'ws-bridge');
    const rows = () => page.evaluate(() => {
      const shown = (/** @type {string} */ sel) => /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll(sel))).filter((e) => e.offsetParent !== null).length;
      return { server: shown('.ws-bridge-server'), client: shown('.ws-bridge-client') };
    });
    const server = await rows();
    await page.selectOption('#node-input-mode', 'client');
    const client = await rows();
    await browser.cancelDialogs(page);
    assert.ok(server.server > 0 && server.client === 0, JSON.stringify(server));
    assert.ok(client.client > 0 && client.server === 0, JSON.stringify(client));

    // handoff: the match-mode selects are filled from the catalog and show the node's values
    await openFresh(page, 'handoff');
    const modes = await page.evaluate(() => ['transferMode', 'cancelMode'].map((f) => {
      const sel = /** @type {HTMLSelectElement} */ (document.getElementById(`node-input-${f}`));
      return { value: sel.value, options: Array.from(sel.options).map((o) => `${o.value}=${o.text}`) };
    }));
    await browser.cancelDialogs(page);
    const text = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'nodes', 'handoff', 'locales', 'en-US', 'handoff.json'), 'utf8')).handoff.mode;
    const options = (/** @type {string[]} */ values) => values.map((v) => `${v}=${text[v]}`);
    assert.deepEqual(modes, [
      { value: 'word', options: options(['word', 'contains', 'exact', 'startsWith', 'regex']) },
      { value: 'contains', options: options(['contains', 'word', 'exact', 'startsWith', 'regex']) },
    ]);

    // faq-lookup: an entry added in the editable list is saved into the node, its alternates split at |
    await openFresh(page, 'faq-lookup');
    const id = await page.evaluate(() => RED.editor.getEditStack()[0].id);
    await page.locator('.red-ui-tray button.red-ui-editableList-addButton').click();
    const row = page.locator('#node-input-entry-container > li').last();
    await row.locator('.faq-q').fill('发票怎么开');
    await row.locator('.faq-alt').fill(' 开票 | 要发票 |');
    await row.locator('.faq-a').fill('在「发票管理」申请。');
    await page.click('#node-dialog-ok');
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
    const entries = await page.evaluate((nid) => RED.nodes.node(nid).entries, id);
    await page.close();
    assert.deepEqual(entries, [{ question: '发票怎么开', answer: '在「发票管理」申请。', alternates: ['开票', '要发票'] }]);
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });
});
