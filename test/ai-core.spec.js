'use strict';
// The pure AI core (nodes/lib/ai/): settings from the environment, the checks on a model's reply, documents cut
// into passages and ranked, and — on a real Redis — two instances sharing the daily budget and Dify conversation
// ids. Also faq-lookup's re-ranker taking its embeddings from an ai-endpoint node.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { resolveAiSettings, aiProblems } = require('../dist/nodes/lib/ai/settings');
const { checkAnswer, citations, stripMarkdown, unsupportedFacts, redact } = require('../dist/nodes/lib/ai/checks');
const { chunkDocument, PassageIndex, DocFolder } = require('../dist/nodes/lib/ai/docs');
const { Analyzer } = require('../dist/nodes/lib/bot/faq/search-index');
const { AiClient } = require('../dist/nodes/lib/ai/client');
const { AiAnswerer } = require('../dist/nodes/lib/ai/answer');
const { RedisStore } = require('../dist/nodes/lib/state/backends/redis');
const rs = require('./helpers/redis-server');
const { startAiStub } = require('./helpers/ai-stub');
const { helper, load, until } = require('./helpers/runtime');

describe('AI core: settings, checks, documents', function () {
  it('reads blank fields from WECOM_AI_* (fields win) and names what is missing', function () {
    const env = { WECOM_AI_BASE_URL: 'https://api.deepseek.com/v1/', WECOM_AI_API_KEY: 'k', WECOM_AI_MODEL: 'deepseek-chat', WECOM_AI_EMBEDDING_MODEL: 'bge-m3', WECOM_AI_PROVIDER: 'dify' };
    const s = resolveAiSettings({ model: 'm2', timeout: '5' }, env);
    assert.deepEqual({ ...s }, { provider: 'dify', baseUrl: 'https://api.deepseek.com/v1', apiKey: 'k', model: 'm2', embeddingModel: 'bge-m3', timeoutMs: 5000, maxConcurrency: 8, dailyBudget: 0 });
    assert.deepEqual(aiProblems(resolveAiSettings({}, {})), ['noBaseUrl', 'noModel']);
    assert.deepEqual(aiProblems(resolveAiSettings({ baseUrl: 'ftp://x', model: 'm' }, {})), ['badBaseUrl']);
  });

  it('checks a reply: citations of given material, facts found in the cited material, plain text', function () {
    const material = [{ id: 'f12', text: '问：专业版多少钱 答：每月 199 元，客服电话 400-880-1234，详见 https://example.com/price' }, { id: 'doc:退款政策#2', text: '7 天内可退款' }];
    assert.deepEqual(citations('a [f12] b 【doc:退款政策#2】 [f12]'), ['f12', 'doc:退款政策#2']);
    const ok = checkAnswer('**每月 199 元** [f12]，电话 4008801234，见 https://example.com/price 。七天内可退 [doc:退款政策#2]', material);
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.text, '每月 199 元，电话 4008801234，见 https://example.com/price。七天内可退');
    const bad = (reply) => { const r = checkAnswer(reply, material); return r.ok ? 'ok' : `${r.reason}: ${r.detail}`; };
    assert.equal(bad('每月 299 元 [f12]'), 'ungrounded: not in the material: 299');
    assert.equal(bad('只要三十元 [f12]'), 'ungrounded: not in the material: 30');
    assert.equal(bad('每月 199 元 [doc:退款政策#2]'), 'ungrounded: not in the material: 199', 'the number must be in the material it cites');
    assert.equal(bad('见 https://example.com/other [f12]'), 'ungrounded: not in the material: example.com/other');
    assert.equal(bad('每月 199 元'), 'ungrounded: no citation');
    assert.equal(bad('NO_ANSWER'), 'no_answer: model');
    assert.equal(bad('抱歉。NO_ANSWER'), 'no_answer: model');
    assert.equal(checkAnswer('每月 199 元', material, { minCitations: 0 }).ok, true);
    assert.equal(bad('十分感谢，每月 199 元 [f12]'), 'ok', 'words with numerals that are not amounts pass');
    assert.equal(bad('x'.repeat(7000) + ' [f12]'), 'ungrounded: too long');
    assert.deepEqual(unsupportedFacts('电话 400-880-1234', '客服 4008801234'), []);
  });

  it('strips markdown and redacts phone and ID-card numbers', function () {
    assert.equal(stripMarkdown('## 标题\n- **一**\n- `二` [链接](https://a.cn)'), '标题\n· 一\n· 二 链接 https://a.cn');
    assert.equal(redact('手机 13812345678 / +86 138-1234-5678，身份证 11010119900307123X，订单 2024010112'), '手机 [手机号] / [手机号]，身份证 [身份证号]，订单 2024010112');
  });

  it('cuts documents under their headings and ranks passages with the FAQ analyser', function () {
    const ps = chunkDocument('退款政策', '# 退款政策\n\n7 天内可以无理由退款。\n\n## 到账时间\n\n审核通过后 3 到 5 个工作日到账。\n\n' + '很长的一段。'.repeat(100));
    assert.deepEqual(ps.slice(0, 2).map((p) => [p.id, p.heading, p.text]), [['doc:退款政策#1', '退款政策', '7 天内可以无理由退款。'], ['doc:退款政策#2', '到账时间', '审核通过后 3 到 5 个工作日到账。']]);
    assert.ok(ps.length > 3 && ps.every((p) => p.text.length <= 400), 'a long paragraph is cut');
    const idx = new PassageIndex(ps);
    assert.equal(idx.search('审核以后几个工作日到账')[0].id, 'doc:退款政策#2');
    assert.equal(idx.search('不想要了能退钱吗')[0].id, 'doc:退款政策#1', 'synonyms count (退钱 → 退款)');
    assert.deepEqual(idx.search('火星'), []);
  });

  it('re-reads the folder when a document changes', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-folder-'));
    try {
      const folder = new DocFolder(dir, new Analyzer(), 0);
      assert.equal(folder.current().size, 0);
      fs.writeFileSync(path.join(dir, 'a.md'), '积分可以兑换礼品。');
      fs.writeFileSync(path.join(dir, 'ignored.pdf'), 'x');
      assert.deepEqual(folder.current().passages.map((p) => p.id), ['doc:a#1']);
      fs.writeFileSync(path.join(dir, 'a.md'), '积分可以兑换礼品。\n\n积分每年清零一次，清零前会短信提醒。');
      assert.equal(folder.current().size, 1, 'short paragraphs are joined into one passage');
      assert.match(folder.current().passages[0].text, /清零/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AI decisions in the ops rollup', function () {
  it('counts answers, no-answers by reason, disputes, tokens and latency quantiles', function () {
    const { Rollup } = require('../dist/nodes/lib/ops/rollup');
    const r = new Rollup();
    const t = Date.UTC(2026, 11, 3, 10);
    r.add({ ts: t, type: 'ai.answer', conversationId: 'c1', promptTokens: 300, completionTokens: 50, latencyMs: 800 });
    r.add({ ts: t + 1000, type: 'message.in', conversationId: 'c1', text: '不对，我问的是企业版' });
    r.add({ ts: t + 2000, type: 'ai.answer', conversationId: 'c2', promptTokens: 280, completionTokens: 40, latencyMs: 1200 });
    r.add({ ts: t + 3000, type: 'message.in', conversationId: 'c2', text: '好的谢谢' });
    r.add({ ts: t + 4000, type: 'ai.miss', conversationId: 'c3', reason: 'timeout', latencyMs: 8000 });
    r.add({ ts: t + 5000, type: 'ai.miss', conversationId: 'c4', reason: 'no_answer', promptTokens: 260, completionTokens: 2, latencyMs: 700 });
    r.add({ ts: t + 6000, type: 'ai.miss', conversationId: 'c5', reason: 'budget', latencyMs: 1 });
    const s = r.summary(t, t + 3_600_000);
    const n = s.totals;
    assert.deepEqual([n.ai, n.aiMiss, n['aiMiss:timeout'], n['aiMiss:no_answer'], n['aiMiss:budget'], n.aiDisputed, n.aiTokens], [2, 3, 1, 1, 1, 1, 932]);
    assert.equal(s.aiLatency.count, 4, 'budget refusals never called the model');
    const { p50, p90 } = s.aiLatency;
    assert.ok(p50 !== null && p50 >= 800 && p50 <= 1200 * 1.2, String(p50));
    assert.ok(p90 !== null && p90 >= 8000 && p90 <= 8000 * 1.2, String(p90));
  });
});

describe('AI core on Redis: two instances share the daily budget and the Dify conversations', function () {
  let server, stub;
  const stores = [];
  before(async function () {
    if (!rs.available()) { console.log(rs.HOW_TO_GET); this.skip(); }
    this.timeout(20000);
    server = await rs.start();
    stub = await startAiStub();
  });
  after(async () => {
    for (const s of stores) await s.close();
    if (stub) await stub.close();
    if (server) await server.stop();
  });

  function instance(id, settings) {
    const store = new RedisStore({ url: server.url, instanceId: id, prefix: 'aitest:', maxReconnectDelayMs: 100 });
    stores.push(store);
    const client = new AiClient({ provider: 'openai', baseUrl: stub.url, apiKey: 'k', model: 'm', embeddingModel: '', timeoutMs: 5000, maxConcurrency: 4, dailyBudget: 0, ...settings });
    const index = { entries: [{ id: '1', question: '专业版多少钱', answer: '每月 199 元' }], search: () => ({ candidates: [{ id: '1', question: '专业版多少钱', score: 0.9 }] }) };
    return new AiAnswerer({ client, store: () => store, scope: 'ep1', faq: () => /** @type {any} */ (index), userPerMinute: 0 });
  }

  it('the budget spent on one instance stops the other', async function () {
    const a = instance('A', { dailyBudget: 30 });
    const b = instance('B', { dailyBudget: 30 });
    stub.script({ content: '每月 199 元 [f1]', usage: { prompt_tokens: 25, completion_tokens: 10 } });
    assert.equal((await a.answer({ conversationId: 'c1', user: 'u1', text: '专业版多少钱' })).answered, true);
    const r = await b.answer({ conversationId: 'c2', user: 'u2', text: '专业版多少钱' });
    assert.equal(r.answered, false);
    assert.equal(r.ai.reason, 'budget');
    assert.equal(stub.requests.length, 1);
  });

  it('a WeCom conversation continues the same Dify conversation on either instance', async function () {
    stub.reset();
    const a = instance('A2', { provider: 'dify' });
    const b = instance('B2', { provider: 'dify' });
    const src = [{ document_name: '价格', position: 1, content: '每月 199 元' }];
    stub.script({ answer: '每月 199 元', sources: src }, { answer: '每月 199 元', sources: src });
    assert.equal((await a.answer({ conversationId: 'kf:c9', user: 'u9', text: '专业版多少钱' })).answered, true);
    assert.equal((await b.answer({ conversationId: 'kf:c9', user: 'u9', text: '那年付呢' })).answered, true);
    assert.deepEqual(stub.requests.map((r) => [r.body.user, r.body.conversation_id]), [['kf:c9', ''], ['kf:c9', 'dify-conv-1']]);
  });
});

describe('faq-lookup re-ranks with the embedding model of an ai-endpoint node', function () {
  let stub;
  before(async () => { stub = await startAiStub(); });
  after(() => stub.close());
  afterEach(() => helper.unload());

  it('embeds the KB through the endpoint (its model and key), not the node\'s legacy fields', async function () {
    const KB = [{ id: 'a', question: '怎么退款', answer: 'A' }, { id: 'b', question: '怎么开发票', answer: 'B' }];
    await load([require('../dist/nodes/ai-endpoint/ai-endpoint.js'), require('../dist/nodes/faq-lookup/faq-lookup.js')], [
      { id: 'ep', type: 'ai-endpoint', baseUrl: stub.url, model: '', embeddingModel: 'bge-m3' },
      { id: 'f', type: 'faq-lookup', entries: KB, aiEndpoint: 'ep', rerankUrl: 'http://127.0.0.1:9/v1', wires: [[], [], []] },
    ], { ep: { apiKey: 'sk-emb' } });
    await until(() => stub.requests.length > 0, 'the KB embeddings call');
    const r = stub.requests[0];
    assert.equal(r.path, '/v1/embeddings');
    assert.equal(r.body.model, 'bge-m3');
    assert.equal(r.headers.authorization, 'Bearer sk-emb');
    assert.deepEqual(r.body.input.sort(), ['怎么开发票', '怎么退款']);
  });
});
