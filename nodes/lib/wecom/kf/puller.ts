/**
 * 微信客服 pull (protocol §5.1, §7): on each kf_msg_or_event callback, call kf/sync_msg with the
 * callback's Token and OpenKfId, loop while has_more, hand each page to `emit` (wecom-in records it in
 * its durable inbox) and only then persist next_cursor per open_kfid. A crash between the two pulls the page
 * again: de-duplication by msgid happens where the inbox delivers (see `delivered`). Pulls for one open_kfid are serialised, so two
 * callbacks never race on a cursor. Messages sent before the very first start are skipped by default.
 * Customer messages (origin 3) and events are emitted; our own API sends never come back (WeCom does not
 * return them) and servicer messages (origin 5) are emitted too, marked by raw.origin.
 */
import type { AsyncKV } from '../../state/backends/context-store';
import type { InboundMessage } from '../inbound';
import type { WecomApi } from '../wecom-api';
import { kfEvent, kfToInbound } from './convert';
import { isSingleUserId } from '../inbound';
import type { Lease } from '../../state/store';

export interface PullerOptions {
  api: () => WecomApi;
  kv: AsyncKV;
  corpId: string;
  agentId: string;
  accountId?: string;
  /** Record one batch (one sync_msg page) of messages, in order; the cursor advances only after it resolves. */
  emit: (batch: InboundMessage[]) => void | Promise<void>;
  /** Skip messages sent before the first start ever (default true). */
  skipBacklog?: boolean;
  /** Welcome text sent with welcome_code on enter_session ('' = none). */
  welcome?: string;
  /** Counts customer messages for the reply budget; a promise it returns is waited for before the message is emitted. */
  budget?: { customerMessage(openKfId: string, userId: string, sentAtMs?: number): void | Promise<void> };
  /** sync_msg limit (default 1000). */
  limit?: number;
  onError?: (err: Error, what: string) => void;
  now?: () => number;
  /** Several instances: one pull per open_kfid at a time across all of them (a StateStore lease). */
  lease?: (name: string, ttlMs: number) => Promise<Lease | null>;
  /** A failed pull is tried again after this long, doubling up to a minute (default 2 s). */
  retryMs?: number;
}

const LEASE_MS = 30_000;
const RETRY_MAX_MS = 60_000;

const CURSOR = (openKfId: string) => `wecomKfCursor:${openKfId}`;
const STARTED = 'wecomKfStartedAt';

