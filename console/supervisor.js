// The supervisor's part of the ops view (behind the ops password like the rest): live conversations — queued
// or with which agent, how long the user has waited — with re-assign and close (POST api/supervise), agents
// today (handled, median first response, satisfaction) and the bot answers users disputed, each with "mark as
// wrong" (POST api/never-answer: that FAQ entry never answers the question again). Reads api/live every few
// seconds; the per-agent and disputed rows come with ops.js's api/summary and api/faq (window.WecomOpsHooks).
(function () {
  'use strict';
  var ui = window.WecomUi;
  var $ = ui.$, t = ui.t, el = ui.el;
  ui.words({
    live: ['实时会话', 'Live conversations'], customer: ['客户', 'Customer'], withWhom: ['状态', 'Status'],
    waiting: ['等待', 'Waiting'], actions: ['操作', 'Actions'], inQueue: ['排队中', 'queued'], withAgent: ['坐席 {a}', 'with {a}'],
    reassign: ['转派', 'Re-assign'], closeConv: ['结束', 'Close'], pickAgent: ['选择坐席', 'Choose an agent'],
    noLive: ['当前没有进行中的会话', 'No live conversations'],
    agentsToday: ['坐席今日', 'Agents today'], agentCol: ['坐席', 'Agent'], statusCol: ['状态', 'Status'],
    handled: ['已处理', 'Handled'], firstResp: ['首次响应中位数', 'Median first response'], satisfaction: ['满意度', 'Satisfaction'],
    sat: ['{p}% 满意（{n} 条评价）', '{p}% satisfied ({n} ratings)'], noRatings: ['暂无评价', 'no ratings'],
    st_online: ['在线', 'online'], st_busy: ['忙碌', 'busy'], st_away: ['离开', 'away'], offline: ['离线', 'offline'],
    disputed: ['被质疑的回答', 'Disputed answers'], disputedQ: ['问题', 'Question'], answerGiven: ['给出的回答', 'Answer given'], userReply: ['用户回复', 'User replied'],
    reassigned: ['已转派给 {a}', 'Re-assigned to {a}'], closedDone: ['已结束会话', 'Conversation closed'],
    markWrong: ['标记为答错', 'Mark as wrong'], markedTag: ['已标记答错', 'Marked wrong'], markedWrong: ['已标记答错：{entry} 不再回答此问题', 'Marked wrong: {entry} no longer answers this'],
    neverWritten: ['已写入 {file}：{entry} 不再回答此问题', 'Written to {file}: {entry} no longer answers this'],
    neverSnippet: ['知识库在节点内：把下面的问题粘贴到条目 {entry} 的 never 列表（CSV 的 never 列），再部署。', 'The KB is in the node: paste the question below into entry {entry}\'s "never" list (the never column in CSV), then deploy.'],
    rating1: ['非常满意', 'very satisfied'], rating2: ['满意', 'satisfied'], rating3: ['一般', 'neutral'], rating4: ['不满意', 'dissatisfied']
  });
  var live = { agents: [], conversations: [], now: Date.now() };
  var summary = null;
  /** @type {Array<Record<string, any>>} faq-lookup nodes with their entries (api/faq) */
  var faqNodes = [];
  /** Disputed rows marked wrong in this page (entry + question), kept across summary reloads. */
  var marked = {};

  function act(body, done) {
    fetch('api/supervise', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); })
      .then(function () { ui.toast(done); loadLive(); })
      .catch(function (e) { ui.toast(t('failed', { msg: e.message }), true); });
  }

  function renderLive() {
    var tbody = $('live').querySelector('tbody');
    tbody.textContent = '';
    $('live-count').textContent = String(live.conversations.length);
    if (!live.conversations.length) {
      var tr0 = el('tr');
      var td0 = el('td', 'empty', t('noLive'));
      td0.colSpan = 4;
      tr0.appendChild(td0);
      tbody.appendChild(tr0);
    }
    live.conversations.forEach(function (c) {
      var tr = el('tr', c.agentId ? 'assigned' : 'queued');
      tr.setAttribute('data-id', c.conversationId);
      var who = el('td');
      who.appendChild(el('div', 'label', c.userId));
      who.appendChild(el('div', 'qs', [c.channel === 'kf' ? '微信客服' : c.channel, c.group ? 'group ' + c.group : '', c.conversationId].filter(Boolean).join(' · ')));
      tr.appendChild(who);
      tr.appendChild(el('td', '', c.agentId ? t('withAgent', { a: c.agentId }) : t('inQueue')));
      var since = c.waitingSince !== undefined ? c.waitingSince : c.agentId ? null : c.since;
      tr.appendChild(el('td', 'num', since === null ? '—' : ui.dur(Math.max(0, live.now - since))));
      var td = el('td');
      var wrap = el('div', 'copy');
      var sel = ui.picker('to', t('pickAgent'));
      live.agents.filter(function (a) { return a.online && a.id !== c.agentId; }).forEach(function (a) {
        var o = el('option', '', a.id + ' · ' + t('st_' + a.status) + ' · ' + a.conversations);
        o.value = a.id;
        sel.appendChild(o);
      });
      var go = el('button', 'reassign', t('reassign'));
      go.type = 'button';
      go.addEventListener('click', function () { if (sel.value) act({ op: 'reassign', conversationId: c.conversationId, to: sel.value }, t('reassigned', { a: sel.value })); });
      var close = el('button', 'danger close', t('closeConv'));
      close.type = 'button';
      close.addEventListener('click', function () { act({ op: 'close', conversationId: c.conversationId }, t('closedDone')); });
      wrap.appendChild(sel);
      wrap.appendChild(go);
      wrap.appendChild(close);
      td.appendChild(wrap);
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
    renderAgents();
  }

  function renderAgents() {
    var tbody = $('agents-today').querySelector('tbody');
    tbody.textContent = '';
    var rows = {};
    ((summary && summary.agents) || []).forEach(function (a) { rows[a.agentId] = { day: a }; });
    live.agents.forEach(function (a) { (rows[a.id] = rows[a.id] || {}).now = a; });
    Object.keys(rows).sort().forEach(function (id) {
      var r = rows[id], d = r.day || { handled: 0, firstP50: null, rated: 0, ratings: [0, 0, 0, 0], satisfied: null };
      var tr = el('tr');
      tr.setAttribute('data-agent', id);
      tr.appendChild(el('td', 'label', id));
      tr.appendChild(el('td', '', r.now && r.now.online ? t('st_' + r.now.status) + ' · ' + r.now.conversations : t('offline')));
      tr.appendChild(el('td', 'num handled', d.handled));
      tr.appendChild(el('td', 'num', ui.dur(d.firstP50)));
      var sat = el('td', 'sat');
      sat.appendChild(el('div', '', d.rated ? t('sat', { p: Math.round(d.satisfied * 100), n: d.rated }) : t('noRatings')));
      if (d.rated) sat.appendChild(el('div', 'qs', d.ratings.map(function (n, i) { return t('rating' + (i + 1)) + ' ' + n; }).join(' · ')));
      tr.appendChild(sat);
      tbody.appendChild(tr);
    });
  }

  /** The faq-lookup node and entry that gave this answer (the first node holding the entry), or null. */
  function entryOf(d) {
    for (var i = 0; i < faqNodes.length; i++) {
      var es = faqNodes[i].entries || [];
      for (var j = 0; j < es.length; j++) if (es[j].id === d.faqId) return { node: faqNodes[i], entry: es[j] };
    }
    return null;
  }

  /** Marked wrong already: in this page, or the entry's never list holds the question. */
  function isMarked(d, found) {
    if (marked[d.faqId + '\u0000' + d.question]) return true;
    return !!found && (found.entry.never || []).some(function (q) { return String(q).trim() === String(d.question).trim(); });
  }

  function markWrong(d, found) {
    fetch('api/never-answer', {
      method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ node: found.node.id, entry: d.faqId, questions: [d.question] })
    }).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); })
      .then(function (b) {
        marked[d.faqId + '\u0000' + d.question] = true;
        renderDisputed();
        var sn = $('snippet');
        if (b.written) { sn.classList.add('hidden'); ui.toast(t('neverWritten', { file: b.file, entry: d.faqId })); }
        else {
          sn.textContent = t('neverSnippet', { entry: b.entry }) + '\n\nJSON "never": ' + b.snippet.json + '\n\nCSV: ' + b.snippet.csv;
          sn.classList.remove('hidden');
          ui.toast(t('markedWrong', { entry: d.faqId }));
        }
      })
      .catch(function (e) { ui.toast(t('failed', { msg: e.message }), true); });
  }

  function renderDisputed() {
    var list = (summary && summary.disputed) || [];
    var tbody = $('disputed').querySelector('tbody');
    tbody.textContent = '';
    $('disputed-count').textContent = String(list.length);
    list.forEach(function (d) {
      var found = d.faqId ? entryOf(d) : null;
      var done = !!d.faqId && isMarked(d, found);
      var tr = el('tr', done ? 'added' : '');
      tr.setAttribute('data-entry', d.faqId || '');
      tr.appendChild(el('td', 'label', d.question));
      var ans = el('td');
      if (d.faqId) ans.appendChild(el('span', 'tag', d.faqId));
      ans.appendChild(el('div', 'qs', d.answer || ''));
      tr.appendChild(ans);
      tr.appendChild(el('td', '', d.reply + ' · ' + ui.hhmm(d.ts)));
      var act = el('td');
      if (done) {
        var tag = el('span', 'tag added', t('markedTag'));
        tag.title = t('markedWrong', { entry: d.faqId });
        act.appendChild(tag);
      }
      else if (found) {
        var btn = el('button', 'danger wrong', t('markWrong'));
        btn.type = 'button';
        btn.addEventListener('click', function () { btn.disabled = true; markWrong(d, found); });
        act.appendChild(btn);
      } else act.appendChild(el('span', 'qs', '—'));
      tr.appendChild(act);
      tbody.appendChild(tr);
    });
  }

  function loadLive() {
    return fetch('api/live', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (v) { live = v; renderLive(); document.body.setAttribute('data-live', String(Date.now())); })
      .catch(function () { /* the summary's loader reports problems */ });
  }

  (window.WecomOpsHooks = window.WecomOpsHooks || []).push(function (data, nodes) {
    summary = data;
    faqNodes = nodes || [];
    renderLive();
    renderDisputed();
  });
  loadLive();
  setInterval(function () { if (!document.hidden) loadLive(); }, 5000);
})();
