/**
 * Native WeCom transfer for `handoff`: hand a 微信客服 session to WeCom's own 接待人员 with
 * kf/service_state/trans instead of to the bridge — to state 3 (a named 接待人员) when a servicer UserID
 * is configured, else to state 2 (WeCom's 待接入池, which assigns one itself). Pure of Node-RED: the
 * adapter gives the account's 微信客服 API client.
 */
import type { WecomMeta } from '../contract/wecom-meta';

export class NativeTransferError extends Error {}

/** The one call native transfer makes (WecomApi of the account, 'kf' secret). */
export interface KfTransApi {
  kfTransServiceState(openKfId: string, externalUserId: string, serviceState: number, servicerUserId?: string): Promise<unknown>;
}

/** The engine's nativeTransfer option; `api` is null when the handoff node has no WeCom account. */
export function nativeTransfer(api: (() => KfTransApi) | null, servicerUserId?: string): (w: WecomMeta) => Promise<void> {
  return async (w) => {
    if (!api) throw new NativeTransferError('native transfer needs a WeCom account on the handoff node');
    if (w.channel !== 'kf' || !w.openKfId) throw new NativeTransferError('native transfer works for 微信客服 (kf) conversations only');
    await api().kfTransServiceState(w.openKfId, w.userId, servicerUserId ? 3 : 2, servicerUserId || undefined);
  };
}
