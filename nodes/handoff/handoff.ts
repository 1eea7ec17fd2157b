/**
 * `handoff`: bot-to-human transfer. Takes every user message from wecom-in and decides, per conversation,
 * whether it goes to the bot (output 1) or to the agents (output 2, wired to ws-bridge); notices for the
 * user go out on output 3 (wired to wecom-out). Also takes ws-bridge's events (msg.bridge) and wecom-out's
 * results (msg.wecomResult, recorded in the transcript). The decisions are in lib/handoff/engine.ts.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { ConversationStore } from '../lib/handoff/conversation-store';
import { DueTimers } from '../lib/state/due-timers';
import { settleInbox } from '../lib/state/inbox';
import { throttled } from '../shared/throttle';
import { acquireStore, type StoreHandle } from '../shared/state';
import { DEFAULT_TEXTS, HandoffEngine, type Emit, type GroupOptions, type HandoffTexts } from '../lib/handoff/engine';
import { compileWordList, DEFAULT_CANCEL_WORDS, DEFAULT_TRANSFER_EXCLUDE, DEFAULT_TRANSFER_WORDS, splitList } from '../lib/handoff/transfer-words';
import { parseBusinessHours, type BusinessHours } from '../lib/handoff/business-hours';
import { nativeTransfer } from '../shared/kf-transfer';
import type { WecomAccountNode } from '../shared/account-node';
import type { CompiledRules } from '../lib/bot/keyword-rules';
import { mountKfAccounts } from './kf-accounts';
import { opsHandoffInput, opsHandoffOutput } from '../shared/events';
import { statusText } from '../shared/status-text';
import { numField } from '../shared/fields';
import { nodeType, wecomMsg } from '../shared/node-kit';

type TextKey = keyof HandoffTexts;
const TEXT_KEYS = Object.keys(DEFAULT_TEXTS) as TextKey[];

interface HandoffDef extends NodeDef {
  store?: string;
  transferWords?: string;
  transferMode?: string;
  transferExclude?: string;
  cancelWords?: string;
  cancelMode?: string;
  cancelExclude?: string;
  missThreshold?: number | string;
  idleTimeout?: number | string;
  idleUnit?: string;
  queueTimeout?: number | string;
  transcriptMax?: number | string;
  schedule?: string;
  holidays?: string;
  timeZone?: string;
  native?: boolean;
  botWhileQueued?: boolean | string;
  account?: string;
  servicer?: string;
  /** Rows {type: 'kf'|'app', id: open_kfid|AgentID, group} of the group mapping. */
  groupMap?: Array<{ type?: string; id?: string; group?: string }>;
  groupFallback?: string;
  [text: string]: unknown;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };

/** A word list field: blank → the default, "-" → none. */
function listField(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return v.trim() === '-' ? '' : v;
}

/** How long a conversation that is with the bot is kept after its last message. */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** The editor's group mapping as the engine takes it: `kf:<open_kfid>` / `app:<AgentID>` → group. */
function groupOptions(def: HandoffDef): GroupOptions | undefined {
  const rows = Array.isArray(def.groupMap) ? def.groupMap : [];
  const map: Record<string, string> = {};
  for (const r of rows) {
    const id = String(r?.id ?? '').trim();
    const group = String(r?.group ?? '').trim();
    if (id && group) map[`${r.type === 'app' ? 'app' : 'kf'}:${id}`] = group;
  }
  const fallback = def.groupFallback === 'any';
  return Object.keys(map).length || fallback ? { map, fallback } : undefined;
}

