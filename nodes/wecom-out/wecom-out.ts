/**
 * `wecom-out`: sends msg.payload to the WeCom user named by msg.wecom (a reply needs no
 * configuration), through message/send (app) or kf/send_msg (微信客服). Per-user FIFO, WeCom's
 * per-user budgets, passive replies, media upload and 2048-byte splitting are handled in nodes/lib.
 *
 * Durable outbox: every message is first recorded in the state store (which settles the user message it
 * answers), then sent from there; an entry is acknowledged once WeCom accepted it or it finally failed.
 * What a crash or redeploy left unsent is sent after a restart; transient failures are retried for
 * `retrySec` (an outage of minutes), keeping each user's order; hung sends never hold up other users.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import type { WecomAccountNode } from '../shared/account-node';
import { planSend, PlanError, type PlanDefaults, type SendPlan } from '../lib/wecom/send/plan';
import { executePlan, budgetWait, HoldTooLong, type SendOutcome } from '../lib/wecom/send/execute';
import { KeyedQueue } from '../lib/wecom/send/keyed-queue';
import { WecomApiError } from '../lib/wecom/api/errors';
import type { MediaType } from '../lib/wecom/api/media';
import { backoffDelay, resolveRetry } from '../lib/wecom/api/retry';
import { RepeatRecord } from '../lib/wecom/send/repeat-record';
import { settleInbox, isInboxRef } from '../lib/state/inbox';
import type { StreamEntry } from '../lib/state/store';
import { acquireStore, type StoreHandle } from '../shared/state';
import { throttled } from '../shared/throttle';
import { opsDelivery } from '../shared/events';
import { statusText } from '../shared/status-text';
import { numField } from '../shared/fields';
import { nodeType } from '../shared/node-kit';
import { StreamPump } from '../lib/state/stream-pump';

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
  /** How long transient failures (network, 5xx, -1, rate limits) are retried, s (default 180). */
  retrySec?: number | string;
  /** What another run left unsent is taken over after this many seconds (default 10). */
  replayAfterSec?: number | string;
}

