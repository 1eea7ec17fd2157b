/**
 * Native WeCom transfer for `handoff`: hand a 微信客服 session to a WeCom 接待人员 with
 * kf/service_state/trans (service_state 3) instead of to the bridge.
 * Uses the WeCom API client of the wecom-account config node (`account.api(path, body)`) when it has one;
 * this small interface is all handoff depends on.
 */
import type { WecomMeta } from '../lib/types';

export type KfApi = (path: string, body: Record<string, unknown>) => Promise<unknown>;

export class NativeTransferError extends Error {}

/** Find the API function on an account node, or null when this build of the account has none. */
export function apiOf(account: unknown): KfApi | null {
  const a = account as { api?: unknown } | null;
  if (!a || typeof a.api !== 'function') return null;
  const fn = a.api as (this: unknown, path: string, body: Record<string, unknown>) => Promise<unknown>;
  return (path, body) => fn.call(a, path, body);
}

/** The request body of kf/service_state/trans for this conversation. */
export function transBody(w: WecomMeta, servicerUserId?: string): Record<string, unknown> {
  if (w.channel !== 'kf' || !w.openKfId) throw new NativeTransferError('native transfer works for 微信客服 (kf) conversations only');
  const body: Record<string, unknown> = { open_kfid: w.openKfId, external_userid: w.userId, service_state: 3 };
  if (servicerUserId) body.servicer_userid = servicerUserId;
  return body;
}

export function nativeTransfer(api: KfApi | null, servicerUserId?: string): (w: WecomMeta) => Promise<void> {
  return async (w) => {
    if (!api) throw new NativeTransferError('native transfer needs the WeCom API client of the wecom-account node');
    const res = (await api('kf/service_state/trans', transBody(w, servicerUserId))) as { errcode?: number; errmsg?: string } | undefined;
    if (res && typeof res.errcode === 'number' && res.errcode !== 0) {
      throw new NativeTransferError(`kf/service_state/trans failed: ${res.errcode} ${res.errmsg ?? ''}`.trim());
    }
  };
}
