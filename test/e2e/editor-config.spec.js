'use strict';
// Config schemas in the editor (Chromium, the in-process sandbox with the example flow): opening every node of
// the bundled flow and pressing Done changes nothing (the flow export is byte-identical, nothing to deploy) and
// the agent console and ops view still answer after Deploy; a ws-bridge saved before versions (no version,
// no console/ops) is migrated as the editor loads or imports it (not only when its dialog opens), opens with
// both ticked, and Done saves them on, at the current version.
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, opsAuth } = require('./sandbox');

const SHOTS = process.env.E2E_SCREENSHOTS === '1';

/** The editor's export of every flow (what Export → all flows copies), as text. */
const exportAll = (page) => page.evaluate(() => JSON.stringify(RED.nodes.createCompleteNodeSet({ credentials: false }), null, 2));

/** Open node `id`'s dialog and press Done. */
async function openAndDone(page, id) {
  await browser.openEditDialog(page, id);
  const isConfig = await page.evaluate((nid) => RED.nodes.node(nid)._def.category === 'config', id);
  await page.click(isConfig ? '#node-config-dialog-ok' : '#node-dialog-ok');
  await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0, null, { timeout: 15000 });
}

describe('e2e: config schemas in the editor (Done changes nothing; old nodes keep their meaning)', function () {
  this.timeout(240000);
  const sandbox = useSandbox();
  let sb;
  let b;

  before(async function () {
    browser.requireBrowser();
    [sb, b] = await Promise.all([sandbox(), browser.launch()]);
  });
  after(async () => {
    if (b) await b.close();
  });

  /** Run `fn` with the editor open in a new page (closed after); no page logged an error. */
  async function inEditor(/** @type {(page: any) => Promise<void>} */ fn) {
    const page = await b.newPage();
    try {
      await browser.openEditor(page, sb.url, { lang: 'en-US' });
      await fn(page);
    } finally {
      await page.close();
    }
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  }

  const get = (p, headers) => fetch(new URL(p, sb.url), { headers: headers || {}, redirect: 'manual' });

  it('every node of the bundled flow: open, Done, Deploy → the export is byte-identical; console and ops view answer', async function () {
    const page = await b.newPage();
    try {
      await browser.openEditor(page, sb.url, { lang: 'en-US' });
      const before = await exportAll(page);
      const ids = await page.evaluate(() => {
        const out = [];
        RED.nodes.eachNode((n) => out.push(n.id));
        RED.nodes.eachConfig((n) => {
          if (n._def && n._def.category === 'config') out.push(n.id);
        });
        return out;
      });
      assert.ok(ids.length > 10, `the example flow is loaded (${ids.length} nodes)`);
      const changed = [];
      /** The node as exported (without credentials) and whether the editor marks it changed. */
      const state = (nid) => page.evaluate((i) => {
        const n = RED.nodes.node(i);
        return { type: n.type, changed: !!n.changed, saved: JSON.stringify(RED.nodes.convertNode(n, false)) };
      }, nid);
      for (const id of ids) {
        const before = await state(id);
        await openAndDone(page, id);
        const after = await state(id);
        if (after.changed || after.saved !== before.saved) changed.push(`${after.type} ${id}: ${before.saved} → ${after.saved}`);
      }
      assert.deepEqual(changed, [], 'no node is changed by opening its dialog and pressing Done');
      await browser.deploy(page);
      assert.equal(await exportAll(page), before, 'the flow export is byte-identical');
    } finally {
      await page.close();
    }
    assert.equal((await get('wecom/console/')).status, 200, 'the agent console answers');
    assert.equal((await get('wecom/ops/', opsAuth(sb.opsPassword))).status, 200, 'the ops view answers');
    assert.deepEqual(b.errors, [], `console/page errors: ${JSON.stringify(b.errors, null, 1)}`);
  });

  it('a ws-bridge saved before versions is migrated as the editor loads the flows: the export and Deploy carry version 1 with the console and ops view on', async function () {
    await inEditor(async (page) => {
      const got = await page.evaluate(() => {
        const nid = `load${Math.random().toString(16).slice(2, 10)}`;
        const z = RED.workspaces.active();
        const old = { id: nid, type: 'ws-bridge', name: 'loaded bridge', mode: 'server', path: '/wecom/loaded-ws', maxPerAgent: 2, x: 300, y: 560, z, wires: [[], []] };
        // what the editor does with the flows it fetches: import them, call them clean, then say they are loaded
        RED.nodes.import([old]);
        RED.nodes.dirty(false);
        RED.events.emit('flows:loaded');
        const n = RED.nodes.node(nid);
        const exported = RED.nodes.convertNode(n, false);
        const out = { version: exported.version, console: exported.console, ops: exported.ops, metrics: exported.metrics, maxPerAgent: exported.maxPerAgent, changed: !!n.changed, dirty: RED.nodes.dirty() };
        RED.nodes.remove(nid);
        RED.nodes.dirty(false);
        return out;
      });
      assert.deepEqual(got, { version: 1, console: true, ops: true, metrics: false, maxPerAgent: 2, changed: true, dirty: true });
    });
  });

  it('a ws-bridge saved before versions opens with the console and ops view ticked; Done saves them on at the current version', async function () {
    await inEditor(async (page) => {
      const id = await page.evaluate(() => {
        const nid = `old${Math.random().toString(16).slice(2, 10)}`;
        // as a flow saved by an earlier release holds it: no version, no console/ops, no event-record fields
        const old = { id: nid, type: 'ws-bridge', name: 'old bridge', mode: 'server', path: '/wecom/old-ws', url: '', headers: '', origins: '', maxPerAgent: 3, bufferSize: 500, graceSec: 60, heartbeatSec: 30, maxFrameKb: 64, reconnectMaxSec: 30, x: 300, y: 500, z: RED.workspaces.active(), wires: [[], []] };
        RED.view.importNodes([old], { generateIds: false, addFlow: false });
        return nid;
      });
      const loaded = await page.evaluate((nid) => {
        const n = RED.nodes.node(nid);
        return { version: n.version, console: n.console, ops: n.ops };
      }, id);
      assert.deepEqual(loaded, { version: 1, console: true, ops: true }, 'migrated as it was imported, before any dialog opens');
      await browser.openEditDialog(page, id);
      const ticked = await page.evaluate(() => {
        const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
        return { console: input('node-input-console').checked, ops: input('node-input-ops').checked, max: input('node-input-maxPerAgent').value };
      });
      assert.deepEqual(ticked, { console: true, ops: true, max: '3' });
      await page.click('#node-dialog-ok');
      await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
      const saved = await page.evaluate((nid) => {
        const n = RED.nodes.node(nid);
        const exported = RED.nodes.convertNode(n, false);
        return { version: exported.version, console: exported.console, ops: exported.ops, metrics: exported.metrics, maxPerAgent: exported.maxPerAgent, changed: !!n.changed, dirty: RED.nodes.dirty() };
      }, id);
      assert.deepEqual(saved, { version: 1, console: true, ops: true, metrics: false, maxPerAgent: 3, changed: true, dirty: true });
    });
  });

  it("handoff's Keep for closing and wecom-in's Look up who wrote are in their dialogs, labelled in both languages, with the flow's values", async function () {
    const want = {
      'en-US': { reserveClose: 'Keep for closing', profiles: 'Look up who wrote' },
      'zh-CN': { reserveClose: '留给结束语', profiles: '查询客户资料' },
    };
    for (const lang of /** @type {Array<'en-US' | 'zh-CN'>} */ (['zh-CN', 'en-US'])) {
      const page = await b.newPage();
      try {
        await page.setViewportSize({ width: 1280, height: 900 });
        await browser.openEditor(page, sb.url, { lang });
        for (const [type, field, shot] of /** @type {const} */ ([['handoff', 'reserveClose', 'dialog-handoff-reserve-close'], ['wecom-in', 'profiles', 'dialog-wecom-in-profiles']])) {
          const [id] = await browser.nodeIdsOfType(page, type);
          await browser.openEditDialog(page, id);
          const seen = await page.evaluate((f) => {
            const input = /** @type {HTMLInputElement} */ (document.getElementById(`node-input-${f}`));
            input.scrollIntoView({ block: 'center' });
            const row = /** @type {HTMLElement} */ (input.closest('.form-row'));
            return { label: row.textContent?.replace(/\s+/g, ' ').trim() ?? '', value: input.type === 'checkbox' ? input.checked : input.value };
          }, field);
          assert.ok(seen.label.startsWith(want[lang][field]), `${type} ${field} (${lang}): "${seen.label}"`);
          assert.deepEqual(seen.value, field === 'profiles' ? true : '1', `${type} ${field}: the flow's value`);
          if (SHOTS) await browser.screenshot(page, `${shot}-${lang}`);
          await browser.cancelDialogs(page);
        }
      } finally {
        await page.close();
      }
    }
  });
});
