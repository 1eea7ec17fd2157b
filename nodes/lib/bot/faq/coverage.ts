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
    '成功 失败 不了 不到 收不到 用不上 不会 会不会 能不能 一下 下来 上来 回来 过来 起来 自动 手动 直接 一定 必须 ' +
    '另外 额外 剩下 剩余 其余 其它 中途 中间 期间 当时 后来 本来 原来 之间 有关 关于 相关'
  ).split(/\s+/),
);

/**
 * Words that count when an entry covers them but never block on their own: 价格 is what 多少钱 / 收费
 * become, and 多少钱 is generic in 冰箱多少钱 but the whole question in 麻烦发下价格表.
 */
export const WEAK_WORDS: ReadonlySet<string> = new Set(['价格', '时间', '费用', '钱']);

/** Characters that carry no topic when a word is cut oddly (能加个, 想改, 刚下, 我录, 改成 …): function characters and pronouns. */
const LIGHT = new Set(Array.from('能想要可再刚没个下了到来去的得着过把被给会还都就也又很太挺好多点些次张根款那这哪啥一两几不吗呢吧啊呀么先才我你您他她它们成完'));
const NUMERIC = /^[0-9.]+$|^[0-9一二两三四五六七八九十百千万半几]+个?[点个口人天晚间张次位号楼层岁斤米分秒年月日周]?$/u;

/**
 * `w` cuts into pieces that each pass `ok` (tried on every piece of 1…w.length characters): how the guard reads a
 * word jieba cut oddly (枪坏 = 枪 + 坏, 买回来 = 买 + 回来).
 */
function splits(w: string, ok: (piece: string, chars: number) => boolean): boolean {
  const c = Array.from(w);
  const reach = new Array<boolean>(c.length + 1).fill(false);
  reach[0] = true;
  for (let i = 0; i < c.length; i++) {
    if (!reach[i]) continue;
    let p = '';
    for (let j = i + 1; j <= c.length; j++) {
      p += c[j - 1];
      if (!reach[j] && ok(p, j - i)) reach[j] = true;
    }
  }
  return reach[c.length];
}

/**
 * A piece that says nothing about the topic: a generic word of two or more characters, a number, or one light
 * character (a one-character generic verb such as 退 or 收 still carries the topic in 退款, 收款).
 */
const empty = (p: string, n: number): boolean => (n === 1 ? LIGHT.has(p) : GENERIC_WORDS.has(p) || NUMERIC.test(p));

/**
 * A message word is salient when it is not generic, not a number or time, and does not cut into generic words,
 * numbers and light characters only (一个月, 能加个, 我录过 are not; 冰箱, 鸿蒙, 收款 are).
 */
export function isSalient(w: string): boolean {
  if (GENERIC_WORDS.has(w) || NUMERIC.test(w)) return false;
  return !splits(w, empty);
}

/** An entry's canonical texts: its question and alternates (`own`, '|'-joined) and its answer. */
export interface EntryText {
  own: string;
  answer: string;
}

/**
 * `w` is covered when it is in the entry's texts, or when it cuts into pieces that each are: two or more
 * characters found in the entry, one character found in the entry's question or alternates, or a piece that
 * says nothing (generic word, number, light character). So 能加个 is covered by 加床, 枪坏 by 扫码枪 … 坏,
 * 扣钱 by 扣 … 钱, but 冰箱 is not covered by 钱箱.
 */
export function coveredBy(w: string, t: EntryText): boolean {
  if (t.own.includes(w) || t.answer.includes(w)) return true;
  return splits(w, (p, n) => empty(p, n) || (n >= 2 ? t.own.includes(p) || t.answer.includes(p) : t.own.includes(p)));
}

/**
 * `w` is known to a knowledge base when it cuts into pieces the KB uses somewhere (`has`: a word or a run of
 * characters of any entry's question, alternates or answer) or that say nothing. A salient word the KB never
 * uses (冰箱, 专利, 鸿蒙 in a shop's KB) is another topic; one it uses elsewhere (打印机, 收银员) is context.
 */
export function knownBy(w: string, has: (piece: string) => boolean): boolean {
  return has(w) || splits(w, (p, n) => empty(p, n) || has(p));
}

/**
 * What the message explains of an entry: the best share, over the entry's question and alternates, of their
 * salient words that the message covers (1 when a variant has none). 发票怎么开 explains all of 怎么开发票 but
 * half of 发票开错了怎么办.
 */
export function explainedShare(variants: string[][], message: EntryText): number {
  let best = 0;
  for (const words of variants) {
    const sal = [...new Set(words)].filter(isSalient);
    if (sal.length === 0) return 1;
    let n = 0;
    for (const w of sal) if (WEAK_WORDS.has(w) || coveredBy(w, message)) n++;
    best = Math.max(best, n / sal.length);
  }
  return best;
}

/** What an entry explains of a message. */
export interface Explanation {
  /** Salient words of the message (weak words included). */
  salient: string[];
  /** Salient words the entry covers. */
  covered: string[];
  /** Salient (non-weak) words the entry does not cover. */
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
