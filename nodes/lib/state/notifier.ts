/**
 * In-process publish/subscribe for the single-instance backends (memory, local): listeners are called
 * asynchronously, as with Redis, and a throwing listener does not stop the others.
 */
export class Notifier {
  private readonly channels = new Map<string, Set<(message: unknown) => void>>();

  publish(channel: string, message: unknown): void {
    const set = this.channels.get(channel);
    if (!set || set.size === 0) return;
    for (const l of [...set]) {
      setImmediate(() => {
        try {
          l(message);
        } catch {
          // a listener's error is its own
        }
      });
    }
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.channels.get(channel) === set) this.channels.delete(channel);
    };
  }

  clear(): void {
    this.channels.clear();
  }
}
