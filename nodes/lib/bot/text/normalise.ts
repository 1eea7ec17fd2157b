/**
 * Text normalisation shared by keyword rules, the FAQ index and handoff transfer words.
 *
 * normalise(text):
 *  - Unicode NFKC: full-width letters, digits and punctuation become half-width (ＡＢＣ１２３ → abc123);
 *  - lower case;
 *  - WeChat emoji codes such as [捂脸] / [Smile] and pictographic emoji are removed;
 *  - common traditional characters become simplified (a small built-in table, see TRAD/SIMP below);
 *  - every run of whitespace or punctuation becomes one space; the result is trimmed.
 *
 * Pure: no Node-RED import, no dependency.
 */

// Pairs of (traditional, simplified) characters, position by position. Only characters common in
// customer-service chat; a full OpenCC table is deliberately not bundled.
const TRAD =
  '們個麼嗎這還錢費價開發帳賬臺檯後會員號碼證買賣貨運單訂購務銀機應聯繫係電話問題請謝時間長級專業樣為說讓幫戶' +
  '錄陸註冊換維壞屬質體紙掃槍條優實際現試續額總數據庫隱種類項選擇點擊網絡線連設備裝載軟處達遞郵區縣國內廣東門' +
  '鋪營結頭轉紅綫關閉啟動與對錯麽誰裡裏從來過邊讀寫學習經濟驗貴劃幾歲傳響聲報稅辦認識書約簽閱損寶準確審憑紀記' +
  '資訊頁顏統計顯螢鍵盤觸熱筆雲灣慣團隊醫療車輛麵飯館廳飲齊聽見覺氣歡樂愛沒無給並兩萬億塊圓週於當將蘋標準' +
  '價錯誤據鐘現務態戶權限碼歷產品質換貼幣匯賬戶額廠鎖顧客戶區別還給鑰匙餘額積分漲減費倉儲備註紙盒箱環節網絡' +
  '啓閱讀寬頻線纜閘換臉氣獲處罰節約確認說明書開啟關閉復製複雜擁擠組織總結續約終斷縮綁綁勞蘇晚間語音視頻圖片' +
  '檔案夾載傳輸遲緩慢陳舊撥號贈禮卡協議規則適範圍險憑據';
const SIMP =
  '们个么吗这还钱费价开发账账台台后会员号码证买卖货运单订购务银机应联系系电话问题请谢时间长级专业样为说让帮户' +
  '录陆注册换维坏属质体纸扫枪条优实际现试续额总数据库隐种类项选择点击网络线连设备装载软处达递邮区县国内广东门' +
  '铺营结头转红线关闭启动与对错么谁里里从来过边读写学习经济验贵划几岁传响声报税办认识书约签阅损宝准确审凭纪记' +
  '资讯页颜统计显萤键盘触热笔云湾惯团队医疗车辆面饭馆厅饮齐听见觉气欢乐爱没无给并两万亿块圆周于当将苹标准' +
  '价错误据钟现务态户权限码历产品质换贴币汇账户额厂锁顾客户区别还给钥匙余额积分涨减费仓储备注纸盒箱环节网络' +
  '启阅读宽频线缆闸换脸气获处罚节约确认说明书开启关闭复制复杂拥挤组织总结续约终断缩绑绑劳苏晚间语音视频图片' +
  '档案夹载传输迟缓慢陈旧拨号赠礼卡协议规则适范围险凭据';

const T2S: Map<string, string> = (() => {
  const a = Array.from(TRAD);
  const b = Array.from(SIMP);
  if (a.length !== b.length) throw new Error(`text-normalise: table length mismatch ${a.length} != ${b.length}`);
  const m = new Map<string, string>();
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) m.set(a[i], b[i]);
  return m;
})();

const TRAD_RE = new RegExp(`[${Array.from(T2S.keys()).join('')}]`, 'gu');
/** WeChat emoji codes: [微笑], [捂脸], [Smile], [OK] … (1–8 letters or CJK characters in square brackets). */
const WECHAT_EMOJI_RE = /\[[\p{L}\p{N}_ -]{1,8}\]/gu;
// eslint-disable-next-line no-misleading-character-class -- each joiner / modifier / VS16 code point is matched on its own on purpose
const PICTO_RE = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}]/gu;
const SEP_RE = /[\s\p{P}\p{S}]+/gu;

/** Traditional → simplified for the characters in the built-in table; other characters unchanged. */
export function toSimplified(text: string): string {
  return text.replace(TRAD_RE, (c) => T2S.get(c) ?? c);
}

/**
 * Reference implementation of normalise(): whole-string NFKC, regexes. Used as the fallback for the rare
 * inputs the per-character fast path cannot handle exactly (combining marks, Hangul jamo, final sigma,
 * characters whose NFKC or lower case form is several characters) and by the tests as the oracle.
 */
export function normaliseReference(text: string): string {
  if (typeof text !== 'string') text = text === undefined || text === null ? '' : String(text);
  let s = text.normalize('NFKC').toLowerCase();
  s = s.replace(WECHAT_EMOJI_RE, ' ').replace(PICTO_RE, ' ');
  s = toSimplified(s);
  s = s.replace(SEP_RE, ' ').trim();
  return s;
}

