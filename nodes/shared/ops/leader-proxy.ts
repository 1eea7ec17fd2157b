/**
 * With several instances on Redis only the leading one's hub holds the agents and conversations: the
 * supervisor's requests (ops/api/live, ops/api/supervise) reaching another instance are passed on to the
 * leader (the address it publishes, as agents' sockets are, nodes/ws-bridge/cluster-relay.ts) with the caller's
 * credentials, and its answer is returned as is. A request passed on once is never passed on again.
 */
import * as http from 'node:http';
import type { Request, Response } from 'express';

export const RELAYED_HEADER = 'x-wecom-ops-relayed';

export interface LeaderAt {
  host: string;
  port: number;
}

/** This request was passed on by another instance already. */
export const wasRelayed = (req: Request): boolean => req.headers[RELAYED_HEADER] === '1';

/** Ask the leader at `at` the same request (with `body` as JSON for a POST) and answer with its reply. */
export function relayToLeader(at: LeaderAt, req: Request, res: Response, body?: unknown): void {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: http.OutgoingHttpHeaders = { [RELAYED_HEADER]: '1', accept: 'application/json' };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  const up = http.request({ host: at.host, port: at.port, method: req.method, path: req.originalUrl, headers, timeout: 10_000 }, (r) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => {
      res.status(r.statusCode ?? 502);
      res.type(String(r.headers['content-type'] ?? 'application/json')).send(Buffer.concat(chunks));
    });
    r.on('error', () => res.status(502).json({ error: 'the leading instance did not answer' }));
  });
  up.on('timeout', () => up.destroy(new Error('timeout')));
  up.on('error', () => {
    if (!res.headersSent) res.status(502).json({ error: 'the leading instance did not answer' });
  });
  up.end(payload);
}
