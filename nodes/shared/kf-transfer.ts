/**
 * Native WeCom transfer for `handoff`: hand a 微信客服 session to a WeCom 接待人员 with
 * kf/service_state/trans (service_state 3) instead of to the bridge.
 * Uses the WeCom API client of the wecom-account config node when the account has one
 * (`account.api('kf')` → `kfTransServiceState(...)` or `call(path, body)`); the small KfApi interface below is
 * all handoff depends on, so it is found by duck typing and works with any client of that shape.
 */
import type { WecomMeta } from '../lib/types';

export type KfApi = (path: string, body: Record<string, unknown>) => Promise<unknown>;

export class NativeTransferError extends Error {}

interface ClientLike {
  call?: (api: string, json?: unknown) => Promise<unknown>;
  kfTransServiceState?: (openKfId: string, externalUserId: string, state: number, servicer?: string) => Promise<unknown>;
}

/** Find the API client on an account node, or null when this build of the account has none. */
export function apiOf(account: unknown): KfApi | null {
  const a = account as { api?: unknown } | null;
  if (!a || typeof a.api !== 'function') return null;
  const getClient = a.api as (this: unknown, kind?: string) => ClientLike;
  return async (path, body) => {
    const client = getClient.call(a, 'kf');
    if (path === 'kf/service_state/trans' && typeof client.kfTransServiceState === 'function') {
      return client.kfTransServiceState.call(client, String(body.open_kfid), String(body.external_userid), Number(body.service_state), body.servicer_userid as string | undefined);
    }
    if (typeof client.call === 'function') return client.call.call(client, path, body);
    throw new NativeTransferError('the WeCom API client of the account cannot call ' + path);
  };
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
