/**
 * Outbound HTTP over undici: one keep-alive Pool per API origin, shared (reference-counted) by every
 * client of that origin. Answers are parsed as JSON; failures are `HttpFailure` (retryable or not).
 */
import { Pool, type FormData } from 'undici';

export class HttpFailure extends Error {
  /** True for network errors, timeouts and HTTP 5xx. */
  readonly retryable: boolean;
  readonly status?: number;
  /** True when the request may have reached the server (timeout after sending). */
  readonly maybeDelivered: boolean;
  constructor(message: string, retryable: boolean, status?: number, maybeDelivered = false) {
    super(message);
    this.name = 'HttpFailure';
    this.retryable = retryable;
    this.status = status;
    this.maybeDelivered = maybeDelivered;
  }
}

interface Shared {
  pool: Pool;
  refs: number;
}
const pools = new Map<string, Shared>();

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path with query string (may contain the access token: never put it in an error). */
  path: string;
  json?: unknown;
  form?: FormData;
  timeoutMs: number;
}

export class HttpTransport {
  readonly origin: string;
  /** Path prefix of the API base (e.g. '' or '/proxy'). */
  readonly prefix: string;
  private shared: Shared | null;

  constructor(apiBase: string, connections = 64) {
    const u = new URL(apiBase);
    this.origin = u.origin;
    this.prefix = u.pathname.replace(/\/+$/, '');
    let s = pools.get(this.origin);
    if (!s) {
      s = { pool: new Pool(this.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 }), refs: 0 };
      pools.set(this.origin, s);
    }
    s.refs++;
    this.shared = s;
  }

  async request(req: HttpRequest): Promise<Record<string, unknown>> {
    if (!this.shared) throw new HttpFailure('client closed', false);
    const headers: Record<string, string> = {};
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json; charset=utf-8';
      body = JSON.stringify(req.json);
    } else if (req.form) body = req.form;
    let res;
    try {
      res = await this.shared.pool.request({
        path: this.prefix + req.path,
        method: req.method,
        headers,
        body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name ?? 'error';
      const sent = /TIMEOUT|SOCKET|RESET|ECONNRESET|UND_ERR_CLOSED/i.test(code);
      throw new HttpFailure(`network error (${code})`, true, undefined, sent);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'body';
      throw new HttpFailure(`network error while reading the answer (${code})`, true, res.statusCode, true);
    }
    if (res.statusCode >= 500) throw new HttpFailure(`HTTP ${res.statusCode}`, true, res.statusCode, true);
    if (res.statusCode !== 200) throw new HttpFailure(`HTTP ${res.statusCode}`, false, res.statusCode);
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw new HttpFailure('the answer is not JSON', true, res.statusCode, true);
    }
  }

  /** Release this client's share of the pool; the last one closes it. */
  async close(): Promise<void> {
    const s = this.shared;
    if (!s) return;
    this.shared = null;
    s.refs--;
    if (s.refs <= 0) {
      pools.delete(this.origin);
      await s.pool.close().catch(() => undefined);
    }
  }
}
