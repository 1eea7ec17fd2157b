/**
 * createStore(options): the one place that picks a StateStore backend.
 *  - 'memory': this process only (tests, the pure library);
 *  - 'local' (default): durable on disk in `dir` (lmdb);
 *  - 'redis': several instances on one Redis (url).
 */
import type { StateBackendKind, StateStore } from './store';
import { MemoryStore } from './backends/memory';
import { LocalStore } from './backends/local';
import { RedisStore, redisInstanceId } from './backends/redis';

export * from './store';
export { MemoryStore } from './backends/memory';
export { LocalStore } from './backends/local';
export { RedisStore } from './backends/redis';

/** `wecomState` in Node-RED's settings.js: which backend, where. */
export interface StateSettings {
  kind?: StateBackendKind;
  dir?: string;
  url?: string;
  [extra: string]: unknown;
}

export interface StoreOptions {
  kind: StateBackendKind;
  /** local: the directory of the store. */
  dir?: string;
  /** redis: redis://… */
  url?: string;
  /** A stable id of this instance (default: local keeps one in the store, others make one up). */
  instanceId?: string;
  /** Extra backend options (sweep interval, key prefix …), passed through. */
  [extra: string]: unknown;
}

export function createStore(options: StoreOptions): StateStore {
  switch (options.kind) {
    case 'memory':
      return new MemoryStore({ instanceId: options.instanceId });
    case 'local':
      if (!options.dir) throw new Error('state store "local" needs a directory (dir)');
      return new LocalStore({ ...options, dir: options.dir });
    case 'redis':
      if (!options.url) throw new Error('state store "redis" needs a URL (REDIS_URL or wecomState.url)');
      return new RedisStore({
        url: options.url,
        prefix: typeof options.prefix === 'string' ? options.prefix : undefined,
        instanceId: options.instanceId || redisInstanceId(options.dir),
      });
    default:
      throw new Error(`unknown state store kind "${String((options as { kind: unknown }).kind)}" (memory, local or redis)`);
  }
}
