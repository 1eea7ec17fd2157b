'use strict';
// The editor kit ships: every node's editor .html loads resources/node-red-contrib-wecom/editor-kit.js before
// its own script, `npm pack` puts resources/editor-kit.js in the package, and the package lint's RESOURCES rule
// refuses an editor resource that is missing, not shipped, absolute or of another module (a <script src> the
// editor cannot load stops it loading every node).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const lint = require('../scripts/lint-package.js');

const ROOT = path.resolve(__dirname, '..');
const KIT_TAG = '<script src="resources/node-red-contrib-wecom/editor-kit.js"></script>';

describe('editor kit packaging', function () {
  this.timeout(60000);
  let tmp;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-resources-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every node editor .html loads the kit once, before its own script', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const [type, rel] of Object.entries(pkg['node-red'].nodes)) {
      const html = fs.readFileSync(path.join(ROOT, String(rel).replace(/^dist\//, '').replace(/\.js$/, '.html')), 'utf8');
      assert.equal(html.split(KIT_TAG).length - 1, 1, `${type} loads the kit once`);
      assert.ok(html.indexOf(KIT_TAG) < html.indexOf('<script type="text/javascript">'), `${type} loads the kit before its own script`);
    }
  });

  it('npm pack ships resources/editor-kit.js', () => {
    const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: Object.assign({}, process.env, { npm_config_loglevel: 'error' }),
    });
    const files = JSON.parse(out)[0].files.map((/** @type {{ path: string }} */ f) => f.path);
    assert.ok(files.includes('resources/editor-kit.js'), JSON.stringify(files.filter((f) => !f.startsWith('dist/'))));
  });

  /**
   * A one-node package whose editor .html loads `url`; `kit` = the resources/ files to write.
   * @param {string} name
   * @param {{ url: string, files?: string[], kit?: string[] }} opts
   */
  function tree(name, { url, files, kit = ['kit.js'] }) {
    const root = path.join(tmp, name);
    const write = (/** @type {string} */ rel, /** @type {string} */ text) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write('package.json', JSON.stringify({ name: 'node-red-contrib-demo', files, 'node-red': { nodes: { demo: 'dist/demo.js' } } }));
    write('dist/demo.js', 'module.exports = function () {};');
    write('dist/demo.html', `<script src="${url}"></script>\n<script type="text/javascript">RED.nodes.registerType('demo', {});</script>`);
    for (const f of kit) write(`resources/${f}`, '// kit');
    return lint.rules.checkResources(lint.readPackage(root));
  }

  it('RESOURCES passes a shipped resource and refuses a missing, unshipped, absolute or foreign one', () => {
    const ok = tree('ok', { url: 'resources/node-red-contrib-demo/kit.js', files: ['dist', 'resources'] });
    assert.deepEqual([ok.ok, ok.reasons], [true, []]);
    assert.equal(tree('no-files-field', { url: 'resources/node-red-contrib-demo/kit.js' }).ok, true, 'no "files": everything ships');
    assert.equal(tree('glob', { url: 'resources/node-red-contrib-demo/kit.js', files: ['dist', 'resources/*.js'] }).ok, true);
    const cases = [
      ['missing', { url: 'resources/node-red-contrib-demo/kit.js', files: ['dist', 'resources'], kit: [] }, /resources\/kit\.js does not exist/],
      ['unshipped', { url: 'resources/node-red-contrib-demo/kit.js', files: ['dist'] }, /not in package\.json "files"/],
      ['unshipped-glob', { url: 'resources/node-red-contrib-demo/kit.js', files: ['dist', 'resources/*.css'] }, /not in package\.json "files"/],
      ['absolute', { url: '/resources/node-red-contrib-demo/kit.js', files: ['dist', 'resources'] }, /is absolute/],
      ['foreign', { url: 'resources/node-red-contrib-other/kit.js', files: ['dist', 'resources'] }, /does not name this module/],
    ];
    for (const [name, opts, reason] of /** @type {Array<[string, { url: string, files?: string[], kit?: string[] }, RegExp]>} */ (cases)) {
      const r = tree(name, opts);
      assert.equal(r.ok, false, name);
      assert.ok(r.reasons.some((x) => reason.test(x)), `${name}: ${JSON.stringify(r.reasons)}`);
    }
  });
});
