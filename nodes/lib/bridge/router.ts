/**
 * ws-bridge's routing, without Node-RED: input messages (handoff's frames, wecom-out's errors) into the hub,
 * and the hub's replies and events out as messages for the node's two outputs — output 1: an agent's reply
 * (text, or media fetched/decoded and checked) for wecom-out; output 2: hub events and agent activity for
 * handoff. User media in frames becomes signed URLs (media/serve.ts).
 */
import { BridgeHub } from './hub';
import type { BridgeEvent, HubOptions, ReplyExtra } from './types';
import { SYSTEM_AGENT } from './types';
import { bindFrameMedia, linkFrameMedia, type BridgeFrame } from './media/serve';
import type { MediaLinker } from './media/link';
import { mediaProblem, MediaRejected, resolveOutgoing } from './media/outgoing';
import { bridgeInfo, type BridgeInfo, type WecomMsg } from '../contract/messages';
import type { WecomMeta } from '../contract/wecom-meta';
import { isSendError } from '../contract/kinds';
import type { SentMedia } from './media/sent';

export interface RouterOptions {
  hub: Pick<HubOptions, 'maxPerAgent' | 'bufferSize' | 'graceMs' | 'outbox' | 'tools'>;
  linker: MediaLinker;
  /** Where agents' sent media are kept for the history (none: their history items carry no URL). */
  sent?: SentMedia;
  /** Where agents' media URLs may point (empty: none). */
  mediaOrigins: string[];
  maxMediaBytes: number;
  /** Media replies of one agent being fetched/decoded at once (default 2); more are refused with bad_media. */
  maxMediaInFlight?: number;
  /** The error thrown for an input that is neither a frame nor a wecom-out error. */
  badInput: string;
}

export interface RouterOutputs {
  /** The node's two outputs (null where nothing goes). */
  send(reply: WecomMsg | null, event: WecomMsg | null): void;
  /** An agent replied (for the event record): the reply message, or the conversation when it carries only media. */
  replied(msg: WecomMsg, agentId: string, media: boolean): void;
  /** The hub reported an event (for the event record and warnings), before it is sent. */
  evented(e: BridgeEvent, wecom: WecomMeta | undefined): void;
  /** Counts may have changed (status). */
  changed(): void;
}

/** A frame from handoff: handoff | message | closed with a conversation id. */
export function isBridgeFrame(p: unknown): p is BridgeFrame {
  if (!p || typeof p !== 'object') return false;
  const f = p as Record<string, unknown>;
  return (f.type === 'handoff' || f.type === 'message' || f.type === 'closed' || f.type === 'budget') && typeof f.conversationId === 'string' && f.conversationId !== '';
}

export class BridgeRouter {
  readonly hub: BridgeHub<WecomMeta>;
  private closed = false;
  /** Media replies being resolved, per agent (each holds up to Max media bytes). */
  private inFlight = new Map<string, number>();

  constructor(
    private o: RouterOptions,
    private out: RouterOutputs,
  ) {
    this.hub = new BridgeHub<WecomMeta>(
      {
        ...o.hub,
        checkMedia: (m, agentId) => mediaProblem(m, o.mediaOrigins) ?? this.busy(agentId),
        forAgent: (f, agentId) => bindFrameMedia(o.linker, f, agentId === SYSTEM_AGENT ? null : agentId),
      },
      {
        reply: (conversationId, wecom, agentId, text, extra) => this.reply(conversationId, wecom, agentId, text, extra),
        event: (e, wecom) => {
          this.out.evented(e, wecom);
          const msg: WecomMsg = { payload: e, topic: 'conversationId' in e ? e.conversationId : 'presence', bridge: bridgeInfo(e) };
          if (wecom) msg.wecom = wecom;
          this.out.send(null, msg);
          this.out.changed();
        },
      },
    );
  }

  /** Would `input` take this message (a frame, or wecom-out's error output)? */
  accepts(m: WecomMsg): boolean {
    return isSendError(m) || isBridgeFrame(m.payload);
  }

