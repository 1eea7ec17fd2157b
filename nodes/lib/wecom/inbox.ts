/**
 * The durable inbox of one wecom-in node (no Node-RED here): a decrypted callback is recorded — its dedupe
 * claim and an inbox entry — before WeCom gets its 200; a consumer (StreamPump) then emits each entry once.
 * What a stopped run left without an outcome is taken over and emitted again after `replayAfterMs`; an entry
 * emitted without a recorded outcome (the flow intentionally sent nothing) settles `settleMs` after it was
 * emitted. 微信客服 callbacks only say "pull now": the KfPuller records each pulled page here before it moves
 * its cursor. Stream naming and settling by the other nodes: lib/contract/lifecycle.ts.
 *
 * Backpressure: at most `maxInFlight` entries are emitted and not yet settled; the consumer reads more only as
 * they settle, so a burst waits in the store (recording and acknowledging callbacks goes on at full speed).
 */
import { randomUUID } from 'node:crypto';
import type { StateStore, StreamEntry } from '../state/store';
import type { CustomerProfile } from '../contract/wecom-meta';
import { INBOX_GROUP, inboxStream, onInboxSettled } from '../contract/lifecycle';
import { StreamPump, type PumpBacklog } from '../state/stream-pump';
import { storeKV } from '../state/store-kv';
import type { PassiveReplies } from './passive-reply';
import { dedupeKey, toInbound, type InboundMessage } from './inbound';
import { str, type XmlRecord } from './xml';
import { KfPuller, type PullerOptions } from './kf/puller';

/** One recorded message: a decrypted callback (`rec`) or a pulled 微信客服 message (`kf`), its dedupe key and the nonce that claims it. */
interface InboxValue {
  rec?: XmlRecord;
  kf?: InboundMessage;
  k: string;
  n: string;
  /** When it was recorded (ms; absent in entries recorded by older versions). */
  t?: number;
}

/** Messages emitted and not yet settled, by default (per wecom-in node). */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** The inbox's backlog: recorded and without an outcome; in flight = emitted and not yet settled. */
export type InboxBacklog = PumpBacklog;

/**
 * How long WeCom's re-sends of one message are recognised (it re-sends within about 20 s). At least twice the
 * callback clock skew allowed (a callback stamped at the edge of the window stays refused as a replay until its
 * timestamp is refused as stale): see dedupeTtlFor.
 */
const DEDUPE_TTL_MS = 15 * 60 * 1000;
const MAX_DEDUPE_TTL_MS = 24 * 3600 * 1000;

/** The duplicate record's lifetime for a callback clock skew of `maxSkewS` seconds: 2 × skew + 1 min, at least 15 min. */
export function dedupeTtlFor(maxSkewS: number): number {
  return Math.min(MAX_DEDUPE_TTL_MS, Math.max(DEDUPE_TTL_MS, 2 * maxSkewS * 1000 + 60_000));
}
/** How long a pulled 微信客服 msgid is recognised when a page is pulled again (a crash before the cursor moved). */
const KF_DEDUPE_TTL_MS = 24 * 3600 * 1000;
/** Won claims remembered at most (see Inbox.won). */
const WON_MAX = 10_000;

export interface InboxKfOptions extends Pick<PullerOptions, 'api' | 'skipBacklog' | 'welcome' | 'budget' | 'onError'> {
  /** Namespace of the cursor and start time in the store (node, API base and corp: a new account starts afresh). */
  namespace: string;
  /** A pull failed (it is pulled again on the next callback). */
  onPullError: (err: unknown) => void;
}

export interface InboxOptions {
  store: StateStore;
  /** The wecom-in node: names the stream and the dedupe records. */
  nodeId: string;
  /** msg.wecom.corpId (the callback's receiveid), the fallback agentId and msg.wecom.accountId. */
  corpId: string;
  agentId: string;
  accountId: string;
  replayAfterMs: number;
  settleMs: number;
  /** At most this many messages emitted and not yet settled (default DEFAULT_MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /** How long a callback's dedupe record lasts (default 15 min; dedupeTtlFor(maxSkewS) for a wider clock skew). */
  dedupeTtlMs?: number;
  emit: (m: InboundMessage) => void;
  /** Who the user is (msg.wecom.customer), looked up before the message is emitted (profiles.ts); none: not looked up. */
  profile?: (w: InboundMessage['wecom']) => Promise<CustomerProfile | undefined>;
  /** The consumer loop failed (it runs again on the next poll). */
  onError: (err: unknown) => void;
  kf: InboxKfOptions;
  /** The account's passive-reply slots: a re-send's slot is released here. */
  passive?: PassiveReplies;
  now?: () => number;
  /** Called whenever the consumer loop has handed out what it read. */
  onIdle?: () => void;
}

