'use strict';
// The packaged agent console (console/*, served by ws-bridge at /wecom/console/) opened from the sandbox, in
// Chromium, protocol v2: signed in from the #fragment it shows its groups, a user's picture inline and a file as a
// download (both read through ws-bridge's media URL with the credential in a header), sends a picture the user receives as an image, and transfers a
// conversation to another agent with a note.
const assert = require('node:assert/strict');
const browser = require('./browser');
const { useSandbox, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { makePng } = require('../helpers/fixtures');
const { until } = require('../helpers/runtime');
const { agentClient } = require('../helpers/agent-client');


describe('e2e: the packaged agent console (from the sandbox) shows pictures and files, sends a picture, transfers, shows groups', function () {
  this.timeout(120000);
  const sandbox = useSandbox();
  const run = Date.now().toString(36);
  const me = `console-${run}`;
  const user = `pic-${run}`;
  let sb;
  let sim;
  let b;
  let page;
  let peer;

  before(async function () {
    browser.requireBrowser();
    sb = await sandbox();
    await hubIdle(sb);
    sim = sb.simulator;
    b = await browser.launch({ locale: 'zh-CN' });
  });
  after(async () => {
    if (peer) await peer.close();
    if (b) await b.close();
  });

  it('connects with its groups and shows them', async function () {
    page = await b.newPage();
    await page.goto(`${sb.url}wecom/console/#token=${encodeURIComponent(sb.agentToken)}&agent=${me}&groups=sales,vip`);
    await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 15000 });
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
    await page.waitForFunction(() => document.querySelectorAll('#my-groups .tag').length === 2, null, { timeout: 10000 });
    const groups = await page.$$eval('#my-groups .tag', (els) => els.map((e) => e.textContent));
    assert.deepEqual(groups, ['组：sales', '组：vip']);
  });

  it('shows a user picture inline and a file as a download, both read through the media URL', async function () {
    await sim.userSays({ channel: 'app', userId: user, text: '转人工' });
    const sel = `#active .conv[data-id$=":${user}"]`;
    await page.waitForSelector(sel, { timeout: 20000 });
    await page.click(sel);
    await sim.userSends({ channel: 'app', userId: user, type: 'image', data: makePng(8, 6, [255, 0, 0]), contentType: 'image/png', filename: 'red.png' });
    await page.waitForFunction(() => {
      const img = /** @type {HTMLImageElement | null} */ (document.querySelector('#history .media img'));
      return img && img.complete && img.naturalWidth === 8 && img.naturalHeight === 6;
    }, null, { timeout: 20000 });
    const doc = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 65), Buffer.from('\n%%EOF\n')]);
    await sim.userSends({ channel: 'app', userId: user, type: 'file', data: doc, contentType: 'application/pdf', filename: 'invoice.pdf' });
    const link = await page.waitForSelector('#history .media a.file', { timeout: 20000 });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), link.click()]);
    assert.equal(download.suggestedFilename(), 'invoice.pdf');
    assert.deepEqual(require('node:fs').readFileSync(await download.path()), doc, 'the link gives the file the user sent');
  });

  it('sends a picture the user receives as an image', async function () {
    const since = lastSeq(sim);
    const picture = makePng(4, 4, [0, 128, 255]);
    await page.setInputFiles('#attach', { name: 'blue.png', mimeType: 'image/png', buffer: picture });
    await page.waitForSelector('#attached:not(.hidden)', { timeout: 10000 });
    await page.click('#reply-send');
    const rec = await until(() => sim.records(since).find((r) => r.direction === 'bot' && r.userId === user && r.msgtype === 'image'), 'the image at the user', 20000);
    assert.deepEqual(sim.mediaData(rec.data.media_id), picture);
  });

  it('transfers the conversation to another agent with a note', async function () {
    peer = agentClient(new URL('wecom/ws', sb.url.replace(/^http/, 'ws')).toString(), { agent: `peer-${run}`, headers: { Authorization: `Bearer ${sb.agentToken}` } });
    await peer.opened;
    await peer.next('welcome');
    await page.fill('#transfer-to', `peer-${run}`);
    await page.fill('#transfer-note', '请跟进发票');
    await page.click('#transfer');
    const ho = await peer.next('handoff', 15000);
    assert.equal(ho.transferredFrom, me);
    assert.equal(ho.note, '请跟进发票');
    assert.ok(ho.history.some((h) => h.media && h.media.type === 'image'), 'the history carries the picture');
    await page.waitForSelector(`#closed .conv[data-id$=":${user}"]`, { timeout: 15000 });
    peer.send({ type: 'close', conversationId: ho.conversationId });
    await peer.next('ack');
  });
});
