// WeChat-user simulator page: chat as one or several WeChat users through the loopback WeCom simulator.
// Talks same-origin to /sandbox/sim/* (proxied to the simulator's /_sim/*): POST say, GET records, SSE stream.
(function () {
  'use strict';
  var SIM = '/sandbox/sim/';
  var STORE = 'wecom-sandbox-users';
  var ui = window.WecomUi; // the packaged console's helpers (/wecom/console/ui.js)
  var $ = ui.$;
  var toast = ui.toast;
  var fmtTime = ui.hhmm;

  var state = {
    users: loadUsers(),
    selected: null,
    records: [],          // all SimRecords, ordered by seq
    seen: {},             // seq → true
    lastSeq: 0,
    unread: {},           // key → count
    pending: [],          // local bubbles not yet confirmed by a record: {key, text, ts, failed}
    openKfIds: [],
  };

  function keyOf(u) { return u.channel + ':' + u.id; }
  function recKey(r) { return r.channel + ':' + r.userId; }

  function loadUsers() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE) || 'null');
      if (Array.isArray(saved) && saved.length) return saved;
    } catch (e) { /* ignore */ }
    return [
      { id: 'zhangsan', channel: 'app', name: '张三' },
      { id: 'lisi', channel: 'app', name: '李四' },
      { id: 'wmWangWu', channel: 'kf', name: '王五' },
    ];
  }
  function saveUsers() {
    try { localStorage.setItem(STORE, JSON.stringify(state.users)); } catch (e) { /* ignore */ }
  }

  function setState(s, text) {
    var pill = $('sim-state');
    pill.setAttribute('data-state', s);
    pill.textContent = text;
  }

  function userByKey(k) {
    for (var i = 0; i < state.users.length; i++) if (keyOf(state.users[i]) === k) return state.users[i];
    return null;
  }

  // ---- records ----
  function addRecords(list) {
    var changed = false;
    (list || []).forEach(function (r) {
      if (!r || typeof r.seq !== 'number' || state.seen[r.seq]) return;
      state.seen[r.seq] = true;
      state.records.push(r);
      if (r.seq > state.lastSeq) state.lastSeq = r.seq;
      var k = recKey(r);
      if (!userByKey(k)) state.users.push({ id: r.userId, channel: r.channel, name: r.userId });
      if (r.direction === 'user') {
        // a confirmed user message replaces its local pending bubble
        for (var i = 0; i < state.pending.length; i++) {
          var p = state.pending[i];
          if (p.key === k && p.text === r.text && !p.failed) { state.pending.splice(i, 1); break; }
        }
      } else if (k !== state.selected || document.hidden) {
        state.unread[k] = (state.unread[k] || 0) + 1;
      }
      changed = true;
    });
    if (changed) {
      state.records.sort(function (a, b) { return a.seq - b.seq; });
      renderUsers();
      renderMessages();
    }
  }

  function recordsFrom(body) {
    if (Array.isArray(body)) return body;
    if (body && Array.isArray(body.records)) return body.records;
    if (body && typeof body.seq === 'number') return [body];
    return [];
  }

  function poll() {
    return fetch(SIM + 'records?since=' + state.lastSeq, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) { addRecords(recordsFrom(body)); });
  }

  var pollTimer = null;
  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () {
      poll().then(function () { setState('open', '已连接（轮询） Connected (polling)'); },
        function () { setState('error', '模拟器不可用 Simulator unavailable'); });
    }, 1000);
  }

  function connectStream() {
    if (!window.EventSource) { startPolling(); return; }
    var es = new EventSource(SIM + 'stream');
    var opened = false;
    es.onopen = function () {
      opened = true;
      setState('open', '已连接 Connected');
      poll().catch(function () { /* stream still delivers */ });
    };
    var onData = function (ev) {
      try { addRecords(recordsFrom(JSON.parse(ev.data))); } catch (e) { /* ignore non-JSON keep-alives */ }
    };
    es.onmessage = onData;
    es.addEventListener('record', onData);
    es.onerror = function () {
      if (!opened) { es.close(); startPolling(); return; }
      setState('connecting', '重新连接中 Reconnecting');
    };
  }

  // ---- rendering ----
  function lastRecordOf(k) {
    for (var i = state.records.length - 1; i >= 0; i--) if (recKey(state.records[i]) === k) return state.records[i];
    return null;
  }

  function renderUsers() {
    var box = $('users');
    box.textContent = '';
    state.users.forEach(function (u) {
      var k = keyOf(u);
      var item = document.createElement('div');
      item.className = 'item' + (k === state.selected ? ' selected' : '');
      item.setAttribute('data-user', u.id);
      item.setAttribute('data-channel', u.channel);
      item.setAttribute('role', 'button');
      item.tabIndex = 0;
      var av = document.createElement('div');
      av.className = 'avatar';
      av.style.background = colorFor(k);
      av.textContent = (u.name || u.id).slice(0, 1).toUpperCase();
      var who = document.createElement('div');
      who.className = 'who';
      var name = document.createElement('div');
      name.className = 'name';
      name.textContent = (u.name && u.name !== u.id ? u.name + ' ' : '') ;
      var idSpan = document.createElement('span');
      idSpan.className = 'inline-en';
      idSpan.textContent = u.id;
      name.appendChild(idSpan);
      var tag = ui.el('span', 'tag ' + u.channel, u.channel === 'kf' ? '微信客服' : '应用');
      tag.style.marginLeft = '6px';
      name.appendChild(tag);
      var prev = document.createElement('div');
      prev.className = 'preview';
      var last = lastRecordOf(k);
      prev.textContent = last ? (last.direction === 'bot' ? '↩ ' : '') + last.text : '—';
      who.appendChild(name);
      who.appendChild(prev);
      item.appendChild(av);
      item.appendChild(who);
      if (state.unread[k]) {
        var b = document.createElement('span');
        b.className = 'badge';
        b.textContent = state.unread[k];
        item.appendChild(b);
      }
      var pick = function () { select(k); };
      item.addEventListener('click', pick);
      item.addEventListener('keydown', function (e) { if (e.key === 'Enter') pick(); });
      box.appendChild(item);
    });
  }

  function colorFor(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 360;
    return 'hsl(' + h + ',45%,62%)';
  }

  function bubble(opts) {
    var m = document.createElement('div');
    m.className = 'msg' + (opts.mine ? ' mine' : '') + (opts.cls ? ' ' + opts.cls : '');
    if (opts.dir) m.setAttribute('data-direction', opts.dir);
    var wrap = document.createElement('div');
    if (opts.from) {
      var f = document.createElement('div');
      f.className = 'from';
      f.textContent = opts.from;
      wrap.appendChild(f);
    }
    var b = document.createElement('div');
    b.className = 'bubble';
    b.textContent = opts.text;
    if (opts.menu) menuItems(b, opts.menu);
    wrap.appendChild(b);
    var t = document.createElement('div');
    t.className = 'time';
    t.textContent = opts.time;
    m.appendChild(wrap);
    m.appendChild(t);
    return m;
  }

  /** A 微信客服 msgmenu: its click items as buttons (a tap sends the item's text with its id), then its tail. */
  function menuItems(b, menu) {
    (Array.isArray(menu.list) ? menu.list : []).forEach(function (item) {
      var c = item && item.type === 'click' && item.click;
      if (!c || typeof c.content !== 'string') return;
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'menu-item';
      btn.textContent = c.content;
      btn.addEventListener('click', function () { send(c.content, String(c.id || '')); });
      b.appendChild(btn);
    });
    if (typeof menu.tail_content === 'string' && menu.tail_content) {
      var tail = document.createElement('div');
      tail.className = 'menu-tail';
      tail.textContent = menu.tail_content;
      b.appendChild(tail);
    }
  }

  function renderMessages() {
    var box = $('messages');
    var u = userByKey(state.selected);
    if (!u) return;
    box.textContent = '';
    var recs = state.records.filter(function (r) { return recKey(r) === state.selected; });
    if (!recs.length && !state.pending.some(function (p) { return p.key === state.selected; })) {
      var e = document.createElement('div');
      e.className = 'empty';
      e.innerHTML = '还没有消息，试试发送「价格」或「转人工」<br><span class="en">No messages yet: try 价格 (price) or 转人工 (talk to a human)</span>';
      box.appendChild(e);
    }
    recs.forEach(function (r) {
      var mine = r.direction === 'user';
      var text = r.msgtype && r.msgtype !== 'text' && !r.text ? '[' + r.msgtype + ']' : r.text;
      box.appendChild(bubble({
        mine: mine,
        dir: r.direction,
        text: text,
        menu: !mine && r.msgtype === 'msgmenu' && r.data && typeof r.data === 'object' ? r.data : null,
        time: fmtTime(r.ts),
        from: mine ? '' : (r.channel === 'kf' ? '微信客服' : '企业微信应用') + (r.msgtype && r.msgtype !== 'text' ? ' · ' + r.msgtype : ''),
      }));
    });
    state.pending.filter(function (p) { return p.key === state.selected; }).forEach(function (p) {
      box.appendChild(bubble({ mine: true, dir: 'user', text: p.text, time: p.failed ? '发送失败 failed' : '…', cls: p.failed ? 'failed' : 'pending' }));
    });
    box.scrollTop = box.scrollHeight; // the simulator always follows the newest message
  }

  function select(k) {
    state.selected = k;
    state.unread[k] = 0;
    var u = userByKey(k);
    $('chat-title').textContent = (u.name && u.name !== u.id ? u.name + ' · ' : '') + u.id;
    $('chat-meta').textContent = u.channel === 'kf'
      ? '微信客服 · WeChat Customer Service (external user)'
      : '企业微信应用 · WeCom app (member)';
    var kf = u.channel === 'kf';
    $('kf-account').classList.toggle('hidden', !kf);
    $('kf-label').classList.toggle('hidden', !kf);
    renderUsers();
    renderMessages();
    $('text').focus();
  }

  // ---- sending ----
  /** Send `text` as the selected user; `menuId`: a tap on that 微信客服 menu item. */
  function send(text, menuId) {
    var u = userByKey(state.selected);
    text = (text || '').trim();
    if (!u || !text) return;
    var p = { key: keyOf(u), text: text, ts: Date.now(), failed: false };
    state.pending.push(p);
    renderMessages();
    var body = { channel: u.channel, userId: u.id, text: text };
    if (u.channel === 'kf') body.openKfId = $('kf-account').value || state.openKfIds[0];
    if (u.channel === 'kf' && menuId) body.menuId = menuId;
    fetch(SIM + 'say', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) throw new Error((j && (j.error || j.message)) || 'HTTP ' + r.status);
          if (j && j.status && j.status >= 400) toast('回调返回 ' + j.status + ' · the callback answered HTTP ' + j.status, true);
          return poll();
        });
      })
      .catch(function (err) {
        p.failed = true;
        renderMessages();
        toast('发送失败 Send failed: ' + err.message, true);
      });
  }

  $('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var t = $('text');
    send(t.value);
    t.value = '';
  });
  $('text').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('quick').addEventListener('click', function (e) {
    var t = /** @type {Element} */ (e.target).closest('button[data-text]');
    if (t) send(t.getAttribute('data-text'));
  });
  $('add-user').addEventListener('submit', function (e) {
    e.preventDefault();
    var id = $('new-user').value.trim();
    if (!id) return;
    var u = { id: id, channel: $('new-channel').value, name: id };
    if (!userByKey(keyOf(u))) state.users.push(u);
    saveUsers();
    $('new-user').value = '';
    select(keyOf(u));
  });

  function loadConfig() {
    return fetch('/sandbox/config.json', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (cfg) {
        state.openKfIds = cfg.openKfIds && cfg.openKfIds.length ? cfg.openKfIds : ['wkSandboxKf01'];
        var sel = $('kf-account');
        sel.textContent = '';
        state.openKfIds.forEach(function (id) {
          var o = document.createElement('option');
          o.value = id;
          o.textContent = id;
          sel.appendChild(o);
        });
        if (cfg.aiSimulator) $('ai-sim').style.display = '';
        if (!cfg.simulator) {
          setState('error', '模拟器未运行 Simulator not running');
          toast(cfg.sandboxMode ? '模拟器未运行 · The WeCom simulator is not running' : '非沙盒模式 · Not in sandbox mode (WECOM_CORP_ID is set)', true);
          return false;
        }
        return true;
      });
  }

  renderUsers();
  select(keyOf(state.users[0]));
  loadConfig().then(function (ok) {
    if (!ok) return;
    poll().catch(function () { /* the stream retries */ });
    connectStream();
  }, function () { setState('error', '无法连接 Cannot reach the sandbox'); });
})();
