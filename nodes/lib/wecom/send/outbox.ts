/**
 * wecom-out's durable outbox (no Node-RED): every message is first recorded in the state store (in the same
 * transaction that settles the user message it answers), then sent from there; an entry is acknowledged once
 * WeCom accepted it or it finally failed. What a crash or redeploy left unsent is sent after a restart (another run's entries are taken
 * over after `replayAfterMs`); transient failures are retried for `retryMs`, keeping each user's order; a user
 * over WeCom's budget or a hung send never holds up other users (per-user FIFO, see keyed-queue.ts).
 *
 * Backpressure: the consumer reads more entries only as sends finish. At most `maxInFlight` entries count as in
 * flight, and of one user only the first PER_USER_ACTIVE (the rest wait behind them anyway), so one user with a
 * long queue never holds up the others; all read entries together stay under HARD_CAP_FACTOR × maxInFlight.
 * Beyond maxInFlight recorded messages, the caller's message is let go of once recorded (done) and its outcome
 * is reported with the recorded copy, as for entries of another run: a slow WeCom fills the store, not memory.
 *
 * `C` is the caller's handle of a message it gave to accept() (the adapter's send/done); entries recorded by
 * another run have none.
 */
import { randomUUID } from 'node:crypto';
import type { OutboxEntry, WecomMsg } from '../../contract/messages';
import type { StateStore, StreamEntry } from '../../state/store';
import { inboxSettled, settleAck } from '../../contract/lifecycle';
import { StreamPump, type PumpBacklog } from '../../state/stream-pump';
import { backoffDelay, resolveRetry } from '../api/retry';
import { WecomApiError } from '../api/errors';
import { KeyedQueue } from './keyed-queue';
import { planSend, type PlanDefaults, type SendPlan } from './plan';
import { RepeatRecord } from './repeat-record';
import { entryAttempts, idemOf, keptOf, safeError, type SendAccount } from './deliver';

export const OUTBOX_GROUP = 'wecom-out';
/** A send still running after this long no longer takes one of the parallel slots. */
const STALL_MS = 2000;
/** Entries in flight by default (WECOM_MAX_IN_FLIGHT), and what one user's queue counts at most of them. */
export const DEFAULT_OUTBOX_IN_FLIGHT = 256;
const PER_USER_ACTIVE = 8;
const HARD_CAP_FACTOR = 4;

export interface OutboxOptions<C> {
  store: StateStore;
  /** The node id: the stream is `outbox:<id>`, send ids are `<id>:<entry id>`. */
  id: string;
  defaults: PlanDefaults;
  /** The account a message goes through (null: none configured). */
  accountFor(msg: WecomMsg): SendAccount | null;
  /** Longest hold for the per-user budget before a message is reported instead, ms. */
  maxHoldMs: number;
  /** enable_duplicate_check interval, s. */
  dupCheckSec: number;
  /** How long transient failures are retried, ms. */
  retryMs: number;
  /** What another run left unsent is taken over after this long, ms. */
  replayAfterMs: number;
  /** Users sent to in parallel. */
  concurrency: number;
  /** Entries read and not yet finished (see the class comment; default DEFAULT_OUTBOX_IN_FLIGHT). */
  maxInFlight?: number;
  /** Texts of the errors the outbox makes itself. */
  texts: { noAccount: string; closing: string };
  /** WeCom took the message (msg.wecomResult is set). */
  sent(msg: WecomMsg, caller: C | undefined): void;
  /** Finally not sent; `err` is safe to show (WeCom's or the plan's error, or a bare message). */
  failed(msg: WecomMsg, caller: C | undefined, err: Error): void;
  /** The same answer to the same user message was already sent (a replayed flow): nothing sent. */
  skipped(caller: C | undefined): void;
  /** Recorded; the outcome will be reported without the caller (the outbox is full: see the class comment). Absent: callers are kept. */
  recorded?(caller: C): void;
  /** The queue or the last outcome changed (for a status). */
  changed(): void;
  /** Reading the outbox failed (it is read again on the next poll). */
  trouble(err: unknown): void;
}

/** The last outcome, for a status. */
export type LastOutcome = { ok: true; passive: boolean; parts: number } | { ok: false; errcode?: number };

export class Outbox<C> {
  last: LastOutcome | null = null;
  private closing = false;
  private readonly stream: string;
  private readonly queue: KeyedQueue;
  private readonly pump: StreamPump<OutboxEntry>;
  private readonly poller: NodeJS.Timeout;
  private readonly repeats: RepeatRecord;
  private readonly backoff = resolveRetry({ baseDelayMs: 1000, maxDelayMs: 15000 });
  /** The callers of entries recorded by this run, by entry id. */
  private readonly live = new Map<string, { msg: WecomMsg; caller: C; plan: SendPlan }>();
  /** Entries handed to the queue in this run, with their user's queue key. */
  private readonly queued = new Map<string, string>();
  /** Queued entries by queue key, and how many count as in flight (at most PER_USER_ACTIVE of each key). */
  private readonly perKey = new Map<string, number>();
  private active = 0;
  private readonly maxInFlight: number;

