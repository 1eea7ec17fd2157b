// The agent console's conversations: the list the bridge's frames build (welcome, sync, queue, handoff, message,
// budget, closed, undelivered), which one is selected, and the agent's actions on one (accept, reply with text
// and/or media, close, transfer). What a conversation holds (customer, history, budget) is history.js's; a sync
// frame replaces it on every connect, so a reload or a second browser shows the same page.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var H = window.WecomHistory;
  var t = ui.t;

  /**
   * @param {ConsoleState} state
   * @param {{ send: WecomConsoleApi['send'], render: () => void, receivedUpTo: (seq: number) => void }} deps
   * @returns {WecomConversationsApi}
   */
  function create(state, deps) {
    var send = deps.send, render = deps.render;

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

    /** The conversations welcome lists as this agent's (their history arrives with sync). */
    function welcome(f) {
      if (Array.isArray(f.groups)) state.groups = f.groups.join(',');
      state.queuedCount = typeof f.queued === 'number' ? f.queued : 0;
      (f.conversations || []).forEach(function (x) {
        var id = typeof x === 'string' ? x : x && x.conversationId;
        if (!id) return;
        var c = conv(id, typeof x === 'object' ? x : null);
        if (c.status === 'closed') c.status = 'active';
      });
    }

    /**
     * The bridge's snapshot of this agent's conversations (right after welcome): they replace what the page held.
     * Frames it already includes (seq up to f.seq) are dropped when they are replayed next.
     */
    function sync(f) {
      var mine = {};
      (Array.isArray(f.conversations) ? f.conversations : []).forEach(function (s) {
        if (!s || !s.conversationId) return;
        mine[s.conversationId] = true;
        H.fromSnapshot(conv(s.conversationId, s), s);
      });
      Object.keys(state.convs).forEach(function (id) { if (state.convs[id].status === 'active' && !mine[id]) state.convs[id].status = 'closed'; });
      if (typeof f.seq === 'number') deps.receivedUpTo(f.seq);
      if (!state.convs[state.selected] || state.convs[state.selected].status !== 'active') state.selected = Object.keys(mine)[0] || state.selected;
    }

    function queue(f) {
      if (typeof f.queued === 'number') state.queuedCount = f.queued;
      if (!Array.isArray(f.conversations)) return;
      Object.keys(state.convs).forEach(function (id) { if (state.convs[id].status === 'queued') delete state.convs[id]; });
      f.conversations.forEach(function (q) {
        if (!q || !q.conversationId) return;
        var known = !!state.convs[q.conversationId];
        var c = conv(q.conversationId, q);
        if (!known || c.status !== 'active') c.status = 'queued';
        c.reason = q.reason ? String(q.reason) : c.reason;
        H.about(c, q);
        if (q.text && !c.history.length) c.history.push({ from: 'user', text: String(q.text), ts: q.ts });
      });
    }

    function handoff(f) {
      var c = conv(f.conversationId, f);
      c.reason = f.reason ? String(f.reason) : c.reason;
      c.status = f.queued === true ? 'queued' : 'active';
      c.order = ++state.order;
      H.about(c, f);
      // the history is the conversation's own (with the bridge's lines): f.text is already in it, never added again
      if (Array.isArray(f.history)) c.history = f.history.map(function (h) { return H.item(h); }); // not map(item): its index is no "from"
      var reason = c.reason;
      if (!state.features.sync) c.history.push({ notice: function () { return t('handedOver', { reason: H.word('reason_', reason || '—') }); } });
      if (f.transferredFrom && !state.features.sync) {
        var tf = { from: String(f.transferredFrom), note: f.note ? '：' + String(f.note) : '' };
        c.history.push({ notice: function () { return t('transferredFrom', tf); } });
      }
      if (state.selected !== c.id) c.unread++;
      if (!state.selected || !state.convs[state.selected] || state.convs[state.selected].status === 'closed') state.selected = c.id;
      ui.toast(t('newConv', { who: c.userId || c.id }));
    }

    function message(f) {
      var c = conv(f.conversationId, f);
      if (c.status === 'closed') c.status = 'active';
      H.about(c, f);
      c.history.push(H.item(f, 'user'));
      c.order = ++state.order;
      if (state.selected !== c.id) c.unread++;
    }

    function closed(f) {
      var c = conv(f.conversationId, f);
      if (c.status === 'closed') return; // one closed line: the ack of our own close or transfer wrote it already
      c.status = 'closed';
      var by = String(f.by || '');
      c.history.push({ notice: function () { return t('closedBy', { by: H.word('by_', by) }); } });
    }

    function undelivered(f) {
      var c = state.convs[f.conversationId];
      if (c) {
        var sent = c.history.filter(function (h) { return h.from === 'agent' && h.text === f.text && !h.failed; }).pop();
        if (sent) sent.failed = true;
        c.history.push({ notice: function () { return H.refusal(f); } });
      }
      ui.toast(H.refusal(f), true);
    }

    /** Frames about one conversation, by type; they are ignored without a conversation id. */
    var ABOUT_ONE = { handoff: handoff, message: message, closed: closed };

    /** Apply a frame to the conversations. False for a frame that is none of theirs (nothing to show). */
    function apply(f) {
      var c;
      switch (f.type) {
        case 'welcome': welcome(f); return true;
        case 'sync': sync(f); return true;
        case 'queue': queue(f); return true;
        case 'undelivered': undelivered(f); return true;
        case 'budget':
          c = state.convs[f.conversationId];
          if (c) H.about(c, f);
          return true;
        case 'ack': case 'error': return true; // the connection answered the frame's sender
        default:
          if (!ABOUT_ONE[f.type] || !f.conversationId) return false;
          ABOUT_ONE[f.type](f);
          return true;
      }
    }

    function fail(e) {
      if (e && (e.code === 'no_budget' || e.code === 'window_closed')) { ui.toast(H.refusal(e), true); return; }
      ui.toast(t('actionFailed', { msg: (e && (e.message || e.code)) || '' }), true);
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

    /** Closed by this agent (a plain close, or a transfer to `to`): one closed line once the bridge agreed. */
    function closedByMe(c, by) {
      c.status = 'closed';
      c.history.push({ notice: function () { return t('closedBy', { by: by() }); } });
      render();
    }

    function close(c) {
      send({ type: 'close', conversationId: c.id }, function () {
        if (c.status !== 'closed') closedByMe(c, function () { return t('by_agent'); });
        else render();
      }, fail);
    }

    function transfer(c, to, note) {
      var frame = { type: 'transfer', conversationId: c.id, to: to };
      if (note) frame.note = note;
      send(frame, function () { closedByMe(c, function () { return t('by_transferred') + ' → ' + to; }); }, fail);
    }

    function selected() { return state.convs[state.selected]; }

    return { conv: conv, apply: apply, fail: fail, accept: accept, reply: reply, close: close, transfer: transfer, selected: selected };
  }

  window.WecomConversations = { create: create };
})();
