// The agent's daily tools in the packaged console, through the protocol only (docs/agent-protocol.md,
// "Agent tools"): status 在线 / 忙碌 / 离开, internal notes, canned replies (快捷回复: "/" + shortcut in the reply
// box, {customer.name} and {agent.name} filled in; team and personal lists managed here), search over the
// agent's closed conversations of the last 30 days, and unread counts with an optional sound and browser
// notification (off by default). Uses console.js's window.WecomConsole; every user text goes in via textContent.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var H = window.WecomHistory;
  var C = window.WecomConsole;
  var $ = ui.$, t = ui.t, el = ui.el;
  ui.words({
    st_online: ['在线', 'Online'], st_busy: ['忙碌', 'Busy'], st_away: ['离开', 'Away'],
    notify: ['新消息提醒', 'Alerts'],
    searchTitle: ['搜索已结束会话（30 天）', 'Search closed conversations (30 days)'],
    searchPh: ['关键词或客户', 'keyword or customer'], searchGo: ['搜索', 'Search'],
    noResults: ['没有找到', 'Nothing found'],
    noteMode: ['内部备注', 'Internal note'], noteModePh: ['内部备注：只有坐席能看到，不会发给客户', 'Internal note: agents only, never sent to the customer'],
    cannedManage: ['快捷回复', 'Canned replies'], cannedHint: ['输入 / 选择快捷回复', 'Type / for canned replies'],
    cannedTitle: ['快捷回复', 'Canned replies'], teamList: ['团队', 'Team'], personalList: ['个人', 'Personal'],
    shortcutPh: ['快捷词，如 hi', 'shortcut, e.g. hi'], cannedTextPh: ['回复内容', 'reply text'],
    save: ['保存', 'Save'], closePanel: ['关闭', 'Close'], del: ['删除', 'Delete'],
    cannedVars: ['变量：{customer.name} 客户名，{agent.name} 坐席名', 'Variables: {customer.name} the customer, {agent.name} you'],
    noCanned: ['暂无', 'none yet'],
    newMessage: ['{who}：{text}', '{who}: {text}'], newConvTitle: ['新会话', 'New conversation'],
    by_supervisor: ['主管结束', 'closed by a supervisor']
  });

  var tools = { canned: { team: [], personal: [] }, noteMode: false, pop: [], popAt: 0, unreadTitle: '' };
  var NOTIFY_KEY = 'wecom-console-notify';

  // ---- status ----
  $('agent-status').addEventListener('change', function () {
    var v = /** @type {HTMLSelectElement} */ (this).value;
    C.send({ type: 'status', status: v }, function (f) { $('agent-status').setAttribute('data-status', f.status || v); }, C.fail);
  });

  // ---- canned replies ----
  function loadCanned() { C.send({ type: 'canned' }, function (f) { if (f.canned) setCanned(f.canned); }, C.fail); }
  function setCanned(lists) {
    tools.canned = { team: lists.team || [], personal: lists.personal || [] };
    renderCannedPanel();
  }
  /** {customer.name} and {agent.name} for the conversation shown. */
  function fill(text) {
    var c = C.selected();
    var vars = { customer: c ? H.name(c) : '', agent: C.state.agentId || '' };
    return String(text).replace(/\{(customer|agent)\.name\}/g, function (m, who) { return vars[who] || m; });
  }
  /** The "/word" right before the caret, or null. @param {HTMLTextAreaElement} box */
  function slashWord(box) {
    var upto = box.value.slice(0, box.selectionStart);
    var m = /(?:^|\s)\/([^\s/]*)$/.exec(upto);
    return m ? { word: m[1], start: upto.length - m[1].length - 1 } : null;
  }
  function matches(word) {
    var w = word.toLowerCase();
    var all = tools.canned.personal.map(function (r) { return { r: r, scope: 'personal' }; })
      .concat(tools.canned.team.map(function (r) { return { r: r, scope: 'team' }; }));
    return all.filter(function (x) { return x.r.shortcut.toLowerCase().indexOf(w) === 0 || (w && x.r.text.toLowerCase().indexOf(w) >= 0); }).slice(0, 8);
  }
  function renderPop() {
    var pop = $('canned-pop');
    pop.textContent = '';
    pop.classList.toggle('hidden', !tools.pop.length);
    tools.pop.forEach(function (x, i) {
      var it = el('div', 'canned-item' + (i === tools.popAt ? ' active' : ''));
      it.setAttribute('role', 'option');
      it.setAttribute('data-shortcut', x.r.shortcut);
      it.appendChild(el('b', '', '/' + x.r.shortcut));
      it.appendChild(el('span', 'tag', t(x.scope === 'team' ? 'teamList' : 'personalList')));
      it.appendChild(el('span', 'preview', fill(x.r.text)));
      it.addEventListener('mousedown', function (e) { e.preventDefault(); insert(i); });
      pop.appendChild(it);
    });
  }
  function insert(i) {
    var x = tools.pop[i];
    var box = /** @type {HTMLTextAreaElement} */ (/** @type {unknown} */ ($('reply-text')));
    var s = slashWord(box);
    if (!x || !s) return;
    var text = fill(x.r.text);
    box.value = box.value.slice(0, s.start) + text + box.value.slice(box.selectionStart);
    box.selectionStart = box.selectionEnd = s.start + text.length;
    tools.pop = [];
    renderPop();
    box.focus();
  }
  $('reply-text').addEventListener('input', function () {
    var s = slashWord(/** @type {HTMLTextAreaElement} */ (/** @type {unknown} */ ($('reply-text'))));
    tools.pop = s ? matches(s.word) : [];
    tools.popAt = 0;
    renderPop();
  });
  $('reply-text').addEventListener('blur', function () { tools.pop = []; renderPop(); });
  // before console.js's Enter-to-send: while the list is open, keys pick from it
  $('reply-form').addEventListener('keydown', function (e) {
    if (!tools.pop.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      tools.popAt = (tools.popAt + (e.key === 'ArrowDown' ? 1 : tools.pop.length - 1)) % tools.pop.length;
      renderPop();
    } else if (e.key === 'Enter' || e.key === 'Tab') insert(tools.popAt);
    else if (e.key === 'Escape') { tools.pop = []; renderPop(); } else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }, true);

  function renderCannedPanel() {
    [['team', 'canned-team'], ['personal', 'canned-personal']].forEach(function (p) {
      var box = $(p[1]);
      box.textContent = '';
      var list = tools.canned[p[0]];
      if (!list.length) box.appendChild(el('div', 'empty', t('noCanned')));
      list.forEach(function (r) {
        var row = el('div', 'canned-row');
        row.setAttribute('data-shortcut', r.shortcut);
        row.appendChild(el('b', '', '/' + r.shortcut));
        row.appendChild(el('span', 'text', r.text));
        var del = el('button', 'danger', t('del'));
        del.type = 'button';
        del.addEventListener('click', function () {
          C.send({ type: 'canned', op: 'delete', scope: p[0], shortcut: r.shortcut }, function (f) { if (f.canned) setCanned(f.canned); }, C.fail);
        });
        row.appendChild(del);
        box.appendChild(row);
      });
    });
  }
  $('canned-manage').addEventListener('click', function () { $('canned-panel').classList.remove('hidden'); loadCanned(); $('canned-shortcut').focus(); });
  $('canned-close').addEventListener('click', function () { $('canned-panel').classList.add('hidden'); });
  $('canned-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var frame = { type: 'canned', op: 'set', scope: $('canned-scope').value, shortcut: $('canned-shortcut').value.trim(), text: $('canned-text').value };
    C.send(frame, function (f) {
      if (f.canned) setCanned(f.canned);
      $('canned-shortcut').value = '';
      $('canned-text').value = '';
    }, C.fail);
  });

  // ---- internal notes: the composer sends a note instead of a reply ----
  function noteMode(on) {
    tools.noteMode = on;
    $('note-mode').setAttribute('aria-pressed', String(on));
    $('reply-form').classList.toggle('noting', on);
    $('reply-text').setAttribute('placeholder', on ? t('noteModePh') : t('replyPh'));
  }
  $('note-mode').addEventListener('click', function () { noteMode(!tools.noteMode); });
  $('reply-form').addEventListener('submit', function (e) {
    if (!tools.noteMode) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    var c = C.selected();
    var text = $('reply-text').value.trim();
    if (!c || !text) return;
    $('reply-text').value = '';
    var h = { from: 'note', text: text, ts: Date.now(), agentId: C.state.agentId, pending: true };
    c.history.push(h);
    C.render();
    C.send({ type: 'note', conversationId: c.id, text: text }, function () { h.pending = false; C.render(); }, function (err) { h.pending = false; h.failed = true; C.render(); C.fail(err); });
  }, true);

  // ---- search over closed conversations ----
  $('search-form').addEventListener('submit', function (e) {
    e.preventDefault();
    C.send({ type: 'search', q: $('search-q').value.trim() }, function (f) { showResults(f.results || []); }, C.fail);
  });
  function showResults(results) {
    var box = $('search-results');
    box.textContent = '';
    if (!results.length) { box.appendChild(el('div', 'empty', t('noResults'))); return; }
    results.forEach(function (r) {
      var key = 'found:' + r.conversationId + '@' + r.closedAt;
      var it = el('div', 'item conv found');
      it.setAttribute('data-id', key);
      it.setAttribute('role', 'button');
      it.tabIndex = 0;
      var c = { id: key, channel: r.channel, userId: r.userId, customer: r.customer, status: 'closed', history: [], unread: 0, order: 0, group: '' };
      it.appendChild(H.avatar(c));
      var who = el('div', 'who');
      who.appendChild(el('div', 'name', H.name(c)));
      who.appendChild(el('div', 'preview', ui.hhmm(r.closedAt) + ' · ' + new Date(r.closedAt).toLocaleDateString()));
      it.appendChild(who);
      it.addEventListener('click', function () {
        var found = C.conv(key, r);
        found.status = 'closed';
        found.customer = r.customer;
        found.history = (r.history || []).map(function (h) { return H.item(h); });
        C.select(key);
      });
      box.appendChild(it);
    });
  }

  // ---- unread, sound and browser notification (off by default) ----
  function notifyOn() { try { return localStorage.getItem(NOTIFY_KEY) === 'on'; } catch (e) { return false; } }
  $('notify').checked = notifyOn();
  $('notify').addEventListener('change', function () {
    var on = /** @type {HTMLInputElement} */ (this).checked;
    try { localStorage.setItem(NOTIFY_KEY, on ? 'on' : 'off'); } catch (e) { /* ignore */ }
    if (on && window.Notification && Notification.permission === 'default') Notification.requestPermission();
  });
  function beep() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      var ctx = new AC(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
      osc.onended = function () { ctx.close(); };
    } catch (e) { /* no audio */ }
  }
  function alert(f) {
    var c = C.state.convs[f.conversationId];
    var mine = C.selected();
    if (!notifyOn() || (!document.hidden && mine && mine.id === f.conversationId)) return;
    beep();
    if (window.Notification && Notification.permission === 'granted') {
      var who = c ? H.name(c) : f.userId || '';
      try { new Notification(f.type === 'handoff' ? t('newConvTitle') : who, { body: t('newMessage', { who: who, text: f.text || '' }), tag: f.conversationId }); } catch (e) { /* not allowed */ }
    }
  }
  /** Unread messages over all conversations, in the tab's title. */
  function title() {
    var n = 0;
    Object.keys(C.state.convs).forEach(function (id) { n += C.state.convs[id].unread || 0; });
    var base = t('_title');
    document.title = n ? '(' + n + ') ' + base : base;
  }

  C.listeners.push(function (f) {
    if (f.type === 'welcome') {
      var feats = C.state.features;
      $('agent-status').classList.toggle('hidden', !feats.status || C.state.system);
      $('agent-status').value = f.status || 'online';
      $('agent-status').setAttribute('data-status', f.status || 'online');
      $('notify-box').classList.remove('hidden');
      $('search-form').classList.toggle('hidden', !feats.search);
      $('note-mode').classList.toggle('hidden', !feats.notes);
      $('canned-manage').classList.toggle('hidden', !feats.canned);
      if (feats.canned) loadCanned();
    }
    if ((f.type === 'handoff' || f.type === 'message') && !f.requeued) alert(f);
    setTimeout(title, 0);
  });
  document.addEventListener('visibilitychange', title);
  $('history').addEventListener('click', function () { setTimeout(title, 0); });
  ['queued', 'active', 'closed'].forEach(function (id) { $(id).addEventListener('click', function () { setTimeout(title, 0); }); });
})();
