/**
 * Native WeCom transfer for `handoff`: hand a 微信客服 session to WeCom's own 接待人员 with
 * kf/service_state/trans instead of to the bridge — to state 3 (a named 接待人员) when a servicer UserID
 * is configured, else to state 2 (WeCom's 待接入池, which assigns one itself).
 */
import type { WecomMeta } from '../lib/types';
import type { WecomAccountNode } from './account-node';

export class NativeTransferError extends Error {}

export function nativeTransfer(account: WecomAccountNode | null, servicerUserId?: string): (w: WecomMeta) => Promise<void> {
  return async (w) => {
    if (!account) throw new NativeTransferError('native transfer needs a WeCom account on the handoff node');
    if (w.channel !== 'kf' || !w.openKfId) throw new NativeTransferError('native transfer works for 微信客服 (kf) conversations only');
    await account.api('kf').kfTransServiceState(w.openKfId, w.userId, servicerUserId ? 3 : 2, servicerUserId || undefined);
  };
}
