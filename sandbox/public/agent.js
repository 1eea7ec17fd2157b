// Agent console: connects to the ws-bridge at /wecom/ws with the agent token and speaks its JSON protocol.
// (docs/agent-protocol.md). In:  welcome {agentId, conversations[], queued} · queue {queued, conversations[]} · handoff {conversationId, channel,
// userId, reason, text, history[], ts} · message {conversationId, text, …} · closed {conversationId, by} ·
// ack {ref, id} · error {code, message, id}.  Out (each with an id, answered by one ack or error):
// accept {conversationId} · reply {conversationId, text} · close {conversationId}.
(function () {
  'use strict';
  var ui = window.SandboxUi;
  var $ = ui.$;
  var toast = ui.toast;
  var fmtTime = ui.fmtTime;
  var TOKEN_KEY = 'wecom-agent-token';
  var AGENT_KEY = 'wecom-agent-id';

  var state = {
    ws: null,
    token: '',
    agentId: '',
    queuedCount: 0,
    nextId: 1,
    wsPath: '/wecom/ws',
    convs: {},        // id → {id, channel, userId, reason, status, history: [], unread, closedBy, order}
    order: 0,
    selected: null,
    pending: [],      // frames awaiting ack: {frame, onAck, onError}
    everOpened: false,
    retry: 0,
    retryTimer: null,
    manualClose: false,
  };

  function setConn(s, text) {
    ui.pill('conn-state', s, text);
    $('disconnect').classList.toggle('hidden', s !== 'open');
  }

  // ---- connection ----
  function fromHash(name) {
    var m = new RegExp('(?:^|[#&])' + name + '=([^&]+)').exec(location.hash);
    return m ? decodeURIComponent(m[1]) : '';
  }

  /** A stable agent id per browser, so a reconnect keeps this agent's conversations. */
  function defaultAgentId() {
    var id = '';
    try { id = localStorage.getItem(AGENT_KEY) || ''; } catch (e) { /* ignore */ }
    if (!/^[A-Za-z0-9_.@:-]{1,128}$/.test(id)) {
      id = 'agent-' + Math.random().toString(36).slice(2, 8);
      try { localStorage.setItem(AGENT_KEY, id); } catch (e) { /* ignore */ }
    }
    return id;
  }

  function connect() {
    clearTimeout(state.retryTimer);
    state.manualClose = false;
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = proto + '//' + location.host + state.wsPath + '?token=' + encodeURIComponent(state.token) +
      '&agent=' + encodeURIComponent(state.agentId);
    setConn('connecting', '连接中 Connecting');
    var ws;
    try { ws = new WebSocket(url); } catch (e) { setConn('error', '连接失败 Failed'); return; }
    state.ws = ws;
    var opened = false;
    ws.onopen = function () {
      opened = true;
      state.everOpened = true;
      state.retry = 0;
      try { sessionStorage.setItem(TOKEN_KEY, state.token); } catch (e) { /* ignore */ }
      setConn('open', '已连接 Connected · ' + state.agentId);
      $('token-form').classList.add('hidden');
      $('console').classList.remove('hidden');
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f.type === 'string') onFrame(f);
    };
    ws.onclose = function () {
      if (state.ws !== ws) return;
      state.ws = null;
      // frames never acknowledged are failed; the bridge buffers what is meant for us, not what we sent
      state.pending.splice(0).forEach(function (p) { if (p.onError) p.onError({ code: 'disconnected', message: 'connection closed' }); });
      if (state.manualClose) { setConn('closed', '已断开 Disconnected'); return; }
      if (!opened && !state.everOpened) {
        setConn('error', '连接失败 Failed');
        showTokenForm('无法连接：令牌错误，或流程中没有 ws-bridge 节点 · Could not connect: wrong token, or no ws-bridge in the flow');
        return;
      }
      var delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
      setConn('connecting', '重新连接中 Reconnecting (' + Math.round(delay / 1000) + 's)');
      state.retryTimer = setTimeout(connect, delay);
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function send(frame, onAck, onError) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      toast('未连接 · Not connected', true);
      if (onError) onError({ code: 'disconnected' });
      return false;
    }
    frame.id = state.nextId++;
    state.pending.push({ frame: frame, onAck: onAck, onError: onError });
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  /** The pending frame an ack/error answers: by id or conversation and type when given, else the oldest. */
  function takePending(f) {
    var of = f.for || f.of || f.ref || f.re || f.frame || f.request;
    var idx = -1;
    for (var i = 0; i < state.pending.length && idx < 0; i++) {
      var p = state.pending[i].frame;
      if (f.id !== undefined && p.id === f.id) idx = i;
      else if (f.conversationId && p.conversationId === f.conversationId && (!of || of === p.type)) idx = i;
    }
    if (idx < 0 && state.pending.length) idx = 0;
    return idx < 0 ? null : state.pending.splice(idx, 1)[0];
  }

  // ---- conversations ----
  function conv(id, f) {
    var c = state.convs[id];
    if (!c) {
      c = state.convs[id] = { id: id, channel: '', userId: '', reason: '', status: 'active', history: [], unread: 0, order: ++state.order };
    }
    if (f) {
      if (f.channel) c.channel = f.channel;
      if (f.userId) c.userId = f.userId;
    }
    return c;
  }

  function isQueued(f) {
    return f.queued === true || f.state === 'queued' || f.status === 'queued' || (typeof f.queuePosition === 'number' && f.queuePosition > 0);
  }

  function onFrame(f) {
    var c;
    switch (f.type) {
      case 'welcome':
        if (f.agentId) state.agentId = f.agentId;
        setConn('open', '已连接 Connected · ' + state.agentId);
        state.queuedCount = typeof f.queued === 'number' ? f.queued : 0;
        (f.conversations || []).forEach(function (id) {
          c = conv(id);
          if (c.status === 'closed') c.status = 'active';
        });
        break;
      case 'queue':
        // queue snapshot {queued, conversations: [{conversationId, userId, channel, reason, text, ts}]} (docs/agent-protocol.md)
        if (typeof f.queued === 'number') state.queuedCount = f.queued;
        if (Array.isArray(f.conversations)) {
          Object.keys(state.convs).forEach(function (id) { if (state.convs[id].status === 'queued') delete state.convs[id]; });
          f.conversations.forEach(function (q) {
            if (!q || !q.conversationId) return;
            var known = !!state.convs[q.conversationId];
            c = conv(q.conversationId, q);
            if (!known || c.status !== 'active') c.status = 'queued';
            if (q.text && !c.history.length) c.history.push({ from: 'user', text: String(q.text), ts: q.ts });
          });
        }
        break;
      case 'undelivered':
        // a reply WeCom refused (e.g. 微信客服's 5 replies per customer message): show it in the conversation
        c = state.convs[f.conversationId];
        if (c) {
          var sent = c.history.filter(function (h) { return h.from === 'agent' && h.text === f.text && !h.failed; }).pop();
          if (sent) sent.failed = true;
          c.history.push({ notice: '未送达 Not delivered（' + (f.errcode || '') + '）: ' + (f.message || '') });
          render();
        }
        toast('回复未送达 Reply not delivered: ' + (f.message || f.errcode || ''), true);
        break;
      case 'handoff':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        c.reason = f.reason || c.reason;
        c.status = isQueued(f) ? 'queued' : 'active';
        c.closedBy = null;
        c.order = ++state.order;
        if (Array.isArray(f.history)) {
          c.history = f.history.map(function (h) { return { from: h.from || 'user', text: String(h.text == null ? '' : h.text), ts: h.ts }; });
        }
        if (f.text && !(c.history.length && c.history[c.history.length - 1].text === f.text && c.history[c.history.length - 1].from === 'user')) {
          c.history.push({ from: 'user', text: f.text, ts: f.ts });
        }
        c.history.push({ notice: '转人工 · handed over' + (f.reason ? '（' + f.reason + '）' : ''), ts: f.ts });
        if (state.selected !== c.id) c.unread++;
        if (!state.selected || !state.convs[state.selected] || state.convs[state.selected].status === 'closed') state.selected = c.id;
        toast('新会话 New conversation: ' + (c.userId || c.id));
        break;
      case 'message':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        if (c.status === 'closed') c.status = 'active';
        c.history.push({ from: 'user', text: f.text != null ? String(f.text) : '[' + (f.msgType || 'message') + ']', ts: f.ts });
        c.order = ++state.order;
        if (state.selected !== c.id) c.unread++;
        break;
      case 'closed':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        c.status = 'closed';
        c.closedBy = f.by || '';
        c.history.push({ notice: '会话已结束 · closed' + (f.by ? ' (' + byText(f.by) + ')' : ''), ts: f.ts });
        break;
      case 'ack': {
        var p = takePending(f);
        if (p && p.onAck) p.onAck(f);
        break;
      }
      case 'error': {
        var q = takePending(f);
        if (q && q.onError) q.onError(f);
        else toast('错误 Error: ' + (f.code || '') + ' ' + (f.message || ''), true);
        break;
      }
      default:
        return;
    }
    render();
  }

  function byText(by) {
    return by === 'agent' ? '坐席 agent' : by === 'timeout' ? '超时 timeout' : by === 'user' ? '用户 user' :
      by === 'reassigned' ? '已转给其他坐席 reassigned' : by;
  }

  // ---- actions ----
  function accept(c) {
    send({ type: 'accept', conversationId: c.id }, function () {
      c.status = 'active';
      render();
    }, function (e) {
      toast('接入失败 Accept failed: ' + (e.message || e.code), true);
    });
  }

  function reply(c, text) {
    var h = { from: 'agent', text: text, ts: Date.now(), pending: true };
    c.history.push(h);
    render();
    send({ type: 'reply', conversationId: c.id, text: text }, function () {
      h.pending = false;
      if (c.status === 'queued') c.status = 'active';
      render();
    }, function (e) {
      h.pending = false;
      h.failed = true;
      render();
      toast('发送失败 Reply failed: ' + (e.message || e.code), true);
    });
  }

  function closeConv(c) {
    send({ type: 'close', conversationId: c.id }, function () {
      if (c.status !== 'closed') {
        c.status = 'closed';
        c.closedBy = 'agent';
        c.history.push({ notice: '会话已结束 · closed (' + byText('agent') + ')', ts: Date.now() });
      }
      render();
    }, function (e) {
      toast('结束失败 Close failed: ' + (e.message || e.code), true);
    });
  }

  // ---- rendering ----
  function lastText(c) {
    for (var i = c.history.length - 1; i >= 0; i--) if (c.history[i].text) return c.history[i].text;
    return '';
  }

  function renderList(boxId, status) {
    var box = $(boxId);
    box.textContent = '';
    var list = Object.keys(state.convs).map(function (k) { return state.convs[k]; })
      .filter(function (c) { return c.status === status; })
      .sort(function (a, b) { return b.order - a.order; });
    list.forEach(function (c) {
      var item = document.createElement('div');
      item.className = 'item conv' + (c.id === state.selected ? ' selected' : '');
      item.setAttribute('data-id', c.id);
      item.setAttribute('data-status', c.status);
      item.setAttribute('role', 'button');
      item.tabIndex = 0;
      var av = document.createElement('div');
      av.className = 'avatar';
      av.textContent = (c.userId || '?').slice(0, 1).toUpperCase();
      var who = document.createElement('div');
      who.className = 'who';
      var name = document.createElement('div');
      name.className = 'name';
      name.textContent = c.userId || c.id;
      if (c.channel) name.appendChild(ui.channelTag(c.channel));
      var prev = document.createElement('div');
      prev.className = 'preview';
      prev.textContent = lastText(c);
      who.appendChild(name);
      who.appendChild(prev);
      item.appendChild(av);
      item.appendChild(who);
      if (c.unread) {
        var b = document.createElement('span');
        b.className = 'badge';
        b.textContent = c.unread;
        item.appendChild(b);
      }
      var pick = function () { state.selected = c.id; c.unread = 0; render(); $('reply-text').focus(); };
      item.addEventListener('click', pick);
      item.addEventListener('keydown', function (e) { if (e.key === 'Enter') pick(); });
      box.appendChild(item);
    });
    return list.length;
  }

  function render() {
    var knownQueued = renderList('queued', 'queued');
    $('queued-count').textContent = Math.max(knownQueued, state.queuedCount);
    $('active-count').textContent = renderList('active', 'active');
    renderList('closed', 'closed');
    var c = state.convs[state.selected];
    var box = $('history');
    box.textContent = '';
    if (!c) {
      $('conv-title').textContent = '—';
      $('conv-meta').textContent = '';
      var e = document.createElement('div');
      e.className = 'empty';
      e.innerHTML = '等待转人工的会话…<br><span class="en">Waiting for conversations handed over to a human…</span>';
      box.appendChild(e);
    } else {
      c.unread = 0;
      $('conv-title').textContent = c.userId || c.id;
      $('conv-meta').textContent = (c.channel === 'kf' ? '微信客服 WeChat Customer Service' : c.channel === 'app' ? '企业微信应用 WeCom app' : '') +
        ' · ' + c.id + (c.status === 'queued' ? ' · 排队中 queued' : c.status === 'closed' ? ' · 已结束 closed' : '');
      c.history.forEach(function (h) {
        if (h.notice) {
          var n = document.createElement('div');
          n.className = 'notice';
          n.textContent = h.notice;
          box.appendChild(n);
          return;
        }
        var m = document.createElement('div');
        var mine = h.from === 'agent';
        m.className = 'msg ' + h.from + (mine ? ' mine' : '') + (h.pending ? ' pending' : '') + (h.failed ? ' failed' : '');
        m.setAttribute('data-from', h.from);
        var wrap = document.createElement('div');
        var f = document.createElement('div');
        f.className = 'from';
        f.textContent = h.from === 'user' ? '用户 User' : h.from === 'bot' ? '机器人 Bot' : '我 Me';
        var b = document.createElement('div');
        b.className = 'bubble';
        b.textContent = h.text;
        wrap.appendChild(f);
        wrap.appendChild(b);
        var t = document.createElement('div');
        t.className = 'time';
        t.textContent = h.failed ? '失败 failed' : h.pending ? '…' : fmtTime(h.ts);
        m.appendChild(wrap);
        m.appendChild(t);
        box.appendChild(m);
      });
      box.scrollTop = box.scrollHeight;
    }
    var open = !!c && c.status !== 'closed';
    $('accept').classList.toggle('hidden', !(c && c.status === 'queued'));
    $('close').classList.toggle('hidden', !open);
    $('reply-text').disabled = !open;
    $('reply-send').disabled = !open;
  }

  function showTokenForm(message) {
    $('console').classList.add('hidden');
    $('token-form').classList.remove('hidden');
    if (message) toast(message, true);
    $('token').focus();
  }

  // ---- wiring ----
  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    state.token = $('token').value.trim();
    var aid = $('agent-id').value.trim();
    if (aid) {
      state.agentId = aid;
      try { localStorage.setItem(AGENT_KEY, aid); } catch (err) { /* ignore */ }
    }
    state.everOpened = false;
    if (state.token) connect();
  });
  $('disconnect').addEventListener('click', function () {
    state.manualClose = true;
    if (state.ws) state.ws.close();
    showTokenForm();
  });
  $('reply-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var c = state.convs[state.selected];
    var text = $('reply-text').value.trim();
    if (!c || !text) return;
    $('reply-text').value = '';
    reply(c, text);
  });
  $('reply-text').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  $('accept').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) accept(c); });
  $('close').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) closeConv(c); });

  fetch('/sandbox/config.json', { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(function (cfg) { if (cfg && cfg.agentWsPath) state.wsPath = cfg.agentWsPath; })
    .catch(function () { /* keep the default path */ })
    .then(function () {
      var fromHashToken = fromHash('token');
      state.agentId = fromHash('agent') || defaultAgentId();
      $('agent-id').value = state.agentId;
      if (fromHashToken) {
        // keep the token out of the address bar and history once read
        history.replaceState(null, '', location.pathname + location.search);
      }
      var saved = '';
      try { saved = sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { /* ignore */ }
      state.token = fromHashToken || saved;
      if (state.token) {
        $('console').classList.remove('hidden');
        render();
        connect();
      } else showTokenForm();
    });
})();
