/**
 * `wecom-out`: sends msg.payload to the WeCom user named by msg.wecom (a reply needs no
 * configuration), through message/send (app) or kf/send_msg (微信客服). Per-user FIFO, WeCom's
 * per-user budgets, passive replies, media upload and 2048-byte splitting are handled in nodes/lib.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import type { WecomAccountNode } from '../shared/account-node';
import { planSend, PlanError, type PlanDefaults, type SendPlan } from '../lib/wecom/send/plan';
import { executePlan, budgetWait, HoldTooLong, type SendOutcome } from '../lib/wecom/send/execute';
import { KeyedQueue } from '../lib/wecom/send/keyed-queue';
import { WecomApiError } from '../lib/wecom/api/errors';
import type { MediaType } from '../lib/wecom/api/media';
import { opsDelivery } from '../shared/events';

interface WecomOutDef extends NodeDef {
  account: string;
  channel?: 'auto' | 'app' | 'kf';
  msgtype?: string;
  mediaType?: string;
  openKfId?: string;
  errorOutput?: boolean;
  maxHoldSec?: number | string;
  concurrency?: number | string;
  dupCheckSec?: number | string;
}

type OutMsg = NodeMessage & { wecom?: Record<string, unknown>; msgtype?: unknown; filename?: unknown; wecomResult?: unknown; error?: unknown };

export = function register(RED: NodeAPI): void {
  function WecomOut(this: Node, def: WecomOutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const ownAccount = RED.nodes.getNode(def.account) as WecomAccountNode | null;
    const defaults: PlanDefaults = {
      channel: def.channel === 'app' || def.channel === 'kf' ? def.channel : 'auto',
      msgtype: def.msgtype === 'markdown' ? 'markdown' : 'text',
      mediaType: (['image', 'voice', 'video', 'file'].includes(String(def.mediaType)) ? def.mediaType : 'file') as MediaType,
      openKfId: (def.openKfId ?? '').trim() || undefined,
    };
    const errorOutput = def.errorOutput === true;
    const maxHoldMs = Math.max(0, Number(def.maxHoldSec ?? 120) || 0) * 1000;
    const dupCheckSec = def.dupCheckSec === undefined || def.dupCheckSec === '' ? 60 : Math.max(0, Math.min(14400, Number(def.dupCheckSec) || 0));
    const queue = new KeyedQueue(Math.max(1, Math.min(64, Number(def.concurrency) || 8)));
    let last: { ok: boolean; text: string } = { ok: true, text: '' };
    let closing = false;

    const showStatus = () => {
      const q = queue.length;
      if (!last.text && q === 0) return node.status({ fill: 'grey', shape: 'ring', text: 'wecom-out.status.idle' });
      node.status({
        fill: last.ok ? 'green' : 'red',
        shape: q > 0 ? 'ring' : 'dot',
        text: RED._('wecom-out.status.summary', { last: last.text, queue: q }),
      });
    };

    if (!ownAccount) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-out.status.noAccount' });
      node.error(RED._('wecom-out.errors.noAccount'));
    } else showStatus();

    /** The account a message belongs to: msg.wecom.accountId when it names a wecom-account, else ours. */
    const accountFor = (msg: OutMsg): WecomAccountNode | null => {
      const id = msg.wecom?.accountId;
      if (typeof id === 'string' && id && id !== def.account) {
        const n = RED.nodes.getNode(id) as (WecomAccountNode & { type?: string }) | null;
        if (n && n.type === 'wecom-account') return n;
      }
      return ownAccount;
    };

    const fail = (msg: OutMsg, send: (m: NodeMessage | Array<NodeMessage | null>) => void, done: (err?: Error) => void, err: Error) => {
      const safe = err instanceof WecomApiError || err instanceof PlanError ? err : new Error(String(err?.message ?? err));
      last = { ok: false, text: err instanceof WecomApiError && err.errcode ? RED._('wecom-out.status.errcode', { errcode: err.errcode }) : RED._('wecom-out.status.failed') };
      showStatus();
      opsDelivery(RED, msg, { errcode: (safe as WecomApiError).errcode });
      if (errorOutput) {
        msg.error = { message: safe.message, errcode: (safe as WecomApiError).errcode, kind: (safe as WecomApiError).kind };
        send([null, msg]);
      }
      done(safe);
    };

    node.on('input', (raw, send, done) => {
      const msg = raw as OutMsg;
      const account = accountFor(msg);
      if (!account) return done(new Error(RED._('wecom-out.errors.noAccount')));
      let plan: SendPlan;
      try {
        plan = planSend(msg, defaults);
      } catch (err) {
        return fail(msg, send, done, err as Error);
      }
      if (closing) return fail(msg, send, done, new Error(RED._('wecom-out.errors.closing')));
      let heldSince = 0;
      queue.push(plan.queueKey, async () => {
        try {
          // Over WeCom's per-member budget: wait without holding a slot, or report when too long.
          const wait = budgetWait(plan, { limiter: account.appLimiter, maxHoldMs: Math.max(0, maxHoldMs - (heldSince ? Date.now() - heldSince : 0)) });
          if (wait === Infinity) throw new HoldTooLong('message/send', account.appLimiter.waitMs(plan.users[0] ?? '', 1));
          if (wait > 0) {
            heldSince ||= Date.now();
            showStatus();
            return { deferMs: wait };
          }
          const api = account.api(plan.channel === 'kf' ? 'kf' : 'agent');
          const outcome: SendOutcome = await executePlan(plan, {
            api,
            corpId: account.settings.corpId,
            limiter: account.appLimiter,
            budget: account.kfBudget,
            sessions: account.kfSessions,
            maxHoldMs,
            duplicateCheckSec: dupCheckSec,
            onHold: () => showStatus(),
          });
          msg.wecomResult = outcome;
          opsDelivery(RED, msg);
          last = { ok: true, text: outcome.passive ? RED._('wecom-out.status.passive') : RED._('wecom-out.status.sent', { parts: outcome.parts }) };
          showStatus();
          send(errorOutput ? [msg, null] : msg);
          done();
        } catch (err) {
          fail(msg, send, done, err as Error);
        }
      }, () => fail(msg, send, done, new Error(RED._('wecom-out.errors.closing'))));
      showStatus();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      const dropped = queue.close();
      if (dropped > 0) node.warn(RED._('wecom-out.warn.dropped', { count: dropped }));
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('wecom-out', WecomOut as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