  constructor(private readonly o: OutboxOptions<C>) {
    const store = o.store;
    this.stream = `outbox:${o.id}`;
    this.repeats = new RepeatRecord(store, o.dupCheckSec);
    this.queue = new KeyedQueue(o.concurrency, { stallMs: STALL_MS, onSettled: () => o.changed() });
    const cap = (this.maxInFlight = o.maxInFlight ?? DEFAULT_OUTBOX_IN_FLIGHT);
    // The consumer: what this run recorded, and after replayAfterMs what a stopped run left unsent.
    this.pump = new StreamPump<OutboxEntry>({
      store,
      stream: this.stream,
      group: OUTBOX_GROUP,
      consumer: `${store.instanceId}:${o.id}:${randomUUID().slice(0, 8)}`,
      batch: Math.min(500, cap),
      replayAfterMs: o.replayAfterMs,
      maxInFlight: cap * HARD_CAP_FACTOR,
      room: () => cap - this.active,
      handle: (e) => this.dispatch(e),
      onError: (err) => o.trouble(err),
      onIdle: () => o.changed(),
    });
    this.poller = setInterval(() => this.pump.run(true), Math.min(1000, o.replayAfterMs / 2));
    this.pump.run();
  }

  /** Messages not yet sent or reported (queued, held, running). */
  get pending(): number {
    return this.queue.length;
  }

  /** Recorded and not yet sent or reported; in flight = read by this run and not finished (at most 4 × the cap). */
  backlog(): Promise<PumpBacklog> {
    return this.pump.backlog((v) => v?.at);
  }

  /** Record `msg` in the outbox (and settle the user message it answers), then send it. */
  accept(msg: WecomMsg, caller: C): void {
    let plan: SendPlan;
    try {
      plan = planSend(msg, this.o.defaults);
    } catch (err) {
      return this.fail(msg, caller, err);
    }
    if (this.closing) return this.fail(msg, caller, new Error(this.o.texts.closing));
    const value: OutboxEntry = { m: keptOf(msg), idem: idemOf(msg, plan), at: Date.now() };
    const inbox = msg.wecom?.inbox;
    // The answer and the settling of the user message it answers: one transaction.
    this.o.store
      .append(this.stream, value, { ack: settleAck(inbox) })
      .then((id) => {
        // Beyond the cap the recorded copy stands for the message (see the class comment).
        if (this.live.size < this.maxInFlight || !this.o.recorded) this.live.set(id, { msg, caller, plan });
        else this.o.recorded(caller);
        inboxSettled(this.o.store, inbox);
        this.pump.run();
      })
      .catch((err: unknown) => this.fail(msg, caller, err));
  }

  /** Stop sending; unsent entries stay in the outbox for the next run. */
  close(): void {
    this.closing = true;
    this.pump.stop();
    clearInterval(this.poller);
    this.queue.close();
    this.live.clear();
  }

  private fail(msg: WecomMsg, caller: C | undefined, err: unknown): void {
    const safe = safeError(err);
    this.last = { ok: false, errcode: err instanceof WecomApiError && err.errcode ? err.errcode : undefined };
    this.o.failed(msg, caller, safe);
  }

  private async finish(id: string): Promise<void> {
    this.unqueue(id);
    this.live.delete(id);
    await this.o.store.ack(this.stream, OUTBOX_GROUP, [id]).catch(() => undefined);
  }

  /** An entry left the queue: its slot is free. */
  private unqueue(id: string): void {
    const key = this.queued.get(id);
    if (key === undefined) return;
    this.queued.delete(id);
    const n = this.perKey.get(key) ?? 1;
    if (n <= PER_USER_ACTIVE) this.active--;
    if (n > 1) this.perKey.set(key, n - 1);
    else this.perKey.delete(key);
    this.pump.release();
  }

  private dispatch(e: StreamEntry<OutboxEntry>): void {
    if (this.queued.has(e.id)) return this.pump.release();
    const own = this.live.get(e.id);
    const msg: WecomMsg = own?.msg ?? e.value.m;
    let plan: SendPlan;
    let account: SendAccount | null;
    try {
      account = this.o.accountFor(msg);
      if (!account) throw new Error(this.o.texts.noAccount);
      // planned once: when recorded by this run, else now (an entry another run recorded)
      plan = own?.plan ?? planSend(msg, this.o.defaults);
    } catch (err) {
      this.live.delete(e.id);
      this.pump.release();
      void this.o.store.ack(this.stream, OUTBOX_GROUP, [e.id]).catch(() => undefined);
      return this.fail(msg, own?.caller, err);
    }
    const n = this.perKey.get(plan.queueKey) ?? 0;
    if (n < PER_USER_ACTIVE) this.active++;
    this.perKey.set(plan.queueKey, n + 1);
    this.queued.set(e.id, plan.queueKey);
    this.queue.push(plan.queueKey, this.task(e, plan, account));
  }

  /** The task of one entry in its user's queue. */
  private task(e: StreamEntry<OutboxEntry>, plan: SendPlan, account: SendAccount): () => Promise<{ deferMs: number } | void> {
    const o = this.o;
    const attempt = entryAttempts(
      { store: o.store, sendPrefix: o.id, maxHoldMs: o.maxHoldMs, dupCheckSec: o.dupCheckSec, retryMs: o.retryMs, repeats: this.repeats, onHold: () => o.changed() },
      e,
      plan,
      account,
    );
    let retries = 0;
    return async () => {
      const own = this.live.get(e.id);
      const msg: WecomMsg = own?.msg ?? { ...e.value.m, _msgid: randomUUID() };
      const r = await attempt();
      if (this.closing && r.kind === 'failed') return;
      if (r.kind === 'defer') return { deferMs: r.ms };
      if (r.kind === 'failed' && r.retry) return { deferMs: backoffDelay(this.backoff, retries++) };
      await this.finish(e.id);
      if (r.kind === 'duplicate') return o.skipped(own?.caller);
      if (r.kind === 'failed') return this.fail(msg, own?.caller, r.err);
      msg.wecomResult = r.outcome;
      this.last = { ok: true, passive: r.outcome.passive === true, parts: r.outcome.parts };
      o.sent(msg, own?.caller);
    };
  }
}
