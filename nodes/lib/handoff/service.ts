/**
 * A handoff node's running parts, pure of Node-RED: the engine over the conversations in the state store, its
 * timers (idle and queue timeouts, durable: re-armed after a restart), the re-offer of active conversations at
 * start and the hourly sweep of conversations idle with the bot. The adapter (nodes/handoff) sends what
 * `emit` gets and shows the status.
 */
import type { StateStore } from '../state/store';
import { DueTimers } from '../state/due-timers';
import { settleInbox } from '../contract/lifecycle';
import { ConversationStore, DEFAULT_RETENTION_MS } from './conversation-store';
import { HandoffEngine, type Emit, type HandoffOptions } from './engine';
import type { WecomMsg } from '../contract/messages';
import { isBridgeEvent, isSendResult, isUserMessage } from '../contract/kinds';

export interface HandoffHooks {
  /** Messages for the three outputs (never all empty). */
  emit(out: Emit): void;
  /** The state store failed (timers, restore, sweep). */
  error(err: Error): void;
  /** Something the status shows may have changed without a message out (agents' presence). */
  changed(): void;
}

const SWEEP_MS = 60 * 60 * 1000;
/** The agents online as ws-bridge last reported them is kept this long, and written again at most this often. */
const PRESENCE_TTL_MS = 24 * 60 * 60 * 1000;
const PRESENCE_REFRESH_MS = 60 * 60 * 1000;

export class HandoffService {
  readonly conversations: ConversationStore;
  readonly engine: HandoffEngine;
  private readonly timers: DueTimers;
  private closed = false;
  private startup: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Where the last reported agents-online count is kept, so a handoff deployed on its own still knows a bridge answers. */
  private readonly presenceKey: string;
  private presenceSaved: { n: number; at: number } | null = null;

  /** `timersKey`: the store's timer queue of this node (one per node id). */
  constructor(
    private readonly state: StateStore,
    timersKey: string,
    options: HandoffOptions,
    private readonly hooks: HandoffHooks,
    now: () => number = Date.now,
  ) {
    this.presenceKey = `${timersKey}:agents-online`;
    this.conversations = new ConversationStore(state, now, DEFAULT_RETENTION_MS);
    this.engine = new HandoffEngine(this.conversations, options, (id, at) => void this.timers.schedule(id, at), now);
    this.timers = new DueTimers(state, timersKey, (id) => this.engine.expire(id).then((out) => this.emit(out)), (err) => hooks.error(err));
  }

  /**
   * Start once every node of the flow exists (next tick): re-arm timers and re-offer active conversations;
   * conversations with the bot idle for the retention time are forgotten hourly. The agents online as ws-bridge
   * last reported them are read back at once (resolves when read): a handoff deployed on its own (the bridge kept
   * running, so no presence event comes) then still knows a bridge answers each handoff with one notice, and does
   * not send the "transferring" notice as well.
   */
  start(): Promise<void> {
    const presence = this.state
      .get<number>(this.presenceKey)
      .then((n) => {
        if (typeof n === 'number' && this.engine.agentsOnline === undefined) this.engine.agentsOnline = n;
      })
      .catch((err: Error) => this.hooks.error(err));
    this.startup = setTimeout(() => {
      this.timers.start();
      this.engine
        .restore()
        .then((out) => this.emit(out))
        .then(() => this.hooks.changed())
        .catch((err: Error) => this.hooks.error(err));
    }, 0);
    this.sweeper = setInterval(() => void this.conversations.sweepIdle(DEFAULT_RETENTION_MS).catch((err: Error) => this.hooks.error(err)), SWEEP_MS);
    this.sweeper.unref();
    return presence;
  }

  /** Keep the agents-online count ws-bridge reported (written when it changes, else at most hourly). */
  private rememberPresence(n: number): void {
    const at = Date.now();
    const last = this.presenceSaved;
    if (last && last.n === n && at - last.at < PRESENCE_REFRESH_MS) return;
    this.presenceSaved = { n, at };
    this.state.set(this.presenceKey, n, { ttlMs: PRESENCE_TTL_MS }).catch((err: Error) => this.hooks.error(err));
  }

  /**
   * One input: a wecom-out result, a ws-bridge event or a user message (resolves once its outputs are
   * emitted); null when the message is none of these.
   */
  input(m: WecomMsg): Promise<void> | null {
    // wecom-out's error output carries the user's msg.wecom: handoff reads it as the user's message.
    const user = !isSendResult(m) && !isBridgeEvent(m) && isUserMessage(m);
    let work: Promise<Emit | void>;
    if (isSendResult(m)) work = this.engine.result(m);
    else if (isBridgeEvent(m)) {
      if (typeof m.bridge.agentsOnline === 'number') this.rememberPresence(m.bridge.agentsOnline);
      work = this.engine.bridge(m.bridge);
    }
    else if (user) work = this.engine.user(m);
    else return null;
    return work.then(async (out) => {
      // A user message that does not go on to the bot has its outcome recorded in the conversation.
      if (out && user && out.bot.length === 0) await settleInbox(this.state, m.wecom?.inbox);
      if (out) this.emit(out);
      // presence changes the status although nothing is sent (other events that change it send something)
      if (m.bridge?.event === 'presence') this.hooks.changed();
    });
  }

  /** What the status shows: conversations queued or with an agent, agents online (undefined until known). */
  async counts(): Promise<{ active: number; agents: number | undefined }> {
    const ids = await this.conversations.active();
    return { active: ids.length, agents: this.engine.agentsOnline };
  }

  get stopped(): boolean {
    return this.closed;
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.startup);
    clearInterval(this.sweeper);
    this.timers.stop();
  }

  private emit(out: Emit): void {
    if (this.closed) return;
    if (out.bot.length + out.agent.length + out.notice.length + (out.rated?.length ?? 0) === 0) return;
    this.hooks.emit(out);
  }
}