// ---- fast path: one pass over UTF-16 code units with a lazily filled per-code-unit table ----
// TABLE[c] = 0 unknown; COMPLEX (fallback); otherwise (mapped code unit + 1) | SEP_BIT when the mapped
// character is whitespace / punctuation / symbol (or a pictograph, which becomes a separator).
const TABLE = new Int32Array(65536);
const COMPLEX = -1;
const SEP_BIT = 1 << 20;
const CODE_MASK = SEP_BIT - 1;
/** Internal separator marker (a noncharacter; input containing it takes the reference path). */
const MARKER = 0xfdd0;
const MARK_RE = /\p{M}/u;
const ONE_SEP_RE = /^[\s\p{P}\p{S}]$/u;
// eslint-disable-next-line no-misleading-character-class -- a lone joiner / modifier / VS16 is one pictographic unit here
const ONE_PICTO_RE = /^[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}]$/u;
/** Astral code points (emoji, rare Han): normalised form, null = fallback, '' = separator. */
const ASTRAL = new Map<number, string | null>();

function isJamo(c: number): boolean {
  return (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xd7b0 && c <= 0xd7ff);
}

function classify(c: number): number {
  // lone surrogates, marks (they combine with the previous character), jamo (compose), final sigma
  if ((c >= 0xd800 && c <= 0xdfff) || c === 0x03a3 || c === MARKER || isJamo(c)) return COMPLEX;
  const ch = String.fromCharCode(c);
  if (MARK_RE.test(ch)) return COMPLEX;
  const k = ch.normalize('NFKC');
  if (k === '\u03a3') return COMPLEX; // Σ lower-cases by context (final sigma)
  let m = k.toLowerCase();
  if (m.length !== 1) return COMPLEX;
  const mc = m.charCodeAt(0);
  if (MARK_RE.test(m) || isJamo(mc) || (mc >= 0xd800 && mc <= 0xdfff)) return COMPLEX;
  if (ONE_PICTO_RE.test(m)) return (MARKER + 1) | SEP_BIT; // pictograph → separator
  m = T2S.get(m) ?? m;
  return (m.charCodeAt(0) + 1) | (ONE_SEP_RE.test(m) ? SEP_BIT : 0);
}

function astral(cp: number): string | null {
  let r = ASTRAL.get(cp);
  if (r === undefined) {
    const ch = String.fromCodePoint(cp);
    // characters changed by NFKC / lower case (e.g. 🈲 → 禁, 𝐀 → a) or combining take the reference path
    if (ch.normalize('NFKC').toLowerCase() !== ch || MARK_RE.test(ch)) r = null;
    else r = ONE_PICTO_RE.test(ch) || ONE_SEP_RE.test(ch) ? '' : ch;
    ASTRAL.set(cp, r);
  }
  return r;
}

let BUF = new Uint16Array(256);

function fromCodes(n: number): string {
  if (n <= 4096) return Reflect.apply(String.fromCharCode, null, BUF.subarray(0, n)) as string;
  let s = '';
  for (let i = 0; i < n; i += 4096) s += Reflect.apply(String.fromCharCode, null, BUF.subarray(i, Math.min(n, i + 4096))) as string;
  return s;
}

/** Separator test on an already mapped character (for the pass after emoji-code removal). */
function isSepMapped(c: number): boolean {
  if (c === MARKER) return true;
  let v = TABLE[c];
  if (v === 0) v = TABLE[c] = classify(c);
  if (v === COMPLEX) return ONE_SEP_RE.test(String.fromCharCode(c));
  return (v & SEP_BIT) !== 0;
}

/** Normalise a user message or a keyword for matching (see the module comment). */
export function normalise(text: string): string {
  if (typeof text !== 'string') text = text === undefined || text === null ? '' : String(text);
  const len = text.length;
  if (BUF.length < len * 2 + 2) BUF = new Uint16Array(len * 2 + 2);
  const buf = BUF;
  let n = 0;
  let changed = false;
  let bracket = false;
  let pendingSep = false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    // ASCII lower-case letters and digits, and CJK ideographs outside the traditional table, are kept as is
    let v = TABLE[c];
    if (v === 0) v = TABLE[c] = classify(c);
    if (v === COMPLEX) {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          const r = astral(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
          if (r === null) return normaliseReference(text);
          i++;
          if (r === '') {
            if (bracket) buf[n++] = MARKER;
            else if (n > 0) pendingSep = true;
            changed = true;
          } else {
            if (pendingSep) buf[n++] = 32;
            pendingSep = false;
            buf[n++] = c;
            buf[n++] = d;
          }
          continue;
        }
      }
      return normaliseReference(text);
    }
    const m = (v & CODE_MASK) - 1;
    if (m !== c) changed = true;
    if (m === 0x5b && !bracket) {
      // '[': from here keep separators verbatim; WeChat emoji codes are removed below, then separators folded
      bracket = true;
      if (pendingSep) buf[n++] = 32;
      pendingSep = false;
    }
    if (bracket) {
      buf[n++] = m;
      continue;
    }
    if (v & SEP_BIT) {
      if (m !== 32 || n === 0 || pendingSep) changed = true;
      if (n > 0) pendingSep = true;
      continue;
    }
    if (pendingSep) {
      buf[n++] = 32;
      pendingSep = false;
    }
    buf[n++] = m;
  }
  if (pendingSep) changed = true; // trailing separator trimmed
  if (!bracket) return changed ? fromCodes(n) : text;
  // a '[' occurred: remove WeChat emoji codes (as the reference does, before folding separators), then fold
  const s = fromCodes(n).replace(WECHAT_EMOJI_RE, '\ufdd0');
  let out = '';
  let start = -1;
  let sep = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSepMapped(c)) {
      if (start >= 0) {
        out += (out && sep ? ' ' : '') + s.slice(start, i);
        start = -1;
      }
      sep = true;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out += (out && sep ? ' ' : '') + s.slice(start);
  return out;
}
