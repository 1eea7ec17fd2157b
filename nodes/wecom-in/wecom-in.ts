/**
 * `wecom-in`: WeCom's callback URL on Node-RED's own HTTP server. Answers the URL verification,
 * verifies, decrypts and parses every POST, acknowledges at once, de-duplicates WeCom's re-sends and
 * emits each message once in the package's message contract (see lib/types.ts).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import type { Request, Response, RequestHandler } from 'express';
import type { WecomAccountNode } from '../shared/account-node';
import { claimPath, mountRoutes, releasePath } from '../shared/http-routes';
import { CallbackError, openCallback, sealReply, verifyUrl, type CallbackKeys } from '../lib/wecom/callback';
import { readBody, BodyTooLarge } from '../lib/wecom/raw-body';
import { toInbound, dedupeKey, type InboundMessage } from '../lib/wecom/inbound';
import { Deduper } from '../lib/state/dedupe';
import { contextKV, type ContextLike } from '../lib/state/context-store';
import { openPassiveSlot, releasePassiveSlot } from '../lib/wecom/passive-reply';
import { str, type XmlRecord } from '../lib/wecom/xml';
import { KfPuller } from '../lib/wecom/kf/puller';
import { withProcessFallback, dropProcessFallback } from '../lib/wecom/kf/process-fallback';

interface WecomInDef extends NodeDef {
  account: string;
  path?: string;
  passiveReply?: boolean;
  passiveBudgetMs?: number | string;
  dedupeStore?: string;
  maxBodyKb?: number | string;
  /** 微信客服: context store for the sync_msg cursors and kf dedupe ('' = default store). */
  kfStore?: string;
  /** 微信客服: skip messages sent before the first start (default true). */
  kfSkipBacklog?: boolean;
  /** 微信客服: welcome text sent on enter_session within welcome_code's 20 s ('' = none). */
  kfWelcome?: string;
}

const DEFAULT_PATH = '/wecom/callback';
const MAX_PASSIVE_BUDGET_MS = 4000;
const DEFAULT_PASSIVE_BUDGET_MS = 3000;
const DEFAULT_MAX_BODY_KB = 256;
const WARNINGS_PER_MINUTE = 10;

function normalisePath(p: string | undefined): string {
  const t = (p ?? '').trim() || DEFAULT_PATH;
  return t.startsWith('/') ? t : `/${t}`;
}

function clampBudget(v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) return DEFAULT_PASSIVE_BUDGET_MS;
  return Math.min(Math.max(Math.round(n), 100), MAX_PASSIVE_BUDGET_MS);
}

