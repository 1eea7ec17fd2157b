/**
 * Serialise async work per key: tasks with the same key run one after another, in arrival order;
 * tasks with different keys run concurrently. A failing task does not block the ones after it.
 */
export class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(
      () => task(),
      () => task(),
    );
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Number of keys with queued or running work (for tests and status). */
  get size(): number {
    return this.tails.size;
  }
}
