'use strict';
// Locates the FAQ evaluation kit: ../shared/faq-eval relative to the repository root (in CI the checkout
// has shared/ beside it too; a git worktree one level deeper finds it one more level up, or FAQ_EVAL_DIR says
// where). Returns null, and the caller says so, when it is missing.
const fs = require('node:fs');
const path = require('node:path');

const beside = path.resolve(__dirname, '..', '..', 'shared', 'faq-eval');
/** @type {string[]} */
const candidates = [process.env.FAQ_EVAL_DIR || '', beside, path.resolve(__dirname, '..', '..', '..', 'shared', 'faq-eval')];
const dir = candidates.find((d) => d !== '' && fs.existsSync(path.join(d, 'kb.json'))) || beside;

function loadEval() {
  if (!fs.existsSync(path.join(dir, 'kb.json')) || !fs.existsSync(path.join(dir, 'dev.json'))) return null;
  return {
    dir,
    kb: JSON.parse(fs.readFileSync(path.join(dir, 'kb.json'), 'utf8')),
    dev: JSON.parse(fs.readFileSync(path.join(dir, 'dev.json'), 'utf8')),
  };
}
module.exports = { loadEval, evalDir: dir };
