'use strict';
// The event record's pure core (nodes/lib/ops): writer rotation and retention, the hour index and its
// persistence, did-you-mean pairing, wait quantiles, unanswered clustering, KB alternates, Prometheus text.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { OpsLog, readLines } = require('../dist/nodes/lib/ops/log');
const { recordFiles } = require('../dist/nodes/lib/ops/writer');
const { Rollup, quantile, waitBin } = require('../dist/nodes/lib/ops/rollup');
const { clusterUnanswered } = require('../dist/nodes/lib/ops/cluster');
const { addAlternates, alternatesSnippet, unansweredCsv, KbEditError } = require('../dist/nodes/lib/ops/kb-alternates');
const { renderMetrics } = require('../dist/nodes/lib/ops/prometheus');
const { makeEvent, parseEvent } = require('../dist/nodes/lib/ops/event');

const T0 = Date.UTC(2026, 10, 28, 8, 0, 0);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ops-lib-'));

describe('ops: event schema', function () {
  it('drops unknown types, keeps fields, caps text', function () {
    assert.equal(makeEvent('nope', {}), null);
    const e = makeEvent('faq.miss', { text: 'x'.repeat(900), score: 0.1, conversationId: 'c1', skip: undefined }, T0);
    assert.ok(e);
    assert.equal(e.ts, T0);
    assert.equal(e.text?.length, 500);
    assert.equal('skip' in e, false);
    assert.deepEqual(parseEvent(JSON.stringify(e)), e);
    assert.equal(parseEvent('{"ts":1,"type":"faq.mis'), null);
    assert.equal(parseEvent('{"ts":1,"type":"other"}'), null);
  });
});

describe('ops: rollup', function () {
  it('counts answers, misses, handoffs by reason and pairs did-you-mean picks and declines', function () {
    const r = new Rollup();
    /** @param {string} type @param {Record<string, unknown>} f @param {number} [dt] */
    const ev = (type, f, dt = 0) => {
      const e = makeEvent(type, f, T0 + dt);
      assert.ok(e, type);
      r.add(e);
    };
    ev('message.in', { conversationId: 'a' });
    ev('keyword.hit', { conversationId: 'a', rule: 1, answered: true });
    ev('faq.answer', { conversationId: 'b', faqId: '3', score: 0.8, band: 'answer' });
    ev('faq.suggest', { conversationId: 'c', text: '打印的问题' });
    ev('faq.answer', { conversationId: 'c', faqId: '2', band: 'picked' }, 1000);
    ev('faq.suggest', { conversationId: 'd', text: '发票怎么开' });
    ev('faq.miss', { conversationId: 'd', text: '发票开错了怎么办' }, 1000);
    ev('handoff', { conversationId: 'd', reason: 'no_answer' }, 2000);
    ev('assigned', { conversationId: 'd', agentId: 'alice' }, 32000);
    ev('handoff', { conversationId: 'e', reason: 'keyword' }, 2000);
    ev('assigned', { conversationId: 'e', agentId: 'bob' }, 4000);
    const s = r.summary(T0, T0 + 3600000);
    assert.equal(s.totals.in, 1);
    assert.equal(s.totals.keyword, 1);
    assert.equal(s.totals.faq, 1);
    assert.equal(s.totals.picked, 1);
    assert.equal(s.totals.declined, 1);
    assert.equal(s.totals.miss, 1);
    assert.equal(s.totals['handoff:no_answer'], 1);
    assert.equal(s.totals['handoff:keyword'], 1);
    assert.equal(s.wait.count, 2);
    assert.ok(s.wait.p50 !== null && s.wait.p90 !== null);
    assert.ok(s.wait.p50 >= 2000 && s.wait.p50 <= 2400, String(s.wait.p50));
    assert.ok(s.wait.p90 >= 30000 && s.wait.p90 <= 36000, String(s.wait.p90));
    const un = r.unansweredIn(T0, T0 + 3600000).map((u) => [u.text, u.miss, u.declined]).sort();
    assert.deepEqual(un, [['发票开错了怎么办', 1, 0], ['发票怎么开', 0, 1]]);
    // a day view with nothing in other hours still lists every hour
    assert.equal(r.summary(T0 - 12 * 3600000, T0 + 12 * 3600000).hours.length, 24);
  });

  it('"none of these" on a did-you-mean counts as declined once (with the question asked), not as a miss', function () {
    const r = new Rollup();
    /** @param {string} type @param {Record<string, unknown>} f */
    const ev = (type, f) => {
      const e = makeEvent(type, { conversationId: 'k', ...f }, T0);
      assert.ok(e, type);
      r.add(e);
    };
    ev('faq.suggest', { text: '发票' });
    ev('faq.miss', { band: 'declined', text: '发票' });
    ev('handoff', { reason: 'faq_declined' });
    const t = r.summary(T0, T0 + 3600000).totals;
    assert.deepEqual([t.suggest, t.declined, t.miss, t['handoff:faq_declined']], [1, 1, undefined, 1]);
    assert.deepEqual(r.unansweredIn(T0, T0 + 3600000).map((u) => [u.text, u.miss, u.declined]), [['发票', 0, 1]]);
  });

  it('quantiles come from the histogram, at most 20 % above the true value', function () {
    const h = [];
    for (const ms of [500, 3000, 3000, 10000, 60000]) h[waitBin(ms)] = (h[waitBin(ms)] || 0) + 1;
    const p50 = quantile(h, 0.5);
    assert.ok(p50 !== null);
    assert.ok(p50 >= 3000 && p50 <= 3600, String(p50));
    assert.equal(quantile([], 0.5), null);
  });
});

