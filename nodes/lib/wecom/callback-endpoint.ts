/**
 * What wecom-in's callback URL answers, independent of any HTTP framework (no Node-RED here): the GET URL
 * verification, and for a POST — verify, decrypt, record in the inbox, then acknowledge (200 at once, or the
 * encrypted passive reply when the flow answers within the budget). Nothing is acknowledged before it is
 * recorded: a store that cannot record answers 503, so WeCom sends it again. Every refusal is counted and
 * reported (`onRejected`), as is anything unexpected (`onFailed`, answered 500).
 */
import { CallbackError, openCallback, sealReply, StaleCallback, verifyUrl, type CallbackKeys, type CallbackQuery } from './callback';
import type { PassiveReplies } from './passive-reply';
import { BodyError } from './raw-body';
import { str } from './xml';
import { StateUnavailable } from '../state/store';
import type { Inbox } from './inbox';

/** The HTTP answer: status, and a body with its content type when there is one. */
export interface Reply {
  status: number;
  type?: string;
  body?: string;
}

export interface CallbackEndpointOptions {
  keys: CallbackKeys;
  inbox: Pick<Inbox, 'record' | 'wake' | 'claimKfCallback' | 'pullKf'>;
  /** Seconds a callback's timestamp may be off our clock (default MAX_CLOCK_SKEW_S, 5 minutes). */
  maxSkewS?: number;
  /** Our clock (ms; tests). */
  now?: () => number;
  /** A signed callback was refused as stale (a replay, or a clock off by more than the allowed skew). */
  onStale?: () => void;
  /** Hold the answer up to this long for a passive reply (ms); absent: answer 200 once recorded. */
  passiveBudgetMs?: number;
  /** The account's passive-reply slots (wecom-out of the same account claims them). */
  passive: PassiveReplies;
  /** A request was refused (status and reason, for a rate-limited warning). */
  onRejected: (status: number, reason: string) => void;
  /** An unexpected error (answered 500). */
  onFailed: (err: unknown) => void;
  /** accepted / rejected / storeDown changed (for the node status). */
  onChange: () => void;
}

const OK: Reply = { status: 200 };

export class CallbackEndpoint {
  accepted = 0;
  rejected = 0;
  /** Of the rejected: correctly signed but stale. */
  stale = 0;
  /** The store refused the last record (or reported itself down); cleared by the next record. */
  storeDown = false;
  private readonly openSlots = new Set<string>();

  constructor(private readonly o: CallbackEndpointOptions) {}

  /** GET: the URL verification. */
  get(query: CallbackQuery): Reply {
    try {
      const plain = verifyUrl(this.o.keys, query, this.fresh());
      this.accepted++;
      this.o.onChange();
      return { status: 200, type: 'text/plain', body: plain };
    } catch (err) {
      return this.failure(err instanceof CallbackError ? err : new CallbackError(400, 'bad request'));
    }
  }

  /** POST: resolves to the one answer; recording (and, for 微信客服, pulling) may go on after it. */
  post(query: CallbackQuery, body: string | Promise<string>): Promise<Reply> {
    return new Promise<Reply>((answer) => {
      this.receive(query, body, answer).catch((err: unknown) => answer(this.failure(err)));
    });
  }

  /** Close the passive-reply slots still open (node close). */
  close(): void {
    for (const key of this.openSlots) this.o.passive.release(key);
    this.openSlots.clear();
  }

  private async receive(query: CallbackQuery, body: string | Promise<string>, answer: (r: Reply) => void): Promise<void> {
    const opened = openCallback(this.o.keys, query, await body, this.fresh());
    const rec = opened.message;
    this.accepted++;
    this.o.onChange();
    const inbox = this.o.inbox;
    if (str(rec, 'Event').toLowerCase() === 'kf_msg_or_event') {
      const first = await inbox.claimKfCallback(rec);
      answer(OK);
      if (first) await inbox.pullKf(rec);
      return;
    }
    let slot: string | undefined;
    let unrecorded = false;
    const budget = this.o.passiveBudgetMs;
    if (budget !== undefined) {
      const key = this.o.passive.open(budget, (xml) => {
        this.openSlots.delete(key);
        if (unrecorded) return;
        answer(xml === null ? OK : { status: 200, type: 'application/xml', body: sealReply(opened.keys, xml) });
      });
      this.openSlots.add((slot = key));
    }
    try {
      await inbox.record(rec, slot);
    } catch (err) {
      unrecorded = true;
      if (slot) {
        this.openSlots.delete(slot);
        this.o.passive.release(slot);
      }
      throw err;
    }
    if (this.storeDown) {
      this.storeDown = false;
      this.o.onChange();
    }
    if (!slot) answer(OK);
    inbox.wake();
  }

  private fresh(): { maxSkewS?: number; now?: number } {
    return { maxSkewS: this.o.maxSkewS, now: this.o.now?.() };
  }

  private failure(err: unknown): Reply {
    if (err instanceof StaleCallback) {
      this.stale++;
      this.o.onStale?.();
    }
    if (err instanceof BodyError || err instanceof CallbackError) return this.refuse(err.status, err.message);
    if (err instanceof StateUnavailable) {
      // Not recorded, so not acknowledged: WeCom re-sends it later.
      this.storeDown = true;
      return this.refuse(503, err.message);
    }
    this.o.onFailed(err);
    return { status: 500 };
  }

  private refuse(status: number, reason: string): Reply {
    this.rejected++;
    this.o.onChange();
    this.o.onRejected(status, reason);
    return { status, type: 'text/plain', body: status === 413 ? 'payload too large' : 'rejected' };
  }
}
