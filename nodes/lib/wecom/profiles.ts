/**
 * Who wrote: a user's profile (微信客服: kf/customer/batchget; app: user/get), cached in the state store for a
 * day (`profile:<channel>:<corp>:<user>`, shared by instances) so WeCom is asked once per user and day. Lookups
 * of 微信客服 customers made in the same moment go out together (≤ 100 per call). A failed or slow lookup never
 * holds a message up for long (waitMs; not at all when a passive reply waits): the message goes on without a
 * profile, the lookup finishes in the background for the next message and for handoff's frames to agents
 * (`cachedProfile`), and a failure is remembered for a while, so WeCom is not asked again for every message.
 */
import type { CustomerProfile, WecomMeta } from '../contract/wecom-meta';
import type { StateStore } from '../state/store';

export interface ProfileSource {
  kfCustomers(ids: string[]): Promise<Map<string, CustomerProfile>>;
  getMember(userId: string): Promise<CustomerProfile>;
}

export interface ProfileOptions {
  store: StateStore;
  /** The API for a channel's lookups (微信客服 secret for kf, the app secret for members). */
  api(channel: 'app' | 'kf'): ProfileSource;
  /** How long a message waits for a lookup, ms (default 300). */
  waitMs?: number;
  /** How long a profile is kept, ms (default a day). */
  ttlMs?: number;
  /** How long a failed lookup is not tried again, ms (default 10 min). */
  retryMs?: number;
}

/** What the store keeps: the profile, or `none` when WeCom did not give one. */
interface Kept {
  p?: CustomerProfile;
  none?: true;
}

const DAY = 24 * 3600 * 1000;

function profileKey(w: Pick<WecomMeta, 'channel' | 'corpId' | 'userId'>): string {
  return `profile:${w.channel}:${w.corpId}:${w.userId}`;
}

/** The profile kept in the store for this user, if any (never asks WeCom). */
export async function cachedProfile(store: StateStore, w: Pick<WecomMeta, 'channel' | 'corpId' | 'userId'>): Promise<CustomerProfile | undefined> {
  const kept = await store.get<Kept>(profileKey(w)).catch(() => undefined);
  return kept?.p;
}

export class Profiles {
  private pendingKf = new Map<string, Array<(p: CustomerProfile | undefined) => void>>();
  private flushing = false;
  private inflight = new Set<string>();

  constructor(private o: ProfileOptions) {}

  /**
   * The user's profile (from the store, else from WeCom), or undefined (unknown, failed, or slower than `waitMs`,
   * default this cache's).
   */
  async of(w: Pick<WecomMeta, 'channel' | 'corpId' | 'userId'>, waitMs = this.o.waitMs ?? 300): Promise<CustomerProfile | undefined> {
    if (!w.userId) return undefined;
    const key = profileKey(w);
    const kept = await this.o.store.get<Kept>(key).catch(() => undefined);
    if (kept) return kept.p;
    // one lookup per user at a time, and only the first message waits for it: the next ones go on at once
    if (this.inflight.has(key)) return undefined;
    const asked = this.ask(w.channel, w.userId)
      .then(
        (p) => this.keep(key, p ? { p } : { none: true }, p ? this.o.ttlMs ?? DAY : this.o.retryMs ?? 600_000).then(() => p),
        () => this.keep(key, { none: true }, this.o.retryMs ?? 600_000).then(() => undefined),
      )
      .finally(() => this.inflight.delete(key));
    this.inflight.add(key);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, waitMs, undefined)));
    try {
      return await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private keep(key: string, v: Kept, ttlMs: number): Promise<void> {
    return this.o.store.set(key, v, { ttlMs }).catch(() => undefined);
  }

  private ask(channel: 'app' | 'kf', userId: string): Promise<CustomerProfile | undefined> {
    if (channel === 'app') return this.o.api('app').getMember(userId);
    return new Promise((resolve) => {
      const waiting = this.pendingKf.get(userId);
      if (waiting) waiting.push(resolve);
      else this.pendingKf.set(userId, [resolve]);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flushKf());
      }
    });
  }

  /** Every 微信客服 lookup asked since the last flush, in calls of ≤ 100 ids (WecomApi splits them). */
  private async flushKf(): Promise<void> {
    const batch = new Map(this.pendingKf);
    this.pendingKf.clear();
    this.flushing = false;
    let found: Map<string, CustomerProfile> | undefined;
    try {
      found = await this.o.api('kf').kfCustomers([...batch.keys()]);
    } catch {
      found = undefined;
    }
    for (const [id, resolvers] of batch) for (const r of resolvers) r(found?.get(id));
  }
}
