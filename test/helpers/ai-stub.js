'use strict';
// A loopback stub of an OpenAI-compatible server and of a Dify app's API, for the ai-answer tests and bench:
// it records every request it gets (path, headers, body) and answers with what the test scripted.
const http = require('node:http');

/**
 * @typedef {{ path: string, headers: http.IncomingHttpHeaders, body: any }} StubRequest
 * @typedef {{ status?: number, content?: string, answer?: string, hang?: boolean, delayMs?: number,
 *   usage?: { prompt_tokens: number, completion_tokens: number }, sources?: Array<{ document_name: string, position: number, content: string }>,
 *   conversationId?: string, headers?: Record<string, string> }} StubReply
 */

/**
 * Start a stub. `script` answers each request (a function of the request, or a queue of replies; when the queue
 * is empty the `fallback` is used). Chat replies count tokens the simple way unless `usage` is given.
 * @param {{ fallback?: StubReply | ((r: StubRequest) => StubReply) }} [opts]
 */
async function startAiStub(opts = {}) {
  /** @type {StubRequest[]} */
  const requests = [];
  /** @type {Array<StubReply | ((r: StubRequest) => StubReply)>} */
  const queue = [];
  const fallback = opts.fallback ?? { content: 'NO_ANSWER' };
  const hanging = new Set();
  let conv = 0;
  const tokens = (t) => (String(t).match(/[\u3400-\u9fff]|[A-Za-z0-9]+/g) || []).length;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body = null;
      try { body = JSON.parse(raw); } catch { body = raw; }
      /** @type {StubRequest} */
      const r = { path: String(req.url), headers: req.headers, body };
      requests.push(r);
      const next = queue.shift() ?? fallback;
      /** @type {StubReply} */
      const reply = typeof next === 'function' ? next(r) : next;
      if (reply.hang) { hanging.add(res); res.on('close', () => hanging.delete(res)); return; }
      const write = () => {
        const status = reply.status ?? 200;
        res.writeHead(status, { 'content-type': 'application/json', ...(reply.headers || {}) });
        if (status >= 400) return res.end(JSON.stringify({ error: { message: 'stub error ' + status } }));
        if (r.path.endsWith('/chat-messages')) {
          const answer = reply.answer ?? '';
          const id = body.conversation_id || reply.conversationId || `dify-conv-${++conv}`;
          return res.end(JSON.stringify({
            event: 'message', message_id: 'm' + requests.length, conversation_id: id, mode: 'chat', answer,
            metadata: { usage: reply.usage ?? { prompt_tokens: tokens(body.query), completion_tokens: tokens(answer) }, retriever_resources: reply.sources ?? [] },
          }));
        }
        if (r.path.endsWith('/embeddings')) {
          const input = Array.isArray(body.input) ? body.input : [body.input];
          return res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: [tokens(t) % 7, 1, 0] })) }));
        }
        const content = reply.content ?? '';
        const prompt = (body.messages || []).reduce((n, m) => n + tokens(m.content), 0);
        res.end(JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: reply.usage ?? { prompt_tokens: prompt, completion_tokens: tokens(content) },
        }));
      };
      if (reply.delayMs) setTimeout(write, reply.delayMs);
      else write();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    /** @param {...(StubReply | ((r: StubRequest) => StubReply))} replies */
    script: (...replies) => queue.push(...replies),
    reset: () => { requests.length = 0; queue.length = 0; },
    close: () => new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve(undefined));
    }),
  };
}

module.exports = { startAiStub };
