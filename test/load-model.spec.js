'use strict';
// Node-RED 4 loads node files with require(), Node-RED 5 with import(): both must give the register function.
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const pkg = require('../package.json');

describe('node files load under require() (Node-RED 4) and import() (Node-RED 5)', function () {
  for (const [type, rel] of Object.entries(pkg['node-red'].nodes)) {
    it(type, async function () {
      const file = path.join(__dirname, '..', rel);
      assert.equal(typeof require(file), 'function', 'require()');
      const mod = await import(pathToFileURL(file).href);
      assert.equal(typeof mod.default, 'function', 'import().default');
      assert.equal(mod.default, require(file));
    });
  }
});
