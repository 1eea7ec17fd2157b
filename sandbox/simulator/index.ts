/**
 * WeCom simulator: a loopback HTTP server (127.0.0.1 only) that answers the WeCom server APIs this
 * package uses, plus a driver that plays WeChat users by POSTing encrypted callbacks. Used by the
 * tests, the bench and the sandbox. Control it in-process (the `Simulator` object) or over HTTP:
 *   POST /_sim/say      {channel,userId,text,openKfId?,menuId?} → {msgId,status} (menuId: a tap on a kf msgmenu item)
 *   GET  /_sim/records?since=N → SimRecord[]
 *   GET  /_sim/stream   Server-Sent Events, one `data: <SimRecord JSON>` per record
 *   POST /_sim/faults   {errorRate?, latencyMs?}
 *   GET  /_sim/config   {channels, openKfIds, agentId, corpId} (never secrets)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aesKeyFrom } from '../../nodes/lib/wecom/crypto';
import type { SimProfile } from './profiles';
import { SimState, type SimRecord } from './state';
import { SimApi, type Answer } from './api';
import { Driver, type UserMedia } from './driver';

export type { SimRecord } from './state';
export type { UserMedia } from './driver';

export interface SimulatorOptions {
  port?: number /*0 = any*/;
  corpId: string;
  agentId: string;
  agentSecret: string;
  kfSecret?: string;
  token: string;
  encodingAESKey: string;
  callbackUrl?: string;
  openKfIds?: string[] /* default ['wkSANDBOX01'] */;
  /** Extra (optional): most messages per sync_msg page (default 1000), to exercise has_more. */
  kfPageSize?: number;
  /** Extra (optional): callback answer deadline before a re-send, ms (default 5000). */
  callbackDeadlineMs?: number;
  /** Extra (optional): how long a simulated timeout holds the answer, ms (default 3000). */
  hangMs?: number;
  /** Extra (optional): app messages per member per minute before silent drops (default 30). */
  perUserPerMinute?: number;
  /** Extra (optional): calls per API per rate window before errcode 45009 (default 10 000). */
  apiPerWindow?: number;
  /** Extra (optional): the 45009 window, ms (default 60 000). */
  rateWindowMs?: number;
  /** Extra (optional): access_token lifetime, s (default 7200; short values exercise 42001). */
  tokenLifetimeSec?: number;
}

export interface Simulator {
  url: string /* base URL, use as the account's API base */;
  stop(): Promise<void>;
  setCallbackUrl(url: string): void;
  /** A user's text; with menuId (微信客服) a tap on that msgmenu item, `text` being the item's content. */
  userSays(o: { channel: 'app' | 'kf'; userId: string; text: string; openKfId?: string; menuId?: string }): Promise<{ msgId: string; status: number }>;
  /** A user sends a picture, voice, video or file; media/get serves the bytes under the returned mediaId. */
  userSends(o: UserMedia): Promise<{ msgId: string; mediaId: string; status: number }>;
  /** The bytes of a temporary media (uploaded by the app or sent by a user). */
  mediaData(mediaId: string): Buffer | undefined;
  records(sinceSeq?: number): SimRecord[];
  on(event: 'record', cb: (r: SimRecord) => void): void;
  setFaults(f: { errorRate?: number; latencyMs?: number }): void;
  invalidateTokens(): void;
  stats(): { gettoken: number; [k: string]: number };
  /** Who a user is, for kf/customer/batchget and user/get (others get a made-up profile). */
  setProfile(userId: string, p: SimProfile): void;
}

