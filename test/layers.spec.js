'use strict';
// The layer rules of eslint.config.js (docs/architecture.md) fail on deliberate violations: nodes/lib importing
// Node-RED, an adapter or the node kit; contract/ importing a domain; an import cycle. Probe files are written
// into a temporary room of nodes/lib (the rules are path-based) and removed afterwards.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ESLint } = require('eslint');

const ROOT = path.join(__dirname, '..');
const PROBE = path.join(ROOT, 'nodes', 'lib', 'zz-layer-probe');
const CONTRACT_PROBE = path.join(ROOT, 'nodes', 'lib', 'contract', 'zz-layer-probe.ts');

/** @param {Record<string, string>} files name → source, under the probe room */
async function lint(files) {
  fs.mkdirSync(PROBE, { recursive: true });
  const paths = Object.entries(files).map(([name, src]) => {
    const p = name === 'contract' ? CONTRACT_PROBE : path.join(PROBE, name);
    fs.writeFileSync(p, src);
    return p;
  });
  const results = await new ESLint({ cwd: ROOT }).lintFiles(paths);
  return results.flatMap((r) => r.messages.map((m) => m.ruleId));
}

describe('layers: the boundary rules fail on violations', function () {
  this.timeout(60000);
  afterEach(() => {
    fs.rmSync(PROBE, { recursive: true, force: true });
    fs.rmSync(CONTRACT_PROBE, { force: true });
  });

  it('a clean lib file passes', async () => {
    assert.deepEqual(await lint({ 'ok.ts': "import { normalise } from '../bot/text/normalise';\nexport const n = normalise('x');\n" }), []);
  });

  it('nodes/lib importing node-red fails', async () => {
    const rules = await lint({ 'a.ts': "import type { NodeAPI } from 'node-red';\nexport type R = NodeAPI;\n" });
    assert.ok(rules.includes('no-restricted-imports'), String(rules));
  });

  it('nodes/lib importing the node kit or an adapter fails', async () => {
    const rules = await lint({
      'a.ts': "import { settingsOf } from '../../shared/node-kit';\nexport const s = settingsOf;\n",
      'b.ts': "import * as h from '../../handoff/handoff';\nexport const x = h;\n",
    });
    assert.equal(rules.filter((r) => r === 'import-x/no-restricted-paths').length, 2, String(rules));
  });

  it('contract/ importing a domain fails', async () => {
    const rules = await lint({ contract: "import { FaqIndex } from '../bot/faq/search-index';\nexport const f = FaqIndex;\n" });
    assert.ok(rules.includes('import-x/no-restricted-paths'), String(rules));
  });

  it('an import cycle fails', async () => {
    const rules = await lint({
      'a.ts': "import { b } from './b';\nexport const a = 1;\nexport const ab = () => a + b;\n",
      'b.ts': "import { a } from './a';\nexport const b = 2;\nexport const ba = () => a + b;\n",
    });
    assert.ok(rules.includes('import-x/no-cycle'), String(rules));
  });
});
