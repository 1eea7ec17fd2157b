/**
 * One outbox entry's send, and the decisions around it (no Node-RED). Each attempt goes straight through the
 * steps, each called once: the idempotency of an answer (sent once per user message) → the passive reply
 * (the first text part, when wecom-in still holds the callback) → the budget for the parts left (budget.ts:
 * wait, take, or refuse) → execute them against the API (execute.ts) → give back what was taken and not sent.
 * Then whether a failure is retried or reported.
 */
import { createHash } from 'node:crypto';
import type { OutboxEntry, OutboxMsg, WecomMsg } from '../../contract/messages';
import type { StateStore, StreamEntry } from '../../state/store';
import { isInboxRef } from '../../contract/lifecycle';
import { WecomApiError } from '../api/errors';
import type { WecomApi } from '../wecom-api';
import type { KfSessionKeeper } from '../kf/session';
import { HoldTooLong, type AppBudget } from './user-limiter';
import type { KfReplyBudget } from '../kf/budget';
import { PlanError, type SendPlan } from './plan';
import { executeParts, newOutcome, partsOf, type SendOutcome } from './execute';
import { reserveBudget } from './budget';
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
 * (or 'failed' with retry, after the backoff the caller chooses). What went out is kept across attempts.
 */
export function entryAttempts(d: DeliverDeps, e: StreamEntry<OutboxEntry>, plan: SendPlan, account: SendAccount): () => Promise<Attempt> {
  let heldSince = 0;
  let claimed = !e.value.idem;
  const out = newOutcome(plan);
  return async () => {
    try {
      const api = account.api(plan.channel === 'kf' ? 'kf' : 'agent');
      if (!claimed) {
        // The same answer to the same user message is sent once, even when a replayed flow produced it again.
        const owner = await d.store.update<string, string>('sent:' + e.value.idem, (cur) => ({ value: cur ?? e.id, result: cur ?? e.id, ttlMs: cur ? undefined : 24 * 3600 * 1000 }));
        if (owner !== e.id) return { kind: 'duplicate' };
        claimed = true;
      }
      if (out.parts === 0 && passiveFirst(plan, account)) {
        out.passive = true;
        out.parts = 1;
      }
      // Over the budget: wait without holding a slot, or report when too long.
      const held = heldSince ? Date.now() - heldSince : 0;
      const r = await reserveBudget(plan, partsOf(plan) - out.parts, { limiter: account.appLimiter, kfBudget: account.kfBudget, maxHoldMs: Math.max(0, d.maxHoldMs - held) });
      if (!('release' in r)) {
        heldSince ||= Date.now();
        d.onHold();
        return { kind: 'defer', ms: r.wait };
      }
      try {
        await executeParts(plan, out, { api, sessions: account.kfSessions, duplicateCheckSec: d.dupCheckSec, sendId: `${d.sendPrefix}:${e.id}`, repeats: d.repeats });
      } finally {
        // Taken for this attempt and not sent: back to the budget.
        await r.release(partsOf(plan) - out.parts).catch(() => undefined);
      }
      return { kind: 'sent', outcome: out };
    } catch (err) {
      // Transient trouble: retried (in this user's order, without holding a slot) until retryMs is used up.
      return { kind: 'failed', err, retry: retryable(err) && Date.now() - e.value.at < d.retryMs };
    }
  };
}

/** The first text part of an app reply answers the callback wecom-in still holds, when its slot is open. */
function passiveFirst(plan: SendPlan, account: SendAccount): boolean {
  if (plan.channel !== 'app' || !plan.texts || !plan.replyKey || plan.users.length !== 1) return false;
  return account.passiveReplies.answerText(plan.replyKey, plan.users[0], account.corpId, plan.texts[0]);
}
