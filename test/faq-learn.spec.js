'use strict';
// Issue #21: the bot learns from the ops view at once. An unanswered question added as an alternate is answered
// the next time; an answer marked wrong ("never answer this with that entry") is not given again. Both go
// through the ops API's file write (writeAlternates) and faq-lookup's watch of its KB file.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, load, sleep, firstOutput } = require('./helpers/runtime');
const faqMod = require('../dist/nodes/faq-lookup/faq-lookup.js');
const { writeAlternates } = require('../dist/nodes/lib/ops/ops-api.js');
const { addAlternates } = require('../dist/nodes/lib/ops/kb-alternates');
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');

const HOTEL = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'faq', 'hotel-kb.json'), 'utf8'));

function flow(kbFile) {
  return [{ id: 'tab1', type: 'tab' },
    { id: 'f1', z: 'tab1', type: 'faq-lookup', entries: [], kbFile, wires: [['a'], ['s'], ['m']] },
    { id: 'a', z: 'tab1', type: 'helper' }, { id: 's', z: 'tab1', type: 'helper' }, { id: 'm', z: 'tab1', type: 'helper' }];
}
/** The output port and msg for one message. */
function ask(payload) {
  const p = firstOutput(['a', 's', 'm']);
  helper.getNode('f1').receive({ payload, topic: 'c1', wecom: { conversationId: 'c1' } });
  return p;
}
/** Ask until `ok` holds for the reply (the KB file is reloaded by a watcher), at most ~4 s. */
async function askUntil(q, ok) {
  let r = await ask(q);
  for (let i = 0; i < 40 && !ok(r); i++) {
    await sleep(100);
    r = await ask(q);
  }
  return r;
}

describe('FAQ learns from the ops view (issue #21)', function () {
  this.timeout(20000);
  let dir;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-learn-'))));
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a question added as an alternate is answered with that entry the next time', async function () {
    const file = path.join(dir, 'kb.json');
    fs.writeFileSync(file, JSON.stringify(HOTEL));
    await load(faqMod, flow(file));
    const q = '我家泰迪能一起住吗';
    const before = await ask(q);
    assert.notEqual(before.out, 'a', 'not answered before (泰迪 is not in the entry)');
    await sleep(1100); // a new modification time
    assert.deepEqual(writeAlternates(file, 'h09', [q]), [q]);
    const after = await askUntil(q, (r) => r.out === 'a');
    assert.equal(after.out, 'a');
    assert.equal(after.msg.faq.id, 'h09');
  });

  it('an answer marked wrong is not given again for that question, and the entry still answers others', async function () {
    const file = path.join(dir, 'kb.json');
    fs.writeFileSync(file, JSON.stringify(HOTEL));
    await load(faqMod, flow(file));
    const q = '早餐多少钱';
    const before = await ask(q);
    assert.equal(before.out, 'a');
    const wrongId = before.msg.faq.id;
    await sleep(1100);
    assert.deepEqual(writeAlternates(file, wrongId, ['早餐多少钱？'], 'never'), ['早餐多少钱？']);
    const after = await askUntil(q, (r) => r.msg.faq.id !== wrongId);
    assert.notEqual(after.msg.faq.id, wrongId);
    assert.ok(!after.msg.faq.candidates.some((c) => c.id === wrongId && after.out === 's'), 'not offered as did-you-mean either');
    const other = HOTEL.find((e) => e.id === wrongId);
    assert.equal((await ask(other.question)).msg.faq.id, wrongId);
  });

  it('the never list: the same question in other words is blocked, JSON and CSV files keep it', function () {
    const kb = HOTEL.map((e) => (e.id === 'h11' ? { ...e, never: ['押金要交多少钱？'] } : e));
    const bot = createFaqBot({ entries: kb });
    const i = kb.findIndex((e) => e.id === 'h11');
    assert.equal(bot.neverAnswers('请问押金要交多少钱啊', i), true);
    assert.equal(bot.neverAnswers('押金什么时候退', i), false);
    const json = addAlternates(JSON.stringify(HOTEL), 'kb.json', 'h11', ['押金要交多少钱'], 'never');
    assert.deepEqual(JSON.parse(json.text).find((e) => e.id === 'h11').never, ['押金要交多少钱']);
    const csv = addAlternates('id,question,answer,alternates\nh11,押金多少？,三百元,要交押金吗\n', 'kb.csv', 'h11', ['押金要交多少钱'], 'never');
    assert.equal(csv.text, 'id,question,answer,alternates,never\nh11,押金多少？,三百元,要交押金吗,押金要交多少钱\n');
  });
});
