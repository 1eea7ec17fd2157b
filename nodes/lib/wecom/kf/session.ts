/**
 * Keep a 微信客服 session in service state 1 (智能助手) before the API sends: 0 and 2 are moved to 1;
 * 3 (a human servicer) and 4 (ended) cannot be sent to and raise a clear error. Known-good sessions
 * are cached briefly so a burst of replies costs one state read.
 */
import { WecomApiError } from '../api/errors';
import type { WecomApi } from '../wecom-api';

export class KfSessionKeeper {
  private readonly ok = new Map<string, number>();
  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async ensure(api: WecomApi, openKfId: string, userId: string): Promise<void> {
    const key = `${openKfId}\n${userId}`;
    const until = this.ok.get(key);
    if (until !== undefined && this.now() < until) return;
    const { serviceState } = await api.kfGetServiceState(openKfId, userId);
    if (serviceState === 0 || serviceState === 2) await api.kfTransServiceState(openKfId, userId, 1);
    else if (serviceState === 3) {
      throw new WecomApiError({ api: 'kf/send_msg', errcode: 95018, errmsg: 'the session is with a human servicer (service_state 3); hand it back or let the servicer answer', kind: 'session' });
    } else if (serviceState === 4) {
      throw new WecomApiError({ api: 'kf/send_msg', errcode: 95018, errmsg: 'the session has ended (service_state 4); wait for the customer to write again', kind: 'session' });
    }
    this.ok.set(key, this.now() + this.ttlMs);
  }

  forget(openKfId: string, userId: string): void {
    this.ok.delete(`${openKfId}\n${userId}`);
  }
}
