/**
 * Back-off for guessed credentials, per client address and surface (agent WebSocket, ops view, metrics …):
 * after `freeFailures` wrong credentials within `windowMs`, every further wrong one closes the door for a
 * doubling time (baseMs, 2 × baseMs … up to maxMs). While it is closed every request from that address to that
 * surface is answered 429 with Retry-After — the right credential too, or guessing would simply go on — and
 * once it is open again the right credential works as before. A request with no credential at all (a browser's
 * first request before its password prompt) is not a failure.
 *
 * The counts and the closed-until times live in the state store, so every instance sharing it (Redis) honours
 * the same back-off. Pure: no Node-RED import.
 */
import type { StateStore } from '../state/store';

export interface BackoffOptions {
  /** Wrong credentials allowed per window before the back-off starts (default 10). */
  freeFailures?: number;
  /** The first back-off (ms, default 1 000); each further failure doubles it. */
  baseMs?: number;
  /** The longest back-off (ms, default 15 min). */
  maxMs?: number;
  /** How long failures are remembered, from the first one (ms, default 15 min). */
  windowMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { freeFailures: 10, baseMs: 1000, maxMs: 15 * 60_000, windowMs: 15 * 60_000 };

/** Clean back-off options from loose settings (numbers only, within sane bounds); defaults for the rest. */
export function backoffOptions(raw: unknown): Required<BackoffOptions> {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const pick = (k: keyof BackoffOptions, min: number, max: number) => {
    const v = o[k];
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : DEFAULT_BACKOFF[k];
  };
  return { freeFailures: pick('freeFailures', 0, 1000), baseMs: pick('baseMs', 1, 3600_000), maxMs: pick('maxMs', 1, 24 * 3600_000), windowMs: pick('windowMs', 1000, 24 * 3600_000) };
}

/**
 * The part of a client address that is throttled: an IPv4 address (IPv4-mapped IPv6 too) as it is, an IPv6
 * address by its /64 (one customer's network hands out the rest of its /64 freely).
 */
export function clientBucket(address: string | undefined): string {
  const a = (address ?? '').trim().toLowerCase();
  if (a === '') return 'unknown';
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (v4) return v4[1];
  if (!/^[0-9a-f:]{2,39}$/.test(a)) return 'other';
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** What a failure did: how many failures in the window, and the back-off it started (0: none yet). */
export interface Failure {
  failures: number;
  backoffMs: number;
}

export class GuessThrottle {
  private readonly o: Required<BackoffOptions>;

  /**
   * @param store the state store (a function: it may be acquired lazily)
   * @param surface what is guarded ('ws', 'ops', 'metrics' …): each has its own count
   */
  constructor(
    private readonly store: () => StateStore,
    private readonly surface: string,
    opts: BackoffOptions = {},
    private readonly now: () => number = Date.now
  ) {
    this.o = backoffOptions(opts);
  }

  private key(kind: 'n' | 'until', address: string | undefined): string {
    return `guess:${kind}:${this.surface}:${clientBucket(address)}`;
  }

  /** Milliseconds this address must still wait on this surface (0: it may try). */
  async waitMs(address: string | undefined): Promise<number> {
    const until = await this.store().get<number>(this.key('until', address));
    const left = typeof until === 'number' ? until - this.now() : 0;
    return left > 0 ? left : 0;
  }

  /** Count a wrong credential; past the free ones, close the door for the next back-off. */
  async failed(address: string | undefined): Promise<Failure> {
    const failures = await this.store().incr(this.key('n', address), 1, this.o.windowMs);
    const over = failures - this.o.freeFailures;
    if (over <= 0) return { failures, backoffMs: 0 };
    const backoffMs = Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(over - 1, 40));
    await this.store().set(this.key('until', address), this.now() + backoffMs, { ttlMs: backoffMs });
    return { failures, backoffMs };
  }

  /** The right credential: forget this address's failures on this surface. */
  async succeeded(address: string | undefined): Promise<void> {
    await this.store().delete(this.key('n', address));
  }
}

/** The Retry-After header value (whole seconds, at least 1) for a wait of `ms`. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
