/**
 * JSON over HTTP for the AI endpoint (undici, no SDK): one POST bounded by an absolute deadline, retried on
 * 429, 5xx and network errors while the deadline allows (honouring Retry-After), at most `maxConcurrency`
 * requests in flight per endpoint. Errors carry the HTTP status and a kind, never the request's headers or
 * the answer's body (a server may echo the key). Pure: no Node-RED import.
 */
import { request } from 'undici';

export type CallFailure = 'timeout' | 'error';

export class AiCallError extends Error {
  constructor(
    message: string,
    readonly kind: CallFailure,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AiCallError';
  }
}

/** Counts requests in flight; waiting callers get a slot in arrival order, or give up at their deadline. */
export class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.used;
  }

  /** Resolves to a release function, or rejects with a timeout at `deadline`. */
  acquire(deadline: number): Promise<() => void> {
    const release = () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    };
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(once(release));
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AiCallError('no free connection to the AI endpoint before the time budget ran out', 'timeout'));
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(grant);
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

export interface PostOptions {
  url: string;
  body: unknown;
  apiKey?: string;
  /** Absolute time (ms since epoch) after which the call gives up. */
  deadline: number;
  slots?: Slots;
  /** Wait before the n-th retry (ms, default 200 · 2^(n-1)). */
  backoffMs?: (attempt: number) => number;
}

export interface PostResult {
  status: number;
  json: Record<string, unknown>;
  attempts: number;
}

const retryable = (status: number) => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(h: string | string[] | undefined): number | null {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : null;
}

/** One JSON POST; answers with status < 400 (or a non-retryable 4xx, for the caller to read) before the deadline. */
export async function postJson(o: PostOptions): Promise<PostResult> {
  const release = o.slots ? await o.slots.acquire(o.deadline) : () => undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      const left = o.deadline - Date.now();
      if (left <= 0) throw new AiCallError('the AI endpoint did not answer within the time budget', 'timeout');
      const r = await postOnce(o, left).catch((e: AiCallError) => e);
      const status = r instanceof AiCallError ? r.status : r.status;
      if (r instanceof AiCallError && r.kind === 'timeout') throw r;
      if (!(r instanceof AiCallError) && !retryable(r.status)) return { ...r, attempts: attempt };
      const wait = (r instanceof AiCallError ? null : r.retryAfter) ?? (o.backoffMs ?? ((n) => 200 * 2 ** (n - 1)))(attempt);
      if (Date.now() + wait >= o.deadline) {
        if (r instanceof AiCallError) throw r;
        throw new AiCallError(`the AI endpoint answered HTTP ${status}`, 'error', status);
      }
      await sleep(wait);
    }
  } finally {
    release();
  }
}

async function postOnce(o: PostOptions, budgetMs: number): Promise<{ status: number; json: Record<string, unknown>; retryAfter: number | null }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), budgetMs);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (o.apiKey) headers.authorization = 'Bearer ' + o.apiKey;
  try {
    const res = await request(o.url, { method: 'POST', headers, body: JSON.stringify(o.body), signal: ac.signal, headersTimeout: budgetMs, bodyTimeout: budgetMs });
    const raw = await res.body.text();
    let json: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
    } catch {
      if (res.statusCode < 400) throw new AiCallError('the AI endpoint answered something that is not JSON', 'error', res.statusCode);
    }
    return { status: res.statusCode, json, retryAfter: retryAfterMs(res.headers['retry-after']) };
  } catch (e) {
    if (e instanceof AiCallError) throw e;
    if (ac.signal.aborted) throw new AiCallError('the AI endpoint did not answer within the time budget', 'timeout');
    const code = (e as { code?: string }).code ?? (e as Error).name ?? 'error';
    throw new AiCallError(`could not reach the AI endpoint (${code})`, /TIMEOUT/i.test(code) ? 'timeout' : 'error');
  } finally {
    clearTimeout(timer);
  }
}
