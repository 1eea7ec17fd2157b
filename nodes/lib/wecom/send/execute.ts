/**
 * Execute one send plan against WeCom: passive-reply slot first (app text replies), media upload,
 * the per-user / per-customer budgets, 微信客服 session state, then the API calls in order.
 * Stable kf msgids are made once per plan, so retries inside the client can never post twice.
 */
import type { PassiveReplies } from '../passive-reply';
import { passiveTextXml, newKfMsgId } from '../api/message-bodies';
import { sleep } from '../api/retry';
import { WecomApiError } from '../api/errors';
import type { WecomApi } from '../wecom-api';
import type { AppBudget } from './user-limiter';
import type { KfReplyBudget } from '../kf/budget';
import type { KfSessionKeeper } from '../kf/session';
import type { SendPlan } from './plan';
import type { RepeatRecord } from './repeat-record';
import { createHash } from 'node:crypto';

export interface ExecDeps {
  api: WecomApi;
  corpId: string;
  /** The per-member app budget (shared through the store). */
  limiter: AppBudget;
  /** The 微信客服 5-replies / 48 h budget (shared through the store). */
  budget: KfReplyBudget;
  sessions: KfSessionKeeper;
  /** Where the held callback of the message answered waits for a passive reply (wecom-in opened it). */
  passive?: PassiveReplies;
  /** Longest a send may be held for the per-user budget before it is reported instead, ms. */
  maxHoldMs: number;
  /** enable_duplicate_check interval for app messages, s (0 = off), so a retried send is not shown twice. */
  duplicateCheckSec?: number;
  /** Called when a send is held (for status). */
  onHold?: (ms: number) => void;
  /**
   * A stable id of this send (the outbox entry): with `repeats`, decides per part whether the duplicate
   * check is on (a retry/replay of this send) or off (an intended repeat); for 微信客服 it makes the msgids,
   * so a replay after a crash re-uses them.
   */
  sendId?: string;
  repeats?: RepeatRecord;
  /** App sends already taken from the recipients' budget for this plan (see reserveBudget); unused ones are given back. */
  prepaid?: number;
}

import type { SendOutcome } from '../../contract/outcomes';
export type { SendOutcome };

export class HoldTooLong extends WecomApiError {
  constructor(api: string, ms: number) {
    const why = Number.isFinite(ms) && ms > 0 ? `it would have to wait ${Math.round(ms / 1000)} s, longer than allowed` : 'it does not fit into the limit within the allowed hold time';
    super({ api, errcode: 0, errmsg: `WeCom's per-member limit (30/min, 1000/h) would drop this message; ${why}`, kind: 'rate' });
    this.name = 'HoldTooLong';
  }
}

/**
 * Before running a plan: take its app messages from every recipient's per-member budget at once. `wait` 0 = taken
 * (`units` of them; pass as `prepaid`), else ms to wait first (nothing taken), or Infinity when they would never fit
 * within `maxHoldMs`.
 */
export async function reserveBudget(plan: SendPlan, d: Pick<ExecDeps, 'limiter' | 'maxHoldMs'>): Promise<{ wait: number; units: number }> {
  if (plan.channel !== 'app' || plan.users.length === 0) return { wait: 0, units: 0 };
  const parts = plan.texts ? plan.texts.length - (plan.replyKey ? 1 : 0) : 1;
  if (parts <= 0) return { wait: 0, units: 0 };
  const wait = await d.limiter.take(plan.users, parts);
  return wait > d.maxHoldMs ? { wait: Infinity, units: 0 } : { wait, units: wait > 0 ? 0 : parts };
}

export async function executePlan(plan: SendPlan, d: ExecDeps): Promise<SendOutcome> {
  const held = { units: plan.channel === 'app' ? (d.prepaid ?? 0) : 0 };
  try {
    return await run(plan, d, held);
  } finally {
    // Taken for this plan and not sent (a failure, or the passive reply answered instead): back to the budget.
    if (held.units > 0) await d.limiter.giveBack(plan.users, held.units).catch(() => undefined);
  }
}

