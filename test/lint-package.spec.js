'use strict';
// The scorecard lint itself, run on small package trees written to a temp dir: one that passes every
// rule and variants that each break one rule.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lint = require('../scripts/lint-package.js');

const EDITOR_NODE = `<script type="text/javascript">
  RED.nodes.registerType('demo-node', {
    category: 'wecom',
    color: '#7BC96F',
    defaults: { name: { value: '' }, account: { value: '', type: 'demo-config' }, pattern: { value: '', validate: function (v) { return /^[a-z/]*$/.test(v); } } },
    credentials: { apiToken: { type: 'password' } },
    inputs: 1,
    outputs: 2,
    icon: 'font-awesome/fa-comments',
    label: function () { return this.name || this._('demo-node.label.default') + \`x\`; }
  });
</script>
<script type="text/html" data-template-name="demo-node"><div>{ not js }</div></script>`;

const EDITOR_CONFIG = `<script type="text/javascript">
  RED.nodes.registerType("demo-config", {
    category: "config",
    defaults: { corpId: { value: "" } },
    credentials: { secret: { type: "password" } },
    label: function () { return this.corpId; }
  });
</script>`;

const RUNTIME_NODE = `module.exports = function (RED) {
  function N(c) { RED.nodes.createNode(this, c); }
  RED.nodes.registerType('demo-node', N, { credentials: { apiToken: { type: 'password' } } });
};`;
const RUNTIME_CONFIG = `module.exports = function (RED) {
  function C(c) { RED.nodes.createNode(this, c); }
  RED.nodes.registerType("demo-config", C, { credentials: { secret: { type: "password" } } });
};`;

function goodTree() {
  const pkg = {
    name: 'node-red-contrib-demo',
    version: '1.0.0',
    license: 'MIT',
    repository: { type: 'git', url: 'https://example.invalid/demo.git' },
    keywords: ['node-red', 'demo'],
    engines: { node: '>=20' },
    dependencies: { a: '1', b: '1' },
    'node-red': { version: '>=4.0.0', nodes: { 'demo-node': 'dist/demo-node/demo-node.js', 'demo-config': 'dist/demo-config/demo-config.js' } },
  };
  const files = {
    'package.json': JSON.stringify(pkg, null, 2),
    'dist/demo-node/demo-node.js': RUNTIME_NODE,
    'dist/demo-node/demo-node.html': EDITOR_NODE,
    'dist/demo-config/demo-config.js': RUNTIME_CONFIG,
    'dist/demo-config/demo-config.html': EDITOR_CONFIG,
    'examples/sub/demo.json': JSON.stringify([{ id: 't', type: 'tab' }, { id: 'a', type: 'demo-node', z: 't' }]),
  };
  for (const [type, dir] of [['demo-node', 'dist/demo-node'], ['demo-config', 'dist/demo-config']]) {
    for (const lang of ['en-US', 'zh-CN']) {
      files[`${dir}/locales/${lang}/${type}.json`] = JSON.stringify({ [type]: { label: { name: lang } } });
      files[`${dir}/locales/${lang}/${type}.html`] = `<script type="text/html" data-help-name="${type}"><p>${lang}</p></script>`;
    }
  }
  return files;
}