describe('ops: log files, rotation, index', function () {
  it('rotates by size, keeps every line once, and reopens from the saved index without reading old lines again', function () {
    const dir = tmp();
    let now = T0;
    const log = new OpsLog({ dir, maxBytes: 2000, flushMs: 0, now: () => now });
    for (let i = 0; i < 100; i++) log.record('faq.miss', { conversationId: `c${i}`, text: `第${i}个问题` });
    log.flush(true);
    const files = recordFiles(dir);
    assert.ok(files.length > 1, `rotated: ${files}`);
    let lines = 0;
    for (const f of files) readLines(path.join(dir, f), 0, () => lines++);
    assert.equal(lines, 100);
    log.close();
    const again = new OpsLog({ dir, flushMs: 0, now: () => now });
    assert.equal(again.summary(T0, T0 + 3600000).totals.miss, 100);
    // lines written behind the index's back (another process, a crash before the save) are read on open
    fs.appendFileSync(path.join(dir, files[files.length - 1]), JSON.stringify({ ts: T0, type: 'faq.miss', text: 'late' }) + '\n' + '{"ts":1,"ty');
    again.close();
    const third = new OpsLog({ dir, flushMs: 0, now: () => now });
    assert.equal(third.summary(T0, T0 + 3600000).totals.miss, 101);
    third.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts a new file each UTC day and deletes days past the retention', function () {
    const dir = tmp();
    let now = T0;
    const log = new OpsLog({ dir, retentionDays: 2, flushMs: 0, now: () => now });
    for (let d = 0; d < 5; d++) {
      now = T0 + d * 86400000;
      log.record('message.in', { conversationId: 'x' });
      log.flush(true);
    }
    const files = recordFiles(dir);
    assert.deepEqual(files, ['events-2026-11-30.jsonl', 'events-2026-12-01.jsonl', 'events-2026-12-02.jsonl']);
    assert.equal(log.summary(T0, T0 + 86400000).totals.in, undefined, 'pruned from the index too');
    log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('ops: unanswered clustering', function () {
  it('groups similar questions and keeps unrelated ones apart', function () {
    const u = (text, count) => ({ text, count, last: T0, miss: count, declined: 0, examples: [text] });
    const groups = clusterUnanswered([u('发票怎么开', 3), u('怎么开发票', 2), u('电子发票在哪里开', 1), u('快递几天能到', 2), u('快递要几天到', 1)]);
    const find = (t) => groups.find((g) => g.questions.some((q) => q.text === t));
    assert.equal(find('发票怎么开'), find('怎么开发票'));
    assert.equal(find('快递几天能到'), find('快递要几天到'));
    assert.notEqual(find('发票怎么开'), find('快递几天能到'));
    assert.equal(groups[0].label, '发票怎么开');
    assert.ok(groups[0].count >= 5);
  });
});

describe('ops: KB alternates, CSV, Prometheus', function () {
  it('adds new alternates to a JSON and a CSV KB entry, skipping what is there', function () {
    const json = JSON.stringify([{ id: 'inv', question: '如何开发票', answer: 'A', alternates: ['发票'] }, { question: 'Q2', answer: 'B' }]);
    const r = addAlternates(json, 'kb.json', 'inv', ['发票', '怎么开发票', ' 如何开发票 ', '电子发票']);
    assert.deepEqual(r.added, ['怎么开发票', '电子发票']);
    assert.deepEqual(JSON.parse(r.text)[0].alternates, ['发票', '怎么开发票', '电子发票']);
    assert.equal(addAlternates(json, 'kb.json', '2', ['x']).added[0], 'x');
    assert.throws(() => addAlternates(json, 'kb.json', 'nope', ['x']), KbEditError);
    const csv = 'id,question,answer,alternates\ninv,如何开发票,"A, with comma",发票\n';
    const c = addAlternates(csv, 'kb.csv', 'inv', ['开票']);
    assert.equal(c.text, 'id,question,answer,alternates\ninv,如何开发票,"A, with comma",发票|开票\n');
    assert.deepEqual(alternatesSnippet(['a', 'a', 'b,c']), { json: '["a","b,c"]', csv: '"a|b,c"' });
  });

  it('KB writes refuse line breaks and "|" in a question, neutralise CSV formulas, cap alternates and size', function () {
    const { MAX_ALTERNATES, MAX_KB_BYTES } = require('../dist/nodes/lib/ops/kb-alternates');
    const { alternatesRequest } = require('../dist/nodes/lib/ops/ops-api.js');
    const json = JSON.stringify([{ id: 'inv', question: '如何开发票', answer: 'A' }]);
    const csv = 'id,question,answer,alternates\ninv,如何开发票,A,\n';
    for (const bad of ['两行\n问题', 'a|b', 'tab\u0007bell', 'x'.repeat(201)]) {
      assert.throws(() => addAlternates(json, 'kb.json', 'inv', [bad]), KbEditError, JSON.stringify(bad));
      assert.throws(() => addAlternates(csv, 'kb.csv', 'inv', [bad]), KbEditError);
      assert.equal(alternatesRequest({ node: 'f', entry: 'inv', questions: ['ok', bad] }).ok, false, 'the API answers 400');
    }
    const c = addAlternates(csv, 'kb.csv', 'inv', ['=HYPERLINK("http://evil.example","x")', '+1', '@SUM(A1)', '-2', '正常问题']);
    const cell = c.text.split('\n')[1];
    assert.ok(cell.includes(`"'=HYPERLINK(""http://evil.example"",""x"")|'+1|'@SUM(A1)|'-2|正常问题"`), cell);
    assert.ok(!/(^|,)[=+\-@]/.test(cell), 'no cell starts a formula');
    assert.equal(alternatesSnippet(['=1+1']).csv, "'=1+1");
    const many = Array.from({ length: MAX_ALTERNATES + 1 }, (_, i) => `问题${i}`);
    assert.throws(() => addAlternates(json, 'kb.json', 'inv', many), /at most 50 alternates/);
    const big = JSON.stringify([{ id: 'inv', question: 'Q', answer: 'x'.repeat(MAX_KB_BYTES) }]);
    assert.throws(() => addAlternates(big, 'kb.json', 'inv', ['q']), /would exceed/);
  });

  it('CSV export neutralises formulas and quotes', function () {
    const s = unansweredCsv([{ label: '=cmd()', count: 2, miss: 2, declined: 0, last: T0, questions: [{ text: '=cmd()' }, { text: 'a"b' }] }]);
    assert.match(s, /^\uFEFFquestion,count/);
    assert.ok(s.includes("'=cmd()"));
    assert.ok(s.includes('"=cmd()|a""b"') || s.includes('\'=cmd()|a"'), s);
  });

  it('renders the Prometheus text format with escaped labels', function () {
    const t = renderMetrics([{ name: 'wecom_handoffs_total', help: 'Handoffs', type: 'counter', samples: [{ labels: { reason: 'a"b\\' }, value: 3 }] }]);
    assert.equal(t, '# HELP wecom_handoffs_total Handoffs\n# TYPE wecom_handoffs_total counter\nwecom_handoffs_total{reason="a\\"b\\\\"} 3\n');
  });
});
