/**
 * Register and remove routes on Node-RED's own HTTP server (RED.httpNode, under httpNodeRoot).
 *
 * Routes mounted with `rawBody` get their POST body read here, as raw text with a size cap and a time limit,
 * by a middleware placed first on the root app (as Node-RED's own http-in node does for its raw routes): so
 * the admin app's json / urlencoded parsers (5 MB, mounted on the same server) never run on them, whatever
 * the Content-Type, and a too large / too slow body is stopped (the route answers 413 / 408) before anything
 * parses it.
 */
import type { NodeAPI } from 'node-red';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { BodyError, readBody } from '../lib/wecom/raw-body';
import { httpNodeApp, settingsOf, type HttpApp } from './node-kit';

type App = HttpApp;

export type Method = 'get' | 'post';

export interface RouteOptions {
  /** Read POST bodies raw, before any parser, up to this many bytes. */
  rawBody?: { limit: number; timeoutMs?: number };
}

/** Full request paths (httpNodeRoot + path) whose POST bodies are read raw, with their limits. */
const rawPaths = new Map<string, { limit: number; timeoutMs?: number }>();
const installedOn = new WeakSet<object>();

function rootApp(app: App): App {
  return app.parent ? rootApp(app.parent) : app;
}

function fullPath(RED: NodeAPI, path: string): string {
  const root = String(settingsOf(RED).httpNodeRoot || '/');
  return (root.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '')).replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}

function rawCapture(req: IncomingMessage & { body?: unknown; _body?: boolean; rawBodyError?: Error }, _res: ServerResponse, next: (err?: unknown) => void): void {
  if (req.method !== 'POST' || req._body) return next();
  const pathname = (req.url ?? '').split('?')[0].replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  const opts = rawPaths.get(pathname);
  if (!opts) return next();
  // body-parser skips requests marked as parsed (_body); the route's handler answers a failure (413, 408, …)
  const done = (body: string | undefined, err?: Error) => {
    req.body = body;
    if (err) req.rawBodyError = err;
    req._body = true;
    next();
  };
  readBody(req, opts.limit, opts.timeoutMs).then(
    (text) => done(text),
    (err: unknown) => {
      req.resume();
      done(undefined, err instanceof Error ? err : new BodyError(400, String(err)));
    },
  );
}

/** Put rawCapture first on the root app that serves RED.httpNode (once per app). */
function installRawCapture(RED: NodeAPI): void {
  const root = rootApp(httpNodeApp(RED));
  if (installedOn.has(root)) return;
  installedOn.add(root);
  root.use(rawCapture);
  const stack = root._router?.stack;
  if (!stack) return;
  const i = stack.findIndex((l) => l.handle === rawCapture);
  if (i > 0) stack.unshift(stack.splice(i, 1)[0]);
}

/** Mount handlers at `path`; the returned function removes exactly these routes again. */
export function mountRoutes(RED: NodeAPI, path: string, handlers: Partial<Record<Method, RequestHandler>>, opts: RouteOptions = {}): () => void {
  const mine = new Set<unknown>();
  for (const [method, handler] of Object.entries(handlers) as Array<[Method, RequestHandler]>) {
    RED.httpNode[method](path, handler);
    mine.add(handler);
  }
  const full = fullPath(RED, path);
  if (opts.rawBody) {
    rawPaths.set(full, opts.rawBody);
    installRawCapture(RED);
  }
  return () => {
    if (opts.rawBody && rawPaths.get(full) === opts.rawBody) rawPaths.delete(full);
    const router = httpNodeApp(RED)._router;
    if (!router) return;
    router.stack = router.stack.filter((layer) => !(layer.route && layer.route.path === path && layer.route.stack.some((s) => mine.has(s.handle))));
  };
}

/** Callback paths in use in this runtime, and the node that holds each. */
const claimed = new Map<string, string>();

/** Claim `path` for `owner`; returns null on success, or the id of the node that already holds it. */
export function claimPath(path: string, owner: string): string | null {
  const holder = claimed.get(path);
  if (holder !== undefined && holder !== owner) return holder;
  claimed.set(path, owner);
  return null;
}

export function releasePath(path: string, owner: string): void {
  if (claimed.get(path) === owner) claimed.delete(path);
}