async function run(plan: SendPlan, d: ExecDeps, held: { units: number }): Promise<SendOutcome> {
  const out: SendOutcome = { errcode: 0, channel: plan.channel, msgtype: plan.msgtype, msgids: [], parts: 0 };
  let content = plan.content;
  if (plan.media) {
    const up = await d.api.uploadMedia(plan.media.type, plan.media.src);
    out.mediaId = up.mediaId;
    content = { ...(content ?? {}), media_id: up.mediaId };
  }
  const texts = plan.texts ? [...plan.texts] : undefined;

  if (plan.channel === 'app') {
    // Passive reply: the first text part may answer the held callback instead of the API.
    if (texts && plan.replyKey && plan.users.length === 1) {
      const answer = d.passive?.claim(plan.replyKey);
      if (answer) {
        answer(passiveTextXml(plan.users[0], d.corpId, texts.shift() as string));
        out.passive = true;
        out.parts++;
      }
    }
    const units = texts ? texts.length : 1;
    for (let i = 0; i < units; i++) {
      if (held.units > 0) held.units--;
      else await holdForBudget(plan, d);
      const body = texts ? { content: texts[i] } : (content as Record<string, unknown>);
      let r: Awaited<ReturnType<WecomApi['sendAppMessage']>>;
      try {
        const decided = d.repeats && d.sendId ? await d.repeats.checkFor([d.api.agentId, plan.to, plan.msgtype, body], `${d.sendId}#${i}`) : undefined;
        r = await d.api.sendAppMessage(
          plan.msgtype,
          body,
          plan.to,
          decided === undefined ? { duplicateCheckSec: d.duplicateCheckSec } : { duplicateCheckSec: decided, repeatDecided: true },
        );
      } catch (err) {
        held.units++; // not sent: given back
        throw err;
      }
      out.msgids.push(...r.msgids);
      out.msgid = r.msgid ?? out.msgid;
      if (r.invaliduser) out.invaliduser = r.invaliduser;
      out.parts++;
    }
    return out;
  }

  const openKfId = plan.openKfId as string;
  const userId = plan.userId as string;
  const units = texts ? texts.length : 1;
  const keep = plan.keep ?? 0;
  const { problem, at } = await d.budget.reserve(openKfId, userId, units, keep);
  if (problem) {
    const kept = keep ? ` (${keep} kept for the closing notice)` : '';
    throw new WecomApiError({
      api: 'kf/send_msg',
      errcode: problem === 'window' ? 95002 : 95001,
      errmsg: problem === 'window' ? 'not sent: more than 48 h since the customer last wrote' : `not sent: ${units} message(s) would exceed the 5 replies allowed per customer message${kept}`,
      kind: 'session',
    });
  }
  try {
    await d.sessions.ensure(d.api, openKfId, userId);
    const base = d.sendId ? createHash('sha256').update(d.sendId).digest('hex').slice(0, 32) : newKfMsgId();
    for (let i = 0; i < units; i++) {
      const id = units === 1 ? base : `${base.slice(0, 28)}_${i}`;
      const body = texts ? { content: texts[i] } : (content as Record<string, unknown>);
      try {
        await d.api.kfSendMsg(openKfId, userId, plan.msgtype, body, id);
      } catch (err) {
        if (err instanceof WecomApiError && (err.errcode === 95018 || err.errcode === 95016)) d.sessions.forget(openKfId, userId);
        throw err;
      }
      out.msgids.push(id);
      out.msgid = id;
      out.parts++;
    }
  } catch (err) {
    // The replies reserved and not sent go back to the customer's budget.
    await d.budget.giveBack(openKfId, userId, units - out.parts, at).catch(() => undefined);
    throw err;
  }
  return out;
}

/** Take one send of every recipient's budget, holding (up to maxHoldMs) until it fits. */
async function holdForBudget(plan: SendPlan, d: ExecDeps): Promise<void> {
  for (;;) {
    const wait = await d.limiter.take(plan.users);
    if (wait <= 0) return;
    if (wait > d.maxHoldMs) throw new HoldTooLong('message/send', wait);
    d.onHold?.(wait);
    await sleep(wait);
  }
}
