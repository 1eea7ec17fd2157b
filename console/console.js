// The agent console shipped with the package (served by ws-bridge at <base>/console/). It is the reference
// client of docs/agent-protocol.md and uses nothing else: it connects to the bridge's WebSocket with the
// agent's credential and shows nothing but its sign-in until the bridge has welcomed it. The credential is in
// no URL it loads or opens: the WebSocket gets it as a subprotocol, media are fetched with an Authorization
// header and shown through blob: URLs (pictures of a passive type inline, everything else as a download).
// In:  welcome · sync · queue · handoff · message · budget · closed · undelivered · ack · error (frames may carry seq).
// What a conversation holds (customer, history, budget) is history.js's; a sync frame replaces it on every connect.
// Out: accept · reply (text and/or media) · close · transfer · received (when the bridge supports it).
(function () {
  'use strict';
  var ui = window.WecomUi;
  var H = window.WecomHistory;
  var $ = ui.$, t = ui.t, el = ui.el;
  ui.words({
    _title: ['坐席工作台', 'Agent console'],
    title: ['坐席工作台', 'Agent console'],
    disconnected: ['未连接', 'Disconnected'],
    connecting: ['连接中…', 'Connecting…'],
    reconnecting: ['重新连接中（{s} 秒）', 'Reconnecting ({s} s)'],
    connected: ['已连接', 'Connected'],
    signout: ['退出', 'Sign out'],
    replaced: ['已在其他窗口登录，本窗口已断开（刷新可在此继续）', 'Signed in elsewhere: this window was disconnected (reload to continue here)'],
    signinTitle: ['坐席登录', 'Agent sign-in'],
    tokenLabel: ['令牌（坐席令牌或系统令牌）', 'Token (agent token or the bridge token)'],
    agentLabel: ['坐席 ID', 'Agent id'],
    agentPh: ['字母、数字、_ . @ : -（坐席令牌可不填）', 'letters, digits, _ . @ : - (optional with an agent token)'],
    groupsLabel: ['技能组', 'Groups'],
    groupsPh: ['可选，多个用逗号分隔', 'optional, comma-separated'],
    signin: ['登录', 'Sign in'],
    signinHint: ['令牌由管理员提供（ws-bridge 的令牌或为您签发的坐席令牌）。登录后才会显示会话。', 'Your administrator gives you the token (the ws-bridge token or an agent token minted for you). Conversations appear only after sign-in.'],
    badCredential: ['无法登录：令牌错误，或服务未开启', 'Could not sign in: wrong token, or the service is not running'],
    credentialEnded: ['令牌已过期或已被吊销，请重新登录', 'Your token expired or was revoked: sign in again'],
    mediaLoading: ['加载中…', 'Loading…'],
    queued: ['排队中', 'Queued'],
    active: ['进行中', 'Active'],
    closedList: ['已结束', 'Closed'],
    accept: ['接入', 'Accept'],
    transfer: ['转接', 'Transfer'],
    transferPh: ['坐席 ID 或 group:组名', 'agent id or group:name'],
    notePh: ['备注（可选）', 'note (optional)'],
    close: ['结束会话', 'Close'],
    attach: ['图片/文件', 'Picture/file'],
    replyPh: ['回复用户，回车发送', 'Reply to the user, Enter to send'],
    send: ['发送', 'Send'],
    empty: ['等待转人工的会话…', 'Waiting for conversations handed over to a human…'],
    user: ['用户', 'User'], bot: ['机器人', 'Bot'], me: ['我', 'Me'], agent: ['坐席', 'Agent'],
    handedOver: ['转人工（{reason}）', 'Handed over ({reason})'],
    transferredFrom: ['由 {from} 转来{note}', 'Transferred from {from}{note}'],
    closedBy: ['会话已结束（{by}）', 'Conversation closed ({by})'],
    by_agent: ['坐席', 'agent'], by_timeout: ['超时', 'timeout'], by_user: ['用户', 'user'], by_reassigned: ['已转给其他坐席', 'reassigned'], by_transferred: ['已转接', 'transferred'],
    undelivered: ['未送达（{code}）：{msg}', 'Not delivered ({code}): {msg}'],
    failed: ['失败', 'failed'],
    newConv: ['新会话：{who}', 'New conversation: {who}'],
    notConnected: ['未连接', 'Not connected'],
    actionFailed: ['操作失败：{msg}', 'Failed: {msg}'],
    tooBig: ['文件太大（最大 {kb} KB）', 'File too large (max {kb} KB)'],
    attached: ['将发送：{name}', 'Will send: {name}'],
    app: ['企业微信应用', 'WeCom app'], kf: ['微信客服', 'WeChat Customer Service'],
    queuedTag: ['排队中', 'queued'], closedTag: ['已结束', 'closed'],
    groupTag: ['组：{g}', 'group: {g}'],
    systemLink: ['系统连接', 'system link'],
    reason_keyword: ['用户要求', 'user asked'], reason_no_answer: ['机器人答不上', 'bot could not answer'],
    reason_repeat_miss: ['多次未答', 'repeated misses'], reason_transfer: ['转接', 'transfer'], reason_faq_declined: ['推荐的问题都不是', 'none of the suggested questions'],
    noteFrom: ['内部备注 · {who}', 'Internal note · {who}']
  });

  var TOKEN_KEY = 'wecom-console-token';
  var AGENT_KEY = 'wecom-console-agent';
  var MAX_ATTACH = 10 * 1024 * 1024; // WeCom's image/video limit; the bridge's Max media decides the rest
  var state = {
    ws: null, token: '', agentId: '', groups: '', wsPath: '/wecom/ws', nextId: 1, pending: [],
    convs: {}, order: 0, selected: null, queuedCount: 0, welcomed: false, retry: 0, retryTimer: null,
    manual: false, features: {}, lastSeq: 0, ackTimer: null, attachment: null, renderQueued: false, system: false
  };

  // ---- connection ----
  function setConn(s, key, vars) {
    state.conn = [s, key, vars];
    var p = $('conn-state');
    p.setAttribute('data-state', s);
    p.textContent = t(key, vars);
  }

  function showSignin(err) {
    state.welcomed = false;
    $('console').classList.add('hidden');
    $('signout').classList.add('hidden');
    $('signin').classList.remove('hidden');
    $('me').textContent = '';
    if (err) ui.toast(err, true);
    $('token').focus();
  }

  function showConsole() {
    $('signin').classList.add('hidden');
    $('console').classList.remove('hidden');
    $('signout').classList.remove('hidden');
    render();
  }

  function connect() {
    clearTimeout(state.retryTimer);
    state.manual = false;
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var q = [];
    if (state.agentId) q.push('agent=' + encodeURIComponent(state.agentId));
    if (state.groups) q.push('groups=' + encodeURIComponent(state.groups));
    if (state.lastSeq) q.push('ack=' + state.lastSeq);
    setConn('connecting', 'connecting');
    var ws;
    try {
      ws = new WebSocket(proto + '//' + location.host + state.wsPath + (q.length ? '?' + q.join('&') : ''), ['wecom-agent', 'wecom-auth.' + base64url(state.token)]);
    } catch (e) { showSignin(t('badCredential')); return; }
    state.ws = ws;
    var opened = false;
    ws.onopen = function () { opened = true; state.retry = 0; };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f.type === 'string') onFrame(f);
    };
    ws.onclose = function (ev) {
      if (state.ws !== ws) return;
      state.ws = null;
      state.pending.splice(0).forEach(function (p) { if (p.onError) p.onError({ code: 'disconnected', message: t('notConnected') }); });
      if (state.manual) { setConn('closed', 'disconnected'); return; }
      // the same agent signed in from another browser: that one has the conversations now; no tug of war
      if (ev && ev.code === 4001 && /replaced/.test(ev.reason || '')) { setConn('closed', 'replaced'); ui.toast(t('replaced'), true); return; }
      var ended = ev && ev.code === 4001 && /expired|revoked/.test(ev.reason || '');
      if (ended || (!opened && !state.welcomed)) {
        setConn('error', 'disconnected');
        try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
        forgetMedia();
        showSignin(t(ended ? 'credentialEnded' : 'badCredential'));
        return;
      }
      var delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
      setConn('connecting', 'reconnecting', { s: Math.round(delay / 1000) });
      state.retryTimer = setTimeout(connect, delay);
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function send(frame, onAck, onError) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      ui.toast(t('notConnected'), true);
      if (onError) onError({ code: 'disconnected', message: t('notConnected') });
      return false;
    }
    frame.id = state.nextId++;
    state.pending.push({ frame: frame, onAck: onAck, onError: onError });
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  function takePending(f) {
    for (var i = 0; i < state.pending.length; i++) {
      if (f.id !== undefined && state.pending[i].frame.id === f.id) return state.pending.splice(i, 1)[0];
    }
    return null;
  }

  /**
   * Frames about conversations carry seq (protocol v2): one already processed (a replay after reconnect) is
   * dropped; processed ones are acknowledged with `received`, batched, when the bridge lists that feature.
   * Returns false for a duplicate.
   */
  var SEQ_TYPES = { handoff: true, message: true, closed: true, undelivered: true, budget: true };
  function noteSeq(f) {
    if (typeof f.seq !== 'number' || !SEQ_TYPES[f.type]) return true; // welcome's seq is the server's last, not a frame's
    if (f.seq <= state.lastSeq) return false;
    state.lastSeq = f.seq;
    if (!state.features.received || state.ackTimer) return true;
    state.ackTimer = setTimeout(function () {
      state.ackTimer = null;
      if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: 'received', seq: state.lastSeq }));
    }, 200);
    return true;
  }

  /** The credential as a WebSocket subprotocol token: base64url of its UTF-8 bytes. */
  function base64url(s) {
    var bin = '';
    new TextEncoder().encode(s).forEach(function (b) { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** A media URL: blob: as it is, else http(s) resolved against the page (null when unusable). */
  function mediaUrl(u) {
    if (typeof u !== 'string' || !u) return null;
    if (/^blob:/.test(u)) return u;
    return ui.safeUrl(u);
  }

  /**
   * The bridge's media, fetched once with the credential in a header and kept as a blob: URL. Never put the
   * credential in a URL, never send it to another origin. Resolves to {href, type} or null.
   */
  /** @typedef {{ ready: boolean, failed?: boolean, href?: string, type?: string, name?: string, p?: Promise<MediaBlob | null> }} MediaBlob */
  /** @type {Record<string, MediaBlob>} */
  var blobs = {};
  /** @param {string} url @returns {Promise<MediaBlob | null>} */
  function fetchMedia(url) {
    if (!blobs[url]) {
      /** @type {MediaBlob} */
      var entry = blobs[url] = { ready: false };
      entry.p = fetch(url, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' })
        .then(function (r) {
          if (!r.ok) throw new Error('HTTP ' + r.status);
          var named = /filename\*=UTF-8''([^;]+)/i.exec(r.headers.get('content-disposition') || '');
          if (named) { try { entry.name = decodeURIComponent(named[1]); } catch (e) { /* keep the frame's name */ } }
          return r.blob();
        })
        .then(function (b) { entry.ready = true; entry.type = b.type; entry.href = URL.createObjectURL(b); return entry; })
        .catch(function () { entry.ready = true; entry.failed = true; return null; });
    }
    return /** @type {Promise<MediaBlob | null>} */ (blobs[url].p);
  }
  function forgetMedia() {
    Object.keys(blobs).forEach(function (k) { if (blobs[k].href) URL.revokeObjectURL(blobs[k].href); });
    blobs = {};
  }
  /** Save a fetched media as a file (a download, never a page). */
  function download(url, name) {
    if (blobs[url] && blobs[url].failed) delete blobs[url]; // try again
    fetchMedia(url).then(function (e) {
      if (!e) { ui.toast(t('actionFailed', { msg: name }), true); return; }
      var a = el('a');
      a.href = e.href || '';
      a.download = e.name || name;
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  }
  var PASSIVE_IMAGE = /^image\/(jpeg|png|gif|webp)$/;

  // ---- conversations ----
  function conv(id, f) {
    var c = state.convs[id];
    if (!c) c = state.convs[id] = { id: id, channel: '', userId: '', group: '', reason: '', status: 'active', history: [], unread: 0, order: ++state.order };
    if (f) {
      if (f.channel) c.channel = String(f.channel);
      if (f.userId) c.userId = String(f.userId);
      if (f.group) c.group = String(f.group);
    }
    return c;
  }

  var item = H.item;

  /** What tools.js (canned replies, notes, status, search, notifications) uses of the console. */
  var api = window.WecomConsole = {
    state: state, send: send, render: schedule, listeners: [], conv: conv, fail: function (e) { fail(e); },
    selected: function () { return state.convs[state.selected]; },
    select: function (id) { state.selected = id; render(); }
  };

  function onFrame(f) {
    if (!noteSeq(f)) return;
    var c;
    switch (f.type) {
      case 'welcome':
        if (f.agentId) state.agentId = String(f.agentId);
        state.system = f.system === true;
        state.welcomed = true;
        state.features = {};
        (Array.isArray(f.features) ? f.features : []).forEach(function (x) { state.features[x] = true; });
        if (typeof f.seq === 'number' && f.seq < state.lastSeq) state.lastSeq = f.seq; // the server restarted its numbering
        if (Array.isArray(f.groups)) state.groups = f.groups.join(',');
        state.queuedCount = typeof f.queued === 'number' ? f.queued : 0;
        (f.conversations || []).forEach(function (x) {
          var id = typeof x === 'string' ? x : x && x.conversationId;
          if (!id) return;
          c = conv(id, typeof x === 'object' ? x : null);
          if (c.status === 'closed') c.status = 'active';
        });
        try { sessionStorage.setItem(TOKEN_KEY, state.token); localStorage.setItem(AGENT_KEY, state.agentId); } catch (e) { /* ignore */ }
        setConn('open', 'connected');
        $('me').textContent = state.system ? t('systemLink') : state.agentId;
        showConsole();
        api.listeners.forEach(function (fn) { fn(f); });
        return;
      case 'sync':
        onSync(f);
        break;
      case 'budget':
        c = state.convs[f.conversationId];
        if (c) H.about(c, f);
        break;
      case 'queue':
        if (typeof f.queued === 'number') state.queuedCount = f.queued;
        if (Array.isArray(f.conversations)) {
          Object.keys(state.convs).forEach(function (id) { if (state.convs[id].status === 'queued') delete state.convs[id]; });
          f.conversations.forEach(function (q) {
            if (!q || !q.conversationId) return;
            var known = !!state.convs[q.conversationId];
            c = conv(q.conversationId, q);
            if (!known || c.status !== 'active') c.status = 'queued';
            c.reason = q.reason ? String(q.reason) : c.reason;
            H.about(c, q);
            if (q.text && !c.history.length) c.history.push({ from: 'user', text: String(q.text), ts: q.ts });
          });
        }
        break;
      case 'handoff':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        c.reason = f.reason ? String(f.reason) : c.reason;
        c.status = f.queued === true ? 'queued' : 'active';
        c.order = ++state.order;
        H.about(c, f);
        // the history is the conversation's own (with the bridge's lines): f.text is already in it, never added again
        if (Array.isArray(f.history)) c.history = f.history.map(function (h) { return item(h); }); // not map(item): its index is no "from"
        var reason = c.reason;
        if (!state.features.sync) c.history.push({ notice: function () { return t('handedOver', { reason: word('reason_', reason || '—') }); } });
        if (f.transferredFrom && !state.features.sync) {
          var tf = { from: String(f.transferredFrom), note: f.note ? '：' + String(f.note) : '' };
          c.history.push({ notice: function () { return t('transferredFrom', tf); } });
        }
        if (state.selected !== c.id) c.unread++;
        if (!state.selected || !state.convs[state.selected] || state.convs[state.selected].status === 'closed') state.selected = c.id;
        ui.toast(t('newConv', { who: c.userId || c.id }));
        break;
      case 'message':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        if (c.status === 'closed') c.status = 'active';
        H.about(c, f);
        c.history.push(item(f, 'user'));
        c.order = ++state.order;
        if (state.selected !== c.id) c.unread++;
        break;
      case 'closed':
        if (!f.conversationId) return;
        c = conv(f.conversationId, f);
        if (c.status === 'closed') break; // one closed line: the ack of our own close or transfer wrote it already
        c.status = 'closed';
        var by = String(f.by || '');
        c.history.push({ notice: function () { return t('closedBy', { by: word('by_', by) }); } });
        break;
      case 'undelivered':
        c = state.convs[f.conversationId];
        if (c) {
          var sent = c.history.filter(function (h) { return h.from === 'agent' && h.text === f.text && !h.failed; }).pop();
          if (sent) sent.failed = true;
          c.history.push({ notice: function () { return H.refusal(f); } });
        }
        ui.toast(H.refusal(f), true);
        break;
      case 'ack': {
        var p = takePending(f);
        if (p && p.onAck) p.onAck(f);
        break;
      }
      case 'error': {
        var q = takePending(f);
        if (q && q.onError) q.onError(f);
        else ui.toast(t('actionFailed', { msg: (f.code || '') + ' ' + (f.message || '') }), true);
        break;
      }
      default:
        return;
    }
    api.listeners.forEach(function (fn) { fn(f); });
    schedule();
  }

  /** A known code (by_agent, reason_keyword…) in the current language, or the code itself. */
  function word(prefix, code) {
    var s = t(prefix + code);
    return s === prefix + code ? code : s;
  }

  // ---- actions ----
  function fail(e) {
    if (e && (e.code === 'no_budget' || e.code === 'window_closed')) { ui.toast(H.refusal(e), true); return; }
    ui.toast(t('actionFailed', { msg: (e && (e.message || e.code)) || '' }), true);
  }

  /**
   * The bridge's snapshot of this agent's conversations (right after welcome): they replace what the page held,
   * so a reload or a second browser shows the same customer, history and budget. Frames it already includes
   * (seq up to f.seq) are dropped when they are replayed next.
   */
  function onSync(f) {
    var mine = {};
    (Array.isArray(f.conversations) ? f.conversations : []).forEach(function (s) {
      if (!s || !s.conversationId) return;
      mine[s.conversationId] = true;
      H.fromSnapshot(conv(s.conversationId, s), s);
    });
    Object.keys(state.convs).forEach(function (id) { if (state.convs[id].status === 'active' && !mine[id]) state.convs[id].status = 'closed'; });
    if (typeof f.seq === 'number') {
      state.lastSeq = f.seq;
      if (state.features.received && state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: 'received', seq: f.seq }));
    }
    if (!state.convs[state.selected] || state.convs[state.selected].status !== 'active') state.selected = Object.keys(mine)[0] || state.selected;
  }

  function accept(c) {
    send({ type: 'accept', conversationId: c.id }, function () { c.status = 'active'; render(); }, fail);
  }

  function reply(c, text, media) {
    var h = { from: 'agent', text: text, ts: Date.now(), pending: true };
    if (media) h.media = { url: media.preview, mime: media.mime, name: media.name, size: media.size };
    c.history.push(h);
    render();
    var frame = { type: 'reply', conversationId: c.id };
    if (text) frame.text = text;
    if (media) frame.media = { data: media.data, mime: media.mime, name: media.name };
    send(frame, function () { h.pending = false; if (c.status === 'queued') c.status = 'active'; render(); },
      function (e) { h.pending = false; h.failed = true; render(); fail(e); });
  }

  function closeConv(c) {
    send({ type: 'close', conversationId: c.id }, function () {
      if (c.status !== 'closed') {
        c.status = 'closed';
        c.history.push({ notice: function () { return t('closedBy', { by: t('by_agent') }); } });
      }
      render();
    }, fail);
  }

  function transfer(c, to, note) {
    var frame = { type: 'transfer', conversationId: c.id, to: to };
    if (note) frame.note = note;
    send(frame, function () {
      c.status = 'closed';
      c.history.push({ notice: function () { return t('closedBy', { by: t('by_transferred') + ' → ' + to }); } });
      render();
    }, fail);
  }

  // ---- rendering (batched: many frames → one render per animation frame) ----
  function schedule() {
    if (state.renderQueued) return;
    state.renderQueued = true;
    (window.requestAnimationFrame || setTimeout)(function () { state.renderQueued = false; render(); });
  }

  function lastText(c) {
    for (var i = c.history.length - 1; i >= 0; i--) {
      var h = c.history[i];
      if (h.text) return h.text;
      if (h.media) return '[' + (h.media.name || h.media.mime || 'media') + ']';
    }
    return '';
  }

  function channelTag(channel) {
    var tag = el('span', 'tag ' + (channel === 'kf' ? 'kf' : 'app'), channel === 'kf' ? t('kf') : t('app'));
    return tag;
  }

  function renderList(boxId, status) {
    var box = $(boxId);
    var list = Object.keys(state.convs).map(function (k) { return state.convs[k]; })
      .filter(function (c) { return c.status === status; })
      .sort(function (a, b) { return b.order - a.order; });
    var frag = document.createDocumentFragment();
    list.forEach(function (c) {
      var it = el('div', 'item conv' + (c.id === state.selected ? ' selected' : ''));
      it.setAttribute('data-id', c.id);
      it.setAttribute('data-status', c.status);
      it.setAttribute('role', 'button');
      it.tabIndex = 0;
      it.appendChild(H.avatar(c));
      var who = el('div', 'who');
      var name = el('div', 'name', H.name(c));
      if (c.channel) name.appendChild(channelTag(c.channel));
      if (H.blocked(c) === 'window' && c.status !== 'closed') name.appendChild(el('span', 'tag closed', t('windowTag')));
      who.appendChild(name);
      who.appendChild(el('div', 'preview', lastText(c)));
      it.appendChild(who);
      if (c.unread) it.appendChild(el('span', 'badge', c.unread));
      frag.appendChild(it);
    });
    box.textContent = '';
    box.appendChild(frag);
    return list.length;
  }

  function mediaNode(m) {
    var url = mediaUrl(m.url);
    var box = el('div', 'media');
    var mime = String(m.mime || '');
    var picture = /^image\//.test(mime) || (!mime && m.type === 'image');
    var label = (m.name ? String(m.name) : mime || 'file') + (typeof m.size === 'number' ? ' · ' + Math.ceil(m.size / 1024) + ' KB' : '');
    var ours = url && !/^blob:/.test(url) && new URL(url).origin === location.origin;
    if (ours) {
      // the bridge's media: a picture inline only once its bytes proved to be a passive image; else a download
      var got = blobs[url];
      if (picture && !(got && got.ready)) {
        fetchMedia(url).then(schedule);
        box.appendChild(el('span', 'note', '🖼 ' + t('mediaLoading')));
      } else if (picture && PASSIVE_IMAGE.test(got.type)) {
        var pic = el('img');
        pic.src = got.href;
        pic.alt = String(m.name || 'image');
        box.appendChild(pic);
      } else {
        var file = el('a', 'file', '📎 ' + label);
        file.href = '#';
        file.setAttribute('role', 'button');
        file.addEventListener('click', function (e) { e.preventDefault(); download(url, String(m.name || 'media')); });
        box.appendChild(file);
      }
    } else if (url && picture) {
      var img = el('img');
      img.src = url;
      img.alt = String(m.name || 'image');
      box.appendChild(img);
    } else {
      if (url) {
        var a = el('a', '', '📎 ' + label);
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        box.appendChild(a);
      } else box.appendChild(el('span', '', '📎 ' + label));
    }
    return box;
  }

  function render() {
    var known = renderList('queued', 'queued');
    $('queued-count').textContent = String(Math.max(known, state.queuedCount));
    $('active-count').textContent = String(renderList('active', 'active'));
    renderList('closed', 'closed');
    var groups = $('my-groups');
    groups.textContent = '';
    state.groups.split(',').filter(Boolean).forEach(function (g) { groups.appendChild(el('span', 'tag', t('groupTag', { g: g.trim() }))); });

    var c = state.convs[state.selected];
    var box = $('history');
    box.textContent = '';
    renderHead(c);
    if (!c) {
      box.appendChild(el('div', 'empty', t('empty')));
    } else {
      c.unread = 0;
      var frag = document.createDocumentFragment();
      c.history.forEach(function (h) {
        if (h.notice) { frag.appendChild(el('div', 'notice', h.notice())); return; }
        var mine = h.from === 'agent' || h.from === 'note';
        var m = el('div', 'msg ' + h.from + (mine ? ' mine' : '') + (h.pending ? ' pending' : '') + (h.failed ? ' failed' : ''));
        m.setAttribute('data-from', h.from);
        var wrap = el('div');
        var who = h.from === 'user' ? t('user') : h.from === 'bot' ? t('bot') : h.agentId && h.agentId !== state.agentId ? t('agent') + ' ' + h.agentId : t('me');
        wrap.appendChild(el('div', 'from', h.from === 'note' ? t('noteFrom', { who: who }) : who));
        var b = el('div', 'bubble');
        if (h.text) b.appendChild(el('div', 'text', h.text));
        if (h.media) b.appendChild(mediaNode(h.media));
        if (h.location) b.appendChild(el('div', 'note', '📍 ' + [h.location.name, h.location.address].filter(Boolean).join(' · ') + ' (' + h.location.latitude + ', ' + h.location.longitude + ')'));
        if (h.link) {
          var href = ui.safeUrl(h.link.url);
          var linkText = '🔗 ' + (h.link.title || h.link.url || '');
          if (href) {
            var a = el('a', 'note', linkText);
            a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer';
            b.appendChild(a);
          } else b.appendChild(el('span', 'note', linkText));
        }
        wrap.appendChild(b);
        m.appendChild(wrap);
        m.appendChild(el('div', 'time', h.failed ? t('failed') : h.pending ? '…' : ui.hhmm(h.ts)));
        frag.appendChild(m);
      });
      box.appendChild(frag);
      box.scrollTop = box.scrollHeight;
    }
    var open = !!c && c.status !== 'closed';
    var canSend = open && !H.blocked(c);
    $('accept').classList.toggle('hidden', !(c && c.status === 'queued'));
    $('close').classList.toggle('hidden', !open);
    $('transfer-form').classList.toggle('hidden', !(c && c.status === 'active'));
    $('reply-text').disabled = !canSend;
    $('reply-send').disabled = !canSend;
    $('attach').disabled = !canSend;
    windowTimer();
  }

  /** The header: the customer (name, avatar, channel, 客服 account, where they came from) and the reply budget. */
  function renderHead(c) {
    var av = $('conv-avatar');
    av.textContent = '';
    av.classList.toggle('hidden', !c);
    $('conv-title').textContent = c ? H.name(c) : '—';
    $('conv-meta').textContent = !c ? '' : [c.channel ? t(c.channel === 'kf' ? 'kf' : 'app') : ''].concat(H.details(c), [c.id, c.group ? t('groupTag', { g: c.group }) : '',
      c.status === 'queued' ? t('queuedTag') : c.status === 'closed' ? t('closedTag') : '']).filter(Boolean).join(' · ');
    var budget = c && c.status !== 'closed' ? H.budgetText(c) : '';
    $('conv-budget').textContent = budget;
    $('conv-budget').classList.toggle('hidden', !budget);
    $('conv-budget').setAttribute('data-blocked', c ? H.blocked(c) : '');
    if (c) {
      var a = H.avatar(c);
      while (a.firstChild) av.appendChild(a.firstChild);
    }
  }

  /** Render again when the earliest open 微信客服 window closes (nothing else would say so). */
  function windowTimer() {
    var next = Infinity;
    Object.keys(state.convs).forEach(function (id) {
      var b = state.convs[id].budget;
      if (b && state.convs[id].status !== 'closed' && b.until > Date.now()) next = Math.min(next, b.until);
    });
    clearTimeout(state.windowTimer);
    if (next !== Infinity) state.windowTimer = setTimeout(schedule, Math.min(next - Date.now() + 50, 2147483647));
  }

  // ---- wiring ----
  function pick(e) {
    var it = e.target.closest('.conv');
    if (!it) return;
    state.selected = it.getAttribute('data-id');
    render();
    $('reply-text').focus();
  }
  ['queued', 'active', 'closed'].forEach(function (id) {
    $(id).addEventListener('click', pick);
    $(id).addEventListener('keydown', function (e) { if (e.key === 'Enter') pick(e); });
  });

  $('signin').addEventListener('submit', function (e) {
    e.preventDefault();
    state.token = $('token').value.trim();
    state.agentId = $('agent-id').value.trim();
    state.groups = $('groups').value.split(/[,，\s]+/).filter(Boolean).join(',');
    if (state.token) connect();
  });
  $('signout').addEventListener('click', function () {
    state.manual = true;
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    if (state.ws) state.ws.close();
    forgetMedia();
    state.convs = {};
    state.selected = null;
    showSignin();
  });
  $('reply-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var c = state.convs[state.selected];
    var text = $('reply-text').value.trim();
    var media = state.attachment;
    if (!c || (!text && !media)) return;
    $('reply-text').value = '';
    state.attachment = null;
    $('attached').classList.add('hidden');
    reply(c, text, media);
  });
  $('reply-text').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('reply-form').requestSubmit(); }
  });
  $('attach').addEventListener('change', function () {
    var input = /** @type {HTMLInputElement} */ (this);
    var file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_ATTACH) { ui.toast(t('tooBig', { kb: Math.floor(MAX_ATTACH / 1024) }), true); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var dataUrl = String(reader.result);
      state.attachment = { data: dataUrl.slice(dataUrl.indexOf(',') + 1), mime: file.type || 'application/octet-stream', name: file.name, size: file.size, preview: URL.createObjectURL(file) };
      $('attached').textContent = t('attached', { name: file.name });
      $('attached').classList.remove('hidden');
    };
    reader.readAsDataURL(file);
  });
  $('accept').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) accept(c); });
  $('close').addEventListener('click', function () { var c = state.convs[state.selected]; if (c) closeConv(c); });
  $('transfer-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var c = state.convs[state.selected];
    var to = $('transfer-to').value.trim();
    var note = $('transfer-note').value.trim();
    if (c && to) { $('transfer-to').value = ''; $('transfer-note').value = ''; transfer(c, to, note); }
  });
  function langButtons() {
    $('lang-zh').setAttribute('aria-pressed', String(ui.lang() === 'zh'));
    $('lang-en').setAttribute('aria-pressed', String(ui.lang() === 'en'));
  }
  function relabel() {
    langButtons();
    if (state.conn) setConn(state.conn[0], state.conn[1], state.conn[2]);
    if (state.welcomed) $('me').textContent = state.system ? t('systemLink') : state.agentId;
    render();
  }
  $('lang-zh').addEventListener('click', function () { ui.setLang('zh', relabel); });
  $('lang-en').addEventListener('click', function () { ui.setLang('en', relabel); });

  ui.applyI18n();
  langButtons();
  fetch('config.json', { cache: 'no-store' })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (/** @type {{wsPath?: unknown}} */ cfg) { if (cfg && typeof cfg.wsPath === 'string') state.wsPath = cfg.wsPath; })
    .catch(function () { /* keep the default path */ })
    .then(function () {
      var saved = '';
      try { saved = sessionStorage.getItem(TOKEN_KEY) || ''; $('agent-id').value = localStorage.getItem(AGENT_KEY) || ''; } catch (e) { /* ignore */ }
      var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
      var a = /(?:^|[#&])agent=([^&]+)/.exec(location.hash);
      var g = /(?:^|[#&])groups=([^&]+)/.exec(location.hash);
      // the fragment (never sent to a server) may carry the sign-in; it leaves the address bar once read
      if (m || a || g) history.replaceState(null, '', location.pathname + location.search);
      if (a) $('agent-id').value = decodeURIComponent(a[1]);
      if (g) $('groups').value = decodeURIComponent(g[1]);
      state.groups = $('groups').value.split(/[,，\s]+/).filter(Boolean).join(',');
      state.token = m ? decodeURIComponent(m[1]) : saved;
      state.agentId = $('agent-id').value.trim();
      if (state.token) connect();
      else showSignin();
    });
})();
