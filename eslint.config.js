// ESLint (flat config): typescript-eslint's recommended rules over the TypeScript sources, ESLint's recommended
// rules over the JavaScript tests, scripts and benches (type-checked by tsconfig.test.json); no stylistic rules.
'use strict';
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/**', 'sandbox/public/**', 'test/.tmp/**', 'examples/**'] },
  { files: ['nodes/**/*.ts', 'index.ts', 'sandbox/*.ts'], extends: [js.configs.recommended, ...tseslint.configs.recommended] },
  {
    files: ['nodes/**/*.ts', 'index.ts', 'sandbox/*.ts'],
    rules: {
      // `_`-prefixed parameters are deliberate (Node-RED handler signatures, express middleware arity).
      // `const node = this` is Node-RED's documented adapter idiom (and `store` in the Redis backend's closures).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node', 'store'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['test/**/*.js', 'scripts/*.js', 'bench/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    // browser tests and the ops bench evaluate functions in pages (the editor's `RED` among their globals)
    files: ['test/e2e/*.js', 'bench/ops.bench.js'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly' } },
  },
  {
    // `x as unknown as T` only at the one boundary with Node-RED's runtime API (nodes/shared/node-kit.ts).
    files: ['nodes/**/*.ts', 'index.ts', 'sandbox/*.ts'],
    ignores: ['nodes/shared/node-kit.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "TSAsExpression > TSAsExpression.expression[typeAnnotation.type='TSUnknownKeyword']",
        message: 'No `as unknown as` outside nodes/shared/node-kit.ts: add a typed accessor there.',
      }],
    },
  },
);
