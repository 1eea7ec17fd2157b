/** 微信客服 sync_msg entries → the package's message contract (channel 'kf'). */
import { kfConversationId, type WecomMeta } from '../../contract/wecom-meta';
import type { InboundMessage } from '../inbound';

const PLACEHOLDER: Record<string, string> = {
  image: '[image]',
  voice: '[voice]',
  video: '[video]',
  file: '[file]',
  location: '[location]',
  link: '[link]',
  business_card: '[business_card]',
  miniprogram: '[miniprogram]',
  msgmenu: '[msgmenu]',
};

export interface KfContext {
  corpId: string;
  agentId: string;
  accountId?: string;
  /** open_kfid the pull was for (events may omit it at the top level). */
  openKfId: string;
}

/** Event entries carry their fields under `event`. */
export function kfEvent(entry: Record<string, unknown>): Record<string, unknown> | undefined {
  return entry.msgtype === 'event' && entry.event && typeof entry.event === 'object' ? (entry.event as Record<string, unknown>) : undefined;
}

export function kfToInbound(entry: Record<string, unknown>, c: KfContext): InboundMessage {
  const ev = kfEvent(entry);
  const msgType = String(entry.msgtype ?? 'unknown');
  const openKfId = String(entry.open_kfid ?? ev?.open_kfid ?? c.openKfId);
  const userId = String(entry.external_userid ?? ev?.external_userid ?? '');
  const conversationId = kfConversationId(c.corpId, openKfId, userId);
  const wecom: WecomMeta = {
    channel: 'kf',
    corpId: c.corpId,
    agentId: c.agentId,
    userId,
    openKfId,
    msgType,
    msgId: String(entry.msgid ?? ''),
    createTime: Number(entry.send_time) || 0,
    conversationId,
    raw: entry,
    accountId: c.accountId,
  };
  let payload: string;
  if (ev) {
    wecom.event = String(ev.event_type ?? 'unknown');
    payload = `[event:${wecom.event}]`;
  } else if (msgType === 'text') {
    const t = entry.text as Record<string, unknown> | undefined;
    payload = String(t?.content ?? '');
    // a tap on a msgmenu item: its id (the content is the item's text)
    if (typeof t?.menu_id === 'string' && t.menu_id) wecom.menuId = t.menu_id;
  } else payload = PLACEHOLDER[msgType] ?? `[${msgType}]`;
  return { payload, topic: conversationId, wecom };
}
