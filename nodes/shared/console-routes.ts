/**
 * What ws-bridge serves beside its WebSocket, under the same base path (`/wecom/ws` → `/wecom/…`):
 *  - `console/`  the agent console (static files from the package's console/ folder; it signs in over the
 *                WebSocket, so the page itself holds no data);
 *  - `ops/`      the ops view and its JSON API (HTTP Basic or Bearer with the ops password; 401 without);
 *  - `metrics`   Prometheus text (off unless enabled; Bearer or Basic with the metrics token; 401 without).
 * Every response carries a strict Content-Security-Policy (scripts only from this origin, no inline code).
 */
import type { NodeAPI, Node } from 'node-red';
import type { Request, Response, RequestHandler } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mountRoutes } from './http-routes';
import { liveGauges, opsLog } from './events';
import { sameSecret } from '../lib/wecom/same-secret';
import { parseKb } from '../lib/bot/faq-data';
import { validateEntries } from '../lib/bot/faq-index';
import { addAlternates, alternatesSnippet, KbEditError, unansweredCsv } from '../lib/ops/kb-alternates';
import { renderMetrics, type Metric } from '../lib/ops/prometheus';
import { HOUR_MS } from '../lib/ops/rollup';
import type { OpsLog } from '../lib/ops/log';
import { eachNodeConfig } from './node-kit';

/** The package's console/ folder (dist/nodes/shared → package root). */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', '..', 'console');

export interface ConsoleOptions {
  /** The bridge's path as configured (e.g. /wecom/ws), relative to httpNodeRoot. */
  bridgePath: string;
  /** The WebSocket's full path (with httpNodeRoot), told to the console. */
  wsFullPath: string;
  console: boolean;
  ops: boolean;
  opsPassword: string;
  metrics: boolean;
  metricsToken: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob: https: http:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
}

/** The secret of an `Authorization: Bearer x` or `Basic base64(any:x)` header. */
export function givenSecret(req: Request): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const bearer = /^Bearer\s+(.+)$/i.exec(h.trim());
  if (bearer) return bearer[1].trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h.trim());
  if (!basic) return null;
  const plain = Buffer.from(basic[1], 'base64').toString('utf8');
  const i = plain.indexOf(':');
  return i < 0 ? null : plain.slice(i + 1);
}

function guard(secret: string, realm: string, why: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    secure(res);
    const given = givenSecret(req);
    if (!secret || given === null || !sameSecret(given, secret)) {
      res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
      res.status(401).type('text/plain').send(secret ? 'Unauthorized\n' : `Unauthorized: ${why}\n`);
      return;
    }
    handler(req, res, next);
  };
}

/** Serve a whitelisted file of console/. */
function sendFile(res: Response, name: string): void {
  secure(res);
  const ext = path.extname(name);
  if (!/^[\w.-]+$/.test(name) || !TYPES[ext]) {
    res.status(404).type('text/plain').send('Not found\n');
    return;
  }
  fs.readFile(path.join(CONSOLE_DIR, name), (err, body) => {
    if (err) res.status(404).type('text/plain').send('Not found\n');
    else res.status(200).type(TYPES[ext]).send(body);
  });
}

function range(req: Request, now: number): { from: number; to: number } {
  const q = req.query as Record<string, unknown>;
  const to = Number.isFinite(Number(q.to)) && q.to !== undefined ? Number(q.to) : now;
  const from = Number.isFinite(Number(q.from)) && q.from !== undefined ? Number(q.from) : to - 24 * HOUR_MS;
  return { from: Math.max(0, Math.min(from, to)), to: Math.min(Math.max(from, to), from + 400 * 24 * HOUR_MS) };
}

function readJsonBody(req: Request, max = 64 * 1024): Promise<unknown> {
  const pre: unknown = req.body;
  if (pre && typeof pre === 'object' && !Buffer.isBuffer(pre) && Object.keys(pre).length) return Promise.resolve(pre);
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) reject(new Error('too large'));
      else parts.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8') || 'null'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

interface FaqNodeConf {
  id: string;
  type: string;
  name?: string;
  z?: string;
  kbFile?: string;
  entries?: unknown;
}

