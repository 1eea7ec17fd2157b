'use strict';
// The config schemas (nodes/lib/config/): one per node type, numbered migrations, a node saved before versions
// (no `version`, old field names) loads with its meaning kept — in the schema functions and through Node-RED —,
// the bundled flow is at the current version with every field (so opening its dialogs changes nothing), and
// each built dialog's registerType `defaults` is the schema's (written by the build, not by hand).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, load, startHttp, stopHttp, httpUrl, request } = require('./helpers/runtime');
const { SCHEMAS } = require('../dist/nodes/lib/config/index.js');
const { wecomOutSchema } = require('../dist/nodes/lib/config/wecom-out.js');
const { loadConfig, migrate, withDefaults, validField, numOf, versionOf } = require('../dist/nodes/lib/config/schema.js');

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const readExample = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8'));
const EXAMPLE = readExample('wecom-customer-service.json');

/** A config as saved before versions: the given fields only, no `version`. */
const v0 = (type, fields) => Object.assign({ id: 'n1', type }, fields);

describe('config schemas: versions and migrations', function () {
  it('every node type of the package has a schema whose migrations are numbered 1..version', function () {
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      const s = SCHEMAS[type];
      assert.ok(s, `${type} has a schema in nodes/lib/config/`);
      assert.equal(s.type, type);
      assert.deepEqual(s.migrations.map((m) => m.to), Array.from({ length: s.version }, (_, i) => i + 1), type);
    }
  });

  it('a missing or unreadable version is 0; migrations run from the saved version on, once', function () {
    assert.equal(versionOf({}), 0);
    assert.equal(versionOf({ version: 'x' }), 0);
    assert.equal(versionOf({ version: 1 }), 1);
    const s = SCHEMAS['keyword-match'];
    assert.equal(migrate(s, v0('keyword-match', {})).routing, 'rules', 'version 0: the routing it had');
    assert.equal(migrate(s, { version: 1 }).routing, undefined, 'version 1 is not migrated again');
  });

  it('ws-bridge saved without console/ops (as the bundled flow had it) keeps the console and ops view on', function () {
    const c = loadConfig(SCHEMAS['ws-bridge'], v0('ws-bridge', { mode: 'server', path: '/wecom/ws', maxPerAgent: 5 }));
    assert.equal(c.version, 1);
    assert.equal(c.console, true);
    assert.equal(c.ops, true);
    assert.equal(c.metrics, false);
    assert.equal(c.maxPerAgent, 5, 'a saved value is kept');
    assert.equal(c.heartbeatSec, 30, 'a missing field is its default');
    const off = loadConfig(SCHEMAS['ws-bridge'], v0('ws-bridge', { console: false, ops: false }));
    assert.deepEqual([off.console, off.ops], [false, false], 'what was switched off stays off');
  });

  it('old field names: faq-lookup thresholds and context store, wecom-in dedupeStore are dropped, the rest kept', function () {
    const faq = loadConfig(SCHEMAS['faq-lookup'], v0('faq-lookup', { answerThreshold: 0.3, suggestThreshold: 0.2, store: 'file', entries: [{ question: 'q', answer: 'a' }] }));
    assert.ok(!('answerThreshold' in faq) && !('suggestThreshold' in faq));
    assert.ok(!('store' in faq), 'the pending did-you-mean is in the state store');
    assert.deepEqual([faq.answerConfidence, faq.suggestConfidence], ['', ''], 'the calibrated defaults (the runtime ignored the thresholds)');
    assert.deepEqual([faq.builtinSynonyms, faq.smallTalk], [true, true]);
    assert.deepEqual(faq.entries, [{ question: 'q', answer: 'a' }]);
    const inNode = loadConfig(SCHEMAS['wecom-in'], v0('wecom-in', { dedupeStore: 'file', kfSkipBacklog: false, path: '/cb' }));
    assert.ok(!('dedupeStore' in inNode));
    assert.deepEqual([inNode.kfSkipBacklog, inNode.path, inNode.settleSec], [false, '/cb', 60]);
    assert.equal(inNode.profiles, true, 'saved before the field existed: profiles were looked up, and still are');
    const h = loadConfig(SCHEMAS.handoff, { type: 'handoff', version: 1 });
    assert.deepEqual([h.reserveClose, h.rating], [1, false], 'one reply kept for the closing notice; no rating unless ticked');
  });

  it('keyword-match without routing keeps one output per rule; a new node answers on one output', function () {
    assert.equal(loadConfig(SCHEMAS['keyword-match'], v0('keyword-match', { rules: [] })).routing, 'rules');
    assert.equal(SCHEMAS['keyword-match'].fields.routing.value, 'answer');
    assert.equal(loadConfig(SCHEMAS['keyword-match'], { version: 1, rules: [] }).routing, 'answer');
  });

  it('loading is idempotent and leaves fields a schema does not know (ids, wires, flow-only options) alone', function () {
    for (const s of Object.values(SCHEMAS)) {
      const once = loadConfig(s, v0(s.type, { wires: [['a']], retry: { tries: 2 } }));
      assert.deepEqual(loadConfig(s, once), once, s.type);
      assert.deepEqual([once.id, once.wires, once.retry], ['n1', [['a']], { tries: 2 }], s.type);
    }
  });

  it('a default is copied, never shared between nodes', function () {
    const a = withDefaults(SCHEMAS.handoff, {});
    /** @type {object[]} */ (a.groupMap).push({ id: 'x' });
    assert.deepEqual(withDefaults(SCHEMAS.handoff, {}).groupMap, []);
  });

  it('validField: empty means the default unless required; numbers within bounds; patterns; choices', function () {
    const f = wecomOutSchema.fields;
    assert.equal(validField(f.concurrency, ''), true);
    assert.equal(validField(f.concurrency, '64'), true);
    assert.equal(validField(f.concurrency, 65), false);
    assert.equal(validField(f.concurrency, 'abc'), false);
    assert.equal(validField(f.openKfId, 'wk_1-A'), true);
    assert.equal(validField(f.openKfId, 'a b'), false);
    assert.equal(validField(f.channel, 'kf'), true);
    assert.equal(validField(f.channel, 'sms'), false);
    assert.equal(validField(SCHEMAS['wecom-in'].fields.path, ''), false, 'required');
    assert.equal(numOf(f.concurrency, ''), 8);
    assert.equal(numOf(f.concurrency, '999'), 64);
  });

  it('the bundled flows are at the current version with every field, so opening a dialog changes nothing', function () {
    const ours = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).flatMap((f) => readExample(f).filter((n) => SCHEMAS[n.type]));
    assert.deepEqual([...new Set(ours.map((n) => n.type))].sort(), Object.keys(pkg['node-red'].nodes).sort(), 'the examples have every node type');
    for (const n of ours) {
      assert.equal(n.version, SCHEMAS[n.type].version, `${n.type} ${n.id} version`);
      assert.deepEqual(loadConfig(SCHEMAS[n.type], n), n, `${n.type} ${n.id} holds every field (a new field needs a value in the example)`);
    }
    const bridge = EXAMPLE.find((n) => n.type === 'ws-bridge');
    assert.deepEqual([bridge.console, bridge.ops], [true, true]);
  });

  it("each built dialog's defaults are its schema's fields (the source .html holds none)", function () {
    for (const [type, s] of Object.entries(SCHEMAS)) {
      const src = fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
      assert.match(src, new RegExp(`defaults: \\{/\\* written by scripts/build\\.js from nodes/lib/config/${type}\\.ts \\*/\\}`), type);
      const built = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', type, `${type}.html`), 'utf8');
      const block = /defaults: \{\n([\s\S]*?)\n {4}\}/.exec(built);
      assert.ok(block, `${type}: built defaults`);
      const keys = block[1].split('\n').map((l) => l.trim().split(':')[0]);
      assert.deepEqual(keys, ['version', ...Object.keys(s.fields)], type);
      assert.ok(block[1].includes(`version: { value: ${s.version} }`), `${type}: new nodes get the current version`);
    }
  });

  it("credentials are declared once, in the schema: the built dialog's and the runtime's are its secrets, all passwords", function () {
    const withSecrets = Object.values(SCHEMAS).filter((s) => Object.keys(s.secrets).length > 0).map((s) => s.type);
    assert.deepEqual(withSecrets.sort(), ['ai-endpoint', 'faq-lookup', 'wecom-account', 'ws-bridge']);
    for (const [type, s] of Object.entries(SCHEMAS)) {
      const names = Object.keys(s.secrets);
      const src = fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
      if (names.length) assert.match(src, new RegExp(`credentials: \\{/\\* written by scripts/build\\.js from nodes/lib/config/${type}\\.ts \\*/\\}`), type);
      else assert.doesNotMatch(src, /credentials:/, type);
      const built = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', type, `${type}.html`), 'utf8');
      const block = /credentials: \{\n([\s\S]*?)\n {4}\}/.exec(built);
      assert.deepEqual(block ? block[1].split('\n').map((l) => l.trim().split(':')[0]) : [], names, `${type}: the dialog's credentials`);
      if (block) for (const l of block[1].split('\n')) assert.match(l, /\{ type: 'password'/, `${type}: ${l.trim()}`);
      // what the runtime registers
      /** @type {any} */
      let registered;
      const RED = { nodes: { registerType: (/** @type {string} */ t, /** @type {any} */ _c, /** @type {any} */ o) => { if (t === type) registered = o; }, createNode() {} } };
      require(path.join(ROOT, 'dist', 'nodes', type, `${type}.js`))(RED);
      assert.deepEqual(Object.keys((registered && registered.credentials) || {}), names, `${type}: the runtime's credentials`);
      for (const n of names) assert.equal(registered.credentials[n].type, 'password');
    }
  });
});

