/**
 * Built-in customer-service synonyms for the FAQ analyser: variant → canonical term, applied to the KB and
 * the message alike on jieba word boundaries (analyser.ts). Canonical terms are resolved again, so a
 * canonical term may itself be a variant (收费 → 价格 and 几多钱 → 收费 both end at 价格).
 * Written from general Chinese customer-service usage (spoken vs written, regional — Cantonese, Taiwan —,
 * trade words, typos, pinyin initials, English), not from any evaluation set. Pure data.
 */

function group(canonical: string, variants: string): Array<[string, string]> {
  return variants.split(/\s+/).filter(Boolean).map((v) => [v, canonical]);
}

const GROUPS: Array<[string, string]> = [
  // money / price
  ...group('价格', '价钱 价位 收费 费用 多少钱 几多钱 几钱 要钱 报价 价目 售价 资费 贵不贵 价格表 价目表 jg price pricing'),
  ...group('免费', '不要钱 不收费 不花钱 白嫖 零元 0元 free'),
  ...group('年付', '包年 按年 年缴 一年一付'),
  ...group('月付', '包月 按月 月缴'),
  ...group('专业版', 'pro pro版 高级版'),
  ...group('基础版', 'basic 标准版 入门版'),
  ...group('企业版', 'enterprise 旗舰版'),
  ...group('升级', '升到 upgrade 升套餐'),
  ...group('降级', '降到 downgrade 降套餐'),
  ...group('续费', '续约 续期 绪费 续废 renew xf'),
  ...group('试用', '试一下 试试 体验一下 trial'),
  // refunds / arrival of money / settlement
  ...group('退款', '退钱 退费 钱退 退回 返还 返款 退宽 退欵 refund tk'),
  ...group('退款到账', '退回来'),
  ...group('到账', '到帐 入账 到卡 到我卡上 回到卡上 到账户 打到卡上'),
  ...group('没到账', '没收到钱 没到账 还没到账 钱没到'),
  ...group('营业款', '营业额 货款 收款款项 流水钱'),
  ...group('结算', '提现 清算 结账周期'),
  ...group('手续费', '费率 扣点 点位 抽成 服务费率'),
  ...group('收款', '收钱 收银款'),
  // goods return / exchange / damage / price protection
  ...group('退货', '退掉 退回去 return th'),
  ...group('换货', '调换 exchange'), // not 换个 / 换一个: 换个地址, 换一个手机号 are no exchange of goods
  ...group('破损', '摔坏 压坏 碎了 裂了 摔裂 磕坏 变形 压扁 摔烂 坏件'),
  ...group('少件', '缺件 少发 漏发 少了配件 没发全'),
  ...group('价保', '保价 价格保护 降价补差'),
  // invoices
  ...group('发票', '发漂 发标 税票 fp invoice 发票儿'),
  ...group('开发票', '开票 开个票 kp 开张票'),
  ...group('专用发票', '专票 增票 增值税专票 vat专票'),
  ...group('普通发票', '普票 增普'),
  // account / login / verification
  ...group('登录', '登陆 登入 登录不了 login'),
  ...group('账号', '账户 帐号 帐户 用户名 account 账号名'),
  ...group('手机号', '手机号码 电话号码 手机号 绑定手机'),
  ...group('验证码', '验证马 短信码 校验码 动态码 yzm'),
  ...group('忘记', '忘了 忘掉 记不起来 记不住 不记得 想不起来'),
  ...group('密码', 'mm password pwd 密碼'),
  ...group('修改密码', '改密 改个密码'),
  ...group('锁定', '锁住 被锁 锁死 锁了'),
  ...group('注销账号', '销户 销号 删号 注销账户 注销帐号'),
  ...group('员工', '店员 伙计 营业员 店小二'),
  ...group('门店', '分店 店铺 店面 连锁店 分店铺'),
  // coupons / referral / new users
  ...group('优惠券', '优惠卷 优惠劵 代金券 抵用券 红包 抵扣券 满减券 折扣券 券子 coupon yhq'),
  ...group('邀请好友', '拉新 推荐朋友 推荐好友 拉人 邀请朋友'),
  ...group('新用户', '新人 新客 新客户 新会员 新注册'),
  // shipping
  ...group('运费', '快递费 邮费 运废 邮资 yf shipping'),
  ...group('发货', '寄件 发出 寄出 发或 发出来 发走 delivery fh'),
  ...group('下单', '拍下 拍了 下了单'),
  ...group('快递', '物流 包裹 宅配 中通 圆通 韵达 申通 极兔 express'),
  ...group('港澳台', '香港 澳门 台湾 澳门特区 hk'),
  ...group('海外', '国外 境外 外国'),
  // repairs / warranty / devices
  ...group('保修', '质保 保修期 质保期 保固 保用 包修 三包 warranty bx'),
  ...group('报修', '维修 修理 修一下 返修 送修 寄修 repair'),
  ...group('坏了', '坏掉 故障 坏咗 坏啦 出毛病'),
  ...group('开不了机', '黑屏 死机 开不开机 不开机'),
  ...group('收银设备', '收银机 一体机 pos机 收银台 pos'),
  ...group('小票打印机', '小票机 打单机 票据打印机 热敏打印机 小票打印'),
  ...group('打印机', '印表机 printer'),
  ...group('扫码枪', '扫描枪 扫码器 扫码机'),
  ...group('断网', '没网 没有网 网断了 无网 离线 offline 断线'),
  ...group('苹果', 'ios iphone 苹果手机'),
  // human agent / contact / hours / complaints / company
  ...group('人工', '人工客服 真人 活人 rg 人工服务'),
  ...group('电话', '客服电话 联系方式 热线 电话号 联系电话'),
  ...group('工作时间', '上班时间 营业时间 服务时间 几点上班 几点下班 上班 下班'),
  ...group('投诉', '举报 维权 complain'),
  ...group('体验店', '实体店 门市 线下店'),
  ...group('培训', '教程 教学 培训课'),
  ...group('安装', '装机 安装调试'),
  ...group('合同', '合约 contract'),
  ...group('代理商', '经销商 加盟商 分销商 渠道商 服务商 合伙人 招商 代理 加盟 分销 经销'),
  // payments
  ...group('付款', '付钱 支付 交钱 缴费 买单 pay'),
  ...group('未付款', '待付款 待支付 未支付 没付款'),
  ...group('对公转账', '公对公 对公打款 对公汇款'),
  ...group('对公账户', '对公户 公户'),
  ...group('转账', '打款 汇款'),
  ...group('支付宝', 'zfb alipay'),
  ...group('微信', 'wx wechat weixin'),
  // API / integrations / data
  ...group('api', '接口 开放接口'),
  ...group('webhook', '回调 事件推送'),
  ...group('对接', '接入 打通 集成'),
  ...group('饿了么', '饿了吗'),
  ...group('数据', '资料 data'),
  ...group('迁移', '搬过来 导过来 转移 搬家'),
  ...group('泄露', '泄漏 偷看 外泄'),
  ...group('备份', 'backup'),
  ...group('导出', 'export 导出来'),
  // orders
  ...group('订单', 'dd order 单子'),
  ...group('取消', '取消掉 撤销 cancel 撤单'),
  ...group('修改', '更改 改动 改一下'),
  ...group('设置', '配置 设定'),
  // how / when / can (spoken, regional)
  ...group('怎么', '如何 怎样 咋 怎么样 怎么弄 怎么办 咋整 咋办 咋弄 怎么搞 点样 肿么 咋个 怎么整'),
  ...group('多久', '多长时间 几天 多少天 什么时候 啥时候 几时 几耐 多会儿 多长'),
  ...group('什么', '啥 神马 乜 啥子 乜嘢'),
  ...group('为什么', '为啥 点解 咋回事'),
  ...group('没有', '冇 木有 米有 莫得'),
  ...group('哪里', '边度 哪儿 哪块'),
  ...group('可以', '能不能 能否 可不可以 行不行 能 得唔得 可唔可以 得不得'),
  ...group('不同', '区别 不一样 差别 差异 差在哪'),
  // written vs spoken, Taiwan usage
  ...group('系统', '软件 软体 系統'),
  ...group('短信', '简讯 短讯'),
  ...group('网络', '网路'),
  ...group('质量', '品质'),
  ...group('支持', '支援'),
  ...group('消息', '讯息'),
];

