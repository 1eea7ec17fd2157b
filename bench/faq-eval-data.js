'use strict';
// Locates the FAQ evaluation kit: ../shared/faq-eval relative to the repository root (in CI the checkout
// has shared/ beside it too). Returns null, and the caller says so, when it is missing.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '..', '..', 'shared', 'faq-eval');

function loadEval() {
  if (!fs.existsSync(path.join(dir, 'kb.json')) || !fs.existsSync(path.join(dir, 'dev.json'))) return null;
  return {
    dir,
    kb: JSON.parse(fs.readFileSync(path.join(dir, 'kb.json'), 'utf8')),
    dev: JSON.parse(fs.readFileSync(path.join(dir, 'dev.json'), 'utf8')),
  };
}
module.exports = { loadEval, evalDir: dir };
