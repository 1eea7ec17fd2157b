'use strict';
// The optional semantic re-ranker against a local embeddings stub on loopback (no model downloaded).
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { EmbeddingReranker } = require('../dist/nodes/lib/bot/faq/rerank');
const { createFaqBot } = require('../dist/nodes/lib/bot/faq/bot');
const { helper, load, until } = require('./helpers/runtime');
const faqMod = require('../dist/nodes/faq-lookup/faq-lookup.js');

const KB = [
  { id: 'refund', question: '如何申请退款？', alternates: ['退款流程'], answer: 'REFUND' },
  { id: 'time', question: '退款多久到账？', alternates: ['退款怎么还没收到'], answer: 'TIME' },
  { id: 'inv', question: '怎么开发票？', answer: 'INVOICE' },
];

// Deterministic stub vectors: texts mentioning 到账 / 收到 / 钱 point one way, everything else another.
const vec = (t) => (/到账|收到|钱/.test(t) ? [1, 0, 0] : /发票/.test(t) ? [0, 0, 1] : [0, 1, 0]);

function stub(mode) {
  /** @type {{ calls: number, auth: Array<string | undefined> }} */
  const seen = { calls: 0, auth: [] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.calls++;
      seen.auth.push(req.headers.authorization);
      const { input } = JSON.parse(body);
      const isQuery = input.length === 1 && !KB.some((e) => e.question === input[0] || (e.alternates || []).includes(input[0]));
      if (isQuery && mode.current === 'error') { res.writeHead(500); res.end('boom'); return; }
      if (isQuery && mode.current === 'slow') { setTimeout(() => { res.writeHead(200); res.end('{}'); }, 2000).unref(); return; }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: vec(t) })) }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, seen, url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/v1` })));
}

describe('FAQ semantic re-ranker (stub embeddings server on loopback)', function () {
  let s, dir;
  const mode = { current: 'ok' };
  before(async () => { s = await stub(mode); dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-emb-')); });
  after(() => { s.server.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  beforeEach(() => { mode.current = 'ok'; });

  it('re-ranks the lexical candidates by similarity and caches the KB embeddings on disk', async function () {
    const rr = new EmbeddingReranker({ url: s.url, model: 'stub', apiKey: 'sk-secret', budgetMs: 500, weight: 0.9, cacheDir: dir });
    await rr.prepare(KB);
    assert.ok(rr.ready);
    assert.equal(fs.readdirSync(dir).length, 1);
    const out = await rr.rerank('钱什么时候回来', [{ index: 0, score: 0.5 }, { index: 1, score: 0.4 }]);
    assert.equal(out?.order[0].index, 1);
    assert.equal(s.seen.auth.at(-1), 'Bearer sk-secret');
    const calls = s.seen.calls;
    const again = new EmbeddingReranker({ url: s.url, model: 'stub', cacheDir: dir });
    await again.prepare(KB); // all KB texts from the disk cache: no call
    assert.equal(s.seen.calls, calls);
    assert.ok(again.ready);
  });

  // the lexical decision, unchanged, when the endpoint misbehaves during a message
  async function fallsBack(misbehaviour, budgetMs) {
    const rr = new EmbeddingReranker({ url: s.url, budgetMs });
    await rr.prepare(KB);
    const bot = createFaqBot({ entries: KB, reranker: rr });
    const lexical = createFaqBot({ entries: KB }).decideLexical('退款的事');
    mode.current = misbehaviour;
    assert.equal(await rr.rerank('退款的事', [{ index: 0, score: 0.5 }]), null);
    const d = await bot.decide('退款的事');
    assert.equal(d.reranked, undefined);
    assert.equal(d.kind, lexical.kind);
    assert.deepEqual(d.candidates.map((c) => c.id), lexical.candidates.map((c) => c.id));
  }
  it('falls back to the lexical decision when the endpoint errors', () => fallsBack('error', 500));
  it('falls back to the lexical decision when the endpoint is slower than the budget', () => fallsBack('slow', 100));

  it('makes no call when the lexical answer is certain', async function () {
    const rr = new EmbeddingReranker({ url: s.url, budgetMs: 500 });
    await rr.prepare(KB);
    const bot = createFaqBot({ entries: KB, reranker: rr });
    const lex = bot.decideLexical('退款多久到账');
    assert.ok(lex.confidence >= 0.9, `certain: ${lex.confidence}`);
    const calls = s.seen.calls;
    const d = await bot.decide('退款多久到账');
    assert.equal(s.seen.calls, calls);
    assert.equal(d.kind, 'answer');
  });

  it('an error never carries the API key', async function () {
    const rr = new EmbeddingReranker({ url: s.url, apiKey: 'sk-secret', budgetMs: 500 });
    mode.current = 'error';
    await assert.rejects(rr.embed(['x'], 500), (/** @type {Error} */ e) => !String(e.message).includes('sk-secret'));
  });

  describe('in the faq-lookup node', function () {
    afterEach(() => helper.unload());
    it('uses the API key credential, re-ranks an uncertain message, and answers lexically when the endpoint fails', async function () {
      await load(faqMod, [{ id: 'tab1', type: 'tab' },
        { id: 'f1', z: 'tab1', type: 'faq-lookup', entries: KB, rerankUrl: s.url, rerankModel: 'stub', rerankBudget: 500, wires: [['out'], ['out'], ['out']] },
        { id: 'out', z: 'tab1', type: 'helper' }], { f1: { rerankKey: 'sk-node' } });
      await until(() => s.seen.auth.includes('Bearer sk-node'), 'the KB embedded with the key');
      const ask = (payload) => new Promise((resolve) => {
        helper.getNode('out').once('input', resolve);
        helper.getNode('f1').receive({ payload, topic: 'c1' });
      });
      /** @type {any} the message the helper node received */
      let r;
      await until(async () => (r = await ask('退款的钱')).faq.reranked === true, 'a re-ranked answer once the KB is embedded');
      assert.equal(r.faq.candidates[0].id, 'time');
      mode.current = 'error';
      const fallback = await ask('退款的钱');
      assert.equal(fallback.faq.reranked, undefined);
      assert.ok(Array.isArray(fallback.faq.candidates) && fallback.faq.candidates.length > 0);
    });
  });
});