export = function register(RED: NodeAPI): void {
  function WecomIn(this: Node, def: WecomInDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const account = RED.nodes.getNode(def.account) as WecomAccountNode | null;
    const path = normalisePath(def.path);
    const passive = def.passiveReply === true;
    const budget = clampBudget(def.passiveBudgetMs);
    const maxBody = Math.max(1, Number(def.maxBodyKb) || DEFAULT_MAX_BODY_KB) * 1024;
    const deduper = new Deduper(contextKV(node.context() as unknown as ContextLike, def.dedupeStore));
    const openSlots = new Set<string>();
    let accepted = 0;
    let rejected = 0;
    let warnWindow = { start: Date.now(), count: 0, suppressed: 0 };

    const showCounts = () =>
      node.status({
        fill: rejected > 0 && accepted === 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: RED._('wecom-in.status.counts', { accepted, rejected }),
      });

    const rateLimitedWarn = (text: string) => {
      const now = Date.now();
      if (now - warnWindow.start > 60_000) {
        if (warnWindow.suppressed > 0) node.warn(RED._('wecom-in.warn.suppressed', { count: warnWindow.suppressed }));
        warnWindow = { start: now, count: 0, suppressed: 0 };
      }
      if (warnWindow.count < WARNINGS_PER_MINUTE) {
        warnWindow.count++;
        node.warn(text);
      } else warnWindow.suppressed++;
    };

    const reject = (res: Response, status: number, reason: string) => {
      rejected++;
      showCounts();
      rateLimitedWarn(RED._('wecom-in.warn.rejected', { status, reason, path }));
      if (!res.headersSent) res.status(status).type('text/plain').send(status === 413 ? 'payload too large' : 'rejected');
    };

    if (!account) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.noAccount' });
      node.error(RED._('wecom-in.errors.noAccount'));
      return;
    }
    let keys: CallbackKeys;
    try {
      keys = account.callbackKeys();
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.badAccount' });
      node.error((err as Error).message);
      return;
    }
    const holder = claimPath(path, node.id);
    if (holder !== null) {
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.pathInUse' });
      node.error(RED._('wecom-in.errors.pathInUse', { path, node: holder }));
      return;
    }

    const emit = (m: InboundMessage) => node.send(m as unknown as NodeMessage);

    // 微信客服: the callback only says "pull now"; the puller fetches, emits and persists the cursor.
    // Created at start so that "skip the backlog before the first start" has the right start time.
    // The cursor also lives in process memory: without a configured context store Node-RED wipes node
    // context on every redeploy.
    const kfNamespace = `${node.id}:${account.settings.apiBase}:${keys.receiveId}`;
    const kfKV = withProcessFallback(contextKV(node.context() as unknown as ContextLike, def.kfStore), kfNamespace);
    const kfPuller = new KfPuller({
      api: () => account.api('kf'),
      kv: kfKV,
      deduper: new Deduper(kfKV, { prefix: 'wecomKfDedupe:', ttlMs: 60 * 60 * 1000 }),
      corpId: keys.receiveId,
      agentId: account.settings.agentId,
      accountId: account.id,
      emit: (batch) => {
        for (const m of batch) emit(m);
      },
      skipBacklog: def.kfSkipBacklog !== false,
      welcome: (def.kfWelcome ?? '').trim(),
      budget: account.kfBudget,
      onError: (err) => node.warn(RED._('wecom-in.errors.kfWelcome', { message: err.message })),
    });
    const pullKf = async (rec: XmlRecord, inbound: InboundMessage): Promise<void> => {
      const openKfId = str(rec, 'OpenKfId');
      if (!openKfId) {
        inbound.wecom.channel = 'kf';
        emit(inbound);
        return;
      }
      try {
        await kfPuller.pull(openKfId, str(rec, 'Token') || undefined);
      } catch (err) {
        node.error(RED._('wecom-in.errors.kfPull', { message: (err as Error)?.message ?? String(err) }));
      }
    };

    const deliver = async (rec: XmlRecord, res: Response | null) => {
      const inbound = toInbound(rec, keys.receiveId, account.settings.agentId);
      inbound.wecom.accountId = account.id;
      if (!(await deduper.firstTime(dedupeKey(rec)))) {
        if (res && !res.headersSent) res.status(200).end();
        return;
      }
      accepted++;
      showCounts();
      if (inbound.wecom.event === 'kf_msg_or_event') {
        if (res && !res.headersSent) res.status(200).end();
        await pullKf(rec, inbound);
        return;
      }
      if (res) {
        const key = openPassiveSlot(budget, (xml) => {
          openSlots.delete(key);
          if (res.headersSent) return;
          if (xml === null) res.status(200).end();
          else res.status(200).type('application/xml').send(sealReply(keys, xml));
        });
        openSlots.add(key);
        inbound.wecom.replyKey = key;
      }
      emit(inbound);
    };

    const onGet: RequestHandler = (req: Request, res: Response) => {
      try {
        const plain = verifyUrl(keys, req.query as Record<string, unknown>);
        accepted++;
        showCounts();
        res.status(200).type('text/plain').send(plain);
      } catch (err) {
        const e = err instanceof CallbackError ? err : new CallbackError(400, 'bad request');
        reject(res, e.status, e.message);
      }
    };

    const onPost: RequestHandler = (req: Request, res: Response) => {
      readBody(req, maxBody)
        .then((body) => {
          const opened = openCallback(keys, req.query as Record<string, unknown>, body);
          if (!passive) res.status(200).end();
          return deliver(opened.message, passive ? res : null);
        })
        .catch((err: unknown) => {
          if (err instanceof BodyTooLarge) return reject(res, 413, err.message);
          if (err instanceof CallbackError) return reject(res, err.status, err.message);
          if (!res.headersSent) res.status(500).end();
          node.error(RED._('wecom-in.errors.internal', { message: (err as Error)?.message ?? String(err) }));
        });
    };

    const unmount = mountRoutes(RED, path, { get: onGet, post: onPost });
    showCounts();

    node.on('close', (removed: boolean, done: () => void) => {
      unmount();
      releasePath(path, node.id);
      for (const key of openSlots) releasePassiveSlot(key);
      openSlots.clear();
      if (removed) dropProcessFallback(kfNamespace);
      node.status({});
      kfPuller.stop().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('wecom-in', WecomIn as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
