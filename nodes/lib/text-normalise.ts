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
const PICTO_RE = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}]/gu;
const SEP_RE = /[\s\p{P}\p{S}]+/gu;

/** Traditional → simplified for the characters in the built-in table; other characters unchanged. */
export function toSimplified(text: string): string {
  return text.replace(TRAD_RE, (c) => T2S.get(c) ?? c);
}

/** Normalise a user message or a keyword for matching (see the module comment). */
export function normalise(text: string): string {
  if (typeof text !== 'string') text = text === undefined || text === null ? '' : String(text);
  let s = text.normalize('NFKC').toLowerCase();
  s = s.replace(WECHAT_EMOJI_RE, ' ').replace(PICTO_RE, ' ');
  s = toSimplified(s);
  s = s.replace(SEP_RE, ' ').trim();
  return s;
}
