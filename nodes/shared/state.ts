/**
 * The state store of this Node-RED runtime: one per process and configuration, shared by every node of the
 * package, closed when the last node lets it go (a full redeploy reopens it).
 *
 * Chosen by (first that is set):
 *   settings.js `wecomState: { kind: 'local' | 'memory' | 'redis', dir, url }`,
 *   env WECOM_STATE (local | memory | redis), WECOM_STATE_DIR, REDIS_URL (selects redis),
 *   WECOM_REDIS_PREFIX / wecomState.prefix (key prefix, default `wecom:`, one per app sharing a Redis),
 *   else 'local' in `<userDir>/wecom-state/` — or 'memory' when the runtime has no user dir (test helper).
 */
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';
import { createStore, type StateSettings, type StoreOptions } from '../lib/state/index';
import type { StateBackendKind, StateStore } from '../lib/state/store';
import { settingsOf } from './node-kit';

interface Entry {
  store: StateStore;
  refs: number;
}
const open = new Map<string, Entry>();

export type { StateSettings };

/** The store options this runtime's settings and environment select. */
export function stateOptions(settings: { userDir?: string; wecomState?: StateSettings }, env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const s = settings.wecomState ?? {};
  const envKind = (env.WECOM_STATE || '').trim() as StateBackendKind | '';
  const kind: StateBackendKind = s.kind ?? (envKind || (env.REDIS_URL ? 'redis' : settings.userDir ? 'local' : 'memory'));
  const dir = s.dir ?? env.WECOM_STATE_DIR ?? (settings.userDir ? path.join(settings.userDir, 'wecom-state') : undefined);
  const prefix = s.prefix ?? env.WECOM_REDIS_PREFIX; // redis: several apps on one Redis
  return { ...s, kind, dir: dir ? path.resolve(dir) : undefined, url: s.url ?? env.REDIS_URL, ...(prefix ? { prefix } : {}) };
}

export interface StoreHandle {
  store: StateStore;
  /**
   * Let go of the store (call once, on node close, and wait for it): the last node to let go closes it,
   * so a runtime that stops (SIGTERM, RED.stop) has finished every write before the process exits.
   */
  release(): Promise<void>;
}

/** The runtime's store (opened on first use). Throws a clear Error for an unusable configuration. */
export function acquireStore(RED: NodeAPI): StoreHandle {
  const opts = stateOptions(settingsOf(RED));
  const id = opts.kind === 'memory' ? 'memory:' + runtimeId(RED) : `${opts.kind}:${opts.dir ?? opts.url ?? ''}`;
  let e = open.get(id);
  if (!e) open.set(id, (e = { store: createStore(opts), refs: 0 }));
  const entry = e;
  entry.refs++;
  let released = false;
  return {
    store: entry.store,
    async release() {
      if (released) return;
      released = true;
      if (--entry.refs > 0 || open.get(id) !== entry) return;
      open.delete(id);
      await entry.store.close().catch(() => undefined);
    },
  };
}

/**
 * A memory store is per runtime (the test helper starts several in one process). A runtime is known by its node
 * HTTP app: Node-RED gives each node module its own copy of RED.settings, so keyed by settings wecom-in, handoff and
 * wecom-out each had a memory store of their own (and wecom-out's settling never reached wecom-in's inbox).
 */
const runtimes = new WeakMap<object, string>();
let runtimeSeq = 0;
function runtimeId(RED: NodeAPI): string {
  const key: object = (RED.httpNode as object | undefined) ?? settingsOf(RED);
  let id = runtimes.get(key);
  if (!id) runtimes.set(key, (id = String(++runtimeSeq)));
  return id;
}
