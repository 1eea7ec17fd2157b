/**
 * What an FAQ entry explains of a message (issue #21): every salient word of the message — a content word
 * after normalisation, synonyms and stop words that is not a generic question word (怎么办, 多少钱, 可以吗,
 * 怎么设置, 有什么, 哪个好 …) — must be covered by the entry (its question, alternates or answer). An
 * uncovered salient word (歌, 冰箱, 专利, 鸿蒙, 冻结) means the entry does not answer the message, whatever
 * the lexical score and whatever the size of the knowledge base: bot.ts then answers nothing, and offers
 * did-you-mean only with entries that explain at least one salient word. Pure.
 */

/**
 * Generic words: question words, light verbs, time and quantity words, filler. They never make a message
 * about something, so they are neither required nor enough. Written from general Chinese usage.
 */
export const GENERIC_WORDS: ReadonlySet<string> = new Set(
  (
    '怎么 什么 为什么 多久 哪里 可以 没有 不同 多少 几 几个 几点 哪个 哪些 哪家 谁 是否 能 会 要 用 做 办 弄 搞 行 不行 好 好用 ' +
    '需要 应该 设置 办理 推荐 有 是 还 再 就 不 没 到 去 来 被 把 对 从 里 上 下 中 后 前 时 时候 一些 一直 总是 老是 经常 ' +
    '问题 情况 方法 办法 东西 事 事情 啥 哪 多 少 大 小 最 比较 更 很 太 挺 特别 怎么办 咋办 如何 一样 知道 告诉 说 问 看 找 ' +
    '想要 准备 能用 可用 使用 用不了 不能 吗 能否 为啥 注意 影响 多长 长 久 开始 之后 以后 之前 以前 最近 今天 明天 昨天 后天 ' +
    '今年 去年 明年 现在 一般 通常 真的 还能 该 得 个 点 呀 嘛 的话 如果 为了 因为 所以 还有 怎样 这样 那样 这种 那种 其他 ' +
    '别的 自己 一个 一次 每 各 所有 全部 可不可以 是不是 有没有 行吗 好吗 对吗 上午 下午 中午 晚上 早上 半夜 凌晨 今晚 明晚 ' +
    '刚 刚刚 马上 立刻 赶紧 急 着急 快点 一点 几次 好几次 一起 方便 不方便 麻烦 操作 流程 走 出来 进去 发 选 我要 我想 想 ' +
    '打算 可能 根本 完全 小心 不小心 意思 啥意思 是什么 有点 这边 那边 这里 那里 里面 外面 之类 等等 左右 以上 以下 之内 内 ' +
    '外 以内 收到 不要 要不要 还要 需不需要 叫 名字 安排 适合 小时 分钟 哪个好 好不好 可以吗 行不行 怎么回事 咋回事 ' +
    '第一次 同一个 等 等着 快 买 买的 发现 带 写错 选错 填错 弄错 搞错 拿 放 收 交 换 改 加 减 删 开 关 接 送 寄 退 补 ' +
    '成功 失败 不了 不到 收不到 用不上 不会 会不会 能不能 一下 下来 上来 回来 过来 起来 自动 手动 直接 一定 必须'
  ).split(/\s+/),
);

/**
 * Words that count when an entry covers them but never block on their own: 价格 is what 多少钱 / 收费
 * become, and 多少钱 is generic in 冰箱多少钱 but the whole question in 麻烦发下价格表.
 */
export const WEAK_WORDS: ReadonlySet<string> = new Set(['价格', '时间', '费用']);

/** Characters that carry no topic when a word is cut oddly (能加个, 想改, 刚下 …). */
const LIGHT = new Set(Array.from('能想要可再刚没个下了到来去的得着过把被给会还都就也又很太挺好多点些次张根款那这哪啥一两几不吗呢吧啊呀么先才'));
const NUMERIC = /^[0-9.]+$|^[0-9一二两三四五六七八九十百千万半几]+[点个口人天晚间张次位号楼层岁斤米分秒年月日周]?$/u;

/** A message word is salient when it is not generic, not a number or time, and not made of light characters only. */
export function isSalient(w: string): boolean {
  if (GENERIC_WORDS.has(w) || NUMERIC.test(w)) return false;
  for (const ch of w) if (!LIGHT.has(ch)) return true;
  return false;
}

/** An entry's canonical texts: its question and alternates (`own`, '|'-joined) and its answer. */
export interface EntryText {
  own: string;
  answer: string;
}

/**
 * `w` is covered when it is in the entry's texts, or when it splits into pieces that each are: two or more
 * characters found in the entry, one character found in the entry's question or alternates, or a light
 * character (so 能加个 is covered by 加床, 枪坏 by 扫码枪 … 坏, but 冰箱 is not covered by 钱箱).
 */
export function coveredBy(w: string, t: EntryText): boolean {
  if (t.own.includes(w) || t.answer.includes(w)) return true;
  const c = Array.from(w);
  const ok = new Array<boolean>(c.length + 1).fill(false);
  ok[0] = true;
  for (let i = 0; i < c.length; i++) {
    if (!ok[i]) continue;
    let p = '';
    for (let j = i + 1; j <= c.length; j++) {
      p += c[j - 1];
      if (j - i >= 2 ? t.own.includes(p) || t.answer.includes(p) : LIGHT.has(p) || t.own.includes(p)) ok[j] = true;
    }
  }
  return ok[c.length];
}

/** What an entry explains of a message. */
export interface Explanation {
  /** Salient words of the message (weak words included). */
  salient: string[];
  /** Salient words the entry covers. */
  covered: string[];
  /** Salient (non-weak) words the entry does not cover: any one blocks a confident answer. */
  uncovered: string[];
}

/** Explain a message's content words (canonical, stop words dropped) by an entry's texts. */
export function explain(words: string[], t: EntryText): Explanation {
  const salient: string[] = [];
  const covered: string[] = [];
  const uncovered: string[] = [];
  for (const w of new Set(words)) {
    if (!isSalient(w)) continue;
    salient.push(w);
    if (coveredBy(w, t)) covered.push(w);
    else if (!WEAK_WORDS.has(w)) uncovered.push(w);
  }
  return { salient, covered, uncovered };
}
