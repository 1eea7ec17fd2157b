/**
 * `wecom-in`: WeCom's callback URL on Node-RED's own HTTP server. Reads the node's config, mounts the route and
 * maps what the core does to node.send / status / warn / error. The core (no Node-RED): lib/wecom/callback-endpoint.ts
 * answers each request (URL verification; verify, decrypt, record, acknowledge, passive reply) and
 * lib/wecom/inbox.ts records each message durably, de-duplicates WeCom's re-sends, emits each message once
 * in the package's message contract (lib/contract/messages.ts) and replays what a stopped run left without an outcome.
 */
import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import type { WecomAccountNode } from '../shared/account-node';
import { claimPath, mountRoutes, releasePath } from '../shared/http-routes';
import { CallbackEndpoint, type Reply } from '../lib/wecom/callback-endpoint';
import { DEFAULT_MAX_IN_FLIGHT, dedupeTtlFor, Inbox } from '../lib/wecom/inbox';
import { BacklogWatch } from '../lib/state/backlog-watch';
import { opsBacklog } from '../shared/ops/events';
import { MAX_CLOCK_SKEW_S, type CallbackKeys } from '../lib/wecom/callback';
import { Profiles } from '../lib/wecom/profiles';
import { readBody } from '../lib/wecom/raw-body';
import { acquireStore, type StoreHandle } from '../shared/state';
import { throttled } from '../shared/throttle';
import { showFault, statusText } from '../shared/status-text';
import { nodeType, onClose } from '../shared/node-kit';
import { wecomInSchema } from '../lib/config/wecom-in';
import { flagOf, numOf } from '../lib/config/schema';

const F = wecomInSchema.fields;
import { numField } from '../lib/fields';
import { limitedWarn } from '../shared/warn-limit';
import { opsEvent } from '../shared/ops/events';

interface WecomInDef extends NodeDef {
  account: string;
  path?: string;
  passiveReply?: boolean;
  passiveBudgetMs?: number | string;
  maxBodyKb?: number | string;
  /** 微信客服: skip messages sent before the first start (default true). */
  kfSkipBacklog?: boolean;
  /** 微信客服: welcome text sent on enter_session within welcome_code's 20 s ('' = none). */
  kfWelcome?: string;
  /** A message left without a recorded outcome by a stopped run is emitted again after this many seconds. */
  replayAfterSec?: number | string;
  /** A message emitted this long ago without a recorded outcome counts as answered by the flow (s). */
  settleSec?: number | string;
  /** At most this many messages emitted and not yet settled (blank: WECOM_MAX_IN_FLIGHT, else 256). */
  maxInFlight?: number | string;
  /** Warn when the oldest message has waited this long (s; blank: WECOM_BACKLOG_WARN_SEC, else 60). */
  backlogWarnSec?: number | string;
  /** Advanced (flow JSON only): seconds a callback's timestamp may be off our clock (default 300). */
  maxClockSkewSec?: number | string;
  /** Look up who wrote (msg.wecom.customer; default true). */
  profiles?: boolean | string;
}

const DEFAULT_PATH = '/wecom/callback';
const WARNINGS_PER_MINUTE = 10;
/** How often the backlog (depth, oldest wait) is read for the status, the ops view and the metrics. */
const BACKLOG_EVERY_MS = 2000;

function normalisePath(p: string | undefined): string {
  const t = (p ?? '').trim() || DEFAULT_PATH;
  return t.startsWith('/') ? t : `/${t}`;
}

/** Write the core's answer (unless the request was already answered). */
function send(res: Response, r: Reply): void {
  if (res.headersSent) return;
  res.status(r.status);
  if (r.type) res.type(r.type);
  if (r.body === undefined) res.end();
  else res.send(r.body);
}

const message = (err: unknown) => (err as Error)?.message ?? String(err);

