/**
 * The decisions of the `handoff` node, free of Node-RED: given a message, what goes to the bot, what goes
 * to the agent side (ws-bridge) and which notices go to the user. State lives in a ConversationStore.
 *
 * Inputs it understands (see nodes/handoff help):
 *  - a user message from wecom-in (msg.wecom, msg.payload text);
 *  - the same message coming back from the bot path as a miss: msg.handoff = {action:'transfer', reason}
 *    or msg.faq without an answer id; recognised by its msgId, so it is never recorded or routed twice;
 *  - events from ws-bridge: msg.bridge = {event:'assigned'|'queued'|'closed'|'presence', …}; {event:'leader'}
 *    (this instance has just taken the agents' hub, which starts empty) re-offers the active conversations;
 *  - results from wecom-out (msg.wecomResult): bot and agent replies are recorded in the transcript.
 */
import type { CustomerProfile, WecomMeta } from '../contract/wecom-meta';
import type { CompiledRules } from '../bot/keyword/rules';
import type { Attachments, BudgetFrame, BudgetInfo, ClosedBy, ClosedFrame, HandoffFrame, MessageFrame } from '../bridge/protocol';
import { attachmentsOf } from '../bridge/media/fields';
import { kfRemaining, type KfAllowance } from '../wecom/kf/budget';
import { isOpen, localTime, type BusinessHours } from './business-hours';
import { matches } from './transfer-words';
import { ratingNotice, ratingScore, RATING_WINDOW_MS } from './rating';
import { ConversationStore } from './conversation-store';
import { keep, nextDeadline, record, storableWecom, toBot, toHuman, toQueued, type Conversation } from './conversation';
import type { BridgeInfo, HandoffTag, WecomMsg } from '../contract/messages';
import { isFaqMiss } from '../contract/kinds';
import { DEFAULT_CANCEL_WORD, HANDOFF_TEXTS, type HandoffTexts } from '../user-texts';

export type { HandoffTexts };
/** The default notices (nodes/lib/user-texts.ts, where every end-user text lives). */
export const DEFAULT_TEXTS: HandoffTexts = HANDOFF_TEXTS;

/** Which group a conversation goes to: msg.handoff.group, else `map` by 微信客服 account or app. */
export interface GroupOptions {
  /** Keys `kf:<open_kfid>` and `app:<AgentID>` → group name. */
  map: Record<string, string>;
  /** While no agent of the group is online, offer the conversation to any agent (else it waits). */
  fallback: boolean;
}

export interface HandoffOptions {
  transfer: CompiledRules | null;
  cancel: CompiledRules | null;
  /** Transfer after this many consecutive bot misses (>= 1). */
  missThreshold: number;
  idleMs: number;
  /** Back to the bot after waiting this long in the queue; 0 = wait indefinitely. */
  queueMs: number;
  transcriptMax: number;
  hours: BusinessHours | null;
  texts: HandoffTexts;
  /** Set for native WeCom transfer (kf/service_state/trans to state 3) instead of the bridge. */
  nativeTransfer?: (wecom: WecomMeta) => Promise<void>;
  /** The word notices name as the way back to the bot ({cancel} in texts). */
  cancelWord?: string;
  /** While queued, the bot still answers what it can; only its misses go to the agent's history. */
  botWhileQueued?: boolean;
  groups?: GroupOptions;
  /** 微信客服: replies of the customer's 5 agents leave for the closing notice (default 1). */
  /** Ask for a satisfaction rating with the closing notice when an agent closes (rating.ts). */
  rating?: boolean;
  reserveClose?: number;
  /** 微信客服: the customer's reply budget as wecom-out keeps it (the state store), shown to agents. */
  allowance?: (w: WecomMeta) => Promise<KfAllowance | undefined>;
  /** Who the user is when msg.wecom did not say (wecom-in's lookup finished after the message went on). */
  profile?: (w: WecomMeta) => Promise<CustomerProfile | undefined>;
}

/** A message in or out of handoff (the package's message contract). */
export type Msg = WecomMsg;
export interface Emit {
  bot: Msg[];
  agent: Msg[];
  notice: Msg[];
  /** Satisfaction ratings given (for the event record). */
  rated?: Array<{ conversationId: string; agentId: string; score: number; wecom?: WecomMeta }>;
}
const empty = (): Emit => ({ bot: [], agent: [], notice: [] });

