/**
 * `wecom-in`: WeCom's callback URL on Node-RED's own HTTP server. Answers the URL verification,
 * verifies, decrypts and parses every POST, acknowledges at once, de-duplicates WeCom's re-sends and
 * emits each message once in the package's message contract (see lib/types.ts).
 */
import { randomUUID } from 'node:crypto';
import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response, RequestHandler } from 'express';
import type { WecomAccountNode } from '../shared/account-node';
import { claimPath, mountRoutes, releasePath } from '../shared/http-routes';
import { CallbackError, openCallback, sealReply, verifyUrl, type CallbackKeys } from '../lib/wecom/callback';
import { readBody, BodyError } from '../lib/wecom/raw-body';
import { toInbound, dedupeKey, type InboundMessage } from '../lib/wecom/inbound';
import { openPassiveSlot, releasePassiveSlot } from '../lib/wecom/passive-reply';
import { str, type XmlRecord } from '../lib/wecom/xml';
import { KfPuller } from '../lib/wecom/kf/puller';
import { StateUnavailable, type StreamEntry } from '../lib/state/store';
import { INBOX_GROUP, inboxStream } from '../lib/state/inbox';
import { storeKV } from '../lib/state/store-kv';
import { acquireStore, type StoreHandle } from '../shared/state';
import { throttled } from '../shared/throttle';
import { statusText } from '../shared/status-text';
import { nodeType } from '../shared/node-kit';
import { StreamPump } from '../lib/state/stream-pump';

interface WecomInDef extends NodeDef {
  account: string;
  path?: string;
  passiveReply?: boolean;
  passiveBudgetMs?: number | string;
  dedupeStore?: string;
  maxBodyKb?: number | string;
  /** Ignored (older flows): the 微信客服 cursor and dedupe now live in the state store. */
  kfStore?: string;
  /** 微信客服: skip messages sent before the first start (default true). */
  kfSkipBacklog?: boolean;
  /** 微信客服: welcome text sent on enter_session within welcome_code's 20 s ('' = none). */
  kfWelcome?: string;
  /** A message left without a recorded outcome by a stopped run is emitted again after this many seconds. */
  replayAfterSec?: number | string;
  /** A message emitted this long ago without a recorded outcome counts as answered by the flow (s). */
  settleSec?: number | string;
}

/**
 * One recorded message: the decrypted callback (`rec`) or a pulled 微信客服 message (`kf`), its dedupe key and
 * the nonce that claims the key.
 */
interface InboxValue {
  rec?: XmlRecord;
  kf?: InboundMessage;
  k: string;
  n: string;
}

/** How long WeCom's re-sends of one message are recognised (it re-sends within about 20 s). */
const DEDUPE_TTL_MS = 15 * 60 * 1000;
/** How long a pulled 微信客服 msgid is recognised when a page is pulled again (a crash before the cursor moved). */
const KF_DEDUPE_TTL_MS = 24 * 3600 * 1000;
const DEFAULT_REPLAY_AFTER_SEC = 10;
const DEFAULT_SETTLE_SEC = 60;

const DEFAULT_PATH = '/wecom/callback';
const MAX_PASSIVE_BUDGET_MS = 4000;
const DEFAULT_PASSIVE_BUDGET_MS = 3000;
const DEFAULT_MAX_BODY_KB = 256;
const WARNINGS_PER_MINUTE = 10;

function normalisePath(p: string | undefined): string {
  const t = (p ?? '').trim() || DEFAULT_PATH;
  return t.startsWith('/') ? t : `/${t}`;
}