/** faq-lookup nodes of the running flows, with where their entries come from. */
function faqNodes(RED: NodeAPI): Array<{ id: string; name: string; kbFile: string | null; full: string | null; entries: Array<{ id: string; question: string }>; error?: string }> {
  const out: ReturnType<typeof faqNodes> = [];
  const userDir = (RED.settings as { userDir?: string }).userDir || process.cwd();
  eachNodeConfig<FaqNodeConf>(RED, (n) => {
    if (n.type !== 'faq-lookup') return;
    const kb = (n.kbFile ?? '').trim();
    const full = kb ? (path.isAbsolute(kb) ? kb : path.resolve(userDir, kb)) : null;
    let entries: Array<{ id: string; question: string }> = [];
    let error: string | undefined;
    try {
      const raw = full ? parseKb(fs.readFileSync(full, 'utf8').replace(/^\uFEFF/, ''), full) : n.entries ?? [];
      entries = validateEntries(raw).map((e) => ({ id: e.id, question: e.question }));
    } catch (e) {
      error = (e as Error).message;
    }
    out.push({ id: n.id, name: n.name || 'faq-lookup', kbFile: kb || null, full, entries, error });
  });
  return out;
}

function metrics(log: OpsLog): string {
  const t = log.rollup.totals;
  const g = liveGauges();
  const now = Date.now();
  const hour = log.summary(now - HOUR_MS, now);
  const c = (k: string) => t[k] ?? 0;
  const byPrefix = (p: string, label: string) =>
    Object.entries(t)
      .filter(([k]) => k.startsWith(p))
      .map(([k, v]) => ({ labels: { [label]: k.slice(p.length) }, value: v }));
  const m: Metric[] = [
    { name: 'wecom_messages_in_total', help: 'User messages that reached handoff', type: 'counter', samples: [{ value: c('in') }] },
    {
      name: 'wecom_bot_answers_total',
      help: 'Messages the bot answered, by how',
      type: 'counter',
      samples: [
        { labels: { by: 'keyword' }, value: c('keyword') },
        { labels: { by: 'faq' }, value: c('faq') },
        { labels: { by: 'suggestion' }, value: c('picked') },
      ],
    },
    { name: 'wecom_faq_suggestions_total', help: 'Did-you-mean lists offered', type: 'counter', samples: [{ value: c('suggest') }] },
    { name: 'wecom_faq_suggestions_declined_total', help: 'Did-you-mean lists the user did not pick from', type: 'counter', samples: [{ value: c('declined') }] },
    { name: 'wecom_faq_misses_total', help: 'Questions the FAQ could not answer', type: 'counter', samples: [{ value: c('miss') }] },
    { name: 'wecom_handoffs_total', help: 'Conversations handed to agents, by reason', type: 'counter', samples: byPrefix('handoff:', 'reason') },
    { name: 'wecom_closed_total', help: 'Human conversations ended, by who or what', type: 'counter', samples: byPrefix('closed:', 'by') },
    { name: 'wecom_agent_replies_total', help: 'Agent replies', type: 'counter', samples: [{ value: c('reply') }] },
    { name: 'wecom_transfers_total', help: 'Conversations passed between agents', type: 'counter', samples: [{ value: c('transfer') }] },
    {
      name: 'wecom_deliveries_total',
      help: 'Messages sent to WeCom, by result',
      type: 'counter',
      samples: [
        { labels: { result: 'ok' }, value: c('delivered') },
        { labels: { result: 'failed' }, value: c('undelivered') },
      ],
    },
    { name: 'wecom_queue_length', help: 'Conversations waiting for an agent now', type: 'gauge', samples: [{ value: g.queued }] },
    {
      name: 'wecom_agents_online',
      help: 'Agents connected now (by group when groups are used)',
      type: 'gauge',
      samples: [{ value: g.agentsOnline }, ...Object.entries(g.groups).map(([k, v]) => ({ labels: { group: k }, value: v }))],
    },
    {
      name: 'wecom_agent_wait_seconds',
      help: 'Wait from handoff to an agent over the last hour (histogram bins, upper bound)',
      type: 'summary',
      samples: [
        { labels: { quantile: '0.5' }, value: hour.wait.p50 === null ? NaN : hour.wait.p50 / 1000 },
        { labels: { quantile: '0.9' }, value: hour.wait.p90 === null ? NaN : hour.wait.p90 / 1000 },
      ],
    },
  ];
  return renderMetrics(m);
}