  /** One input message (throws on a bad one). */
  input(m: WecomMsg): void {
    // wecom-out's error output: an agent's reply WeCom did not take is reported back to that agent.
    if (m.error && typeof m.error === 'object') {
      const b = m.bridge;
      if (b?.event === 'reply' && typeof b.agentId === 'string' && typeof b.conversationId === 'string') {
        this.hub.undelivered(b.agentId, {
          type: 'undelivered',
          conversationId: b.conversationId,
          text: typeof m.payload === 'string' ? m.payload : '',
          media: b.media,
          errcode: typeof m.error.errcode === 'number' ? m.error.errcode : undefined,
          message: String(m.error.message ?? ''),
        });
      }
      return; // the error itself already reached Catch from wecom-out
    }
    if (!isBridgeFrame(m.payload)) throw new Error(this.o.badInput);
    const agentId = typeof m.handoff?.agentId === 'string' ? m.handoff.agentId : undefined;
    this.hub.fromHandoff(linkFrameMedia(this.o.linker, m.payload, m.wecom), m.wecom, agentId, m.handoff?.restore === true, { fallback: m.handoff?.fallback === true });
    this.out.changed();
  }

  private reply(conversationId: string, wecom: WecomMeta | undefined, agentId: string, text: string, extra: ReplyExtra): void {
    const who = extra.actor ?? agentId;
    const bridge: BridgeInfo = { event: 'reply', conversationId, agentId };
    if (extra.reserve) bridge.reserve = extra.reserve;
    const msg: WecomMsg | null = text ? { payload: text, topic: conversationId, wecom, agent: { id: who }, bridge } : null;
    // handoff hears of the agent's activity (its idle timeout counts from the last message of either side)
    const activity: WecomMsg = { payload: { event: 'activity', conversationId, agentId }, topic: conversationId, bridge: { event: 'activity', conversationId, agentId } };
    this.out.replied(msg ?? { topic: conversationId, wecom }, agentId, extra.media !== undefined);
    this.out.send(msg, activity);
    if (extra.media) this.sendMedia(conversationId, wecom, agentId, extra);
  }

  /** Why this agent may not send another media reply now (too many still being resolved), or null. */
  private busy(agentId: string): string | null {
    const max = this.o.maxMediaInFlight ?? 2;
    return (this.inFlight.get(agentId) ?? 0) >= max ? `${max} media replies are still being sent; wait for them` : null;
  }

  /** An agent's media: fetched or decoded, checked, then sent to wecom-out; else `undelivered` with the rule. */
  private sendMedia(conversationId: string, wecom: WecomMeta | undefined, agentId: string, extra: ReplyExtra): void {
    this.inFlight.set(agentId, (this.inFlight.get(agentId) ?? 0) + 1);
    const settled = () => {
      const n = (this.inFlight.get(agentId) ?? 1) - 1;
      if (n > 0) this.inFlight.set(agentId, n);
      else this.inFlight.delete(agentId);
    };
    resolveOutgoing(extra.media!, { origins: this.o.mediaOrigins, maxBytes: this.o.maxMediaBytes })
      .finally(settled)
      .then((m) => {
        if (this.closed) return;
        const payload = { msgtype: m.kind, [m.kind]: { data: m.data, filename: m.name, contentType: m.mime } };
        const bridge: BridgeInfo = { event: 'reply', conversationId, agentId, media: { name: m.name, mime: m.mime, size: m.size } };
        if (extra.reserve) bridge.reserve = extra.reserve;
        // the history item shows what was sent, as what it was sent (a picture stays a picture after a transfer)
        if (extra.item) {
          const url = extra.item.media?.url ?? this.o.sent?.put(m.data, m.mime, m.name) ?? undefined;
          extra.item.media = { type: m.kind, name: m.name, mime: m.mime, size: m.size, ...(url ? { url } : {}) };
        }
        this.out.send({ payload, topic: conversationId, wecom, agent: { id: extra.actor ?? agentId }, bridge }, null);
      })
      .catch((err: Error) => {
        if (this.closed) return;
        const r = err instanceof MediaRejected ? err : new MediaRejected(`not sent: ${err.message}`, {});
        this.hub.undelivered(agentId, { type: 'undelivered', conversationId, text: '', media: r.info, rule: r.rule, message: r.message });
      });
  }

  dispose(): void {
    this.closed = true;
    this.hub.dispose();
  }
}
