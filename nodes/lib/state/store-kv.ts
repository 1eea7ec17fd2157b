/**
 * An AsyncKV (the small get/set/keys interface of the 微信客服 puller and the Deduper) kept in the state
 * store under `kv:<namespace>:` — shared by every instance on the same store.
 */
import type { AsyncKV } from './backends/context-store';
import type { StateStore } from './store';

export function storeKV(store: StateStore, namespace: string): AsyncKV {
  const p = `kv:${namespace}:`;
  return {
    get: <T>(key: string) => store.get<T>(p + key),
    set: (key: string, value: unknown) => (value === undefined ? store.delete(p + key) : store.set(p + key, value)),
    async keys() {
      const out: string[] = [];
      for await (const k of store.keys(p)) out.push(k.slice(p.length));
      return out;
    },
  };
}
