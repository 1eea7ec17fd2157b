// ESLint (flat config): typescript-eslint's recommended rules over the TypeScript sources, ESLint's recommended
// rules over the JavaScript tests, scripts and benches (type-checked by tsconfig.test.json); no stylistic rules.
'use strict';
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');

// The layers (docs/architecture.md): adapters (nodes/<type>/) and their kit (nodes/shared/) above the pure core
// (nodes/lib/), which knows no Node-RED; inside the core, contract/ is the bottom and imports no other room.
const NODE_TYPES = ['wecom-account', 'wecom-in', 'wecom-out', 'keyword-match', 'faq-lookup', 'handoff', 'ws-bridge', 'wecom-events', 'ai-endpoint', 'ai-answer'];
const LIB_ROOMS = ['ai', 'bot', 'bridge', 'config', 'handoff', 'ops', 'security', 'state', 'wecom'];
const layers = {
  files: ['nodes/**/*.ts'],
  plugins: { 'import-x': importX },
  settings: {
    'import-x/extensions': ['.ts', '.js'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
  },
  rules: {
    'import-x/no-restricted-paths': ['error', {
      zones: [
        { target: './nodes/lib', from: ['./nodes/shared', './sandbox', ...NODE_TYPES.map((t) => `./nodes/${t}`)], message: 'nodes/lib is the pure core: it imports no adapter, no node kit and no sandbox.' },
        { target: './nodes/lib/contract', from: LIB_ROOMS.map((r) => `./nodes/lib/${r}`), message: 'contract/ is the bottom layer: it imports no domain.' },
      ],
    }],
    'import-x/no-cycle': ['error', { ignoreExternal: true }],
  },
};
const noNodeRedInLib = {
  files: ['nodes/lib/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ regex: '^(node-red|@node-red/|express$)', message: 'nodes/lib knows no Node-RED (and no express): put the glue in the adapter or nodes/shared/.' }] }],
  },
};

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/*.d.ts', 'test/.tmp/**', 'examples/**'] },
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
  layers,
  noNodeRedInLib,
  {
    files: ['test/**/*.js', 'scripts/*.js', 'bench/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    // the agent console, the ops view and the sandbox's user page: browser scripts (type-checked by tsconfig.console.json)
    files: ['console/*.js', 'sandbox/public/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2019, sourceType: 'script', globals: { ...globals.browser } },
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
