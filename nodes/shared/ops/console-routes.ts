/**
 * What ws-bridge serves beside its WebSocket, under the same base path (`/wecom/ws` → `/wecom/…`):
 *  - `console/`  the agent console (static files from the package's console/ folder; it signs in over the
 *                WebSocket, so the page itself holds no data);
 *  - `ops/`      the ops view and its JSON API (HTTP Basic or Bearer with the ops password; 401 without);
 *  - `metrics`   Prometheus text (off unless enabled; Bearer or Basic with the metrics token; 401 without).
 * Every response carries a strict Content-Security-Policy (scripts only from this origin, no inline code).
 * This file is the express glue; what the routes compute is in nodes/lib/ops/ (ops-api, metrics, static-files)
 * and nodes/lib/security/ (http-auth).
 */
import type { NodeAPI, Node } from 'node-red';
import type { Request, Response, RequestHandler } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mountRoutes } from '../http-routes';
import { liveGauges, opsLog } from './events';
import { opsView, serviceGauges } from './cluster-view';
import { clusterUnanswered } from '../../lib/ops/cluster';
import { alternatesSnippet, KbEditError, unansweredCsv, type EntryList } from '../../lib/ops/kb-alternates';
import { givenSecret, hasSecret } from '../../lib/security/http-auth';
import { guessGuard, type GuessGuard } from '../guess-guard';
import { opsMetrics } from '../../lib/ops/metrics';
import { alternatesRequest, cancelWords, faqSources, knownQuestions, opsSummary, queryRange, writeAlternates, type FaqNodeConf } from '../../lib/ops/ops-api';
import { superviseRequest } from '../../lib/bridge/supervise';
import { liveAll, remoteLeader, superviseAny } from './supervisor';
import { relayToLeader, wasRelayed } from './leader-proxy';
import { SECURITY_HEADERS, servedName } from '../../lib/ops/static-files';
import { readBody } from '../../lib/wecom/raw-body';
import { eachNodeConfig, settingsOf } from '../node-kit';

/** The package's console/ folder (dist/nodes/shared → package root). */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'console');

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

function secure(res: Response): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

/** 401 without the secret, 429 while the client is backed off after wrong ones (guesses), else `handler`. */
function guard(secret: string, realm: string, why: string, guesses: GuessGuard, handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    secure(res);
    const ok = hasSecret(secret, req.headers.authorization);
    guesses.http(req, res, givenSecret(req.headers.authorization) !== null, ok, () => {
      if (!ok) {
        res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
        res.status(401).type('text/plain').send(secret ? 'Unauthorized\n' : `Unauthorized: ${why}\n`);
        return;
      }
      handler(req, res, next);
    });
  };
}

/** Serve a whitelisted file of console/. */
function sendFile(res: Response, name: string): void {
  secure(res);
  const type = servedName(name);
  if (!type) {
    res.status(404).type('text/plain').send('Not found\n');
    return;
  }
  fs.readFile(path.join(CONSOLE_DIR, name), (err, body) => {
    if (err) res.status(404).type('text/plain').send('Not found\n');
    else res.status(200).type(type).send(body);
  });
}

/** A JSON body (already parsed by another middleware, or read here up to 64 KB). */
async function readJsonBody(req: Request): Promise<unknown> {
  const pre: unknown = req.body;
  if (pre && typeof pre === 'object' && !Buffer.isBuffer(pre) && Object.keys(pre).length) return pre;
  return JSON.parse((await readBody(req, 64 * 1024)) || 'null') as unknown;
}

/** faq-lookup nodes of the running flows, with where their entries come from. */
function faqNodes(RED: NodeAPI) {
  const configs: FaqNodeConf[] = [];
  eachNodeConfig<FaqNodeConf>(RED, (n) => configs.push(n));
  return faqSources(configs, settingsOf(RED).userDir || process.cwd());
}

/** A JSON request body, or undefined after answering 415 (not JSON: no cross-site form can post) or 400. */
async function jsonRequest(req: Request, res: Response): Promise<unknown> {
  if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
    res.status(415).json({ error: 'send application/json' });
    return undefined;
  }
  try {
    return (await readJsonBody(req)) ?? {};
  } catch {
    res.status(400).json({ error: 'bad JSON body' });
    return undefined;
  }
}

/**
 * POST ops/api/alternates: add questions to an entry of a faq-lookup's KB file, or answer a snippet to paste.
 * POST ops/api/never-answer (field 'never'): the same body, "mark as wrong": that entry never answers these
 * questions again (the entry's `never` list, bot.ts).
 */