describe('config schemas through Node-RED: an old saved flow keeps its meaning', function () {
  before(startHttp);
  after(stopHttp);
  afterEach(() => helper.unload());

  it('ws-bridge saved without version, console or ops still serves the console and the ops view', async function () {
    const bridgeNode = require('../dist/nodes/ws-bridge/ws-bridge.js');
    const old = { id: 'b1', type: 'ws-bridge', name: 'agents', mode: 'server', path: '/wecom/ws', maxPerAgent: 5, wires: [[], []] };
    await load([bridgeNode], [old], { b1: { token: 'agent-tok', opsPassword: 'ops-pw' } });
    assert.equal((await request('GET', httpUrl('/wecom/console/'))).status, 200);
    const auth = { authorization: 'Basic ' + Buffer.from('ops:ops-pw').toString('base64') };
    assert.equal((await request('GET', httpUrl('/wecom/ops/'), undefined, auth)).status, 200);
  });

  it('keyword-match saved before routing existed sends each rule to its own output', async function () {
    const kwNode = require('../dist/nodes/keyword-match/keyword-match.js');
    const rules = [{ keywords: ['价格'], mode: 'contains', reply: 'PRICE' }, { keywords: ['发票'], mode: 'contains', reply: 'INVOICE' }];
    const flow = [
      { id: 't1', type: 'tab' },
      { id: 'k1', z: 't1', type: 'keyword-match', rules, wires: [['o0'], ['o1'], ['o2']] },
      { id: 'o0', z: 't1', type: 'helper' },
      { id: 'o1', z: 't1', type: 'helper' },
      { id: 'o2', z: 't1', type: 'helper' },
    ];
    await load([kwNode], flow);
    const got = new Promise((resolve) => helper.getNode('o1').on('input', resolve));
    helper.getNode('k1').receive({ payload: '开发票', wecom: { conversationId: 'c1' } });
    const msg = /** @type {{ payload: string }} */ (await got);
    assert.equal(msg.payload, 'INVOICE', 'the second rule answers on output 2, as before');
  });
});
