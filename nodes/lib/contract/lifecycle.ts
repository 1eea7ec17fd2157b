/**
 * The message lifecycle: when is a message done? The inbox of wecom-in: every decrypted callback is appended to a stream before WeCom gets its 200, and
 * stays pending until its outcome is recorded:
 *  - a bot reply or did-you-mean: wecom-out recorded the answer in its outbox;
 *  - a message handed to (or already with) an agent: handoff recorded it in the conversation;
 *  - a flow that intentionally sends nothing: the entry settles by itself `settleMs` after it was emitted.
 * What is still pending after a crash or redeploy is emitted again (lib/wecom/inbox.ts records, emits and replays).
 */

/** The one store operation settling needs (every StateStore has it); kept structural so the contract imports no layer. */
export interface Settler {
  ack(stream: string, group: string, ids: string[]): Promise<unknown>;
}
export const INBOX_GROUP = 'wecom-in';

export interface InboxRef {
  /** Stream name. */
  s: string;
  /** Entry id. */
  id: string;
}

export function inboxStream(nodeId: string): string {
  return `inbox:${nodeId}`;
}

export function isInboxRef(v: unknown): v is InboxRef {
  return !!v && typeof v === 'object' && typeof (v as InboxRef).s === 'string' && typeof (v as InboxRef).id === 'string';
}

/** Who is told in this process when an entry of an inbox stream settles (the inbox that emitted it), by store. */
const settledHooks = new WeakMap<Settler, Map<string, (id: string) => void>>();

/** Be told when an entry of `stream` is settled through settleInbox in this process; returns the unsubscribe. */
export function onInboxSettled(store: Settler, stream: string, listener: (id: string) => void): () => void {
  let hooks = settledHooks.get(store);
  if (!hooks) settledHooks.set(store, (hooks = new Map()));
  hooks.set(stream, listener);
  return () => {
    if (hooks.get(stream) === listener) hooks.delete(stream);
  };
}

/** Record that the message's outcome is recorded (no-op for messages that did not come through an inbox). */
export async function settleInbox(store: Settler, ref: unknown): Promise<void> {
  if (!isInboxRef(ref)) return;
  await store.ack(ref.s, INBOX_GROUP, [ref.id]);
  inboxSettled(store, ref);
}

/**
 * The acknowledgement that settles the message, for a write that records its outcome and settles it in the same
 * transaction (a StateStore append's `ack`); then call inboxSettled. Undefined when it came through no inbox.
 */
export function settleAck(ref: unknown): { stream: string; group: string; ids: string[] } | undefined {
  return isInboxRef(ref) ? { stream: ref.s, group: INBOX_GROUP, ids: [ref.id] } : undefined;
}

/** Tell the inbox that emitted it (in this process) that the message was settled by a write carrying settleAck. */
export function inboxSettled(store: Settler, ref: unknown): void {
  if (isInboxRef(ref)) settledHooks.get(store)?.get(ref.s)?.(ref.id);
}
