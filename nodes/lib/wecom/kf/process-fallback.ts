/**
 * A process-wide copy behind an AsyncKV. Node-RED deletes a node's context on every redeploy when no
 * context store is configured in settings.js, which would lose the 微信客服 cursor (and re-emit up to
 * 3 days of messages). Values are therefore also kept in process memory under a namespace, and read
 * from there when the context has none. A persistent store (e.g. localfilesystem) is still needed to
 * survive a process restart.
 */
import type { AsyncKV } from '../../state/context-store';

const memory = new Map<string, unknown>();

export function withProcessFallback(kv: AsyncKV, namespace: string): AsyncKV {
  const k = (key: string) => `${namespace}\n${key}`;
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const v = await kv.get<T>(key);
      return v !== undefined ? v : (memory.get(k(key)) as T | undefined);
    },
    async set(key: string, value: unknown): Promise<void> {
      if (value === undefined) memory.delete(k(key));
      else memory.set(k(key), value);
      await kv.set(key, value);
    },
    async keys(): Promise<string[]> {
      const prefix = `${namespace}\n`;
      const own = [...memory.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
      return [...new Set([...(await kv.keys()), ...own])];
    },
  };
}

/** Forget a namespace (e.g. when its node is deleted). */
export function dropProcessFallback(namespace: string): void {
  const prefix = `${namespace}\n`;
  for (const key of memory.keys()) if (key.startsWith(prefix)) memory.delete(key);
}
