/**
 * Passive (synchronous) replies: `wecom-in` opens a slot for one incoming message and holds the HTTP
 * answer; the first reply `wecom-out` produces for that message may claim the slot. Whoever comes
 * first wins: a claimed slot answers with the reply, an expired slot answers empty and the reply then
 * goes through the API. A reply is therefore never lost and never sent both ways.
 *
 * One `PassiveReplies` per wecom-account config node, handed to the wecom-in and wecom-out nodes that use
 * that account (a reply through another account's wecom-out finds no slot and goes through the API).
 */
import { randomUUID } from 'node:crypto';

interface Slot {
  finish(replyXml: string | null): void;
  timer: NodeJS.Timeout;
}

export class PassiveReplies {
  private readonly slots = new Map<string, Slot>();

  /** Slots open now. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Open a slot. `answer` is called exactly once: with the reply XML when claimed in time, or with
   * null after `budgetMs`.
   */
  open(budgetMs: number, answer: (replyXml: string | null) => void): string {
    const key = randomUUID();
    let done = false;
    const finish = (xml: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(slot.timer);
      this.slots.delete(key);
      answer(xml);
    };
    const slot: Slot = { finish, timer: setTimeout(() => finish(null), budgetMs) };
    this.slots.set(key, slot);
    return key;
  }

  /** Claim an open slot: returns a function that answers the HTTP request, or null if it is gone. */
  claim(key: string | undefined): ((replyXml: string) => void) | null {
    if (!key) return null;
    const slot = this.slots.get(key);
    if (!slot) return null;
    this.slots.delete(key);
    clearTimeout(slot.timer);
    return (xml: string) => slot.finish(xml);
  }

  /** Answer an open slot with a text reply from the app (`corpId`) to `toUser`; false when the slot is gone. */
  answerText(key: string | undefined, toUser: string, corpId: string, text: string): boolean {
    const answer = this.claim(key);
    if (answer) answer(passiveTextXml(toUser, corpId, text));
    return answer !== null;
  }

  /** Close a slot without a reply (e.g. the flow decided not to answer, or the node closes). */
  release(key: string | undefined): void {
    if (!key) return;
    this.slots.get(key)?.finish(null);
  }
}

/** The plaintext passive reply for a text message (protocol §1.8); wecom-in encrypts it. */
export function passiveTextXml(toUser: string, corpId: string, content: string, now = Date.now()): string {
  const cdata = (v: string) => `<![CDATA[${v.split(']]>').join(']]]]><![CDATA[>')}]]>`;
  return `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(corpId)}</FromUserName><CreateTime>${Math.floor(now / 1000)}</CreateTime><MsgType>text</MsgType><Content>${cdata(content)}</Content></xml>`;
}