export = function register(RED: NodeAPI): void {
  mountKfAccounts(RED);
  function Handoff(this: Node, def: HandoffDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    let closed = false;

    let transfer: CompiledRules | null;
    let cancel: CompiledRules | null;
    let hours: BusinessHours | null = null;
    try {
      transfer = compileWordList(
        { words: listField(def.transferWords), mode: def.transferMode, exclude: listField(def.transferExclude) },
        { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: DEFAULT_TRANSFER_EXCLUDE },
      );
      cancel = compileWordList(
        { words: listField(def.cancelWords), mode: def.cancelMode, exclude: listField(def.cancelExclude) },
        { words: DEFAULT_CANCEL_WORDS, mode: 'contains', exclude: [] },
      );
      if ((def.schedule ?? '').trim() || (def.holidays ?? '').trim()) hours = parseBusinessHours(def.schedule ?? '', def.holidays ?? '', def.timeZone || 'Asia/Shanghai');
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'handoff.status.badConfig' });
      node.error(RED._('handoff.errors.badConfig', { message: (err as Error).message }));
      return;
    }

    const texts = {} as HandoffTexts;
    for (const k of TEXT_KEYS) {
      const v = def[`${k}Text`];
      texts[k] = typeof v === 'string' && v.trim() !== '' ? (v.trim() === '-' ? '' : v) : DEFAULT_TEXTS[k];
    }
    const unit = UNIT_MS[def.idleUnit ?? 'min'] ?? 60_000;

    // Conversations and their timers live in the runtime's state store (durable with the local store).
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'handoff.status.badConfig' });
      node.error(RED._('handoff.errors.store', { message: (err as Error).message }));
      return;
    }
    const state = handle.store;
    let storeDown = false;
    const offHealth = state.onHealth((ok) => {
      storeDown = !ok;
      showStatus();
    });
    const store = new ConversationStore(state, Date.now, RETENTION_MS);
    const engine = new HandoffEngine(
      store,
      {
        transfer,
        cancel,
        missThreshold: Math.max(1, Math.floor(numField(def.missThreshold, 1, 1))),
        idleMs: numField(def.idleTimeout, 30, 0) * unit,
        // a queue that never times out can trap a user: 10 (idle units) unless set
        queueMs: numField(def.queueTimeout, 10, 0) * unit,
        transcriptMax: Math.max(1, Math.floor(numField(def.transcriptMax, 20, 1))),
        hours,
        texts,
        cancelWord: (splitList(listField(def.cancelWords)) ?? DEFAULT_CANCEL_WORDS).find((w) => !w.startsWith('/')) ?? '',
        botWhileQueued: def.botWhileQueued !== false && def.botWhileQueued !== 'false',
        groups: groupOptions(def),
        nativeTransfer: def.native ? nativeTransfer(def.account ? (RED.nodes.getNode(def.account) as WecomAccountNode | null) : null, def.servicer || undefined) : undefined,
      },
      (id, at) => void timers.schedule(id, at),
    );
    const timers = new DueTimers(
      state,
      `handoff-timers:${node.id}`,
      (id) => engine.expire(id).then(emit),
      (err) => node.error(RED._('handoff.errors.store', { message: err.message })),
    );

    // At most once a second: counting active conversations lists keys (a scan of the whole keyspace on Redis).
    const showStatus = throttled(1000, () => {
      if (closed) return;
      if (storeDown) return node.status({ fill: 'red', shape: 'ring', text: 'handoff.status.storeDown' });
      store
        .active()
        .then((ids) => {
          if (closed) return;
          const agents = engine.agentsOnline;
          node.status({
            fill: 'green',
            shape: agents ? 'dot' : 'ring',
            text: statusText('handoff.status.counts', { active: ids.length, agents: agents === undefined ? '?' : agents }),
          });
        })
        .catch(() => undefined);
    });

    const emit = (out: Emit) => {
      if (closed) return;
      if (out.bot.length + out.agent.length + out.notice.length === 0) return;
      opsHandoffOutput(RED, out.agent);
      node.send([out.bot, out.agent, out.notice]);
      showStatus();
    };

    node.on('input', (msg: NodeMessage, _send, done) => {
      const m = wecomMsg(msg);
      opsHandoffInput(RED, m);
      let work: Promise<Emit | void>;
      if (m.wecomResult !== undefined) work = engine.result(m);
      else if (m.bridge && typeof m.bridge === 'object') work = engine.bridge(m.bridge);
      else if (m.wecom && typeof m.wecom.conversationId === 'string' && m.wecom.conversationId) work = engine.user(m);
      else {
        done(new Error(RED._('handoff.errors.noWecom')));
        return;
      }
      work
        .then(async (out) => {
          // A user message that does not go on to the bot has its outcome recorded in the conversation.
          if (out && m.wecomResult === undefined && !m.bridge && out.bot.length === 0) await settleInbox(state, m.wecom?.inbox);
          return out;
        })
        .then(
        (out) => {
          if (out) emit(out);
          // presence changes the status although nothing is sent (other events that change it send something)
          if (m.bridge?.event === 'presence') showStatus();
          done();
        },
        (err: Error) => done(err),
      );
    });

    // Re-arm timers and re-offer active conversations once every node of the flow exists.
    const startup = setTimeout(() => {
      timers.start();
      engine
        .restore()
        .then(emit)
        .then(showStatus)
        .catch((err: Error) => node.error(RED._('handoff.errors.store', { message: err.message })));
    }, 0);

    // Conversations with the bot that have been idle for a week are forgotten (hourly sweep).
    const sweepIdle = () => {
      store.sweepIdle(RETENTION_MS).catch((err: Error) => node.error(RED._('handoff.errors.store', { message: err.message })));
    };
    const sweeper = setInterval(sweepIdle, 60 * 60 * 1000);
    sweeper.unref();

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      offHealth();
      showStatus.cancel();
      clearTimeout(startup);
      clearInterval(sweeper);
      timers.stop();
      node.status({});
      void handle.release().then(() => done());
    });
  }

  RED.nodes.registerType('handoff', nodeType(Handoff));
};
