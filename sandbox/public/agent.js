// Agent console: connects to the ws-bridge at /wecom/ws with the agent token and speaks its JSON protocol.
// (docs/agent-protocol.md). In:  welcome {agentId, conversations[], queued} · queue {queued, conversations[]} · handoff {conversationId, channel,
// userId, reason, text, history[], ts} · message {conversationId, text, …} · closed {conversationId, by} ·
// ack {ref, id} · error {code, message, id}.  Out (each with an id, answered by one ack or error):
// accept {conversationId} · reply {conversationId, text, media?} · close {conversationId} · transfer {conversationId, to, note}.
// Protocol v2: frames about conversations carry `seq`; the console acknowledges with {type:'received', seq} and
// reconnects with ?ack=<last seq>, so nothing is lost on a dead socket. Pictures and files arrive as media.url
// (read with the token) and are shown inline; the console can send a picture or file (base64) and transfer.
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
    groups: '',       // ?groups= for the connection (comma separated)
    myGroups: [],     // as the welcome says
    lastSeq: 0,       // the last seq processed (acknowledged to the bridge)
    ackTimer: null,
  };
  var GROUPS_KEY = 'wecom-agent-groups';

  /** A media URL of the bridge, readable by <img>/<a>: the credential goes into ?token=. */
  function mediaSrc(url) {
    if (!url) return '';
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(state.token);
  }

  /** One history entry from a frame or history item, keeping media, location and link. */
  function entry(h, fallbackFrom) {
    var e = { from: h.from || fallbackFrom || 'user', text: String(h.text == null ? '' : h.text), ts: h.ts };
    if (h.media) e.media = h.media;
    if (h.location) e.location = h.location;
    if (h.link) e.link = h.link;
    if (h.agentId) e.agentId = h.agentId;
    return e;
  }

  /** Acknowledge processed frames (batched). */
  function ackSoon() {
    if (state.ackTimer) return;
    state.ackTimer = setTimeout(function () {
      state.ackTimer = null;
      if (state.ws && state.ws.readyState === WebSocket.OPEN && state.lastSeq) state.ws.send(JSON.stringify({ type: 'received', seq: state.lastSeq }));
    }, 50);
  }

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
      '&agent=' + encodeURIComponent(state.agentId) + '&ack=' + state.lastSeq +
      (state.groups ? '&groups=' + encodeURIComponent(state.groups) : '');
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
    if (typeof f.seq === 'number') {
      if (f.seq <= state.lastSeq) return; // replayed after a reconnect and already shown
      state.lastSeq = f.seq;
      ackSoon();
    }
    switch (f.type) {
      case 'welcome':
        if (f.agentId) state.agentId = f.agentId;
        state.myGroups = Array.isArray(f.groups) ? f.groups : [];
        $('my-groups').textContent = state.myGroups.length ? '分组 ' + state.myGroups.join(', ') : '全部分组 all groups';
        $('my-groups').classList.remove('hidden');
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
          c.history.push({ notice: '未送达 Not delivered（' + (f.rule || f.errcode || '') + '）: ' + (f.message || '') });
          render();
        }
        toast('回复未送达 Reply not delivered: ' + (f.message || f.errcode || ''), true);
        break;
      case 'handoff':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        c.reason = f.reason || c.reason;
        c.group = f.group || '';
        c.status = isQueued(f) ? 'queued' : 'active';
        c.closedBy = null;
        c.order = ++state.order;
        if (Array.isArray(f.history)) {
          c.history = f.history.map(function (h) { return entry(h); });
        }
        if (f.text && !(c.history.length && c.history[c.history.length - 1].text === f.text && c.history[c.history.length - 1].from === 'user')) {
          c.history.push({ from: 'user', text: f.text, ts: f.ts });
        }
        c.history.push({ notice: (f.transferredFrom ? '由 ' + f.transferredFrom + ' 转来 · transferred from ' + f.transferredFrom + (f.note ? '：' + f.note : '') : '转人工 · handed over' + (f.reason ? '（' + f.reason + '）' : '')), ts: f.ts });
        if (state.selected !== c.id) c.unread++;
        if (!state.selected || !state.convs[state.selected] || state.convs[state.selected].status === 'closed') state.selected = c.id;
        toast('新会话 New conversation: ' + (c.userId || c.id));
        break;
      case 'message':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        if (c.status === 'closed') c.status = 'active';
        c.history.push(entry({ from: 'user', text: f.text != null ? String(f.text) : '[' + (f.msgType || 'message') + ']', ts: f.ts, media: f.media, location: f.location, link: f.link }));
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
      by === 'reassigned' ? '已转给其他坐席 reassigned' : by === 'transferred' ? '已转接 transferred' : by;
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

  /** Send a picture or file (read as base64), with the composer's text if any. */
  function sendFile(c, file, text) {
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).replace(/^data:[^,]*,/, '');
      var h = { from: 'agent', text: text || '', ts: Date.now(), pending: true, media: { type: /^image\/(png|jpe?g)$/.test(file.type) ? 'image' : 'file', name: file.name, local: URL.createObjectURL(file) } };
      c.history.push(h);
      render();
      var frame = { type: 'reply', conversationId: c.id, media: { data: data, name: file.name, mime: file.type || undefined } };
      if (text) frame.text = text;
      send(frame, function () { h.pending = false; render(); }, function (e) {
        h.pending = false;
        h.failed = true;
        render();
        toast('发送失败 Send failed: ' + (e.message || e.code), true);
      });
    };
    reader.readAsDataURL(file);
  }

  function transfer(c) {
    var to = window.prompt('转接给坐席 ID，或 group:分组名 · Transfer to an agent id, or group:<name>');
    if (!to) return;
    var note = window.prompt('备注（可选）· Note (optional)') || '';
    var frame = { type: 'transfer', conversationId: c.id, to: to.trim() };
    if (note) frame.note = note;
    send(frame, function () { toast('已转接 Transferred → ' + to); }, function (e) {
      toast('转接失败 Transfer failed: ' + (e.message || e.code), true);
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
      if (c.group) {
        var g = document.createElement('span');
        g.className = 'tag group';
        g.textContent = c.group;
        name.appendChild(g);
      }
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
        b.textContent = h.media && /^\[.*\]$/.test(h.text) ? '' : h.text;
        if (h.media) {
          var src = h.media.local || mediaSrc(h.media.url);
          if (h.media.type === 'image') {
            var img = document.createElement('img');
            img.className = 'media';
            img.alt = h.media.name || 'image';
            img.src = src;
            b.appendChild(img);
          } else {
            var a = document.createElement('a');
            a.className = 'file';
            a.href = src;
            a.target = '_blank';
            a.rel = 'noopener';
            a.textContent = '📄 ' + (h.media.name || h.media.type) + (h.media.size ? ' (' + Math.round(h.media.size / 1024) + ' KB)' : '');
            b.appendChild(a);
          }
        }
        if (h.location) b.textContent = '📍 ' + (h.location.name || '') + ' ' + (h.location.address || '') + ' (' + h.location.latitude + ', ' + h.location.longitude + ')';
        if (h.link) {
          var l = document.createElement('a');
          l.href = h.link.url || '#';
          l.target = '_blank';
          l.rel = 'noopener noreferrer';
          l.textContent = '🔗 ' + (h.link.title || h.link.url || '');
          b.textContent = '';
          b.appendChild(l);
        }
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
    $('transfer').classList.toggle('hidden', !(c && c.status === 'active'));
    $('reply-file').disabled = !open;
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
    state.groups = $('agent-groups').value.replace(/\s+/g, '');
    try { localStorage.setItem(GROUPS_KEY, state.groups); } catch (err) { /* ignore */ }
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
  $('transfer').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) transfer(c); });
  $('reply-file').addEventListener('change', function () {
    var c = state.convs[state.selected];
    var file = this.files && this.files[0];
    this.value = '';
    if (!c || !file) return;
    var text = $('reply-text').value.trim();
    $('reply-text').value = '';
    sendFile(c, file, text);
  });
  $('close').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) closeConv(c); });

  fetch('/sandbox/config.json', { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(function (cfg) { if (cfg && cfg.agentWsPath) state.wsPath = cfg.agentWsPath; })
    .catch(function () { /* keep the default path */ })
    .then(function () {
      var fromHashToken = fromHash('token');
      state.agentId = fromHash('agent') || defaultAgentId();
      $('agent-id').value = state.agentId;
      try { state.groups = fromHash('groups') || localStorage.getItem(GROUPS_KEY) || ''; } catch (e) { state.groups = fromHash('groups'); }
      $('agent-groups').value = state.groups;
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
