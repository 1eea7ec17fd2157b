/**
 * The outcomes the domains hand back into the message contract (msg.faq.candidates, msg.keyword.mode,
 * msg.wecomResult, msg.bridge): defined here, at the bottom, so the contract imports no domain; each domain
 * imports its own outcome type from here.
 */

/** One FAQ entry considered for a message (faq-lookup's msg.faq.candidates). */
export interface FaqCandidate {
  id: string;
  question: string;
  score: number;
}

/**
 * A 微信客服 `msgmenu` message (kf/send_msg): a head, click items, a tail. WeCom takes at most KF_MENU_MAX items
 * (errcode 95008). A tap comes back as a text message whose `text.menu_id` is the item's id (msg.wecom.menuId).
 */
export interface KfMenuPayload {
  msgtype: 'msgmenu';
  msgmenu: { head_content?: string; list: KfMenuItem[]; tail_content?: string };
}
export interface KfMenuItem {
  type: 'click';
  click: { id: string; content: string };
}
export const KF_MENU_MAX = 10;

/**
 * The ids of faq-lookup's did-you-mean menu items: `faq_<offer>_<n>`, n = 1… for the suggested entries and 0 for
 * "none of these"; `offer` names the one suggestion the menu was sent for (an older menu's offer is stale).
 */
const FAQ_MENU_ID = /^faq_([0-9a-z]{1,16})_(\d{1,2})$/;
export function faqMenuId(offer: string, n: number): string {
  return `faq_${offer}_${n}`;
}
/** The offer and item number of a faq-lookup menu id, null for any other id (another menu's, a forged one). */
export function parseFaqMenuId(id: unknown): { offer: string; n: number } | null {
  const m = typeof id === 'string' ? FAQ_MENU_ID.exec(id) : null;
  return m ? { offer: m[1], n: Number(m[2]) } : null;
}

/**
 * How a message answered a did-you-mean (msg.faq.choice): `number` typed 1/2/3, `menu` tapped an item, `none` tapped
 * "none of these" (handed to a person), `stale` tapped an item of a menu that is no longer open (expired, used, or
 * another instance's older offer): the message was treated as a new question.
 */
export type FaqChoice = 'number' | 'menu' | 'none' | 'stale';

/** How a keyword rule compares (keyword-match's msg.keyword.mode). */
export type MatchMode = 'contains' | 'exact' | 'startsWith' | 'word' | 'regex';

/** What wecom-out reports for a message sent (msg.wecomResult). */
export interface SendOutcome {
  errcode: 0;
  channel: 'app' | 'kf';
  msgtype: string;
  /** msgid of the last part */
  msgid?: string;
  msgids: string[];
  parts: number;
  /** true when the (first) text went back as the passive reply */
  passive?: boolean;
  mediaId?: string;
  invaliduser?: string;
}

/** The agents' hub's events (ws-bridge output 2 as msg.bridge). */
export type BridgeEvent =
  | { event: 'assigned'; conversationId: string; agentId: string; agentsOnline: number; group?: string; transfer?: boolean; queuedAt?: number }
  | { event: 'queued'; conversationId: string; position: number; agentsOnline: number; groupOnline: number; group?: string; requeued?: boolean; transfer?: boolean }
  | { event: 'closed'; conversationId: string; agentId: string; by: 'agent' | 'supervisor'; agentsOnline: number }
  | { event: 'transferred'; conversationId: string; from: string; to: string; note?: string; agentsOnline: number }
  /** An agent's internal note (never sent to the customer): handoff keeps it in the conversation's transcript. */
  | { event: 'note'; conversationId: string; agentId?: string; text: string; ts: number }
  | { event: 'presence'; agentsOnline: number; queued: number; agentId?: string; online?: boolean; status?: 'online' | 'busy' | 'away' }
  | { event: 'overflow'; agentId: string; conversations: number; agentsOnline: number };
