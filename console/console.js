// The agent console shipped with the package (served by ws-bridge at <base>/console/). It is the reference
// client of docs/agent-protocol.md and uses nothing else: it shows nothing but its sign-in until the bridge has
// welcomed it. This file ties the console's modules together and wires the page:
//   words.js (texts) · connection.js (socket, credential, resume) · conversations.js (frames → conversations,
//   actions) · media.js (pictures and files via blob: URLs) · view.js (what the page shows)
// In:  welcome · sync · queue · handoff · message · budget · closed · undelivered · ack · error (frames may carry seq).
// Out: accept · reply (text and/or media) · close · transfer · received (when the bridge supports it).
(function () {
  'use strict';
  var ui = window.WecomUi;
  var $ = ui.$, t = ui.t;
  var MAX_ATTACH = 10 * 1024 * 1024; // WeCom's image/video limit; the bridge's Max media decides the rest
  /** @type {ConsoleState} */
  var state = {
    ws: null, token: '', agentId: '', groups: '', wsPath: '/wecom/ws', nextId: 1, pending: [],
    convs: {}, order: 0, selected: null, queuedCount: 0, welcomed: false, retry: 0, retryTimer: null,
    manual: false, features: {}, lastSeq: 0, ackTimer: null, attachment: null, renderQueued: false, system: false
  };

  var media = window.WecomMedia.create(function () { return state.token; }, function () { view.schedule(); });
  var view = window.WecomView.create(state, media);
  var connection = window.WecomConnection.create(state, {
    status: view.status,
    signin: function (err) { media.forget(); view.showSignin(err); },
    frame: onFrame
  });
  var convs = window.WecomConversations.create(state, { send: connection.send, render: view.render, receivedUpTo: connection.receivedUpTo });

  /** What tools.js (canned replies, notes, status, search, notifications) uses of the console. */
  var api = window.WecomConsole = {
    state: state, send: connection.send, render: view.schedule, listeners: [], conv: convs.conv, fail: convs.fail,
    selected: convs.selected,
    select: function (id) { state.selected = id; view.render(); }
  };

  function onFrame(f) {
    if (!convs.apply(f)) return;
    if (f.type === 'welcome') view.showConsole();
    api.listeners.forEach(function (fn) { fn(f); });
    if (f.type !== 'welcome') view.schedule();
  }

  // ---- wiring ----
  function pick(e) {
    var it = e.target.closest('.conv');
    if (!it) return;
    state.selected = it.getAttribute('data-id');
    view.render();
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
    if (state.token) connection.connect();
  });
  $('signout').addEventListener('click', function () {
    connection.close();
    media.forget();
    state.convs = {};
    state.selected = null;
    view.showSignin();
  });
  $('reply-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var c = convs.selected();
    var text = $('reply-text').value.trim();
    var attachment = state.attachment;
    if (!c || (!text && !attachment)) return;
    $('reply-text').value = '';
    state.attachment = null;
    $('attached').classList.add('hidden');
    convs.reply(c, text, attachment);
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
  $('accept').addEventListener('click', function () { var c = convs.selected(); if (c) convs.accept(c); });
  $('close').addEventListener('click', function () { var c = convs.selected(); if (c) convs.close(c); });
  $('transfer-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var c = convs.selected();
    var to = $('transfer-to').value.trim();
    var note = $('transfer-note').value.trim();
    if (c && to) { $('transfer-to').value = ''; $('transfer-note').value = ''; convs.transfer(c, to, note); }
  });
  function langButtons() {
    $('lang-zh').setAttribute('aria-pressed', String(ui.lang() === 'zh'));
    $('lang-en').setAttribute('aria-pressed', String(ui.lang() === 'en'));
  }
  function relabel() {
    langButtons();
    view.relabel();
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
      var saved = connection.saved();
      $('agent-id').value = saved.agentId;
      var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
      var a = /(?:^|[#&])agent=([^&]+)/.exec(location.hash);
      var g = /(?:^|[#&])groups=([^&]+)/.exec(location.hash);
      // the fragment (never sent to a server) may carry the sign-in; it leaves the address bar once read
      if (m || a || g) history.replaceState(null, '', location.pathname + location.search);
      if (a) $('agent-id').value = decodeURIComponent(a[1]);
      if (g) $('groups').value = decodeURIComponent(g[1]);
      state.groups = $('groups').value.split(/[,，\s]+/).filter(Boolean).join(',');
      state.token = m ? decodeURIComponent(m[1]) : saved.token;
      state.agentId = $('agent-id').value.trim();
      if (state.token) connection.connect();
      else view.showSignin();
    });
})();
