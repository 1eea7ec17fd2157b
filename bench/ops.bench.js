'use strict';
// The event record and the ops view:
//  - 1,000,000 events (7 days of a busy account: messages, keyword and FAQ answers, suggestions, misses,
//    handoffs, assignments, replies, closes, deliveries) written through OpsLog as JSON lines;
//  - the index rebuilt from the files alone (no index.json), and reopened from its saved index;
//  - the ops view's default query (last 24 h: counters, hourly series, wait quantiles, unanswered questions
//    clustered) answered from the index — against the baseline of answering it by scanning the record.
//  - the agent console with 200 active conversations (Chromium, when present): bytes transferred and the time
//    until the 200 conversations are listed and the main thread is idle.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { OpsLog, readLines } = require('../dist/nodes/lib/ops/log');
const { recordFiles } = require('../dist/nodes/lib/ops/writer');
const { normalise } = require('../dist/nodes/lib/bot/text/normalise');

const EVENTS = 1_000_000;
const DAYS = 7;
const HOUR = 3_600_000;

const QUESTIONS = [];
for (const a of ['能寄到', '可以发货到', '支持配送到', '怎么寄到', '运费多少到']) {
  for (const b of ['火星', '南极', '海外', '香港', '台湾', '新加坡', '日本', '美国', '部队', '学校']) for (const c of ['吗', '', '？', '呢']) QUESTIONS.push(a + b + c);
}