/** What is kept of a message in the outbox (enough to send it, report it and feed it back). */
const KEPT = ['payload', 'msgtype', 'filename', 'topic', 'wecom', 'bridge', 'handoff'] as const;
interface OutboxValue {
  m: Record<string, unknown>;
  /** Idempotency key: the user message answered + this answer (a replayed flow does not answer twice). */
  idem?: string;
  at: number;
}
type Callbacks = { msg: OutMsg; send: (m: NodeMessage | Array<NodeMessage | null>) => void; done: (err?: Error) => void };
const GROUP = 'wecom-out';
/** A send still running after this long no longer takes one of the parallel slots. */
const STALL_MS = 2000;

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
    const maxHoldMs = numField(def.maxHoldSec, 120, 0) * 1000;
    const dupCheckSec = numField(def.dupCheckSec, 60, 0, 14400);
    const retryMs = numField(def.retrySec, 180, 0) * 1000;
    const replayAfterMs = numField(def.replayAfterSec, 10, 1) * 1000;
    let last: { ok: boolean; text: string } = { ok: true, text: '' };
    let closing = false;
    let storeDown = false;
    const showStatus = throttled(250, () => {
      if (closing) return;
      if (storeDown) return node.status({ fill: 'red', shape: 'ring', text: 'wecom-out.status.storeDown' });
      const q = queue.length;
      if (!last.text && q === 0) return node.status({ fill: 'grey', shape: 'ring', text: 'wecom-out.status.idle' });
      node.status({
        fill: last.ok ? 'green' : 'red',
        shape: q > 0 ? 'ring' : 'dot',
        text: statusText('wecom-out.status.summary', { last: last.text, queue: q }),
      });
    });
    const queue = new KeyedQueue(Math.floor(numField(def.concurrency, 8, 1, 64)), { stallMs: STALL_MS, onSettled: showStatus });

    if (!ownAccount) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-out.status.noAccount' });
      node.error(RED._('wecom-out.errors.noAccount'));
      return;
    }
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-out.status.failed' });
      node.error((err as Error).message);
      return;
    }
    showStatus();
    const state = handle.store;
    const offHealth = state.onHealth((ok) => {
      storeDown = !ok;
      showStatus();
    });
    const stream = `outbox:${node.id}`;
    const consumer = `${state.instanceId}:${node.id}:${randomUUID().slice(0, 8)}`;
    const repeats = new RepeatRecord(state, dupCheckSec);
    const backoff = resolveRetry({ baseDelayMs: 1000, maxDelayMs: 15000 });
    /** The original messages of entries recorded by this run (their send/done), by entry id. */
    const live = new Map<string, Callbacks>();
    /** Entries handed to the queue in this run. */
    const queued = new Set<string>();

    /** The account a message belongs to: msg.wecom.accountId when it names a wecom-account, else ours. */
    const accountFor = (msg: OutMsg): WecomAccountNode | null => {
      const id = msg.wecom?.accountId;
      if (typeof id === 'string' && id && id !== def.account) {
        const n = RED.nodes.getNode(id) as (WecomAccountNode & { type?: string }) | null;
        if (n && n.type === 'wecom-account') return n;
      }
      return ownAccount;
    };

    const fail = (msg: OutMsg, cb: Callbacks | undefined, err: Error) => {
      const safe = err instanceof WecomApiError || err instanceof PlanError ? err : new Error(String(err?.message ?? err));
      last = { ok: false, text: err instanceof WecomApiError && err.errcode ? statusText('wecom-out.status.errcode', { errcode: err.errcode }) : 'wecom-out.status.failed' };
      showStatus();
      opsDelivery(RED, msg, { errcode: (safe as WecomApiError).errcode });
      if (errorOutput) msg.error = { message: safe.message, errcode: (safe as WecomApiError).errcode, kind: (safe as WecomApiError).kind };
      if (cb) {
        if (errorOutput) cb.send([null, msg]);
        cb.done(safe);
      } else {
        if (errorOutput) node.send([null, msg]);
        node.error(safe, msg);
      }
    };

    const retryable = (err: unknown): boolean =>
      err instanceof WecomApiError ? err.kind === 'transient' || (err.kind === 'rate' && !(err instanceof HoldTooLong)) : !(err instanceof PlanError);

    /** Send one outbox entry (a task of the per-user queue). */
    const run = (e: StreamEntry<OutboxValue>, plan: SendPlan, account: WecomAccountNode) => {
      let heldSince = 0;
      let attempt = 0;
      const finish = async (ok: boolean) => {
        queued.delete(e.id);
        live.delete(e.id);
        await state.ack(stream, GROUP, [e.id]).catch(() => undefined);
        void ok;
      };
      return async (): Promise<{ deferMs: number } | void> => {
        const cb = live.get(e.id);
        const msg = (cb?.msg ?? { ...e.value.m, _msgid: randomUUID() }) as OutMsg;
        try {
          if (e.value.idem && attempt === 0) {
            // The same answer to the same user message is sent once, even when a replayed flow produced it again.
            const owner = await state.update<string, string>('sent:' + e.value.idem, (cur) => ({ value: cur ?? e.id, result: cur ?? e.id, ttlMs: cur ? undefined : 24 * 3600 * 1000 }));
            if (owner !== e.id) {
              await finish(true);
              cb?.done();
              return;
            }
          }
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
            sendId: `${node.id}:${e.id}`,
            repeats,
          });
          await finish(true);
          msg.wecomResult = outcome;
          opsDelivery(RED, msg);
          last = { ok: true, text: outcome.passive ? 'wecom-out.status.passive' : statusText('wecom-out.status.sent', { parts: outcome.parts }) };
          showStatus();
          if (cb) {
            cb.send(errorOutput ? [msg, null] : msg);
            cb.done();
          } else node.send(errorOutput ? [msg, null] : msg);
        } catch (err) {
          if (closing) return;
          // Transient trouble: retry (in this user's order, without holding a slot) until retrySec is used up.
          if (retryable(err) && Date.now() - e.value.at < retryMs) {
            return { deferMs: backoffDelay(backoff, attempt++) };
          }
          await finish(false);
          fail(msg, cb, err as Error);
        }
      };
    };

    const dispatch = (e: StreamEntry<OutboxValue>) => {
      if (queued.has(e.id)) return;
      const cb = live.get(e.id);
      const msg = (cb?.msg ?? e.value.m) as OutMsg;
      const account = accountFor(msg);
      let plan: SendPlan;
      try {
        if (!account) throw new Error(RED._('wecom-out.errors.noAccount'));
        plan = planSend(msg, defaults);
      } catch (err) {
        live.delete(e.id);
        void state.ack(stream, GROUP, [e.id]).catch(() => undefined);
        return fail(msg, cb, err as Error);
      }
      queued.add(e.id);
      queue.push(plan.queueKey, run(e, plan, account));
    };

    // The consumer: what this run recorded, and after replayAfterMs what a stopped run left unsent.
    const outboxPump = new StreamPump<OutboxValue>({
      store: state,
      stream,
      group: GROUP,
      consumer,
      batch: 500,
      replayAfterMs,
      handle: dispatch,
      onError: (err) => node.error((err as Error)?.message ?? String(err)),
      onIdle: () => showStatus(),
    });
    const pump = (claim = false): void => outboxPump.run(claim);
    const poller = setInterval(() => pump(true), Math.min(1000, replayAfterMs / 2));
    pump();

    /** The idempotency key of an answer to a recorded user message. */
    const idemOf = (msg: OutMsg, plan: SendPlan): string | undefined => {
      const ref = (msg.wecom as { inbox?: unknown } | undefined)?.inbox;
      if (!isInboxRef(ref)) return undefined;
      const what = createHash('sha256').update(JSON.stringify([plan.queueKey, plan.msgtype, plan.texts ?? plan.content ?? null])).digest('base64url');
      return `${ref.s}:${ref.id}:${what}`;
    };

    node.on('input', (raw, send, done) => {
      const msg = raw as OutMsg;
      const account = accountFor(msg);
      if (!account) return done(new Error(RED._('wecom-out.errors.noAccount')));
      let plan: SendPlan;
      try {
        plan = planSend(msg, defaults);
      } catch (err) {
        return fail(msg, { msg, send, done }, err as Error);
      }
      if (closing) return fail(msg, { msg, send, done }, new Error(RED._('wecom-out.errors.closing')));
      const kept: Record<string, unknown> = {};
      for (const k of KEPT) if (msg[k] !== undefined) kept[k] = msg[k];
      if (msg.wecom && typeof msg.wecom === 'object') kept.wecom = { ...msg.wecom, raw: {} };
      const value: OutboxValue = { m: kept, idem: idemOf(msg, plan), at: Date.now() };
      state
        .append(stream, value)
        .then(async (id) => {
          live.set(id, { msg, send, done });
          // The answer is recorded: the user message it answers has its outcome.
          await settleInbox(state, (msg.wecom as { inbox?: unknown } | undefined)?.inbox).catch(() => undefined);
          pump();
        })
        .catch((err: Error) => fail(msg, { msg, send, done }, err));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      outboxPump.stop();
      offHealth();
      clearInterval(poller);
      showStatus.cancel();
      // Unsent entries stay in the outbox: the next run (after a redeploy or restart) sends them.
      queue.close();
      live.clear();
      node.status({});
      void handle.release().then(() => done());
    });
  }

  RED.nodes.registerType('wecom-out', nodeType(WecomOut));
};