export class KfPuller {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly leases = new Map<string, Lease>();
  /** Per open_kfid, the pull queued behind the running one (not started yet), which later callbacks join. */
  private readonly waiting = new Map<string, { token?: string; run: Promise<number> }>();
  /** Per open_kfid whose last pull failed: the next try (WeCom calls back only when a customer writes again). */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout | null; delay: number }>();
  private stopped = false;
  private startedAt: Promise<number>;

  constructor(private readonly o: PullerOptions) {
    const now = o.now ?? Date.now;
    // The first start ever is remembered, so the backlog skip survives restarts.
    this.startedAt = o.kv.get<number>(STARTED).then(async (t) => {
      if (typeof t === 'number') return t;
      const at = Math.floor(now() / 1000);
      await o.kv.set(STARTED, at);
      return at;
    });
    this.startedAt.catch(() => undefined);
  }

  /**
   * Pull everything new for `openKfId`; resolves with the number of messages emitted. A callback that arrives
   * while a pull for the same open_kfid waits to start joins it (that pull starts after the callback and so sees
   * its message): a burst of callbacks costs one running and one waiting pull, not one pull each, and a waiting
   * instance does not fall ever further behind the lease.
   */
  pull(openKfId: string, token?: string): Promise<number> {
    const waiting = this.waiting.get(openKfId);
    if (waiting) {
      if (token) waiting.token = token;
      return waiting.run;
    }
    const slot: { token?: string; run: Promise<number> } = { token, run: Promise.resolve(0) };
    const prev = this.chains.get(openKfId) ?? Promise.resolve();
    const run = prev
      .catch(() => undefined)
      .then(() => {
        if (this.waiting.get(openKfId) === slot) this.waiting.delete(openKfId);
        return this.exclusive(openKfId, () => this.drain(openKfId, slot.token));
      });
    slot.run = run;
    this.waiting.set(openKfId, slot);
    run.then(
      () => this.succeeded(openKfId),
      () => this.failed(openKfId),
    );
    const tail = run.catch(() => undefined);
    this.chains.set(openKfId, tail);
    tail.then(() => {
      if (this.chains.get(openKfId) === tail) this.chains.delete(openKfId);
    });
    return run;
  }

  /** Stop after the page in progress; resolves when every pull has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.retries.values()) if (r.timer) clearTimeout(r.timer);
    this.retries.clear();
    await Promise.all([...this.chains.values()]);
  }

  private succeeded(openKfId: string): void {
    const r = this.retries.get(openKfId);
    if (r?.timer) clearTimeout(r.timer);
    this.retries.delete(openKfId);
  }

  /**
   * A pull failed (WeCom, the store, or the other instance kept the lease): what the callback announced is still
   * at WeCom, and no callback comes for it until the customer writes again. So pull again later, backing off.
   */
  private failed(openKfId: string): void {
    if (this.stopped) return;
    const prev = this.retries.get(openKfId);
    if (prev?.timer) return;
    const delay = prev ? Math.min(prev.delay * 2, RETRY_MAX_MS) : (this.o.retryMs ?? 2000);
    const r = { delay, timer: null as NodeJS.Timeout | null };
    r.timer = setTimeout(() => {
      r.timer = null;
      this.pull(openKfId).catch((err: Error) => this.o.onError?.(err, 'pull retry'));
    }, delay);
    r.timer.unref?.();
    this.retries.set(openKfId, r);
  }

  /** With a lease: wait (up to ~30 s) while another instance pulls this open_kfid, then pull. */
  private async exclusive<T>(openKfId: string, fn: () => Promise<T>): Promise<T> {
    const take = this.o.lease;
    if (!take) return fn();
    const name = `kf:pull:${this.o.corpId}:${openKfId}`;
    let lease = await take(name, LEASE_MS);
    for (let i = 0; !lease && !this.stopped && i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      lease = await take(name, LEASE_MS);
    }
    if (!lease) throw new Error(`the 微信客服 pull of ${openKfId} is held by another instance`);
    this.leases.set(openKfId, lease);
    try {
      return await fn();
    } finally {
      this.leases.delete(openKfId);
      await lease.release().catch(() => undefined);
    }
  }

  private async drain(openKfId: string, token: string | undefined): Promise<number> {
    const o = this.o;
    const startedAt = await this.startedAt;
    let cursor = await o.kv.get<string>(CURSOR(openKfId));
    let emitted = 0;
    let useToken = token;
    for (let page = 0; !this.stopped && page < 10_000; page++) {
      if (page > 0 && this.leases.has(openKfId) && !(await this.leases.get(openKfId)?.renew())) break;
      let ans;
      try {
        ans = await o.api().kfSyncMsg({ openKfId, cursor, token: useToken, limit: o.limit });
      } catch (err) {
        // 95007: the callback token expired (10 min): retry once without it (rate-limited by WeCom).
        if ((err as { errcode?: number }).errcode === 95007 && useToken) {
          useToken = undefined;
          page--;
          continue;
        }
        throw err;
      }
      // Stopping (redeploy, shutdown): a page that arrives now is not emitted and its cursor not saved;
      // it is pulled again after the restart.
      if (this.stopped) break;
      const batch: InboundMessage[] = [];
      for (const entry of ans.msg_list ?? []) {
        if (o.skipBacklog !== false && Number(entry.send_time) < startedAt) continue;
        const m = kfToInbound(entry, { corpId: o.corpId, agentId: o.agentId, accountId: o.accountId, openKfId });
        if (m.wecom.userId && !isSingleUserId(m.wecom.userId)) continue; // list syntax (a|b, @all): never answered
        batch.push(m);
      }
      if (batch.length > 0) {
        await o.emit(batch);
        emitted += batch.length;
      }
      if (ans.next_cursor) {
        cursor = ans.next_cursor;
        await o.kv.set(CURSOR(openKfId), cursor);
      }
      if (Number(ans.has_more) !== 1) break;
    }
    return emitted;
  }

  /**
   * A pulled message is delivered for the first time (after the inbox's de-duplication): count the
   * customer's message for the reply budget and send the welcome text. Resolves once the budget has recorded
   * the customer's message, so the flow's reply (on any instance) sees the fresh allowance.
   */
  async delivered(m: InboundMessage): Promise<void> {
    const raw = m.wecom.raw as Record<string, unknown> | undefined;
    this.welcome(m);
    if (Number(raw?.origin) === 3 && m.wecom.userId && m.wecom.openKfId) await this.o.budget?.customerMessage(m.wecom.openKfId, m.wecom.userId, (Number(raw?.send_time) || 0) * 1000);
  }

  /** Send the welcome text at once: welcome_code lives 20 s. */
  private welcome(m: InboundMessage): void {
    const text = this.o.welcome;
    const ev = kfEvent(m.wecom.raw);
    if (!text || m.wecom.event !== 'enter_session' || !ev?.welcome_code) return;
    this.o
      .api()
      .kfSendMsgOnEvent(String(ev.welcome_code), 'text', { content: text })
      .catch((err: Error) => this.o.onError?.(err, 'welcome'));
  }
}
