/** Request bodies for message/send (app) and kf/send_msg (微信客服), and our own kf msgids. The passive reply's XML is passive-reply.ts's. */
import { randomUUID } from 'node:crypto';

export const APP_MSGTYPES = ['text', 'markdown', 'image', 'voice', 'video', 'file', 'news', 'textcard'] as const;
export const KF_MSGTYPES = ['text', 'image', 'voice', 'video', 'file', 'link', 'msgmenu', 'location', 'miniprogram'] as const;
export const MEDIA_MSGTYPES = new Set(['image', 'voice', 'video', 'file']);
/** Types whose content is one text field that may need splitting. */
export const TEXT_MSGTYPES = new Set(['text', 'markdown']);

export interface AppTarget {
  touser?: string | string[];
  toparty?: string | string[];
  totag?: string | string[];
}

export interface AppSendOptions {
  safe?: 0 | 1;
  /** Seconds; > 0 turns on enable_duplicate_check with this interval (max 14 400). */
  duplicateCheckSec?: number;
  /** The caller decided about intended repeats itself (wecom-out's durable record): no in-process detection. */
  repeatDecided?: boolean;
}

const join = (v: string | string[] | undefined): string | undefined => {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v.filter(Boolean).join('|') : String(v);
  return s === '' ? undefined : s;
};

export function appBody(agentId: string, to: AppTarget, msgtype: string, content: Record<string, unknown>, o: AppSendOptions = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    touser: join(to.touser),
    toparty: join(to.toparty),
    totag: join(to.totag),
    msgtype,
    agentid: Number(agentId),
    [msgtype]: content,
  };
  if (!body.touser && !body.toparty && !body.totag) throw new TypeError('no recipient: set msg.wecom.userId, touser, toparty or totag');
  if (o.safe) body.safe = 1;
  if (o.duplicateCheckSec && o.duplicateCheckSec > 0) {
    body.enable_duplicate_check = 1;
    body.duplicate_check_interval = Math.min(14400, Math.round(o.duplicateCheckSec));
  }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/** A fresh msgid for kf/send_msg: 32 chars of [0-9a-f], unique, stable across retries of one message. */
export function newKfMsgId(): string {
  return randomUUID().replace(/-/g, '');
}

export function kfBody(openKfId: string, externalUserId: string, msgid: string, msgtype: string, content: Record<string, unknown>): Record<string, unknown> {
  if (!openKfId) throw new TypeError('no 微信客服 account: set msg.wecom.openKfId');
  if (!externalUserId) throw new TypeError('no customer: set msg.wecom.userId (external_userid)');
  return { touser: externalUserId, open_kfid: openKfId, msgid, msgtype, [msgtype]: content };
}
