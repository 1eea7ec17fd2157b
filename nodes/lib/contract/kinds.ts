/**
 * What a message arriving at a node is, read from the contract's tags in one place: every receiver (handoff,
 * ws-bridge, the event sink) asks here instead of recognising shapes its own way.
 *   sendResult   wecom-out's success output (msg.wecomResult)
 *   sendError    wecom-out's error output (msg.error)
 *   bridgeEvent  ws-bridge's event or reply (msg.bridge)
 *   user         a WeChat user's message (msg.wecom with a conversation id), possibly tagged by the bot nodes
 *   other        none of these
 */
import type { WecomMeta } from './wecom-meta';
import type { BridgeInfo, SendError, WecomMsg } from './messages';
import { parseFaqMenuId, type SendOutcome } from './outcomes';

export type MessageKind = 'sendResult' | 'sendError' | 'bridgeEvent' | 'user' | 'other';

export function isSendResult(m: WecomMsg): m is WecomMsg & { wecomResult: SendOutcome } {
  return m.wecomResult !== undefined && m.wecomResult !== null;
}

export function isSendError(m: WecomMsg): m is WecomMsg & { error: SendError } {
  return Boolean(m.error);
}

export function isBridgeEvent(m: WecomMsg): m is WecomMsg & { bridge: BridgeInfo } {
  return !!m.bridge && typeof m.bridge === 'object';
}

export function isUserMessage(m: WecomMsg): m is WecomMsg & { wecom: WecomMeta } {
  return !!m.wecom && typeof m.wecom.conversationId === 'string' && m.wecom.conversationId !== '';
}

/** The kind, most specific first (a result or event also carries msg.wecom). */
export function messageKind(m: WecomMsg): MessageKind {
  if (isSendResult(m)) return 'sendResult';
  if (isSendError(m)) return 'sendError';
  if (isBridgeEvent(m)) return 'bridgeEvent';
  if (isUserMessage(m)) return 'user';
  return 'other';
}

/** faq-lookup did not answer (msg.faq with no entry), or a function node marked it a miss. */
export function isFaqMiss(faq: unknown): boolean {
  if (!faq || typeof faq !== 'object') return false;
  const f = faq as Record<string, unknown>;
  if (f.miss === true || f.outcome === 'miss') return true;
  return f.id === undefined || f.id === null;
}

/** A request to hand the conversation to a person (msg.handoff.action 'transfer'): bot nodes pass it on unanswered. */
export function isTransferRequest(m: WecomMsg): boolean {
  return !!m.handoff && typeof m.handoff === 'object' && m.handoff.action === 'transfer';
}

/** A tap on one of faq-lookup's did-you-mean menu items: only faq-lookup answers it (keyword rules let it pass). */
export function isFaqMenuTap(m: WecomMsg): boolean {
  return parseFaqMenuId(m.wecom?.menuId) !== null;
}
