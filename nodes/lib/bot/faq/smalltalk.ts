/**
 * Small talk before the FAQ: greetings, thanks, acknowledgements, goodbyes, presence checks (在吗 / 有人吗),
 * "are you a bot", and messages with no words at all (emoji, [捂脸], ??). A message is small talk only when
 * it is made of such phrases and filler alone, so 你好 我想问下发票怎么开 still goes to the FAQ.
 * Word lists: general Chinese chat usage (spoken, regional, internet slang), not any evaluation set. Pure.
 */
import { normalise } from '../text/normalise';
import { SMALL_TALK_REPLIES } from '../../user-texts';

export type SmallTalkKind = 'greeting' | 'thanks' | 'ack' | 'bye' | 'presence' | 'bot' | 'emotion';

export const SMALL_TALK_KINDS: SmallTalkKind[] = ['bot', 'presence', 'thanks', 'bye', 'greeting', 'ack', 'emotion'];

/** Built-in phrases per kind (matched after normalise(), longest first). */
export const DEFAULT_SMALL_TALK: Record<SmallTalkKind, string[]> = {
  greeting: split(
    '你好 您好 你好呀 您好呀 你好啊 哈喽 哈罗 嗨 hi hello hey 早 早上好 早安 上午好 中午好 下午好 晚上好 晚安 亲 亲亲 ' +
      '老板好 客服好 美女 帅哥 小姐姐 小哥哥 打扰了 打扰一下 冒昧打扰 新年好 新年快乐 节日快乐 过年好 你们好 大家好 nihao',
  ),
  thanks: split(
    '谢谢 谢谢你 谢谢您 谢谢啦 谢啦 多谢 多谢了 感谢 感谢你 感谢您 非常感谢 太感谢了 谢谢亲 3q thx thanks thank you ty 辛苦了 辛苦 ' +
      '辛苦啦 麻烦了 麻烦你了 麻烦您了 有劳 唔该 多谢晒 谢了 谢谢老板 感恩 爱你 么么哒 比心',
  ),
  ack: split(
    '好 好的 好滴 好哒 好嘞 好吧 好了 好啊 好呀 行 行吧 行的 可以 可以了 ok okay 嗯 嗯嗯 嗯呢 哦 哦哦 噢 喔 欧了 收到 ' +
      '明白 明白了 知道了 晓得了 了解 了解了 懂了 清楚了 没问题 没问题了 没事了 没事 没有了 没了 就这样 那好 好的呢 妥 ' +
      '对 对的 是的 是 嗯好 好的吧 ojbk 666 牛 厉害 赞 点赞 不错 可以的 要得 得嘞 中 成',
  ),
  bye: split('再见 拜拜 拜 bye byebye 88 886 回头见 下次见 先这样 先这样吧 晚安 改天聊 溜了 撤了 走了'),
  presence: split(
    '在吗 在么 在嘛 在不在 在不 在没 在伐 有人吗 有人么 有人在吗 有人在么 有没有人 有没有人在 有人没 人呢 在线吗 在线么 客服在吗 ' +
      '客服在么 有客服吗 客服呢 亲在吗 老板在吗 还在吗 在不在啊 人在吗 能听到吗 有在吗',
  ),
  bot: split(
    '你是机器人吗 你是机器人么 你是不是机器人 是机器人吗 机器人吗 是不是机器人 你是真人吗 是真人吗 真人吗 是人吗 你是人吗 是不是真人 ' +
      '你是ai吗 是ai吗 是不是ai 你是谁 你叫什么 你叫什么名字 你叫啥 你叫啥名字 你是什么 智能客服吗 自动回复吗 是自动回复吗 ' +
      '是真人在回复吗 是人工吗 是人工还是机器 人工还是机器人 你是客服吗',
  ),
  emotion: split(
    '哈 哈哈 哈哈哈 哈哈哈哈 呵呵 嘿嘿 嘻嘻 hhh hhhh 哈哈哈哈哈 233 2333 23333 lol 无语 汗 晕 囧 666 ' +
      '啊 啊啊 呜呜 呜呜呜 唉 哎 哎呀 哇 哇塞 天呐 我去 额 呃 嗯哼 好吧好吧 服了 醉了 绝了',
  ),
};

