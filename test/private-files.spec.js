'use strict';
// Conversation records are private whatever the umask: under umask 022 the event record, its index, the local
// state store (LMDB) and a KB file the ops view rewrote are 0600 in 0700 folders; older 0644 files are tightened.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { OpsLog } = require('../dist/nodes/lib/ops/log');
const { LocalStore } = require('../dist/nodes/lib/state/backends/local');
const { writeAlternates } = require('../dist/nodes/lib/ops/ops-api');
const { replacePrivate } = require('../dist/nodes/lib/state/private-files');

const mode = (p) => fs.statSync(p).mode & 0o777;

describe('private files (umask 022)', function () {
  let tmp;
  let saved;
  beforeEach(() => {
    saved = process.umask(0o022);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'private-files-'));
  });
  afterEach(() => {
    process.umask(saved);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the event record: folder 0700, event files and index 0600', function () {
    const dir = path.join(tmp, 'wecom-events');
    const log = new OpsLog({ dir, flushMs: 60_000, indexMs: 0 });
    log.record('message.in', { conversationId: 'c1', text: '你好' });
    log.close();
    assert.equal(mode(dir), 0o700);
    const files = fs.readdirSync(dir);
    assert.ok(files.some((f) => f.endsWith('.jsonl')), files.join(','));
    for (const f of files) assert.equal(mode(path.join(dir, f)), 0o600, f);
  });

  it('an event file an older release left 0644 is made 0600 when written again', function () {
    const dir = path.join(tmp, 'ev');
    fs.mkdirSync(dir, { mode: 0o755 });
    const day = new Date().toISOString().slice(0, 10);
    const old = path.join(dir, `events-${day}.jsonl`);
    fs.writeFileSync(old, '', { mode: 0o644 });
    const log = new OpsLog({ dir, flushMs: 60_000 });
    log.record('message.in', { conversationId: 'c1', text: 'x' });
    log.close();
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(old), 0o600);
  });

  it('the local state store (LMDB): folder 0700, files 0600', async function () {
    const dir = path.join(tmp, 'wecom-state');
    const s = new LocalStore({ dir });
    await s.set('k', { v: 1 });
    await s.close();
    assert.equal(mode(dir), 0o700);
    const files = fs.readdirSync(dir);
    assert.ok(files.length > 0);
    for (const f of files) assert.equal(mode(path.join(dir, f)), 0o600, f);
  });

  it('a KB file the ops view rewrites is 0600, written through an exclusive random temp file', function () {
    const kb = path.join(tmp, 'kb.json');
    fs.writeFileSync(kb, JSON.stringify([{ id: 'inv', question: '如何开发票', answer: 'A' }]), { mode: 0o644 });
    writeAlternates(kb, 'inv', ['发票怎么开']);
    assert.equal(mode(kb), 0o600);
    assert.deepEqual(fs.readdirSync(tmp), ['kb.json'], 'no temp file left');
    // a planted symlink at a predictable name cannot be followed: the temp name is random and opened O_EXCL
    const target = path.join(tmp, 'victim');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(tmp, `kb.json.${process.pid}.tmp`));
    writeAlternates(kb, 'inv', ['开票']);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep');
    replacePrivate(path.join(tmp, 'plain.txt'), 'x');
    assert.equal(mode(path.join(tmp, 'plain.txt')), 0o600);
  });
});