async function postAlternates(RED: NodeAPI, req: Request, res: Response, field: EntryList = 'alternates'): Promise<void> {
  const body = await jsonRequest(req, res);
  if (body === undefined) return;
  const r = alternatesRequest(body);
  if (!r.ok) {
    res.status(400).json({ error: r.error });
    return;
  }
  const target = faqNodes(RED).find((n) => n.id === r.node) ?? null;
  if (!target || !target.full) {
    res.json({ written: false, snippet: alternatesSnippet(r.questions), entry: r.entry, field });
    return;
  }
  try {
    res.json({ written: true, file: target.kbFile, added: writeAlternates(target.full, r.entry, r.questions, field) });
  } catch (e) {
    res.status(e instanceof KbEditError ? 400 : 500).json({ error: (e as Error).message });
  }
}

/** POST ops/api/supervise: re-assign or close a live conversation (on the instance holding the agents). */
async function postSupervise(req: Request, res: Response): Promise<void> {
  const body = await jsonRequest(req, res);
  if (body === undefined) return;
  const r = superviseRequest(body);
  if (!r.ok) {
    res.status(400).json({ error: r.error });
    return;
  }
  const leader = wasRelayed(req) ? null : remoteLeader();
  if (leader) return relayToLeader(leader, req, res, body);
  const done = superviseAny(r.act);
  if (done.ok) res.json({ ok: true });
  else res.status(done.status).json({ error: done.error });
}

/** What the summary needs from the flows: handoff's cancel words, the FAQ questions already known. */
function summaryContext(RED: NodeAPI) {
  const configs: Array<{ type: string; cancelWords?: string }> = [];
  eachNodeConfig<{ type: string; cancelWords?: string }>(RED, (n) => configs.push(n));
  return { ignore: cancelWords(configs), known: knownQuestions(faqNodes(RED)) };
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
  const range = (req: Request) => queryRange(req.query as Record<string, unknown>, opsLog(RED).now());

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
    const guesses = guessGuard(RED, node, 'ops');
    removers.push(() => void guesses.release());
    const g = (h: RequestHandler) => guard(opt.opsPassword, 'WeCom ops', why, guesses, h);
    if (!opt.opsPassword) node.warn(RED._('ws-bridge.warn.noOpsPassword'));
    at('/ops', { get: g(page('ops/', 'ops.html')) });
    at('/ops/api/summary', {
      get: g((req, res) => {
        const { from, to } = range(req);
        // with several instances on Redis: the whole service's numbers (cluster-view.ts); `partial` while Redis is down
        Promise.all([opsView(RED, from, to), serviceGauges(RED)]).then(([{ view, partial }, gauges]) => {
          const body = opsSummary(opsLog(RED), from, to, gauges, summaryContext(RED), view);
          res.json(partial ? { ...body, partial: true } : body);
        }).catch((err: Error) => res.status(500).json({ error: err.message }));
      }),
    });
    at('/ops/api/unanswered.csv', {
      get: g((req, res) => {
        const { from, to } = range(req);
        opsView(RED, from, to).then(({ view }) => {
          res.setHeader('Content-Disposition', 'attachment; filename="unanswered.csv"');
          res.type('text/csv; charset=utf-8').send(unansweredCsv(clusterUnanswered(view.unansweredIn(from, to))));
        }).catch((err: Error) => res.status(500).type('text/plain').send(`${err.message}\n`));
      }),
    });
    at('/ops/api/faq', { get: g((_q, res) => res.json({ nodes: faqNodes(RED).map(({ full: _f, ...n }) => n) })) });
    at('/ops/api/alternates', { post: g((req, res) => void postAlternates(RED, req, res)) });
    at('/ops/api/never-answer', { post: g((req, res) => void postAlternates(RED, req, res, 'never')) });
    at('/ops/api/live', {
      get: g((req, res) => {
        const leader = wasRelayed(req) ? null : remoteLeader();
        if (leader) relayToLeader(leader, req, res);
        else res.json({ now: Date.now(), ...liveAll() });
      }),
    });
    at('/ops/api/supervise', { post: g((req, res) => void postSupervise(req, res)) });
    at('/ops/:file', { get: g((req, res) => sendFile(res, String(req.params.file))) });
  }

  if (opt.metrics) {
    if (!opt.metricsToken) node.warn(RED._('ws-bridge.warn.noMetricsToken'));
    const guesses = guessGuard(RED, node, 'metrics');
    removers.push(() => void guesses.release());
    at('/metrics', {
      get: guard(opt.metricsToken, 'WeCom metrics', 'set the metrics token on ws-bridge or WECOM_METRICS_TOKEN', guesses, (_q, res) => {
        res.type('text/plain; version=0.0.4; charset=utf-8').send(opsMetrics(opsLog(RED), liveGauges()));
      }),
    });
  }
  return () => {
    for (const r of removers.splice(0)) r();
  };
}