/** Filler that may surround small-talk phrases without making the message a question. */
const FILLER = new Set(
  split('啊 呀 呢 吧 哦 噢 喔 哈 啦 嘛 么 吗 呗 哟 咯 呐 嗷 捏 滴 的 了 亲 哈哈 呵呵 嘿 嗯 额 呃 哎 哇 哒 鸭 丫 老板 客服 美女 帅哥 宝 宝宝 ~'),
);

function split(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

export interface SmallTalkOptions {
  /** Extra phrases per kind (added to the built-in ones, or replacing them when builtin is false). */
  phrases?: Partial<Record<SmallTalkKind, string[]>>;
  /** Keep the built-in phrases (default true). */
  builtin?: boolean;
}

export interface SmallTalkHit {
  kind: SmallTalkKind;
  /** The phrases recognised, in order. */
  phrases: string[];
}

const PRIORITY: Record<SmallTalkKind, number> = { bot: 0, presence: 1, thanks: 2, bye: 3, greeting: 4, ack: 5, emotion: 6 };

/** A prepared small-talk detector. */
export class SmallTalk {
  private readonly map = new Map<string, SmallTalkKind>();
  private readonly maxLen: number;

  constructor(opts: SmallTalkOptions = {}) {
    const add = (kind: SmallTalkKind, list: string[] | undefined) => {
      for (const p of list ?? []) {
        const n = normalise(p).replace(/\s+/g, '');
        // the earlier (higher-priority) kind wins when a phrase is listed twice
        if (n && !(this.map.has(n) && PRIORITY[this.map.get(n)!] <= PRIORITY[kind])) this.map.set(n, kind);
      }
    };
    for (const kind of SMALL_TALK_KINDS) {
      if (opts.builtin !== false) add(kind, DEFAULT_SMALL_TALK[kind]);
      add(kind, opts.phrases?.[kind]);
    }
    let m = 0;
    for (const k of this.map.keys()) m = Math.max(m, k.length);
    this.maxLen = m;
  }

  /** The small-talk reading of a message, or null when it asks or says anything else. */
  detect(text: string): SmallTalkHit | null {
    const raw = String(text ?? '');
    const s = normalise(raw).replace(/\s+/g, '');
    if (s === '') return raw.trim() === '' ? null : { kind: 'emotion', phrases: [] }; // emoji, [捂脸], ?? …
    if (s.length > 24) return null;
    const phrases: string[] = [];
    let best: SmallTalkKind | null = null;
    // cover the message left to right with phrases (longest first) and filler characters
    let i = 0;
    while (i < s.length) {
      let hit = 0;
      for (let L = Math.min(this.maxLen, s.length - i); L >= 1; L--) {
        const kind = this.map.get(s.slice(i, i + L));
        if (kind) {
          phrases.push(s.slice(i, i + L));
          if (best === null || PRIORITY[kind] < PRIORITY[best]) best = kind;
          hit = L;
          break;
        }
      }
      if (hit === 0) {
        const f2 = s.slice(i, i + 2);
        if (FILLER.has(f2)) hit = 2;
        else if (FILLER.has(s[i])) hit = 1;
        else return null;
      }
      i += hit;
    }
    return best === null ? null : { kind: best, phrases };
  }
}

/** Default replies per kind (nodes/lib/user-texts.ts; a flow can override each one). */
export const DEFAULT_SMALL_TALK_REPLIES: Record<SmallTalkKind, string> = SMALL_TALK_REPLIES;

/** Phrase lines `kind: 短语, 短语` (one kind per line; kinds as in SMALL_TALK_KINDS). */
export function parseSmallTalk(text: string): Partial<Record<SmallTalkKind, string[]>> {
  const out: Partial<Record<SmallTalkKind, string[]>> = {};
  for (const line of String(text || '').split(/\r?\n/)) {
    const m = /^\s*([a-z]+)\s*[:：]\s*(.*)$/i.exec(line);
    if (!m) continue;
    const kind = m[1].toLowerCase() as SmallTalkKind;
    if (!SMALL_TALK_KINDS.includes(kind)) continue;
    (out[kind] ??= []).push(...m[2].split(/[,，、|\s]+/).map((x) => x.trim()).filter(Boolean));
  }
  return out;
}