export class Inbox {
  readonly stream: string;
  private readonly pump: StreamPump<InboxValue>;
  private readonly puller: KfPuller;
  private readonly now: () => number;
  /** Passive-reply slots of recorded messages not yet emitted, by nonce. */
  private readonly slotByNonce = new Map<string, string>();
  /** Nonces whose dedupe claim this run won (the entry is the message's first): no need to read the claim back. */
  private readonly won = new Set<string>();
  /** Entries emitted in this run and not yet settled, by id → settle deadline. */
  private readonly unsettled = new Map<string, number>();
  private poller?: NodeJS.Timeout;
  private readonly offSettled: () => void;

  constructor(private readonly o: InboxOptions) {
    const { store } = o;
    this.now = o.now ?? Date.now;
    this.stream = inboxStream(o.nodeId);
    // A consumer name per run: what a stopped run (crash, redeploy) left pending is taken over after replayAfterMs.
    const consumer = `${store.instanceId}:${o.nodeId}:${randomUUID().slice(0, 8)}`;
    const maxInFlight = o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.pump = new StreamPump<InboxValue>({ store, stream: this.stream, group: INBOX_GROUP, consumer, batch: Math.min(200, maxInFlight), replayAfterMs: o.replayAfterMs, maxInFlight, handle: (e) => this.deliver(e), onError: o.onError, onIdle: o.onIdle });
    // wecom-out and handoff settle what we emitted: the slot is free again.
    this.offSettled = onInboxSettled(store, this.stream, (id) => this.settled(id));
    // Created now, so that "skip the backlog before the first start" has the right start time. The cursor and a
    // pull lease per open_kfid live in the store (shared by instances on Redis); the msgid dedupe is claimed on delivery.
    const { namespace, onPullError: _, ...kf } = o.kf;
    this.puller = new KfPuller({ ...kf, kv: storeKV(store, namespace), corpId: o.corpId, agentId: o.agentId, accountId: o.accountId, emit: (batch) => this.recordPulled(batch), lease: (name, ttlMs) => store.lease(name, ttlMs) });
  }

  /** Emit what is recorded (and what a stopped run left), and poll for replays and settling. */
  start(): void {
    this.poller = setInterval(() => this.poll(), Math.min(1000, this.o.replayAfterMs / 2));
    this.pump.run();
  }

  /** What the poller does: take over entries idle past replayAfterMs, settle entries emitted settleMs ago. */
  poll(): void {
    this.pump.run(true);
    const now = this.now();
    const due = [...this.unsettled].filter(([, at]) => at <= now).map(([id]) => id);
    if (due.length === 0) return;
    for (const id of due) this.unsettled.delete(id);
    this.o.store
      .ack(this.stream, INBOX_GROUP, due)
      .catch(() => undefined)
      .finally(() => this.pump.release(due.length));
  }

  /** The backlog now: depth and the oldest's wait from the store, what is in flight from this run. */
  backlog(): Promise<InboxBacklog> {
    return this.pump.backlog((v) => v?.t, this.now());
  }

  /** Read what was recorded since (call after answering the callback). */
  wake(): void {
    this.pump.run();
  }

  /**
   * Record a decrypted app callback: resolves once claimed and appended (then it may be acknowledged); rejects
   * (StateUnavailable) when the store cannot record it — then it must not be acknowledged.
   * `replyKey`: the passive-reply slot the emitted message carries (released if the message is a re-send).
   */
  async record(rec: XmlRecord, replyKey?: string): Promise<void> {
    const nonce = randomUUID();
    if (replyKey) this.slotByNonce.set(nonce, replyKey);
    const k = dedupeKey(rec);
    const claimed = this.o.store.claim(this.dedupeRecord(k), nonce, this.o.dedupeTtlMs ?? DEDUPE_TTL_MS);
    try {
      const [first] = await Promise.all([claimed, this.o.store.append(this.stream, { rec, k, n: nonce, t: this.now() } satisfies InboxValue)]);
      if (first) this.won.add(nonce);
      // entries another instance emits are never delivered here: keep the newest only
      if (this.won.size > WON_MAX) this.won.delete(this.won.values().next().value as string);
    } catch (err) {
      this.slotByNonce.delete(nonce);
      // Claimed but not appended: let go of the claim (if the store lets us), or WeCom's re-send would count as seen.
      if (await claimed.catch(() => false)) await this.unclaim(k, nonce).catch(() => undefined);
      throw err;
    }
  }

  /** A kf_msg_or_event callback: true the first time it is seen (then pull), false for WeCom's re-send. */
  claimKfCallback(rec: XmlRecord): Promise<boolean> {
    return this.o.store.claim(this.dedupeRecord(dedupeKey(rec)), 1, this.o.dedupeTtlMs ?? DEDUPE_TTL_MS);
  }

