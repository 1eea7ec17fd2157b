/**
 * One WeCom API caller for one (API base, corpId, secret): adds the cached access_token, retries
 * transient failures with backoff and jitter, refreshes the token once on 40014/42001/41001, waits out
 * 45009, and turns everything else into one WecomApiError. Configuration errors are never retried.
 */
import type { FormData } from 'undici';
import { HttpFailure, HttpTransport } from './http';
import { TokenCache, tokenKey, type TokenFetcher } from './token-cache';
import { sharedToken, type SharedToken } from './shared-token';
import type { StateStore } from '../../state/store';
import { backoffDelay, resolveRetry, sleep, type ResolvedRetry, type RetryOptions } from './retry';
import { RATE_LIMIT_ERRCODE, TOKEN_ERRCODES, TRANSIENT_ERRCODES, WecomApiError } from './errors';

export interface ClientOptions {
  apiBase: string;
  corpId: string;
  secret: string;
  retry?: RetryOptions;
  /** Pool connections per origin (default 64: a few hung sends must not take them all). */
  connections?: number;
  /** Share the access_token with other instances through this state store (the Redis backend). */
  tokenStore?: StateStore;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  /** Extra query parameters (the token is added here). */
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Build a fresh multipart body per attempt (a FormData stream cannot be re-sent). */
  form?: () => FormData;
  /**
   * Treat this answer as success on a retry whose earlier attempt may have been delivered
   * (idempotent replays, e.g. a kf msgid already used).
   */
  alreadyDone?: (answer: Record<string, unknown>) => boolean;
}

export type ApiAnswer = Record<string, unknown> & { errcode: number; errmsg?: string };

/** Counters, e.g. for status displays and benches. */
export interface ClientStats {
  calls: number;
  retries: number;
  tokenRefreshes: number;
}

export class ApiClient {
  readonly corpId: string;
  private readonly http: HttpTransport;
  private readonly tokens: TokenCache;
  private readonly shared: SharedToken | undefined;
  private readonly retry: ResolvedRetry;
  readonly stats: ClientStats = { calls: 0, retries: 0, tokenRefreshes: 0 };

  constructor(o: ClientOptions) {
    if (!o.corpId) throw new WecomApiError({ api: 'gettoken', errcode: 40013, errmsg: 'Corp ID is empty' });
    if (!o.secret) throw new WecomApiError({ api: 'gettoken', errcode: 40001, errmsg: 'Secret is empty' });
    this.corpId = o.corpId;
    this.retry = resolveRetry(o.retry);
    this.http = new HttpTransport(o.apiBase, o.connections);
    const secret = o.secret;
    const key = tokenKey(o.apiBase, o.corpId, secret);
    const fetchToken: TokenFetcher = async () => {
      this.stats.tokenRefreshes++;
      const ans = await this.exchange('gettoken', { method: 'GET', query: { corpid: o.corpId, corpsecret: secret } }, undefined);
      const token = ans.access_token;
      if (typeof token !== 'string' || token === '') {
        throw new WecomApiError({ api: 'gettoken', errcode: 0, errmsg: 'no access_token in the answer' });
      }
      return { token, expiresIn: Number(ans.expires_in) || 7200 };
    };
    this.shared = o.tokenStore ? sharedToken(o.tokenStore, key, fetchToken) : undefined;
    this.tokens = new TokenCache(key, this.shared?.fetcher ?? fetchToken, undefined, undefined, undefined, (err) => err instanceof WecomApiError && err.kind === 'config');
  }

  /** The cached access token (fetched when needed), for streaming calls such as media/get. */
  accessToken(): Promise<string> {
    return this.tokens.get();
  }

  /** Call `/cgi-bin/<api>` with the access token. */
  call(api: string, opts: CallOptions = {}): Promise<ApiAnswer> {
    return this.exchange(api, opts, this.tokens);
  }

  private async exchange(api: string, opts: CallOptions, tokens: TokenCache | undefined): Promise<ApiAnswer> {
    const r = this.retry;
    let transient = 0;
    let rateWaits = 0;
    let tokenRetried = false;
    let maybeDelivered = false;
    for (;;) {
      const token = tokens ? await tokens.get() : undefined;
      const q = new URLSearchParams();
      if (token) q.set('access_token', token);
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) q.set(k, String(v));
      const path = `/cgi-bin/${api}?${q.toString()}`;
      this.stats.calls++;
      let ans: Record<string, unknown>;
      try {
        ans = await this.http.request({ method: opts.method ?? (opts.json || opts.form ? 'POST' : 'GET'), path, json: opts.json, form: opts.form?.(), timeoutMs: r.timeoutMs });
      } catch (err) {
        const f = err instanceof HttpFailure ? err : new HttpFailure(String((err as Error)?.message ?? err), true);
        if (f.retryable && transient < r.maxRetries) {
          maybeDelivered ||= f.maybeDelivered;
          await sleep(backoffDelay(r, transient++));
          this.stats.retries++;
          continue;
        }
        throw new WecomApiError({ api, errcode: 0, errmsg: f.message, kind: f.retryable ? 'transient' : 'api', status: f.status });
      }
      const errcode = Number(ans.errcode ?? 0);
      const errmsg = typeof ans.errmsg === 'string' ? ans.errmsg : '';
      if (errcode === 0) return { ...ans, errcode } as ApiAnswer;
      if (maybeDelivered && opts.alreadyDone?.(ans)) return { ...ans, errcode: 0, replayed: true } as ApiAnswer;
      if (tokens && token && TOKEN_ERRCODES.has(errcode) && !tokenRetried) {
        tokenRetried = true;
        tokens.invalidate(token);
        this.shared?.forget(token);
        continue;
      }
      if (TRANSIENT_ERRCODES.has(errcode) && transient < r.maxRetries) {
        await sleep(backoffDelay(r, transient++));
        this.stats.retries++;
        continue;
      }
      if (errcode === RATE_LIMIT_ERRCODE && rateWaits < r.maxRateLimitWaits) {
        rateWaits++;
        await sleep(r.rateLimitWaitMs);
        continue;
      }
      const kind = TRANSIENT_ERRCODES.has(errcode) ? 'transient' : errcode === RATE_LIMIT_ERRCODE ? 'rate' : undefined;
      throw new WecomApiError({ api, errcode, errmsg, kind });
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