const MAX_BODY = 30 << 20;

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, cors = false): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (cors) headers['access-control-allow-origin'] = '*';
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const openKfIds = opts.openKfIds && opts.openKfIds.length > 0 ? [...opts.openKfIds] : ['wkSANDBOX01'];
  const st = new SimState(openKfIds);
  const api = new SimApi(st, {
    corpId: opts.corpId,
    agentId: String(opts.agentId),
    agentSecret: opts.agentSecret,
    kfSecret: opts.kfSecret,
    kfPageSize: Math.max(1, opts.kfPageSize ?? 1000),
    perUserPerMinute: opts.perUserPerMinute ?? 30,
    apiPerWindow: opts.apiPerWindow ?? 10_000,
    rateWindowMs: opts.rateWindowMs ?? 60_000,
    tokenLifetimeSec: opts.tokenLifetimeSec ?? 7200,
  });
  const driver = new Driver(st, {
    keys: { token: opts.token, aesKey: aesKeyFrom(opts.encodingAESKey), receiveId: opts.corpId },
    corpId: opts.corpId,
    agentId: String(opts.agentId),
    callbackUrl: opts.callbackUrl,
    deadlineMs: opts.callbackDeadlineMs ?? 5000,
    resends: 3,
  });
  const hangMs = opts.hangMs ?? 3000;
  const streams = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  st.on('record', (r: SimRecord) => {
    for (const s of streams) s.write(`data: ${JSON.stringify(r)}\n\n`);
  });

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  async function onApi(name: string, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const raw = await readAll(req);
    if (st.faults.latencyMs > 0) await new Promise<void>((r) => later(st.faults.latencyMs, r));
    let fault: 'busy' | '5xx' | 'timeout' | null = null;
    if (st.faults.errorRate > 0 && Math.random() < st.faults.errorRate) {
      fault = (['busy', '5xx', 'timeout'] as const)[Math.floor(Math.random() * 3)];
      st.count('faults');
    }
    if (fault === 'busy') return sendJson(res, 200, { errcode: -1, errmsg: 'system busy (simulated)' });
    if (fault === '5xx') return sendJson(res, 502, { errcode: -1, errmsg: 'bad gateway (simulated)' });
    const contentType = String(req.headers['content-type'] ?? '');
    let json: Record<string, unknown> = {};
    if (req.method === 'POST' && !/^multipart\//i.test(contentType) && raw.length > 0) {
      try {
        json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendJson(res, 200, { errcode: 47001, errmsg: 'data format error' });
      }
    }
    if (name === 'media/get') {
      const m = api.mediaGet(url.searchParams);
      if ('errcode' in m) return sendJson(res, 200, m);
      res.writeHead(200, { 'content-type': m.contentType, 'content-length': String(m.data.length), 'content-disposition': `attachment; filename="${encodeURIComponent(m.filename)}"` });
      return void res.end(m.data);
    }
    const answer: Answer = await api.handle(name, { query: url.searchParams, json, raw, contentType });
    // A simulated timeout: the request WAS processed, but the answer never arrives in time.
    if (fault === 'timeout') return later(hangMs, () => res.destroy());
    sendJson(res, 200, answer);
  }

  async function onControl(name: string, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      return void res.end();
    }
    const body = async () => {
      const raw = await readAll(req);
      return raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    };
    try {
      if (name === 'say' && req.method === 'POST') {
        const b = await body();
        const r = await sim.userSays({ channel: b.channel === 'kf' ? 'kf' : 'app', userId: String(b.userId ?? ''), text: String(b.text ?? ''), openKfId: b.openKfId ? String(b.openKfId) : undefined, menuId: b.menuId ? String(b.menuId) : undefined });
        return sendJson(res, 200, r, true);
      }
      if (name === 'records' && req.method === 'GET') return sendJson(res, 200, sim.records(Number(url.searchParams.get('since')) || 0), true);
      if (name === 'faults' && req.method === 'POST') {
        const b = await body();
        sim.setFaults({ errorRate: b.errorRate as number | undefined, latencyMs: b.latencyMs as number | undefined });
        if (b.invalidateTokens === true) sim.invalidateTokens();
        return sendJson(res, 200, { ...st.faults }, true);
      }
      if (name === 'config' && req.method === 'GET') return sendJson(res, 200, { channels: ['app', 'kf'], openKfIds, agentId: String(opts.agentId), corpId: opts.corpId }, true);
      if (name === 'stats' && req.method === 'GET') return sendJson(res, 200, sim.stats(), true);
      const avatar = /^avatar\/([^/]+)\.svg$/.exec(name);
      if (avatar && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'access-control-allow-origin': '*', 'cache-control': 'max-age=3600' });
        return void res.end(st.directory.svg(decodeURIComponent(avatar[1])));
      }
      if (name === 'stream' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'access-control-allow-origin': '*' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      sendJson(res, 404, { error: 'not found' }, true);
    } catch (err) {
      sendJson(res, 400, { error: (err as Error).message }, true);
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = url.pathname;
    const done = (e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errcode: -1, errmsg: String((e as Error)?.message ?? e) });
    };
    if (p.startsWith('/cgi-bin/')) onApi(p.slice('/cgi-bin/'.length), req, res, url).catch(done);
    else if (p.startsWith('/_sim/')) onControl(p.slice('/_sim/'.length), req, res, url).catch(done);
    else sendJson(res, 404, { errcode: 404, errmsg: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  st.directory.avatarBase = `http://127.0.0.1:${port}/_sim/avatar/`;

  const sim: Simulator = {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setCallbackUrl(url: string) {
      driver.cfg.callbackUrl = url || undefined;
    },
    userSays: (o) => driver.userSays(o),
    userSends: (o) => driver.userSends(o),
    mediaData: (id) => st.media.get(id)?.data,
    records: (since) => st.records(since ?? 0),
    on(event, cb) {
      if (event === 'record') st.on('record', cb);
    },
    setFaults(f) {
      if (typeof f.errorRate === 'number' && f.errorRate >= 0 && f.errorRate <= 1) st.faults.errorRate = f.errorRate;
      if (typeof f.latencyMs === 'number' && f.latencyMs >= 0) st.faults.latencyMs = f.latencyMs;
    },
    invalidateTokens() {
      st.tokens.clear();
      st.currentToken.clear();
      st.count('invalidations');
    },
    stats: () => ({ ...st.counters }) as { gettoken: number; [k: string]: number },
    setProfile: (userId, p) => st.directory.set(userId, p),
  };
  return sim;
}
