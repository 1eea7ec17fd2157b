// The agent console's record of a conversation as the bridge gives it (docs/agent-protocol.md: sync, handoff,
// budget): the customer (name, avatar, where they came from), history items (the bridge's system lines in the
// agent's language), the 微信客服 reply budget and why a reply was refused. The page is rebuilt from the
// server's snapshot on every connect, never from the last frame it happened to see.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var t = ui.t, el = ui.el;
  ui.words({
    budgetLeft: ['剩余可回复 {n} 条 / 48 小时窗口到 {until}', '{n} replies left / 48-hour window until {until}'],
    budgetKept: ['（另留 {k} 条给结束语）', ' ({k} kept for the closing notice)'],
    windowClosed: ['48 小时回复窗口已关闭：用户再次发言前无法回复', 'The 48-hour window has closed: no reply until the customer writes again'],
    windowTag: ['窗口已关闭', 'window closed'],
    noBudget: ['本条用户消息后的回复次数已用完，请等待用户再次发言', 'No replies left for this customer message: wait until the customer writes again'],
    refused95001: ['未发送：微信客服每条用户消息后最多回复 5 条，已用完{kept}。用户再次发言后可继续回复。', 'Not sent: 微信客服 allows 5 replies per customer message and they are used up{kept}. You can reply again once the customer writes.'],
    refusedKept: ['（最后 1 条留给结束语）', ' (the last is kept for the closing notice)'],
    refused95002: ['未发送：距用户上次发言已超过 48 小时，用户再次发言前无法回复。', 'Not sent: more than 48 hours since the customer last wrote; no reply until they write again.'],
    refusedRule: ['未发送：{name} 不符合企业微信的要求（{rule}）', 'Not sent: {name} breaks a WeCom rule ({rule})'],
    sys_handoff: ['转人工（{reason}）', 'Handed over ({reason})'],
    sys_transfer: ['由 {from} 转来{note}', 'Transferred from {from}{note}'],
    sys_undelivered: ['未送达：{why}', 'Not delivered: {why}'],
    gender1: ['男', 'male'], gender2: ['女', 'female'],
    scene: ['来源：{scene}', 'came via {scene}'],
    kfAccount: ['客服账号 {id}', 'account {id}']
  });

  /** A known code (reason_keyword…) in the current language, or the code itself. */
  function word(prefix, code) {
    var s = t(prefix + code);
    return s === prefix + code ? code : s;
  }

  /** Why a reply did not go out, in the agent's language (errcode 95001/95002, a media rule, or the bridge's code). */
  function refusal(f) {
    var code = f.errcode || f.code;
    var kept = /kept for the closing notice/.test(String(f.message || '')) ? t('refusedKept') : '';
    if (code === 95001 || code === 'no_budget') return t('refused95001', { kept: kept || (code === 'no_budget' ? t('refusedKept') : '') });
    if (code === 95002 || code === 'window_closed') return t('refused95002');
    if (f.rule) return t('refusedRule', { name: (f.media && f.media.name) || '', rule: f.rule });
    return String(f.message || code || '');
  }

  /** The text of one of the bridge's system lines. */
  function systemText(s) {
    if (!s) return '';
    if (s.kind === 'handoff') return t('sys_handoff', { reason: word('reason_', s.reason || '—') });
    if (s.kind === 'transfer') return t('sys_transfer', { from: s.from || '', note: s.note ? '：' + s.note : '' });
    if (s.kind === 'undelivered') return t('sys_undelivered', { why: refusal(s) });
    return s.kind || '';
  }

  /** A history entry or user message → what the page shows (media, location and link as structured parts). */
  function item(h, from) {
    if (h.from === 'system') {
      var line = h.system;
      return { notice: function () { return systemText(line); }, ts: h.ts };
    }
    var x = { from: from || (h.from === 'agent' || h.from === 'bot' || h.from === 'note' ? h.from : 'user'), text: h.text == null ? '' : String(h.text), ts: h.ts };
    if (h.media && typeof h.media === 'object') { x.media = h.media; if (/^\[[^\]]*\]$/.test(x.text)) x.text = ''; }
    if (h.location && typeof h.location === 'object') x.location = h.location;
    if (h.link && typeof h.link === 'object') x.link = h.link;
    if (h.agentId) x.agentId = String(h.agentId);
    return x;
  }

  /** Who the customer is, from a sync snapshot, handoff, message or queue item (only fields it carries). */
  function about(c, f) {
    if (!f) return;
    if (f.customer && typeof f.customer === 'object') c.customer = f.customer;
    if (f.openKfId) c.openKfId = String(f.openKfId);
    if (f.budget && typeof f.budget === 'object') c.budget = f.budget;
  }

  /** A conversation of a sync frame, whole: replaces what the page held. */
  function fromSnapshot(c, s) {
    about(c, s);
    c.reason = s.reason ? String(s.reason) : c.reason;
    c.transferredFrom = s.transferredFrom || '';
    c.status = 'active';
    c.history = (Array.isArray(s.history) ? s.history : []).map(function (h) { return item(h); });
  }

  function name(c) {
    return (c.customer && c.customer.name) || c.userId || c.id;
  }

  /** The avatar: the customer's picture when WeCom gave one, else the first letter of the name. */
  function avatar(c) {
    var box = el('div', 'avatar', name(c).slice(0, 1).toUpperCase());
    var src = c.customer && ui.safeUrl(c.customer.avatar);
    if (src) {
      box.textContent = '';
      var img = el('img');
      img.src = src;
      img.alt = '';
      img.referrerPolicy = 'no-referrer';
      box.appendChild(img);
    }
    return box;
  }

  /** Details of the customer for the header: gender, entry scene, 客服 account. */
  function details(c) {
    var out = [];
    var p = c.customer || {};
    if (p.gender === 1 || p.gender === 2) out.push(t('gender' + p.gender));
    var scene = [p.channelsName, p.scene, p.sceneParam].filter(Boolean).join(' / ');
    if (scene) out.push(t('scene', { scene: scene }));
    if (c.openKfId) out.push(t('kfAccount', { id: c.openKfId }));
    return out;
  }

  function until(ms) {
    var d = new Date(ms);
    var now = new Date();
    var day = d.toDateString() === now.toDateString() ? '' : (d.getMonth() + 1) + '-' + d.getDate() + ' ';
    return day + ui.hhmm(ms);
  }

  /** 'window' (closed), 'spent' (no reply left), or '' (may reply); '' without a budget (app). */
  function blocked(c) {
    var b = c.budget;
    if (!b) return '';
    if (b.until <= Date.now()) return 'window';
    return b.replies > 0 ? '' : 'spent';
  }

  /** The budget line of the header, or '' (app conversations have none). */
  function budgetText(c) {
    var b = c.budget;
    if (!b) return '';
    var why = blocked(c);
    if (why === 'window') return t('windowClosed');
    if (why === 'spent') return t('noBudget');
    return t('budgetLeft', { n: b.replies, until: until(b.until) }) + (b.reserved ? t('budgetKept', { k: b.reserved }) : '');
  }

  window.WecomHistory = {
    item: item, about: about, fromSnapshot: fromSnapshot, name: name, avatar: avatar, details: details,
    budgetText: budgetText, blocked: blocked, refusal: refusal, word: word
  };
})();