function seconds(v: unknown, dflt: number, min: number): number {
  const n = Number(v);
  return v === undefined || v === '' || !Number.isFinite(n) ? dflt : Math.max(min, n);
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
    const openSlots = new Set<string>();
    let accepted = 0;
    let rejected = 0;
    let warnWindow = { start: Date.now(), count: 0, suppressed: 0 };

    let storeDown = false;
    // At most four status updates a second, not one translation per message.
    const showCounts = throttled(250, () => {
      if (storeDown) return node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.storeDown' });
      node.status({
        fill: rejected > 0 && accepted === 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: statusText('wecom-in.status.counts', { accepted, rejected }),
      });
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
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      releasePath(path, node.id);
      node.status({ fill: 'red', shape: 'ring', text: 'wecom-in.status.storeDown' });
      node.error(RED._('wecom-in.errors.store', { message: (err as Error).message }));
      return;
    }
    const state = handle.store;
    // Redis down (or back): the status says so at once, not only after the next refused callback.
    const offHealth = state.onHealth((ok) => {
      storeDown = !ok;
      showCounts();
    });
    const stream = inboxStream(node.id);
    // A consumer name per run: what a stopped run (crash, redeploy) left pending is taken over after replayAfterMs.
    const consumer = `${state.instanceId}:${node.id}:${randomUUID().slice(0, 8)}`;
    const replayAfterMs = seconds(def.replayAfterSec, DEFAULT_REPLAY_AFTER_SEC, 1) * 1000;
    const settleMs = seconds(def.settleSec, DEFAULT_SETTLE_SEC, 1) * 1000;
    const dedupeRecord = (k: string) => `dedupe:${node.id}:${k}`;

    const emit = (m: InboundMessage) => node.send(m);

    // 微信客服: the callback only says "pull now"; the puller fetches each sync_msg page, records its messages
    // in the inbox (below) and only then moves the cursor. The cursor and a pull lease per open_kfid live in
    // the state store (every backend; shared by instances on Redis); the msgid dedupe is claimed on delivery.
    // Created at start so that "skip the backlog before the first start" has the right start time.
    const kfNamespace = `${node.id}:${account.settings.apiBase}:${keys.receiveId}`;
    const kfPuller = new KfPuller({
      api: () => account.api('kf'),
      kv: storeKV(state, kfNamespace),
      corpId: keys.receiveId,
      agentId: account.settings.agentId,
      accountId: account.id,
      emit: async (batch) => {
        for (const m of batch) {
          const msgId = m.wecom.msgId ? `kf:${m.wecom.openKfId ?? ''}:${m.wecom.msgId}` : '';
          await state.append(stream, { kf: m, k: msgId, n: randomUUID() } satisfies InboxValue);
        }
        pump();
      },
      skipBacklog: def.kfSkipBacklog !== false,
      welcome: (def.kfWelcome ?? '').trim(),
      budget: account.kfBudget,
      onError: (err) => node.warn(RED._('wecom-in.errors.kfWelcome', { message: err.message })),
      lease: (name, ttlMs) => state.lease(name, ttlMs),
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

    /** Passive-reply slots of recorded messages not yet emitted, by nonce. */
    const slotByNonce = new Map<string, string>();
    /** Entries emitted in this run and not yet settled, by id → settle deadline. */
    const unsettled = new Map<string, number>();

    /** A pulled 微信客服 message: the first entry to claim its msgid emits it (again after a crash); re-pulls are dropped. */
    const deliverKfEntry = async (e: StreamEntry<InboxValue>, m: InboundMessage): Promise<void> => {
      const v = e.value;
      let first = true;
      if (v.k) {
        first = await state.claim(dedupeRecord(v.k), v.n, KF_DEDUPE_TTL_MS);
        if (!first && (await state.get<string>(dedupeRecord(v.k))) !== v.n) {
          await state.ack(stream, INBOX_GROUP, [e.id]);
          return;
        }
      }
      m.wecom.inbox = { s: stream, id: e.id };
      unsettled.set(e.id, Date.now() + settleMs);
      if (first) kfPuller.delivered(m);
      emit(m);
    };

    const deliverEntry = async (e: StreamEntry<InboxValue>): Promise<void> => {
      const v = e.value;
      if (v.kf) return deliverKfEntry(e, v.kf);
      if (!v.rec) return void (await state.ack(stream, INBOX_GROUP, [e.id]));
      const owner = await state.get<string>(dedupeRecord(v.k));
      const slot = slotByNonce.get(v.n);
      slotByNonce.delete(v.n);
      if (owner !== undefined && owner !== v.n) {
        // A re-send of a message already recorded under another entry.
        releasePassiveSlot(slot);
        await state.ack(stream, INBOX_GROUP, [e.id]);
        return;
      }
      const inbound = toInbound(v.rec, keys.receiveId, account.settings.agentId);
      inbound.wecom.accountId = account.id;
      inbound.wecom.inbox = { s: stream, id: e.id };
      if (slot) inbound.wecom.replyKey = slot;
      unsettled.set(e.id, Date.now() + settleMs);
      emit(inbound);
    };

    // The consumer: emits what was recorded (and, after replayAfterMs, what a stopped run left without an outcome).
    const inboxPump = new StreamPump<InboxValue>({
      store: state,
      stream,
      group: INBOX_GROUP,
      consumer,
      batch: 200,
      replayAfterMs,
      handle: deliverEntry,
      onError: (err) => node.error(RED._('wecom-in.errors.internal', { message: (err as Error)?.message ?? String(err) })),
    });
    const pump = (claim = false): void => inboxPump.run(claim);
    const poller = setInterval(() => {
      pump(true);
      // Entries the flow answered without a recorded outcome (it intentionally sent nothing) settle here.
      const now = Date.now();
      const due = [...unsettled].filter(([, at]) => at <= now).map(([id]) => id);
      for (const id of due) unsettled.delete(id);
      if (due.length > 0) state.ack(stream, INBOX_GROUP, due).catch(() => undefined);
    }, Math.min(1000, replayAfterMs / 2));

    const deliverKf = async (rec: XmlRecord, res: Response) => {
      const inbound = toInbound(rec, keys.receiveId, account.settings.agentId);
      inbound.wecom.accountId = account.id;
      const first = await state.claim(dedupeRecord(dedupeKey(rec)), 1, DEDUPE_TTL_MS);
      if (!res.headersSent) res.status(200).end();
      if (first) await pullKf(rec, inbound);
    };

    const deliver = async (rec: XmlRecord, res: Response) => {
      accepted++;
      showCounts();
      if (str(rec, 'Event').toLowerCase() === 'kf_msg_or_event') return deliverKf(rec, res);
      let slot: string | undefined;
      let unrecorded = false;
      const nonce = randomUUID();
      if (passive) {
        slot = openPassiveSlot(budget, (xml) => {
          openSlots.delete(slot as string);
          if (res.headersSent || unrecorded) return;
          if (xml === null) res.status(200).end();
          else res.status(200).type('application/xml').send(sealReply(keys, xml));
        });
        openSlots.add(slot);
        slotByNonce.set(nonce, slot);
      }
      try {
        const k = dedupeKey(rec);
        await Promise.all([state.claim(dedupeRecord(k), nonce, DEDUPE_TTL_MS), state.append(stream, { rec, k, n: nonce } satisfies InboxValue)]);
      } catch (err) {
        unrecorded = true;
        slotByNonce.delete(nonce);
        if (slot) {
          openSlots.delete(slot);
          releasePassiveSlot(slot);
        }
        throw err;
      }
      if (storeDown) {
        storeDown = false;
        showCounts();
      }
      if (!passive && !res.headersSent) res.status(200).end();
      pump();
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
          return deliver(opened.message, res);
        })
        .catch((err: unknown) => {
          if (err instanceof BodyError) return reject(res, err.status, err.message);
          if (err instanceof CallbackError) return reject(res, err.status, err.message);
          if (err instanceof StateUnavailable) {
            // Not recorded, so not acknowledged: WeCom re-sends it later.
            storeDown = true;
            return reject(res, 503, err.message);
          }
          if (!res.headersSent) res.status(500).end();
          node.error(RED._('wecom-in.errors.internal', { message: (err as Error)?.message ?? String(err) }));
        });
    };

    const unmount = mountRoutes(RED, path, { get: onGet, post: onPost }, { rawBody: { limit: maxBody } });
    showCounts();
    pump();

    node.on('close', (removed: boolean, done: () => void) => {
      inboxPump.stop();
      offHealth();
      clearInterval(poller);
      showCounts.cancel();
      unmount();
      releasePath(path, node.id);
      for (const key of openSlots) releasePassiveSlot(key);
      openSlots.clear();
      node.status({});
      kfPuller
        .stop()
        .catch(() => undefined)
        .then(() => handle.release())
        .then(() => done());
    });
  }

  RED.nodes.registerType('wecom-in', nodeType(WecomIn));
};
