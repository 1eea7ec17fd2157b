/**
 * One outbox entry's send, and the decisions around it (no Node-RED): the idempotency of an answer, the
 * per-user budget wait, the send itself, and whether a failure is retried or reported.
 */
import { createHash } from 'node:crypto';
import type { OutboxEntry, OutboxMsg, WecomMsg } from '../../contract/messages';
import type { StateStore, StreamEntry } from '../../state/store';
import { isInboxRef } from '../../contract/lifecycle';
import { WecomApiError } from '../api/errors';
import type { WecomApi } from '../wecom-api';
import type { KfSessionKeeper } from '../kf/session';
import type { AppBudget } from './user-limiter';
import type { KfReplyBudget } from '../kf/budget';
import { PlanError, type SendPlan } from './plan';
import { executePlan, reserveBudget, HoldTooLong, type SendOutcome } from './execute';
import type { RepeatRecord } from './repeat-record';
import type { PassiveReplies } from '../passive-reply';

/** What a send needs of a wecom-account. */
export interface SendAccount {
  corpId: string;
  api(kind: 'agent' | 'kf'): WecomApi;
  /** WeCom's per-member app budget (30/min, 1000/h), shared through the store. */
  appLimiter: AppBudget;
  /** 微信客服's 5 replies per customer message within 48 h, shared through the store. */
  kfBudget: KfReplyBudget;
  kfSessions: KfSessionKeeper;
  /** The passive-reply slots wecom-in opened for this account's callbacks. */
  passiveReplies: PassiveReplies;
}

/** The fields of a message kept in the outbox. */
const KEPT = ['payload', 'msgtype', 'filename', 'topic', 'wecom', 'bridge', 'handoff'] as const;

/** What the outbox keeps of `msg` (msg.wecom without its raw callback). */
export function keptOf(msg: WecomMsg): OutboxMsg {
  const kept: OutboxMsg = {};
  for (const k of KEPT) if (msg[k] !== undefined) Object.assign(kept, { [k]: msg[k] });
  if (msg.wecom && typeof msg.wecom === 'object') kept.wecom = { ...msg.wecom, raw: {} };
  return kept;
}

/** The idempotency key of an answer to a recorded user message (undefined for other messages). */
export function idemOf(msg: WecomMsg, plan: SendPlan): string | undefined {
  const ref = msg.wecom?.inbox;
  if (!isInboxRef(ref)) return undefined;
  const what = createHash('sha256')
    .update(JSON.stringify([plan.queueKey, plan.msgtype, plan.texts ?? plan.content ?? null]))
    .digest('base64url');
  return `${ref.s}:${ref.id}:${what}`;
}

/** Transient trouble (network, 5xx, -1, rate limits short of the hold limit, the store): retried. */
export function retryable(err: unknown): boolean {
  return err instanceof WecomApiError ? err.kind === 'transient' || (err.kind === 'rate' && !(err instanceof HoldTooLong)) : !(err instanceof PlanError);
}

/** The error to report: WeCom's and plan errors as they are, anything else reduced to its message. */
export function safeError(err: unknown): Error {
  if (err instanceof WecomApiError || err instanceof PlanError) return err;
  const e = err as { message?: unknown } | undefined;
  return new Error(String(e?.message ?? err));
}

export type Attempt = { kind: 'sent'; outcome: SendOutcome } | { kind: 'duplicate' } | { kind: 'defer'; ms: number } | { kind: 'failed'; err: unknown; retry: boolean };

export interface DeliverDeps {
  store: StateStore;
  /** Prefix of the stable send id (`<prefix>:<entry id>`). */
  sendPrefix: string;
  maxHoldMs: number;
  dupCheckSec: number;
  retryMs: number;
  repeats: RepeatRecord;
  /** A send is held for the budget (status). */
  onHold: () => void;
}

/**
 * The attempts of one entry: call the returned function until it gives something other than 'defer'
 * (or 'failed' with retry, after the backoff the caller chooses).
 */
export function entryAttempts(d: DeliverDeps, e: StreamEntry<OutboxEntry>, plan: SendPlan, account: SendAccount): () => Promise<Attempt> {
  let heldSince = 0;
  let claimed = !e.value.idem;
  return async () => {
    try {
      if (!claimed) {
        // The same answer to the same user message is sent once, even when a replayed flow produced it again.
        const owner = await d.store.update<string, string>('sent:' + e.value.idem, (cur) => ({ value: cur ?? e.id, result: cur ?? e.id, ttlMs: cur ? undefined : 24 * 3600 * 1000 }));
        if (owner !== e.id) return { kind: 'duplicate' };
        claimed = true;
      }
      // Over WeCom's per-member budget: wait without holding a slot, or report when too long.
      const api = account.api(plan.channel === 'kf' ? 'kf' : 'agent');
      const { wait, units } = await reserveBudget(plan, { limiter: account.appLimiter, maxHoldMs: Math.max(0, d.maxHoldMs - (heldSince ? Date.now() - heldSince : 0)) });
      if (wait === Infinity) throw new HoldTooLong('message/send', await account.appLimiter.waitMs(plan.users[0] ?? '', 1));
      if (wait > 0) {
        heldSince ||= Date.now();
        d.onHold();
        return { kind: 'defer', ms: wait };
      }
      const outcome = await executePlan(plan, {
        api,
        prepaid: units,
        corpId: account.corpId,
        limiter: account.appLimiter,
        budget: account.kfBudget,
        sessions: account.kfSessions,
        passive: account.passiveReplies,
        maxHoldMs: d.maxHoldMs,
        duplicateCheckSec: d.dupCheckSec,
        onHold: d.onHold,
        sendId: `${d.sendPrefix}:${e.id}`,
        repeats: d.repeats,
      });
      return { kind: 'sent', outcome };
    } catch (err) {
      // Transient trouble: retried (in this user's order, without holding a slot) until retryMs is used up.
      return { kind: 'failed', err, retry: retryable(err) && Date.now() - e.value.at < d.retryMs };
    }
  };
}
