/**
 * Every text this package sends to an end user (the customer in WeChat / WeCom) unless the flow sets its own:
 * the one place they live. Chinese (zh-CN), the language of WeCom's users, whatever the editor's or the
 * runtime's language. The handoff dialog shows HANDOFF_TEXTS as placeholders: the build writes them into
 * both handoff catalogs (`handoff.defaults.*`, scripts/build.js), so no catalog holds a second copy.
 */

/** handoff's notices to the user ({cancel}: the first cancel word, {place}: position in the queue). */
export interface HandoffTexts {
  transfer: string;
  queue: string;
  noAgent: string;
  joined: string;
  closedAgent: string;
  closedTimeout: string;
  closedUser: string;
  queueTimeout: string;
  offHours: string;
  miss: string;
  transferred: string;
}

export const HANDOFF_TEXTS: HandoffTexts = {
  transfer: '正在为您转接人工客服，请稍候…回复“{cancel}”可回到机器人。',
  queue: '当前客服繁忙，您在排队中，是第 {place} 位。等待期间可以继续提问；回复“{cancel}”可回到机器人。',
  noAgent: '当前暂无客服在线，您在排队中，是第 {place} 位，客服上线后会第一时间为您服务。等待期间可以继续提问；回复“{cancel}”可回到机器人。',
  joined: '人工客服已接入，请问有什么可以帮您？',
  closedAgent: '本次人工服务已结束，感谢您的咨询。如需帮助可随时留言。',
  closedTimeout: '由于长时间没有新消息，本次人工服务已结束。如需帮助请再次发送“人工”。',
  closedUser: '已为您取消人工服务，机器人将继续为您解答。',
  queueTimeout: '抱歉，当前客服繁忙，暂时无法接入，已为您转回机器人。您可以稍后再次发送“人工”。',
  offHours: '现在是非工作时间，人工客服暂时无法接入。您可以留言，我们会在工作时间尽快回复。',
  miss: '抱歉，我暂时无法回答这个问题，可以换个说法再问一次吗？',
  transferred: '正在为您转接其他客服，请稍候…',
};

/** The way back to the bot that notices name when no cancel word is configured. */
export const DEFAULT_CANCEL_WORD = '取消人工';

/** faq-lookup's did-you-mean message: prompt, the numbered questions, then the hint (微信客服: a menu, below). */
export const FAQ_SUGGEST_TEXTS = {
  prompt: '您是不是想问：',
  /** The hint after 1, 2 or 3 questions. */
  hint: (choices: number): string => `请回复序号 ${choices <= 1 ? '1' : choices === 2 ? '1 或 2' : '1、2 或 3'}。`,
  /** 微信客服 (a msgmenu): the last item, which hands the conversation to a person, and the line under the items. */
  none: '以上都不是',
  menuTail: '点击问题即可查看答案；都不是请点“以上都不是”，为您转接人工客服。',
};

/** faq-lookup's small-talk replies per kind (a flow can override each one). */
export const SMALL_TALK_REPLIES = {
  greeting: '您好，请问有什么可以帮您？',
  presence: '在的，请问有什么可以帮您？',
  thanks: '不客气，还有其他问题随时问我。',
  ack: '好的，还有其他问题随时问我。',
  bye: '再见，祝您生意兴隆！',
  bot: '我是智能客服助手，可以回答常见问题；需要人工服务请回复「转人工」。',
  emotion: '请问有什么可以帮您？',
};
