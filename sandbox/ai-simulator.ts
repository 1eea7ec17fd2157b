/**
 * AI SIMULATOR — not a language model. A loopback stand-in for an OpenAI-compatible endpoint so `npm start`
 * shows the AI path without a real model: `POST /v1/chat/completions` answers from the material in the
 * prompt by a simple rule (the `[id] …` line sharing the most character pairs with the question; its answer
 * part, cited), or `NO_ANSWER` when nothing shares enough; `POST /v1/embeddings` returns character-pair
 * hash vectors. Token counts are counted the simple way (one per Han character or latin word). `GET /`
 * is a page that says what this is.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AiSimulator {
  url: string;
  /** Requests answered, and the tokens they counted. */
  stats: { requests: number; promptTokens: number; completionTokens: number };
  stop(): Promise<void>;
}

export const SIMULATOR_MODEL = 'ai-simulator';

/** Tokens the simple way: one per Han character, one per run of latin letters or digits. */
export function countTokens(text: string): number {
  return (text.match(/[\u3400-\u9fff]|[A-Za-z0-9]+/g) ?? []).length;
}

const pairs = (t: string) => {
  const s = new Set<string>();
  const c = Array.from(t.replace(/[^\u3400-\u9fffA-Za-z0-9]/g, ''));
  for (let i = 0; i + 1 < c.length; i++) s.add(c[i] + c[i + 1]);
  return s;
};

/** The simulator's rule: the best-sharing material line, its answer part and id; or NO_ANSWER. */
export function simulatedReply(system: string, question: string): string {
  const q = pairs(question);
  let best: { id: string; text: string; n: number } | null = null;
  for (const line of system.split('\n')) {
    const m = /^\[((?:f|doc:)[^\]]+)\]\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const asked = m[2].split(/\s答：/)[0];
    let n = 0;
    for (const p of pairs(asked)) if (q.has(p)) n++;
    if (n > 0 && (!best || n > best.n)) best = { id: m[1], text: m[2], n };
  }
  if (!best || best.n < 2) return 'NO_ANSWER';
  const answer = best.text.includes('答：') ? best.text.split('答：').slice(1).join('答：') : best.text.replace(/^[^：]{1,30}：/, '');
  return `${answer.trim()} [${best.id}]`;
}

function vector(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const p of pairs(text)) v[(p.charCodeAt(0) * 31 + p.charCodeAt(p.length - 1)) % 64] += 1;
  return v;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>AI 模拟器 AI simulator</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>AI 模拟器 · AI simulator</h1>
<p><b>这不是大模型。</b>沙盒用它代替 OpenAI 兼容的服务：按简单规则从提示词中的资料里挑出与问题最接近的一条作答并标注编号，否则回复 NO_ANSWER。</p>
<p><b>This is not a language model.</b> The sandbox uses it in place of an OpenAI-compatible endpoint: it answers
with the piece of material in the prompt closest to the question (cited), or NO_ANSWER. Set WECOM_AI_BASE_URL,
WECOM_AI_API_KEY and WECOM_AI_MODEL to use a real model.</p></body>`;

export async function startAiSimulator(port = 0): Promise<AiSimulator> {
  const stats = { requests: 0, promptTokens: 0, completionTokens: 0 };
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET') return send(200, PAGE, 'text/html; charset=utf-8');
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c.length + raw.length > 1e6 ? '' : c));
    req.on('end', () => {
      let body: { messages?: Array<{ role?: string; content?: string }>; input?: unknown };
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { error: { message: 'body is not JSON' } });
      }
      const path = (req.url ?? '').split('?')[0];
      if (path.endsWith('/embeddings')) {
        const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
        return send(200, { object: 'list', model: SIMULATOR_MODEL, data: input.map((t, index) => ({ object: 'embedding', index, embedding: vector(t) })) });
      }
      if (!path.endsWith('/chat/completions')) return send(404, { error: { message: 'unknown path' } });
      const msgs = Array.isArray(body.messages) ? body.messages : [];
      const system = msgs.filter((m) => m.role === 'system').map((m) => String(m.content ?? '')).join('\n');
      const question = String([...msgs].reverse().find((m) => m.role === 'user')?.content ?? '');
      const content = simulatedReply(system, question);
      const promptTokens = msgs.reduce((n, m) => n + countTokens(String(m.content ?? '')), 0);
      const completionTokens = countTokens(content);
      stats.requests++;
      stats.promptTokens += promptTokens;
      stats.completionTokens += completionTokens;
      send(200, {
        id: `sim-${stats.requests}`,
        object: 'chat.completion',
        model: SIMULATOR_MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    stats,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
