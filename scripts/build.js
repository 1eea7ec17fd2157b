#!/usr/bin/env node
// Build: compile TypeScript with tsc and type-check the editor kit, then copy every node's editor .html, its
// locales/ and icons/ beside the emitted .js, and the sandbox's static pages beside its compiled server.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const tsc = (project) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, project)], { stdio: 'inherit' });
tsc('tsconfig.json');
// The editor kit (resources/editor-kit.js) is served to the editor as it is (Node-RED serves the package's
// resources/ folder); it is JavaScript with JSDoc types, checked here.
tsc('tsconfig.editor.json');

function copyTree(from, to, filter) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, filter);
    else if (filter(src)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

const notTs = (f) => !f.endsWith('.ts');
copyTree(path.join(root, 'nodes'), path.join(dist, 'nodes'), notTs);
// sandbox/start.js is the launcher `npm start` runs; it must not overwrite the compiled dist/sandbox/start.js.
const launcher = path.join(root, 'sandbox', 'start.js');
copyTree(path.join(root, 'sandbox'), path.join(dist, 'sandbox'), (f) => notTs(f) && f !== launcher);

// End-user texts live once, in nodes/lib/user-texts.ts: the handoff dialog's placeholders (handoff.defaults.*)
// are written into both built catalogs from it, so no source catalog holds a second copy.
const { HANDOFF_TEXTS } = require(path.join(dist, 'nodes', 'lib', 'user-texts.js'));
for (const lang of ['en-US', 'zh-CN']) {
  const file = path.join(dist, 'nodes', 'handoff', 'locales', lang, 'handoff.json');
  const catalog = JSON.parse(fs.readFileSync(file, 'utf8'));
  catalog.handoff.defaults = HANDOFF_TEXTS;
  fs.writeFileSync(file, JSON.stringify(catalog, null, 2) + '\n');
}
