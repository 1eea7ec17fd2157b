/** Register and remove routes on Node-RED's own HTTP server (RED.httpNode, under httpNodeRoot). */
import type { NodeAPI } from 'node-red';
import type { RequestHandler } from 'express';

type Layer = { route?: { path: string; stack: Array<{ handle: unknown }> } };

export type Method = 'get' | 'post';

/** Mount handlers at `path`; the returned function removes exactly these routes again. */
export function mountRoutes(RED: NodeAPI, path: string, handlers: Partial<Record<Method, RequestHandler>>): () => void {
  const mine = new Set<unknown>();
  for (const [method, handler] of Object.entries(handlers) as Array<[Method, RequestHandler]>) {
    RED.httpNode[method](path, handler);
    mine.add(handler);
  }
  return () => {
    const router = (RED.httpNode as unknown as { _router?: { stack: Layer[] } })._router;
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