  /** Pull what the kf callback announced (errors go to onPullError); a callback without OpenKfId is emitted as it is. */
  async pullKf(rec: XmlRecord): Promise<void> {
    const openKfId = str(rec, 'OpenKfId');
    if (!openKfId) {
      const inbound = this.inbound(rec);
      inbound.wecom.channel = 'kf';
      this.o.emit(inbound);
      return;
    }
    try {
      await this.puller.pull(openKfId, str(rec, 'Token') || undefined);
    } catch (err) {
      this.o.kf.onPullError(err);
    }
  }

  /** Stop emitting and polling; resolves when the pull in progress has ended. */
  async stop(): Promise<void> {
    this.pump.stop();
    this.offSettled();
    clearInterval(this.poller);
    await this.puller.stop().catch(() => undefined);
  }

  private dedupeRecord(k: string): string {
    return `dedupe:${this.o.nodeId}:${k}`;
  }

  private unclaim(k: string, nonce: string): Promise<void> {
    return this.o.store.update<string, void>(this.dedupeRecord(k), (cur) => ({ value: cur === nonce ? undefined : cur, result: undefined }));
  }

  private inbound(rec: XmlRecord): InboundMessage {
    const m = toInbound(rec, this.o.corpId, this.o.agentId);
    m.wecom.accountId = this.o.accountId;
    return m;
  }

  private async recordPulled(batch: InboundMessage[]): Promise<void> {
    // who wrote, asked for the whole page at once (kf/customer/batchget takes 100) before it is recorded
    if (this.o.profile) await Promise.all(batch.map((m) => this.profile(m)));
    for (const m of batch) {
      const msgId = m.wecom.msgId ? `kf:${m.wecom.openKfId ?? ''}:${m.wecom.msgId}` : '';
      await this.o.store.append(this.stream, { kf: m, k: msgId, n: randomUUID(), t: this.now() } satisfies InboxValue);
    }
    this.pump.run();
  }

  private async profile(m: InboundMessage): Promise<void> {
    const customer = await this.o.profile?.(m.wecom).catch(() => undefined);
    if (customer) m.wecom.customer = customer;
  }

  private async emit(e: StreamEntry<InboxValue>, m: InboundMessage): Promise<void> {
    if (m.wecom.channel === 'app') await this.profile(m); // 微信客服 messages got theirs when pulled
    m.wecom.inbox = { s: this.stream, id: e.id };
    this.unsettled.set(e.id, this.now() + this.o.settleMs);
    this.o.emit(m);
  }

  /** An entry emitted in this run was settled (by wecom-out or handoff): its slot is free. */
  private settled(id: string): void {
    if (this.unsettled.delete(id)) this.pump.release();
  }

  /** Not emitted (a re-send): acknowledged at once, and its slot is free. */
  private async drop(e: StreamEntry<InboxValue>): Promise<void> {
    await this.o.store.ack(this.stream, INBOX_GROUP, [e.id]);
    this.pump.release();
  }

  private async deliver(e: StreamEntry<InboxValue>): Promise<void> {
    const v = e.value;
    if (v.kf) return this.deliverPulled(e, v.kf);
    if (!v.rec) return this.drop(e);
    // Won in this run and read well within the claim's lifetime: it still holds (a re-send after it expired
    // could have claimed the message again, so an old entry reads the claim back).
    const fresh = this.won.delete(v.n) && this.now() - (v.t ?? 0) < (this.o.dedupeTtlMs ?? DEDUPE_TTL_MS) / 2;
    const owner = fresh ? v.n : await this.o.store.get<string>(this.dedupeRecord(v.k));
    const slot = this.slotByNonce.get(v.n);
    this.slotByNonce.delete(v.n);
    if (owner !== undefined && owner !== v.n) {
      // A re-send of a message already recorded under another entry.
      this.o.passive?.release(slot);
      return this.drop(e);
    }
    const m = this.inbound(v.rec);
    if (slot) m.wecom.replyKey = slot;
    await this.emit(e, m);
  }

  /** A pulled 微信客服 message: the first entry to claim its msgid emits it (again after a crash); re-pulls are dropped. */
  private async deliverPulled(e: StreamEntry<InboxValue>, m: InboundMessage): Promise<void> {
    const v = e.value;
    let first = true;
    if (v.k) {
      const key = this.dedupeRecord(v.k);
      first = await this.o.store.claim(key, v.n, KF_DEDUPE_TTL_MS);
      if (!first && (await this.o.store.get<string>(key)) !== v.n) return this.drop(e);
    }
    if (first) await this.puller.delivered(m);
    await this.emit(e, m);
  }
}