/** Mount the console, the ops view and the metrics for one ws-bridge; returns the function removing them. */
export function mountConsole(RED: NodeAPI, node: Node, opt: ConsoleOptions): () => void {
  const base = path.posix.dirname('/' + opt.bridgePath.replace(/^\/+/, '')).replace(/\/+$/, '');
  const removers: Array<() => void> = [];
  const at = (p: string, h: Parameters<typeof mountRoutes>[2]) => removers.push(mountRoutes(RED, base + p, h));
  // express matches `/x` and `/x/` alike: the page at `/x/`, a redirect from `/x` (relative URLs need the slash)
  const page = (to: string, file: string): RequestHandler => (req, res) => {
    if (req.path.endsWith('/')) return sendFile(res, file);
    secure(res);
    res.redirect(302, to);
  };

  if (opt.console) {
    at('/console', { get: page('console/', 'index.html') });
    at('/console/config.json', {
      get: (_q, res) => {
        secure(res);
        res.json({ wsPath: opt.wsFullPath, ops: opt.ops });
      },
    });
    at('/console/:file', { get: (req, res) => sendFile(res, String(req.params.file)) });
  }

  if (opt.ops) {
    const why = 'set the ops password on ws-bridge or WECOM_OPS_PASSWORD';
    const g = (h: RequestHandler) => guard(opt.opsPassword, 'WeCom ops', why, h);
    if (!opt.opsPassword) node.warn(RED._('ws-bridge.warn.noOpsPassword'));
    at('/ops', { get: g(page('ops/', 'ops.html')) });
    at('/ops/api/summary', {
      get: g((req, res) => {
        const log = opsLog(RED);
        const { from, to } = range(req, log.now());
        const t0 = process.hrtime.bigint();
        const summary = log.summary(from, to);
        const unanswered = log.unanswered(from, to);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        res.json({ now: log.now(), summary, unanswered: unanswered.slice(0, 100), groups: unanswered.length, gauges: liveGauges(), tookMs: Math.round(ms * 10) / 10, recording: log.dir !== null });
      }),
    });
    at('/ops/api/unanswered.csv', {
      get: g((req, res) => {
        const log = opsLog(RED);
        const { from, to } = range(req, log.now());
        res.setHeader('Content-Disposition', 'attachment; filename="unanswered.csv"');
        res.type('text/csv; charset=utf-8').send(unansweredCsv(log.unanswered(from, to)));
      }),
    });
    at('/ops/api/faq', { get: g((_q, res) => res.json({ nodes: faqNodes(RED).map(({ full: _f, ...n }) => n) })) });
    at('/ops/api/alternates', {
      post: g(async (req, res) => {
        if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
          res.status(415).json({ error: 'send application/json' });
          return;
        }
        let body: { node?: unknown; entry?: unknown; questions?: unknown };
        try {
          body = ((await readJsonBody(req)) ?? {}) as typeof body;
        } catch {
          res.status(400).json({ error: 'bad JSON body' });
          return;
        }
        const questions = Array.isArray(body.questions) ? body.questions.filter((q): q is string => typeof q === 'string' && q.trim() !== '').slice(0, 200) : [];
        if (!questions.length || typeof body.entry !== 'string' || !body.entry) {
          res.status(400).json({ error: 'need "entry" and a non-empty "questions" array' });
          return;
        }
        const target = faqNodes(RED).find((n) => n.id === body.node) ?? null;
        if (!target || !target.full) {
          res.json({ written: false, snippet: alternatesSnippet(questions), entry: body.entry });
          return;
        }
        try {
          const text = fs.readFileSync(target.full, 'utf8');
          const r = addAlternates(text, target.full, body.entry, questions);
          const tmp = `${target.full}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, r.text);
          fs.renameSync(tmp, target.full);
          res.json({ written: true, file: target.kbFile, added: r.added });
        } catch (e) {
          res.status(e instanceof KbEditError ? 400 : 500).json({ error: (e as Error).message });
        }
      }),
    });
    at('/ops/:file', { get: g((req, res) => sendFile(res, String(req.params.file))) });
  }

  if (opt.metrics) {
    if (!opt.metricsToken) node.warn(RED._('ws-bridge.warn.noMetricsToken'));
    at('/metrics', {
      get: guard(opt.metricsToken, 'WeCom metrics', 'set the metrics token on ws-bridge or WECOM_METRICS_TOKEN', (_q, res) => {
        res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics(opsLog(RED)));
      }),
    });
  }
  return () => {
    for (const r of removers.splice(0)) r();
  };
}