let tmp;
let count = 0;
function write(files) {
  const root = path.join(tmp, `pkg${++count}`);
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** The tree with changes applied: `edit(files, pkg)` mutates; pkg is re-serialised afterwards. */
function variant(edit) {
  const files = goodTree();
  const pkg = JSON.parse(files['package.json']);
  edit(files, pkg);
  files['package.json'] = JSON.stringify(pkg);
  return write(files);
}

function failures(root) {
  return Object.fromEntries(lint.lintPackage(root).filter((r) => !r.ok).map((r) => [r.id, r.reasons]));
}

function onlyFails(root, id, pattern) {
  const f = failures(root);
  assert.deepEqual(Object.keys(f), [id], `expected only ${id} to fail, got ${JSON.stringify(f)}`);
  if (pattern) assert.ok(f[id].some((r) => pattern.test(r)), `no reason matching ${pattern}: ${JSON.stringify(f[id])}`);
}

describe('scripts/lint-package.js', function () {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-package-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('satisfies (semver)', function () {
    const cases = [
      ['4.1.15', '>=4.0.0', true],
      ['5.0.7', '>=4.0.0', true],
      ['5.0.7', '~4.1.0', false],
      ['4.1.15', '~4.1.0', true],
      ['5.0.7', '^4.0.0', false],
      ['4.1.15', '^4.0.0 || ^5.0.0', true],
      ['5.0.7', '^4.0.0 || ^5.0.0', true],
      ['22.9.0', '>=20.18.1', true],
      ['22.9.0', '>=18.5', true],
      ['22.9.0', '>=24', false],
      ['22.9.0', '18 - 22', true],
      ['23.0.0', '18 - 22', false],
      ['22.9.0', '>=18 <22.9', false],
      ['22.9.0', '>=18 <=22.9', true],
      ['22.9.0', '22.x', true],
      ['22.9.0', '*', true],
      ['0.2.5', '^0.2.3', true],
      ['0.3.0', '^0.2.3', false],
      ['4.1.15', '4.1.15', true],
      ['4.1.16', '4.1.15', false],
      ['4.1.15', '> 4.1', false],
      ['4.2.0', '>4.1', true],
    ];
    for (const [v, r, want] of cases) {
      it(`${v} ${want ? 'satisfies' : 'does not satisfy'} "${r}"`, () => assert.equal(lint.satisfies(v, r), want));
    }
    it('throws on a range it cannot read', () => assert.throws(() => lint.satisfies('1.0.0', '>=banana')));
  });

  describe('findRegisterTypes', function () {
    it('reads literal values and inline objects past regexes, strings and comments', () => {
      const [call] = lint.findRegisterTypes(lint.scriptBlocks(EDITOR_NODE).join('\n'));
      assert.equal(call.type, 'demo-node');
      assert.equal(call.typeLiteral, true);
      assert.ok(call.props);
      assert.equal(call.props.get('category')?.value, 'wecom');
      assert.equal(call.props.get('inputs')?.value, 1);
      assert.equal(call.props.get('outputs')?.value, 2);
      assert.equal(call.props.get('defaults')?.kind, 'object');
      assert.equal(call.props.get('label')?.kind, 'other');
    });
    it('flags a computed type and a non-literal category', () => {
      const [call] = lint.findRegisterTypes("var T='x'; RED.nodes.registerType(T, {category: cat(), color: '#fff'});");
      assert.equal(call.typeLiteral, false);
      assert.ok(call.props);
      assert.equal(call.props.get('category')?.kind, 'other');
    });
    it('ignores the text/html template blocks', () => {
      assert.equal(lint.scriptBlocks(EDITOR_NODE).length, 1);
    });
  });

  it('passes a well-formed package', () => {
    const results = lint.lintPackage(write(goodTree()));
    assert.deepEqual(results.filter((r) => !r.ok), []);
    assert.ok(results.length >= 13);
    assert.match(lint.formatTable(results), /all \d+ rules pass/);
  });

  it('P01: no license', () => onlyFails(variant((f, p) => delete p.license), 'P01'));
  it('P01: a LICENSE file is enough', () => {
    const root = variant((f, p) => { delete p.license; f.LICENSE = 'MIT'; });
    assert.deepEqual(failures(root), {});
  });
  it('P03: neither repository nor bugs', () => onlyFails(variant((f, p) => delete p.repository), 'P03'));
  it('P04: node-red-foo is not node-red-contrib-', () => onlyFails(variant((f, p) => (p.name = 'node-red-demo')), 'P04'));
  it('P04: a scoped name passes', () => assert.deepEqual(failures(variant((f, p) => (p.name = '@acme/node-red-demo'))), {}));
  it('P05: keyword node-red missing', () => onlyFails(variant((f, p) => (p.keywords = ['demo'])), 'P05'));
  it('P06: ~4.1.0 rejects the latest 5.x line', () => onlyFails(variant((f, p) => (p['node-red'].version = '~4.1.0')), 'P06', /5\.0\.7/));
  it('P06: missing node-red.version', () => onlyFails(variant((f, p) => delete p['node-red'].version), 'P06'));
  it('P07: engines.node must accept Node 22.9', () => onlyFails(variant((f, p) => (p.engines.node = '>=24')), 'P07', /22\.9\.0/));
  it('D01: more than 6 dependencies', () =>
    onlyFails(variant((f, p) => (p.dependencies = Object.fromEntries('abcdefg'.split('').map((k) => [k, '1'])))), 'D01'));
  it('N02: a node type no example uses (config nodes are exempt)', () =>
    onlyFails(variant((f) => (f['examples/sub/demo.json'] = JSON.stringify([{ id: 'c', type: 'demo-config' }]))), 'N02', /"demo-node"/));
  it('N02: an example that is not a top-level array', () =>
    onlyFails(variant((f) => (f['examples/other.json'] = '{"nodes":[]}')), 'N02', /top-level JSON array/));
  it('FILES: a node set without its .html', () => onlyFails(variant((f) => (f['dist/demo-config/demo-config.html'] = null)), 'FILES', /demo-config\.html/));
  it('FILES: a node set whose .js is not built', () => {
    const f = failures(variant((files) => (files['dist/demo-node/demo-node.js'] = null)));
    assert.ok(f.FILES.some((r) => /does not exist/.test(r)));
  });
  it('LITERALS: computed category, non-literal outputs, defaults by reference', () => {
    const root = variant((f) => {
      f['dist/demo-node/demo-node.html'] = EDITOR_NODE.replace("category: 'wecom'", 'category: CAT')
        .replace('outputs: 2', 'outputs: 1 + 1')
        .replace(/defaults: \{ name[^\n]*\n/, 'defaults: DEFAULTS,\n');
    });
    const f = failures(root);
    assert.ok(f.LITERALS.some((r) => /category is not a string literal/.test(r)));
    assert.ok(f.LITERALS.some((r) => /outputs is not a number literal/.test(r)));
    assert.ok(f.LITERALS.some((r) => /defaults is not an inline object/.test(r)));
  });
  it('LITERALS: a type name that is not a string literal', () =>
    onlyFails(variant((f) => (f['dist/demo-node/demo-node.html'] = EDITOR_NODE.replace("registerType('demo-node'", "registerType(PREFIX + 'node'"))), 'LITERALS', /type is not a string literal/));
  it('LITERALS: a syntax error in the editor script', () => {
    const f = failures(variant((files) => (files['dist/demo-node/demo-node.html'] = EDITOR_NODE.replace("icon: 'font", "icon: 'font\n"))));
    assert.ok(f.LITERALS && f.LITERALS.length > 0);
  });
  it('UNIQUE: the same type registered by two sets', () => {
    const f = failures(variant((files) => (files['dist/demo-config/demo-config.html'] = EDITOR_CONFIG + EDITOR_NODE)));
    assert.ok(f.UNIQUE && f.UNIQUE.some((r) => /"demo-node" registered in demo-node and again in demo-config/.test(r)), JSON.stringify(f));
  });
  it('I18N: missing zh-CN catalog and help', () => {
    const root = variant((f) => {
      f['dist/demo-node/locales/zh-CN/demo-node.json'] = null;
      f['dist/demo-config/locales/zh-CN/demo-config.html'] = null;
    });
    const f = failures(root);
    assert.deepEqual(Object.keys(f), ['I18N']);
    assert.ok(f.I18N.some((r) => /zh-CN\/demo-node\.json/.test(r)));
    assert.ok(f.I18N.some((r) => /zh-CN\/demo-config\.html/.test(r)));
  });
  it('I18N: a catalog without the type section, help for another type', () => {
    const root = variant((f) => {
      f['dist/demo-node/locales/en-US/demo-node.json'] = '{"other":{}}';
      f['dist/demo-node/locales/en-US/demo-node.html'] = '<script type="text/html" data-help-name="other"></script>';
    });
    const f = failures(root);
    assert.ok(f.I18N.some((r) => /no "demo-node" section/.test(r)));
    assert.ok(f.I18N.some((r) => /no help for "demo-node"/.test(r)));
  });
  it('SECRETS: a secret in defaults', () =>
    onlyFails(variant((f) => (f['dist/demo-config/demo-config.html'] = EDITOR_CONFIG.replace('corpId: { value: "" }', 'corpId: { value: "" }, corpSecret: { value: "" }'))), 'SECRETS', /corpSecret/));
  it('SECRETS: a secret credential of type text', () =>
    onlyFails(variant((f) => (f['dist/demo-node/demo-node.html'] = EDITOR_NODE.replace("apiToken: { type: 'password' }", "apiToken: { type: 'text' }"))), 'SECRETS', /apiToken/));
  it('SECRETS: password in the editor but not in the runtime registerType', () =>
    onlyFails(variant((f) => (f['dist/demo-config/demo-config.js'] = RUNTIME_CONFIG.replace(', { credentials: { secret: { type: "password" } } }', ''))), 'SECRETS', /runtime/));
  it('an unreadable package.json is one failed rule', () => {
    const root = write({ 'package.json': '{nope' });
    const results = lint.lintPackage(root);
    assert.equal(results.length, 1);
    assert.equal(results[0].ok, false);
  });
});
