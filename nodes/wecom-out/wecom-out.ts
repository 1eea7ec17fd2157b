/**
 * `wecom-out`: sends msg.payload to the WeCom user named by msg.wecom (a reply needs no configuration), through
 * message/send (app) or kf/send_msg (微信客服). The durable outbox, per-user FIFO, WeCom's per-user budgets,
 * retries, passive replies, media upload and 2048-byte splitting live in nodes/lib/wecom/send/ (outbox.ts);
 * this adapter reads the config and wires the outbox to the node's outputs, status and errors.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import type { WecomAccountNode } from '../shared/account-node';
import { WecomApiError } from '../lib/wecom/api/errors';
import type { WecomMsg } from '../lib/contract/messages';
import { DEFAULT_OUTBOX_IN_FLIGHT, Outbox } from '../lib/wecom/send/outbox';
import { BacklogWatch } from '../lib/state/backlog-watch';
import { planDefaults } from '../lib/wecom/send/plan';
import type { SendAccount } from '../lib/wecom/send/deliver';
import { acquireStore, type StoreHandle } from '../shared/state';
import { throttled } from '../shared/throttle';
import { opsBacklog, opsDelivery } from '../shared/ops/events';
import { showFault, statusText } from '../shared/status-text';
import { nodeType, onClose, wecomMsg } from '../shared/node-kit';
import { wecomOutSchema } from '../lib/config/wecom-out';
import { numOf } from '../lib/config/schema';
import { numField } from '../lib/fields';

const F = wecomOutSchema.fields;

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

/** The message's own send/done, for a message this run received. */
type Caller = { send: (m: NodeMessage | Array<NodeMessage | null>) => void; done: (err?: Error) => void };

const sendAccount = (a: WecomAccountNode): SendAccount => ({
  corpId: a.settings.corpId,
  api: (kind) => a.api(kind),
  appLimiter: a.appLimiter,
  kfBudget: a.kfBudget,
  kfSessions: a.kfSessions,
  passiveReplies: a.passiveReplies,
});

/** The node status: idle, or the last outcome and how many messages are still to go. */
function statusOf(outbox: Outbox<Caller>): NodeStatus {
  const q = outbox.pending;
  const last = outbox.last;
  if (!last && q === 0) return { fill: 'grey', shape: 'ring', text: 'wecom-out.status.idle' };
  const text = !last ? '' : last.ok ? (last.passive ? 'wecom-out.status.passive' : statusText('wecom-out.status.sent', { parts: last.parts })) : last.errcode ? statusText('wecom-out.status.errcode', { errcode: last.errcode }) : 'wecom-out.status.failed';
  return { fill: !last || last.ok ? 'green' : 'red', shape: q > 0 ? 'ring' : 'dot', text: statusText('wecom-out.status.summary', { last: text, queue: q }) };
}

export = function register(RED: NodeAPI): void {
  function WecomOut(this: Node, def: WecomOutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const ownAccount = RED.nodes.getNode(def.account) as WecomAccountNode | null;
    const errorOutput = def.errorOutput === true;
    let storeDown = false;
    let closed = false;
    const showStatus = throttled(250, () => {
      if (!closed) node.status(storeDown ? { fill: 'red', shape: 'ring', text: 'wecom-out.status.storeDown' } : statusOf(outbox));
    });

    if (!ownAccount) return showFault(node, 'wecom-out.status.noAccount', RED._('wecom-out.errors.noAccount'));
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      return showFault(node, 'wecom-out.status.failed', (err as Error).message);
    }
    /** The account a message belongs to: msg.wecom.accountId when it names a wecom-account, else ours. */
    const accountFor = (msg: WecomMsg): WecomAccountNode => {
      const id = msg.wecom?.accountId;
      if (typeof id === 'string' && id && id !== def.account) {
        const n = RED.nodes.getNode(id) as (WecomAccountNode & { type?: string }) | null;
        if (n && n.type === 'wecom-account') return n;
      }
      return ownAccount;
    };
    const out = (caller: Caller | undefined, m: WecomMsg | Array<WecomMsg | null>) => (caller ? caller.send(m) : node.send(m));

    const outbox = new Outbox<Caller>({
      store: handle.store,
      id: node.id,
      defaults: planDefaults(def),
      accountFor: (msg) => sendAccount(accountFor(msg)),
      maxHoldMs: numOf(F.maxHoldSec, def.maxHoldSec) * 1000,
      dupCheckSec: numOf(F.dupCheckSec, def.dupCheckSec),
      retryMs: numOf(F.retrySec, def.retrySec) * 1000,
      replayAfterMs: numOf(F.replayAfterSec, def.replayAfterSec) * 1000,
      concurrency: Math.floor(numOf(F.concurrency, def.concurrency)),
      maxInFlight: Math.floor(numField(process.env.WECOM_MAX_IN_FLIGHT, DEFAULT_OUTBOX_IN_FLIGHT, 1)),
      texts: { noAccount: RED._('wecom-out.errors.noAccount'), closing: RED._('wecom-out.errors.closing') },
      sent(msg, caller) {
        opsDelivery(RED, msg);
        showStatus();
        out(caller, errorOutput ? [msg, null] : msg);
        caller?.done();
      },
      failed(msg, caller, err) {
        showStatus();
        const api = err instanceof WecomApiError ? err : undefined;
        opsDelivery(RED, msg, { errcode: api?.errcode });
        if (errorOutput) out(caller, [null, Object.assign(msg, { error: { message: err.message, errcode: api?.errcode, kind: api?.kind } })]);
        if (caller) caller.done(err);
        else node.error(err, msg);
      },
      skipped: (caller) => caller?.done(),
      recorded: (caller) => caller.done(),
      changed: () => showStatus(),
      trouble: (err) => node.error((err as Error)?.message ?? String(err)),
    });
    const offHealth = handle.store.onHealth((ok) => {
      storeDown = !ok;
      showStatus();
    });
    showStatus();
    // The outbox's backlog, for the ops view and the metrics.
    const backlog = new BacklogWatch({ read: () => outbox.backlog(), everyMs: 2000, lateAfterMs: Infinity, onReading: () => undefined, onLate: () => undefined });
    opsBacklog(node, 'outbox', () => backlog.last);
    backlog.start();

    node.on('input', (raw, send, done) => outbox.accept(wecomMsg(raw), { send, done }));

    onClose(node, () => {
      closed = true;
      backlog.stop();
      outbox.close();
      offHealth();
      showStatus.cancel();
      return handle.release();
    });
  }

  RED.nodes.registerType('wecom-out', nodeType(WecomOut, wecomOutSchema));
};