function* generate(now) {
  let t = now - DAYS * 24 * HOUR;
  const step = (DAYS * 24 * HOUR) / EVENTS;
  let conv = 0;
  let n = 0;
  let r = 12345;
  const rnd = () => ((r = (r * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  while (n < EVENTS) {
    const c = `app:ww1:1000002:u${conv++ % 50000}`;
    const ev = (type, f) => {
      n++;
      t += step;
      return Object.assign({ ts: Math.round(t), type, conversationId: c, channel: 'app' }, f);
    };
    yield ev('message.in', { text: '你好', msgType: 'text' });
    const x = rnd();
    if (x < 0.2) yield ev('keyword.hit', { rule: 1 + Math.floor(rnd() * 20), keyword: '价格', answered: true });
    else if (x < 0.6) yield ev('faq.answer', { faqId: `f${Math.floor(rnd() * 80)}`, score: 0.3 + rnd() * 0.6, band: 'answer', text: '退款多久到账' });
    else if (x < 0.75) {
      yield ev('faq.suggest', { faqIds: ['f1', 'f2', 'f3'], score: 0.2, band: 'suggest', text: QUESTIONS[Math.floor(rnd() * QUESTIONS.length)] });
      if (rnd() < 0.5) yield ev('faq.answer', { faqId: 'f2', score: 1, band: 'picked' });
    } else {
      yield ev('faq.miss', { score: 0.05, band: 'miss', text: QUESTIONS[Math.floor(rnd() * QUESTIONS.length)] });
      yield ev('handoff', { reason: 'no_answer' });
      yield ev('assigned', { agentId: `agent${Math.floor(rnd() * 30)}`, ts: Math.round(t + rnd() * 120000) });
      yield ev('reply', { agentId: 'agent1' });
      yield ev('closed', { by: 'agent' });
    }
    yield ev('delivery', { ok: true, from: 'bot' });
  }
}

/** The baseline: the same day view by reading the record line by line. */
function naiveDayView(dir, from, to) {
  const totals = {};
  const un = new Map();
  for (const f of recordFiles(dir)) {
    readLines(path.join(dir, f), 0, (line) => {
      const e = JSON.parse(line);
      if (e.ts < from || e.ts >= to) return;
      totals[e.type] = (totals[e.type] || 0) + 1;
      if (e.type === 'faq.miss') {
        const k = normalise(e.text);
        un.set(k, (un.get(k) || 0) + 1);
      }
    });
  }
  return { totals, unanswered: un.size };
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function consoleBench(log) {
  let chromium = false;
  try {
    require.resolve('playwright-core');
    chromium = fs.existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium');
  } catch {
    chromium = false;
  }
  if (!chromium) {
    log('agent console: Chromium or playwright-core missing, skipped');
    return [];
  }
  const WebSocket = require('ws');
  const consoleDir = path.join(__dirname, '..', 'console');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  let served = 0; // bytes of HTTP bodies sent (no compression, as ws-bridge serves them)
  const server = http.createServer((req, res) => {
    const p = new URL(/** @type {string} */ (req.url), 'http://x').pathname.replace(/^\/wecom\/console\/?/, '') || 'index.html';
    if (p === 'config.json') {
      const cfg = JSON.stringify({ wsPath: '/wecom/ws' });
      served += cfg.length;
      return res.end(cfg);
    }
    fs.readFile(path.join(consoleDir, path.basename(p)), (err, body) => {
      if (err) {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('content-type', types[path.extname(p)] || 'application/octet-stream');
      served += body.length;
      res.end(body);
    });
  });
  const wss = new WebSocket.Server({ server, path: '/wecom/ws' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'welcome', version: 2, features: ['seq', 'received'], agentId: 'bench', system: false, conversations: [], queued: 0, seq: 0 }));
    ws.send(JSON.stringify({ type: 'queue', queued: 0, conversations: [] }));
    const now = Date.now();
    for (let i = 0; i < 200; i++) {
      const history = [];
      for (let k = 0; k < 10; k++) history.push({ from: k % 2 ? 'bot' : 'user', text: `第${k}条消息，用户${i}的问题和机器人的回答`, ts: now - (10 - k) * 1000 });
      ws.send(JSON.stringify({ type: 'handoff', seq: i + 1, conversationId: `app:ww1:1000002:user${i}`, channel: 'app', userId: `user${i}`, reason: 'keyword', text: '转人工', history, ts: now }));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/wecom/console/#token=x&agent=bench`;
  const { chromium: pw } = require('playwright-core');
  const browser = await pw.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const runs = [];
  let bytes = 0;
  try {
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage();
      served = 0;
      const t0 = Date.now();
      await page.goto(url);
      await page.waitForFunction(() => document.querySelectorAll('#active .conv').length === 200, null, { timeout: 30000 });
      await page.evaluate(() => new Promise((r) => requestIdleCallback(() => r(undefined), { timeout: 5000 })));
      runs.push(Date.now() - t0);
      bytes = served;
      await page.close();
    }
  } finally {
    await browser.close();
    wss.close();
    server.close();
  }
  log(`agent console: ${(bytes / 1024).toFixed(1)} KB, time to interactive ${runs.join(' / ')} ms`);
  return [
    { group: 'agent console', metric: 'page weight (html+js+css+config, uncompressed)', value: bytes / 1024, unit: 'KB' },
    { group: 'agent console', metric: 'time to interactive, 200 active conversations (median of 3)', value: median(runs), unit: 'ms' },
  ];
}

async function run(log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-bench-'));
  const now = Date.now();
  const rows = [];
  try {
    let t0 = process.hrtime.bigint();
    const w = new OpsLog({ dir, retentionDays: 0, flushMs: 0, maxBytes: 64 * 1024 * 1024 });
    let n = 0;
    for (const e of generate(now)) {
      w.add(e);
      n++;
    }
    w.close();
    const writeMs = ms(t0);
    const size = recordFiles(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
    log(`wrote ${n} events, ${(size / 1048576).toFixed(0)} MB in ${recordFiles(dir).length} files, ${writeMs.toFixed(0)} ms`);
    rows.push({ group: 'ops record', metric: `events written (${n}, JSON lines + index)`, value: n / (writeMs / 1000), unit: 'events/s' });

    // the index answers whole hours: the last 24 h from the start of the hour, and the same range for the scan
    const from = Math.floor((now - 24 * HOUR) / HOUR) * HOUR;
    const to = Math.ceil(now / HOUR) * HOUR;
    const index = path.join(dir, 'index.json');
    fs.renameSync(index, index + '.keep');
    t0 = process.hrtime.bigint();
    const rebuilt = new OpsLog({ dir, retentionDays: 0, flushMs: 0 });
    const rebuildMs = ms(t0);
    rebuilt.close();
    fs.renameSync(index + '.keep', index);
    t0 = process.hrtime.bigint();
    const ops = new OpsLog({ dir, retentionDays: 0, flushMs: 0 });
    const reopenMs = ms(t0);
    log(`index: rebuilt from the files in ${rebuildMs.toFixed(0)} ms, reopened from index.json in ${reopenMs.toFixed(0)} ms (${(fs.statSync(index).size / 1024).toFixed(0)} KB)`);

    const query = () => {
      const s = ops.summary(from, to);
      const u = ops.unanswered(from, to);
      return { s, u };
    };
    t0 = process.hrtime.bigint();
    const first = query();
    const firstMs = ms(t0);
    const times = [];
    for (let i = 0; i < 20; i++) {
      t0 = process.hrtime.bigint();
      query();
      times.push(ms(t0));
    }
    ops.close();
    t0 = process.hrtime.bigint();
    const naive = naiveDayView(dir, from, to);
    const naiveMs = ms(t0);
    log(`day view: ${first.s.totals.in} messages in, ${first.u.length} unanswered groups; first ${firstMs.toFixed(1)} ms, then median ${median(times).toFixed(2)} ms; scanning the record: ${naiveMs.toFixed(0)} ms (${naive.totals['message.in']} messages in)`);
    rows.push(
      { group: 'ops view (1M events)', metric: 'day view, first query after open (counters + unanswered clustered)', value: firstMs, unit: 'ms', baseline: 'scan the JSON-lines record', baselineValue: naiveMs, ratio: naiveMs / firstMs, target: '< 200 ms' },
      { group: 'ops view (1M events)', metric: 'day view, repeated query (median of 20)', value: median(times), unit: 'ms', baseline: 'scan the JSON-lines record', baselineValue: naiveMs, ratio: naiveMs / median(times), target: '< 200 ms' },
      { group: 'ops view (1M events)', metric: 'index rebuilt from the files (no index.json)', value: rebuildMs, unit: 'ms' },
      { group: 'ops view (1M events)', metric: 'index reopened from index.json', value: reopenMs, unit: 'ms', baseline: 'rebuild from the files', baselineValue: rebuildMs, ratio: rebuildMs / reopenMs },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  rows.push(...(await consoleBench(log)));
  return rows;
}

module.exports = { run };