/** Built-in synonyms: variant → canonical term. General customer-service usage, not tied to one KB. */
export const DEFAULT_SYNONYMS: Record<string, string> = Object.fromEntries(GROUPS);

/**
 * Traditional → simplified characters the shared normalise() table does not cover, for the FAQ only
 * (the table in text/normalise.ts is shared with keyword rules and handoff words and stays as it is).
 */
const TRAD_EXTRA = '們嗎麼點資體軟機錶錢貨運費價發帳賬單號碼態戶權護滿優惠試續額買賣歸屬嗎寄幫會異變顯離線漏壞鎖謝該讓達倉輸購擔緊稱滯'
  + '週遲導碼圖檔權標籤薦邀領獎勵團糾紛廢棄檢測隨儲訊壓裂摺舊換遞雙衝銷碼開啟闆總門鈕鍵';
const SIMP_EXTRA = '们吗么点资体软机表钱货运费价发账账单号码态户权护满优惠试续额买卖归属吗寄帮会异变显离线漏坏锁谢该让达仓输购担紧称滞'
  + '周迟导码图档权标签荐邀领奖励团纠纷废弃检测随储讯压裂折旧换递双冲销码开启板总门钮键';

export const FAQ_TRAD_MAP: Map<string, string> = (() => {
  const a = Array.from(TRAD_EXTRA);
  const b = Array.from(SIMP_EXTRA);
  const m = new Map<string, string>();
  if (a.length !== b.length) throw new Error(`faq-synonyms: traditional table length mismatch ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) m.set(a[i], b[i]);
  return m;
})();
