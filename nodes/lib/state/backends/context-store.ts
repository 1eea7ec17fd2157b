/**
 * A promise-based key/value view of a Node-RED context (node, flow or global) bound to one store name.
 * Always uses the callback form of get/set, so it works with asynchronous stores (file, custom) too.
 * No Node-RED import: any object with the context get/set signature will do.
 */

export interface AsyncKV {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Setting undefined deletes the key. */
  set(key: string, value: unknown): Promise<void>;
  keys(): Promise<string[]>;
}

type Cb<T> = (err: Error | null | undefined, value?: T) => void;
export interface ContextLike {
  get(key: string, store: string | undefined, cb: Cb<unknown>): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error | null) => void): void;
  keys(store: string | undefined, cb: Cb<string[]>): void;
}

/** Wrap a Node-RED context; an empty store name means the default store. */
export function contextKV(ctx: ContextLike, store?: string): AsyncKV {
  const name = store && store.trim() !== '' ? store.trim() : undefined;
  return {
    get<T>(key: string): Promise<T | undefined> {
      return new Promise((resolve, reject) => {
        ctx.get(key, name, (err, value) => (err ? reject(err) : resolve(value as T | undefined)));
      });
    },
    set(key: string, value: unknown): Promise<void> {
      return new Promise((resolve, reject) => {
        ctx.set(key, value, name, (err) => (err ? reject(err) : resolve()));
      });
    },
    keys(): Promise<string[]> {
      return new Promise((resolve, reject) => {
        ctx.keys(name, (err, value) => (err ? reject(err) : resolve(value ?? [])));
      });
    },
  };
}

/** An in-memory AsyncKV, for tests and for the pure library used outside Node-RED. */
export function memoryKV(): AsyncKV {
  const map = new Map<string, unknown>();
  return {
    async get<T>(key: string) {
      return map.get(key) as T | undefined;
    },
    async set(key: string, value: unknown) {
      if (value === undefined) map.delete(key);
      else map.set(key, value);
    },
    async keys() {
      return [...map.keys()];
    },
  };
}