function fill(tpl: string, vars: Record<string, string | number>): string {
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

function textOf(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (payload === undefined || payload === null) return '';
  if (Buffer.isBuffer(payload)) return '[file]';
  if (typeof payload === 'object') {
    const p = payload as Record<string, unknown>;
    if (typeof p.msgtype === 'string' && p.msgtype !== 'text') return `[${p.msgtype}]`;
    return JSON.stringify(payload);
  }
  return String(payload);
}

/** The media an agent sent (ws-bridge → wecom-out → here): type, name and MIME for the transcript. */
function sentMedia(payload: unknown): Attachments {
  if (!payload || typeof payload !== 'object' || Buffer.isBuffer(payload)) return {};
  const p = payload as Record<string, unknown>;
  const type = p.msgtype;
  if (type !== 'image' && type !== 'voice' && type !== 'video' && type !== 'file') return {};
  const inner = (p[type] ?? {}) as Record<string, unknown>;
  const media: NonNullable<Attachments['media']> = { type };
  if (typeof inner.filename === 'string') media.name = inner.filename;
  if (typeof inner.contentType === 'string') media.mime = inner.contentType;
  return { msgType: type, media };
}

export class HandoffEngine {
  /** Connected agents as last reported by ws-bridge (undefined until a presence event arrives). */
  agentsOnline: number | undefined;

  constructor(
    readonly store: ConversationStore,
    private opt: HandoffOptions,
    /** Called after every change with the conversation's next timer deadline (ms) or null. */
    private schedule: (id: string, at: number | null) => void,
    private now: () => number = Date.now,
  ) {}

  private notice(out: Emit, c: Conversation, text: string, kind: string, wecom?: WecomMeta, vars: Record<string, string | number> = {}): void {
    if (!text || !(wecom ?? c.wecom)) return;
    out.notice.push({ payload: fill(text, { cancel: this.opt.cancelWord ?? DEFAULT_CANCEL_WORD, ...vars }), topic: c.id, wecom: wecom ?? c.wecom, handoff: { notice: kind, conversationId: c.id } });
  }

  private toAgent(out: Emit, c: Conversation, frame: HandoffFrame | MessageFrame | ClosedFrame | BudgetFrame, extra: Record<string, unknown> = {}): void {
    const fallback = this.opt.groups?.fallback ? { fallback: true } : {};
    out.agent.push({ payload: frame, topic: c.id, wecom: c.wecom, handoff: { conversationId: c.id, agentId: c.agent, ...fallback, ...extra } });
  }

  /** 微信客服: what agents may still send this customer (undefined for the app, or when not known). */
  private async budget(c: Conversation): Promise<BudgetInfo | undefined> {
    const w = c.wecom;
    if (w?.channel !== 'kf' || !this.opt.allowance) return undefined;
    const b = await this.opt.allowance(w).catch(() => undefined);
    return b ? kfRemaining(b, this.opt.reserveClose ?? 1) : undefined;
  }

  /** Who the customer is and how much may be sent (for frames to agents). */
  private async about(c: Conversation): Promise<Pick<HandoffFrame, 'customer' | 'budget' | 'openKfId'>> {
    const out: Pick<HandoffFrame, 'customer' | 'budget' | 'openKfId'> = {};
    if (c.wecom && !c.wecom.customer && this.opt.profile) {
      const p = await this.opt.profile(c.wecom).catch(() => undefined);
      if (p) c.wecom.customer = p;
    }
    if (c.wecom?.customer) out.customer = c.wecom.customer;
    if (c.wecom?.openKfId) out.openKfId = c.wecom.openKfId;
    const budget = await this.budget(c);
    if (budget) out.budget = budget;
    return out;
  }

  private async handoffFrame(c: Conversation, text: string, requeued = false): Promise<HandoffFrame> {
    const f: HandoffFrame = {
      type: 'handoff',
      conversationId: c.id,
      channel: c.wecom?.channel ?? '',
      userId: c.wecom?.userId ?? '',
      reason: c.reason ?? 'keyword',
      text,
      history: c.transcript.map((h) => ({ ...h })),
      ts: this.now(),
    };
    if (c.group) f.group = c.group;
    if (requeued) f.requeued = true;
    return { ...f, ...(await this.about(c)) };
  }

  private groupOf(w: WecomMeta | undefined, h: HandoffTag): string | undefined {
    if (typeof h.group === 'string' && h.group.trim()) return h.group.trim();
    const map = this.opt.groups?.map ?? {};
    if (!w) return undefined;
    return (w.channel === 'kf' ? map[`kf:${w.openKfId ?? ''}`] : undefined) ?? map[`app:${w.agentId}`] ?? undefined;
  }

  private back(out: Emit, c: Conversation, by: ClosedBy, text: string, kind: string, wecom?: WecomMeta): void {
    const wasNative = c.native === true;
    const agent = c.agent;
    toBot(c, this.now());
    const w = wecom ?? c.wecom;
    if (this.opt.rating && by === 'agent' && agent && !wasNative && w && text) {
      // the rating question rides on the closing notice: one reply of the budget, not two
      c.rateAgent = agent;
      c.rateUntil = this.now() + RATING_WINDOW_MS;
      out.notice.push({ payload: ratingNotice(text, w.channel), topic: c.id, wecom: w, handoff: { notice: kind, conversationId: c.id } });
    } else this.notice(out, c, text, kind, wecom);
    if (by !== 'agent' && !wasNative) {
      out.agent.push({ payload: { type: 'closed', conversationId: c.id, by } satisfies ClosedFrame, topic: c.id, wecom: c.wecom, handoff: { conversationId: c.id, agentId: agent } });
    }
  }

  private async transfer(out: Emit, c: Conversation, reason: string, text: string, wecom: WecomMeta | undefined, group?: string): Promise<void> {
    const now = this.now();
    c.misses = 0;
    if (group) c.group = group;
    else delete c.group;
    if (this.opt.hours && !isOpen(this.opt.hours, now)) {
      const day = localTime(now, this.opt.hours.timeZone).date;
      if (c.offHoursDay !== day) {
        c.offHoursDay = day;
        this.notice(out, c, this.opt.texts.offHours, 'offHours', wecom);
      }
      return;
    }
    // Native transfer is for 微信客服 sessions; app conversations still go to the agents' bridge.
    if (this.opt.nativeTransfer && c.wecom?.channel === 'kf') {
      await this.opt.nativeTransfer(c.wecom);
      toHuman(c, 'wecom', now);
      c.reason = reason;
      c.native = true;
      // No notice: in service state 3 the API may not send (95018); WeCom shows its own prompt.
      return;
    }
    toQueued(c, reason, now);
    // One notice per handoff: the bridge's answer (joined, or the queue position) is it. Only without a bridge
    // that ever reported (no presence yet) is the user told at once that a person is being looked for.
    if (this.agentsOnline === undefined) this.notice(out, c, this.opt.texts.transfer, 'transfer', wecom);
    this.toAgent(out, c, await this.handoffFrame(c, text));
  }

  /** A waiting user's message goes to the bot first (not a cancel or transfer word, not a native transfer). */
  private botFirst(c: Conversation, seen: boolean, text: string): boolean {
    if (c.state !== 'queued' || !c.waiting || !this.opt.botWhileQueued || c.native) return false;
    return seen || (matches(this.opt.cancel, text) === null && matches(this.opt.transfer, text) === null);
  }

  private done(c: Conversation): void {
    const dl = nextDeadline(c, this.opt.idleMs, this.opt.queueMs);
    this.schedule(c.id, dl ? dl.at : null);
  }

  /** After a close with a rating question: is this message the answer? (Any message ends the question.) */
  private rated(out: Emit, c: Conversation, seen: boolean, text: string): boolean {
    if (!c.rateAgent || seen) return false;
    const agent = c.rateAgent;
    const open = (c.rateUntil ?? 0) >= this.now();
    delete c.rateAgent;
    delete c.rateUntil;
    const score = open ? ratingScore(text) : null;
    if (score === null) return false;
    c.rating = { agent, score, ts: this.now() };
    (out.rated ??= []).push({ conversationId: c.id, agentId: agent, score, wecom: c.wecom });
    return true;
  }

  /** A message from wecom-in, or the same message coming back from the bot path. */
  async user(msg: Msg): Promise<Emit> {
    const w = msg.wecom as WecomMeta;
    const out = empty();
    const text = textOf(msg.payload);
    const h: HandoffTag = msg.handoff && typeof msg.handoff === 'object' ? msg.handoff : {};
    await this.store.update(w.conversationId, async (c) => {
      const recorded = w.msgId !== undefined && w.msgId !== '' && c.lastUserMsgId === w.msgId;
      // Coming back from the bot path (a miss) vs. the same user message emitted again from the inbox (its
      // first run stopped before an outcome was recorded, e.g. a kill -9 or another instance took it over):
      // the replay is routed again, but not recorded twice.
      const returning = msg.faq !== undefined || typeof h.action === 'string';
      const seen = (recorded && returning) || msg.faq !== undefined;
      // Events (subscribe, click, enter_session…) reach the bot but never count as a question: an FAQ miss
      // on "[event:…]" must not hand the user to a human, and agents are not sent them.
      const isEvent = w.msgType === 'event';
      c.wecom = storableWecom(w);
      const att = attachmentsOf(w);
      if (!seen && !recorded && !isEvent) {
        c.lastUserMsgId = w.msgId;
        record(c, 'user', text, this.now(), this.opt.transcriptMax);
        if (att.msgType) Object.assign(c.transcript[c.transcript.length - 1], att);
      }
      const group = this.groupOf(w, h);
      if (h.action === 'release' && c.state !== 'bot') {
        this.back(out, c, 'agent', this.opt.texts.closedAgent, 'closedAgent', w);
      } else if (isEvent) {
        if (!seen && c.state === 'bot') out.bot.push(msg);
      } else if (c.state === 'bot' && this.rated(out, c, seen, text)) {
        // the answer to the rating question: recorded, not the bot's
      } else if (c.state === 'bot') {
        const kw = seen || matches(this.opt.cancel, text) !== null ? null : matches(this.opt.transfer, text);
        const asked = h.action === 'transfer' || (seen && isFaqMiss(msg.faq));
        if (kw !== null) await this.transfer(out, c, 'keyword', text, w, group);
        else if (asked) {
          const reason = typeof h.reason === 'string' && h.reason ? h.reason : 'no_answer';
          if (reason === 'no_answer') {
            c.misses += 1;
            if (c.misses < this.opt.missThreshold) this.notice(out, c, this.opt.texts.miss, 'miss', w);
            else await this.transfer(out, c, c.misses > 1 ? 'repeat_miss' : 'no_answer', text, w, group);
          } else await this.transfer(out, c, reason, text, w, group);
        } else if (!seen) out.bot.push(msg);
      } else if (this.botFirst(c, seen, text)) {
        // queued: the bot answers what it can; a miss comes back here and joins the agent's history
        if (!seen) out.bot.push(msg);
        else if (h.action === 'transfer' || isFaqMiss(msg.faq)) {
          this.toAgent(out, c, { type: 'message', conversationId: c.id, userId: w.userId, msgType: w.msgType, text, msgId: w.msgId, ts: this.now() });
        }
      } else if (!seen) {
        if (matches(this.opt.cancel, text) !== null) this.back(out, c, 'user', this.opt.texts.closedUser, 'closedUser', w);
        else if (!c.native) {
          const frame: MessageFrame = { type: 'message', conversationId: c.id, userId: w.userId, msgType: w.msgType, text, msgId: w.msgId, ts: this.now(), ...att };
          const about = await this.about(c);
          if (about.customer) frame.customer = about.customer;
          if (about.budget) frame.budget = about.budget;
          this.toAgent(out, c, frame);
        }
      }
      this.done(c);
    });
    return out;
  }

  /**
   * The output of wecom-out (msg.wecomResult): record bot and agent replies (an agent's media with WeCom's
   * media_id, so it can be shown again after a restart); while an agent has a 微信客服 conversation, tell it
   * the budget that is left.
   */
  async result(msg: Msg): Promise<Emit> {
    const out = empty();
    const w = msg.wecom;
    if (!w?.conversationId) return out;
    const r = msg.wecomResult;
    if (r && typeof r.errcode === 'number' && r.errcode !== 0) return out;
    const b = msg.bridge;
    const h = msg.handoff;
    const from = b?.event === 'reply' || msg.agent !== undefined ? 'agent' : 'bot';
    const who: unknown = msg.agent?.id;
    await this.store.update(w.conversationId, async (c) => {
      record(c, from, textOf(msg.payload), this.now(), this.opt.transcriptMax);
      const last = c.transcript[c.transcript.length - 1];
      Object.assign(last, sentMedia(msg.payload));
      if (last.media && r?.mediaId) last.media.mediaId = r.mediaId;
      if (from === 'agent' && typeof who === 'string' && who) last.agentId = who;
      if (from === 'bot' && c.state === 'bot' && !h?.notice) c.misses = 0;
      if (c.state !== 'bot' && !c.native) {
        const budget = await this.budget(c);
        if (budget) this.toAgent(out, c, { type: 'budget', conversationId: c.id, budget });
      }
      this.done(c);
    });
    return out;
  }

  /** An event from ws-bridge (msg.bridge). */
  async bridge(e: BridgeInfo): Promise<Emit> {
    // A new hub (another instance died or left): it knows no conversation, so offer them again as after a start.
    if (e.event === 'leader') return this.restore();
    const out = empty();
    if (typeof e.agentsOnline === 'number') this.agentsOnline = e.agentsOnline;
    const id = e.conversationId;
    if (typeof id !== 'string' || !id) return out;
    const existing = await this.store.get(id);
    if (!existing) return out;
    await this.store.update(id, (c) => {
      const now = this.now();
      switch (e.event) {
        case 'assigned': {
          const agent = String(e.agentId ?? '');
          if (c.state === 'bot') {
            // Closed meanwhile (user cancel, timeout): tell the bridge so the agent is not left waiting.
            out.agent.push({ payload: { type: 'closed', conversationId: id, by: 'user' } satisfies ClosedFrame, topic: id, wecom: c.wecom, handoff: { conversationId: id, agentId: agent } });
          } else if (c.state === 'queued' || c.agent !== agent) {
            toHuman(c, agent, now);
            // after a transfer the user was told already ('transferred')
            if (e.transfer !== true) this.notice(out, c, this.opt.texts.joined, 'joined', undefined, { agent });
          }
          if (typeof e.group === 'string') c.group = e.group;
          break;
        }
        case 'queued': {
          if (c.state === 'bot') break;
          if (c.state === 'human') toQueued(c, c.reason ?? 'keyword', now);
          // told already (a deploy or restart offers the queue again): every notice costs 微信客服 budget
          const told = c.waiting === true;
          c.waiting = true;
          if (typeof e.group === 'string') c.group = e.group;
          if (e.transfer === true || told) break;
          const position = typeof e.position === 'number' ? e.position : 0;
          // "no agent online" counts the agents of the conversation's group when the bridge says
          const none = typeof e.groupOnline === 'number' ? e.groupOnline === 0 : this.agentsOnline === 0;
          this.notice(out, c, none ? this.opt.texts.noAgent : this.opt.texts.queue, none ? 'noAgent' : 'queue', undefined, { position, place: position + 1 });
          break;
        }
        case 'transferred':
          if (c.state !== 'bot') this.notice(out, c, this.opt.texts.transferred, 'transferred', undefined, { agent: String(e.to ?? '') });
          // the line the agents see (with the note for the next agent), kept for after a restart of the hub
          keep(c, { from: 'system', text: '', ts: now, system: { kind: 'transfer', from: String(e.from ?? ''), ...(e.note ? { note: e.note } : {}) } }, this.opt.transcriptMax);
          break;
        case 'note':
          // an agent's internal note: shown to the next agent (and after a restart), never sent to the customer
          if (typeof e.text === 'string' && e.text) {
            keep(c, { from: 'note', text: e.text, ts: typeof e.ts === 'number' ? e.ts : now, ...(e.agentId ? { agentId: e.agentId } : {}) }, this.opt.transcriptMax);
          }
          break;
        case 'activity':
          if (c.state !== 'bot') c.lastActivity = Math.max(c.lastActivity, now);
          break;
        case 'closed':
          if (c.state !== 'bot') this.back(out, c, 'agent', this.opt.texts.closedAgent, 'closedAgent');
          break;
        default:
          break;
      }
      this.done(c);
    });
    return out;
  }

  /** A timer fired for this conversation: go back to the bot if its deadline has really passed. */
  async expire(id: string): Promise<Emit> {
    const out = empty();
    await this.store.update(id, (c) => {
      const dl = nextDeadline(c, this.opt.idleMs, this.opt.queueMs);
      if (dl && dl.at <= this.now()) {
        if (dl.kind === 'queue') this.back(out, c, 'timeout', this.opt.texts.queueTimeout, 'queueTimeout');
        else this.back(out, c, 'timeout', this.opt.texts.closedTimeout, 'closedTimeout');
      }
      this.done(c);
    });
    return out;
  }

  /**
   * After a start: re-arm every timer from the store and re-offer the active conversations to the
   * agent side (queued ones as a handoff with the transcript; human ones as a silent restore of the
   * assignment, `msg.handoff.restore = true`).
   */
  async restore(): Promise<Emit> {
    const out = empty();
    for (const id of await this.store.active()) {
      const c = await this.store.get(id);
      if (!c || c.state === 'bot') continue;
      this.done(c);
      if (c.native) continue;
      const last = [...c.transcript].reverse().find((h) => h.from === 'user');
      const frame = await this.handoffFrame(c, last?.text ?? '', true);
      if (c.state === 'queued') this.toAgent(out, c, frame);
      else this.toAgent(out, c, frame, { restore: true });
    }
    return out;
  }
}
