'use strict';
// The ops view's core without Node-RED or express: credentials in headers, static file types (shared with the
// sandbox), the API's query range, the faq-lookup sources and the alternates request, and the metrics text.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { agentCredential, bearerOf, givenSecret, hasSecret } = require('../dist/nodes/lib/security/http-auth.js');
const { servedName, staticType, SECURITY_HEADERS } = require('../dist/nodes/lib/ops/static-files.js');
const { alternatesRequest, faqSources, opsSummary, queryRange, writeAlternates } = require('../dist/nodes/lib/ops/ops-api.js');
const { opsMetrics } = require('../dist/nodes/lib/ops/metrics.js');
const { OpsLog } = require('../dist/nodes/lib/ops/log.js');

const HOUR = 3600_000;
const basic = (/** @type {string} */ user, /** @type {string} */ pass) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('http-auth: credentials in headers', function () {
  it('Bearer and Basic secrets; an agent may also use ?token=', function () {
    assert.equal(bearerOf('Bearer  abc '), 'abc');
    assert.equal(bearerOf('Basic abc'), null);
    assert.equal(givenSecret(basic('ops', 'p:w')), 'p:w');
    assert.equal(givenSecret('Bearer xyz'), 'xyz');
    assert.equal(givenSecret('Basic ' + Buffer.from('nocolon').toString('base64')), null);
    assert.equal(givenSecret(undefined), null);
    assert.equal(agentCredential(undefined, 'q'), 'q');
    assert.equal(agentCredential('Bearer h', 'q'), 'h');
    assert.equal(agentCredential('Digest x', undefined), null);
  });
  it('a secret must be set and match', function () {
    assert.equal(hasSecret('pw', basic('any', 'pw')), true);
    assert.equal(hasSecret('pw', basic('any', 'pw2')), false);
    assert.equal(hasSecret('', 'Bearer '), false);
    assert.equal(hasSecret('', basic('any', '')), false, 'no password set: nobody, not even an empty one');
  });
});

describe('static-files: content types and headers', function () {
  it('known kinds only; a served name has no path in it', function () {
    assert.equal(staticType('/x/ops.js'), 'text/javascript; charset=utf-8');
    assert.equal(staticType('a.exe'), undefined);
    assert.equal(servedName('index.html'), 'text/html; charset=utf-8');
    assert.equal(servedName('../secret.json'), undefined);
    assert.equal(servedName('a b.css'), undefined);
    assert.match(SECURITY_HEADERS['Content-Security-Policy'], /script-src 'self'/);
  });
});

describe('ops-api: query, summary, FAQ sources, alternates', function () {
  it('the range defaults to the last 24 h, is ordered and capped at 400 days', function () {
    const now = 1_000 * 24 * HOUR;
    assert.deepEqual(queryRange({}, now), { from: now - 24 * HOUR, to: now });
    assert.deepEqual(queryRange({ from: String(now), to: String(now - HOUR) }, now), { from: now - HOUR, to: now });
    assert.deepEqual(queryRange({ from: '0', to: String(now) }, now), { from: 0, to: 400 * 24 * HOUR });
    assert.deepEqual(queryRange({ from: 'abc' }, now), { from: now - 24 * HOUR, to: now });
  });
  it('the summary and the metrics read the event record', function () {
    const now = Date.UTC(2026, 10, 30, 2, 30);
    const log = new OpsLog({ dir: null, flushMs: 0, now: () => now });
    log.record('message.in', { conversationId: 'c1', text: '发票' });
    log.record('faq.miss', { conversationId: 'c1', text: '发票怎么开' });
    const s = opsSummary(log, now - HOUR, now + 1, { agentsOnline: 2, queued: 1, groups: {} });
    assert.equal(s.now, now);
    assert.equal(s.recording, false);
    assert.equal(/** @type {any} */ (s.summary).totals.miss, 1);
    assert.equal(s.groups, 1);
    const text = opsMetrics(log, { agentsOnline: 2, queued: 1, groups: { vip: 1 } }, now);
    assert.match(text, /^wecom_messages_in_total 1$/m);
    assert.match(text, /^wecom_faq_misses_total 1$/m);
    assert.match(text, /^wecom_agents_online\{group="vip"\} 1$/m);
    assert.match(text, /^wecom_queue_length 1$/m);
    log.close();
  });
  it('lists faq-lookup nodes with entries from the flow or from a KB file, and reports a broken file', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-core-'));
    fs.writeFileSync(path.join(dir, 'kb.json'), JSON.stringify([{ id: 'inv', question: '如何开发票', answer: '在订单页申请' }]));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    const list = faqSources(
      [
        { id: 'k', type: 'keyword-match' },
        { id: 'f1', type: 'faq-lookup', entries: [{ id: 'a', question: 'Q', answer: 'A' }] },
        { id: 'f2', type: 'faq-lookup', name: 'KB', kbFile: 'kb.json' },
        { id: 'f3', type: 'faq-lookup', kbFile: path.join(dir, 'bad.json') },
      ],
      dir,
    );
    assert.deepEqual(list.map((n) => [n.id, n.name, n.kbFile, n.entries.map((e) => e.id)]), [['f1', 'faq-lookup', null, ['a']], ['f2', 'KB', 'kb.json', ['inv']], ['f3', 'faq-lookup', path.join(dir, 'bad.json'), []]]);
    assert.equal(list[1].full, path.join(dir, 'kb.json'));
    assert.ok(list[2].error);
    const added = writeAlternates(path.join(dir, 'kb.json'), 'inv', ['发票怎么开']);
    assert.deepEqual(added, ['发票怎么开']);
    writeAlternates(path.join(dir, 'kb.json'), 'inv', ['发票丢了怎么办'], 'never');
    assert.deepEqual(faqSources([{ id: 'f2', type: 'faq-lookup', kbFile: 'kb.json' }], dir)[0].entries, [{ id: 'inv', question: '如何开发票', alternates: ['发票怎么开'], never: ['发票丢了怎么办'] }], 'the alternate and the question marked wrong are read back');
    assert.match(fs.readFileSync(path.join(dir, 'kb.json'), 'utf8'), /发票怎么开/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bad.json', 'kb.json'], 'no temporary file left');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('an alternates request needs an entry and non-blank questions (at most 200)', function () {
    assert.deepEqual(alternatesRequest({ node: 'f1', entry: 'inv', questions: ['a', ' ', 3, 'b'] }), { ok: true, node: 'f1', entry: 'inv', questions: ['a', 'b'] });
    assert.equal(alternatesRequest({ entry: 'inv', questions: [] }).ok, false);
    assert.equal(alternatesRequest(null).ok, false);
    const many = alternatesRequest({ entry: 'x', questions: Array.from({ length: 300 }, (_, i) => `q${i}`) });
    assert.equal(many.ok && many.questions.length, 200);
  });
});
