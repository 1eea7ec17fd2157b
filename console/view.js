// What the agent console shows: the connection state, sign-in or the console, the three conversation lists,
// the selected conversation's header (customer, budget) and history, and which actions are open. Renders are
// batched: many frames, one render per animation frame. Every text from a frame goes in via textContent.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var H = window.WecomHistory;
  var $ = ui.$, t = ui.t, el = ui.el;

  /** The last thing said in a conversation, for its row in the list. */
  function lastText(c) {
    for (var i = c.history.length - 1; i >= 0; i--) {
      var h = c.history[i];
      if (h.text) return h.text;
      if (h.media) return '[' + (h.media.name || h.media.mime || 'media') + ']';
    }
    return '';
  }

  function channelTag(channel) {
    return el('span', 'tag ' + (channel === 'kf' ? 'kf' : 'app'), channel === 'kf' ? t('kf') : t('app'));
  }

  /** @param {ConsoleState} state @param {{ node(m: Record<string, any>): HTMLElement }} media @returns {WecomViewApi} */
  function create(state, media) {
    function status(s, key, vars) {
      state.conn = [s, key, vars];
      var p = $('conn-state');
      p.setAttribute('data-state', s);
      p.textContent = t(key, vars);
    }

    function who() {
      $('me').textContent = state.welcomed ? (state.system ? t('systemLink') : state.agentId) : '';
    }

    function showSignin(err) {
      state.welcomed = false;
      $('console').classList.add('hidden');
      $('signout').classList.add('hidden');
      $('signin').classList.remove('hidden');
      who();
      if (err) ui.toast(err, true);
      $('token').focus();
    }

    function showConsole() {
      who();
      $('signin').classList.add('hidden');
      $('console').classList.remove('hidden');
      $('signout').classList.remove('hidden');
      render();
    }

    function schedule() {
      if (state.renderQueued) return;
      state.renderQueued = true;
      (window.requestAnimationFrame || setTimeout)(function () { state.renderQueued = false; render(); });
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

    /** One history item: a notice line, or a message (text, media, location, link) with who and when. */
    function historyItem(h) {
      if (h.notice) return el('div', 'notice', h.notice());
      var mine = h.from === 'agent' || h.from === 'note';
      var m = el('div', 'msg ' + h.from + (mine ? ' mine' : '') + (h.pending ? ' pending' : '') + (h.failed ? ' failed' : ''));
      m.setAttribute('data-from', h.from);
      var wrap = el('div');
      var who = h.from === 'user' ? t('user') : h.from === 'bot' ? t('bot') : h.agentId && h.agentId !== state.agentId ? t('agent') + ' ' + h.agentId : t('me');
      wrap.appendChild(el('div', 'from', h.from === 'note' ? t('noteFrom', { who: who }) : who));
      var b = el('div', 'bubble');
      if (h.text) b.appendChild(el('div', 'text', h.text));
      if (h.media) b.appendChild(media.node(h.media));
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
      return m;
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
        c.history.forEach(function (h) { frag.appendChild(historyItem(h)); });
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

    /** The language changed: the texts this view wrote itself. */
    function relabel() {
      if (state.conn) status(state.conn[0], state.conn[1], state.conn[2]);
      who();
      render();
    }

    return { status: status, showSignin: showSignin, showConsole: showConsole, render: render, schedule: schedule, relabel: relabel };
  }

  window.WecomView = { create: create };
})();
