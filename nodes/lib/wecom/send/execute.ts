/**
 * The execute step of a send (no Node-RED): the parts of a plan not yet sent go to the API, each called once
 * and in order, after the media upload (once per plan) and, for 微信客服, the session check. The budget for
 * these parts was taken before (budget.ts); a passive reply may have answered the first part (deliver.ts).
 * `progress` is the plan's record across attempts: a retry goes on with the first part not sent.
 * Stable ids per part (the outbox entry + the part's index) make a retry safe: app parts keep WeCom's
 * duplicate check when it is the same send, 微信客服 msgids are derived from them.
 */
import { createHash } from 'node:crypto';
import { newKfMsgId } from '../api/message-bodies';
import { WecomApiError } from '../api/errors';
import type { WecomApi } from '../wecom-api';
import type { KfSessionKeeper } from '../kf/session';
import type { SendPlan } from './plan';
import type { RepeatRecord } from './repeat-record';
import type { SendOutcome } from '../../contract/outcomes';
export type { SendOutcome };

export interface ExecDeps {
  api: WecomApi;
  sessions: KfSessionKeeper;
  /** enable_duplicate_check interval for app messages, s (0 = off), so a retried send is not shown twice. */
  duplicateCheckSec?: number;
  /**
   * A stable id of this send (the outbox entry): with `repeats`, decides per part whether the duplicate
   * check is on (a retry/replay of this send) or off (an intended repeat); for 微信客服 it makes the msgids,
   * so a replay after a crash re-uses them.
   */
  sendId?: string;
  repeats?: RepeatRecord;
}

/** How many parts a plan sends: its text parts, or one message. */
export function partsOf(plan: SendPlan): number {
  return plan.texts ? plan.texts.length : 1;
}

/** What a plan has sent so far (its outcome grows part by part; `parts` = parts done). */
export function newOutcome(plan: SendPlan): SendOutcome {
  return { errcode: 0, channel: plan.channel, msgtype: plan.msgtype, msgids: [], parts: 0 };
}

/** Send the parts of `plan` from `out.parts` on; `out` records each part once WeCom took it. */
export async function executeParts(plan: SendPlan, out: SendOutcome, d: ExecDeps): Promise<SendOutcome> {
  const total = partsOf(plan);
  if (out.parts >= total) return out;
  if (plan.media && !out.mediaId) out.mediaId = (await d.api.uploadMedia(plan.media.type, plan.media.src)).mediaId;
  const content = out.mediaId ? { ...(plan.content ?? {}), media_id: out.mediaId } : plan.content;
  const bodyOf = (i: number): Record<string, unknown> => (plan.texts ? { content: plan.texts[i] } : (content as Record<string, unknown>));
  if (plan.channel === 'kf') return sendKf(plan, out, total, bodyOf, d);
  for (let i = out.parts; i < total; i++) {
    const body = bodyOf(i);
    const decided = d.repeats && d.sendId ? await d.repeats.checkFor([d.api.agentId, plan.to, plan.msgtype, body], `${d.sendId}#${i}`) : undefined;
    const r = await d.api.sendAppMessage(
      plan.msgtype,
      body,
      plan.to,
      decided === undefined ? { duplicateCheckSec: d.duplicateCheckSec } : { duplicateCheckSec: decided, repeatDecided: true },
    );
    out.msgids.push(...r.msgids);
    out.msgid = r.msgid ?? out.msgid;
    if (r.invaliduser) out.invaliduser = r.invaliduser;
    out.parts++;
  }
  return out;
}

async function sendKf(plan: SendPlan, out: SendOutcome, total: number, bodyOf: (i: number) => Record<string, unknown>, d: ExecDeps): Promise<SendOutcome> {
  const openKfId = plan.openKfId as string;
  const userId = plan.userId as string;
  await d.sessions.ensure(d.api, openKfId, userId);
  const base = d.sendId ? createHash('sha256').update(d.sendId).digest('hex').slice(0, 32) : newKfMsgId();
  for (let i = out.parts; i < total; i++) {
    const id = total === 1 ? base : `${base.slice(0, 28)}_${i}`;
    try {
      await d.api.kfSendMsg(openKfId, userId, plan.msgtype, bodyOf(i), id);
    } catch (err) {
      if (err instanceof WecomApiError && (err.errcode === 95018 || err.errcode === 95016)) d.sessions.forget(openKfId, userId);
      throw err;
    }
    out.msgids.push(id);
    out.msgid = id;
    out.parts++;
  }
  return out;
}