export = function register(RED: NodeAPI): void {
  function WecomIn(this: Node, def: WecomInDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const account = RED.nodes.getNode(def.account) as WecomAccountNode | null;
    const path = normalisePath(def.path);
    const maxBody = numOf(F.maxBodyKb, def.maxBodyKb) * 1024;
    const fail = (status: string, text: string) => showFault(node, `wecom-in.status.${status}`, text);

    if (!account) return fail('noAccount', RED._('wecom-in.errors.noAccount'));
    let keys: CallbackKeys;
    try {
      keys = account.callbackKeys();
    } catch (err) {
      return fail('badAccount', (err as Error).message);
    }
    const holder = claimPath(path, node.id);
    if (holder !== null) return fail('pathInUse', RED._('wecom-in.errors.pathInUse', { path, node: holder }));
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      releasePath(path, node.id);
      return fail('storeDown', RED._('wecom-in.errors.store', { message: (err as Error).message }));
    }
    const maxSkewS = numField(def.maxClockSkewSec, MAX_CLOCK_SKEW_S, 30);
    const internalError = (err: unknown) => node.error(RED._('wecom-in.errors.internal', { message: message(err) }));

    const profiles = new Profiles({ store: handle.store, api: (channel) => account.api(channel === 'kf' ? 'kf' : 'agent') });
    const inbox = new Inbox({
      store: handle.store,
      nodeId: node.id,
      corpId: keys.receiveId,
      agentId: account.settings.agentId,
      accountId: account.id,
      replayAfterMs: numOf(F.replayAfterSec, def.replayAfterSec) * 1000,
      settleMs: numOf(F.settleSec, def.settleSec) * 1000,
      maxInFlight: Math.floor(numField(def.maxInFlight, numField(process.env.WECOM_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT, 1), 1)),
      dedupeTtlMs: dedupeTtlFor(maxSkewS),
      emit: (m) => node.send(m),
      // who wrote (msg.wecom.customer): asked of WeCom once a day per user, kept in the state store
      // (not waited for when a passive reply is held: its seconds are the flow's)
      profile: !flagOf(F.profiles, def.profiles) ? undefined : (w) => profiles.of(w, w.replyKey ? 0 : undefined),
      onError: internalError,
      passive: account.passiveReplies,
      kf: {
        namespace: `${node.id}:${account.settings.apiBase}:${keys.receiveId}`,
        api: () => account.api('kf'),
        skipBacklog: flagOf(F.kfSkipBacklog, def.kfSkipBacklog),
        welcome: (def.kfWelcome ?? '').trim(),
        budget: account.kfBudget,
        onError: (err) => node.warn(RED._('wecom-in.errors.kfWelcome', { message: err.message })),
        onPullError: (err) => node.error(RED._('wecom-in.errors.kfPull', { message: message(err) })),
      },
    });

    const warn = limitedWarn(WARNINGS_PER_MINUTE, (text) => node.warn(text), (count) => RED._('wecom-in.warn.suppressed', { count }));
    const endpoint = new CallbackEndpoint({
      keys,
      inbox,
      passive: account.passiveReplies,
      passiveBudgetMs: def.passiveReply === true ? Math.round(numOf(F.passiveBudgetMs, def.passiveBudgetMs)) : undefined,
      maxSkewS,
      onStale: () => opsEvent(RED, 'refused', undefined, { surface: 'callback', reason: 'stale' }),
      onRejected: (status, reason) => warn(RED._('wecom-in.warn.rejected', { status, reason, path })),
      onFailed: internalError,
      onChange: () => showCounts(),
    });
    // The backlog: in the status, the ops view and the metrics; a warning when the oldest waits too long.
    const lateAfterSec = numField(def.backlogWarnSec, numField(process.env.WECOM_BACKLOG_WARN_SEC, 60, 1), 1);
    const backlog = new BacklogWatch({
      read: () => inbox.backlog(),
      everyMs: BACKLOG_EVERY_MS,
      lateAfterMs: lateAfterSec * 1000,
      onReading: () => showCounts(),
      onLate: (b) => node.warn(RED._('wecom-in.warn.backlog', { depth: b.depth, age: Math.round(b.oldestMs / 1000), limit: lateAfterSec })),
    });
    opsBacklog(node, 'inbox', () => backlog.last);
    // At most four status updates a second, not one translation per message.
    const showCounts = throttled(250, () => {
      const { accepted, rejected, storeDown } = endpoint;
      if (storeDown) return node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.storeDown' });
      const b = backlog.last;
      const fill = backlog.late || (rejected > 0 && accepted === 0) ? 'yellow' : 'green';
      if (b && b.depth > 0) return node.status({ fill, shape: 'ring', text: statusText('wecom-in.status.backlog', { accepted, rejected, depth: b.depth, age: Math.round(b.oldestMs / 1000) }) });
      node.status({ fill, shape: 'dot', text: statusText('wecom-in.status.counts', { accepted, rejected }) });
    });
    // Redis down (or back): the status says so at once, not only after the next refused callback.
    const offHealth = handle.store.onHealth((ok) => {
      endpoint.storeDown = !ok;
      showCounts();
    });

    const get = (req: Request, res: Response) => send(res, endpoint.get(req.query));
    const post = (req: Request, res: Response) => void endpoint.post(req.query, readBody(req, maxBody)).then((r) => send(res, r));
    const unmount = mountRoutes(RED, path, { get, post }, { rawBody: { limit: maxBody } });
    inbox.start();
    backlog.start();
    showCounts();

    onClose(node, () => {
      offHealth();
      backlog.stop();
      showCounts.cancel();
      unmount();
      releasePath(path, node.id);
      endpoint.close();
      return inbox.stop().then(() => handle.release());
    });
  }

  RED.nodes.registerType('wecom-in', nodeType(WecomIn, wecomInSchema));
};
