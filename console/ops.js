// The ops view (served by ws-bridge at <base>/ops/, behind the ops password): counters for today / 24 h /
// 7 days, hourly chart, handoff reasons, agents online, waits, and the unanswered questions grouped by
// similarity — one click adds a group to an FAQ entry as alternates (written to the KB file when the
// faq-lookup node reads one, else shown as a snippet to paste). Reads only api/summary, api/faq, api/alternates.
(function () {
  'use strict';
  var ui = window.WecomUi, charts = window.WecomCharts;
  var $ = ui.$, t = ui.t, el = ui.el;
  ui.words({
    _title: ['运营视图', 'Ops view'],
    title: ['运营视图', 'Ops view'],
    today: ['今天', 'Today'], last24h: ['最近 24 小时', 'Last 24 hours'], last7d: ['最近 7 天', 'Last 7 days'],
    refresh: ['刷新', 'Refresh'], csv: ['导出未答问题 CSV', 'Export unanswered (CSV)'],
    perHour: ['每小时', 'Per hour'], handoffReasons: ['转人工原因', 'Handoffs by reason'], agentsOnline: ['在线客服', 'Agents online'],
    unanswered: ['未答问题', 'Unanswered questions'], question: ['问题（相似问题已合并）', 'Question (similar ones grouped)'],
    count: ['次数', 'Count'], lastSeen: ['最近', 'Last seen'], copyTo: ['复制为 FAQ 相似问', 'Copy as FAQ alternates'],
    in: ['收到消息', 'Messages in'], keyword: ['关键词回答', 'Keyword answers'], faq: ['FAQ 回答', 'FAQ answers'],
    picked: ['推荐被采纳', 'Suggestions picked'], miss: ['未命中', 'Misses'], declined: ['推荐未采纳', 'Suggestions declined'],
    handoff: ['转人工', 'Handoffs'], queueNow: ['当前排队', 'Queue now'], agentsNow: ['当前在线客服', 'Agents online now'],
    waitP50: ['等待中位数', 'Median wait'], waitP90: ['等待 P90', 'p90 wait'],
    waitN: ['{n} 次接入', '{n} pickups'], peak: ['峰值 {n}', 'peak {n}'],
    all: ['全部', 'all'], none: ['暂无', 'none yet'],
    entry: ['选择 FAQ 条目', 'Choose an FAQ entry'], copy: ['添加', 'Add'],
    written: ['已写入 {file}：新增 {n} 条相似问', 'Written to {file}: {n} new alternates'],
    snippet: ['该 FAQ 节点的条目在流程中：把下面的相似问粘贴到条目 {entry}', 'This FAQ node keeps its entries in the flow: paste these alternates into entry {entry}'],
    noFaq: ['流程中没有 faq-lookup 节点', 'No faq-lookup node in the flow'],
    took: ['查询 {ms} ms', 'query {ms} ms'], updated: ['更新于 {t}', 'updated {t}'],
    misses: ['未命中 {n}', 'misses: {n}'], declinedN: ['未采纳 {n}', 'declined: {n}'],
    noRecord: ['（事件未写入文件：没有用户目录或 WECOM_EVENTS=off）', '(events are not written to files: no user dir or WECOM_EVENTS=off)'],
    reason_keyword: ['用户要求', 'user asked'], reason_no_answer: ['机器人答不上', 'bot could not answer'], reason_repeat_miss: ['多次未答', 'repeated misses'], reason_faq_declined: ['推荐的问题都不是', 'none of the suggested questions'],
    failed: ['失败：{msg}', 'Failed: {msg}'],
    ai: ['AI 回答', 'AI answers'], aiMiss: ['AI 未答（转人工）', 'AI no-answers (to humans)'], aiDisputed: ['AI 回答被质疑', 'AI answers disputed'],
    aiTokens: ['AI 用量（token）', 'AI tokens'], aiBudget: ['每日预算 {n}', 'budget {n} / day'], aiNoBudget: ['未设每日预算', 'no daily budget'],
    aiP50: ['AI 延迟中位数', 'AI median latency'], aiP90: ['AI 延迟 P90', 'AI p90 latency'], aiN: ['{n} 次调用', '{n} calls'],
    ai_no_answer: ['资料中没有', 'not in the material'], ai_ungrounded: ['未通过核对', 'failed the checks'], ai_timeout: ['超时', 'timeout'],
    ai_error: ['出错', 'error'], ai_budget: ['超出预算', 'over budget'], ai_off: ['未配置', 'not configured']
  });
  var SERIES = [
    { key: 'keyword', color: '#07c160' }, { key: 'faq', color: '#2b7cff' }, { key: 'picked', color: '#7fb3ff' },
    { key: 'ai', color: '#9b59b6' }, { key: 'miss', color: '#f5a623' }, { key: 'handoff', color: '#e5484d' }
  ];
  var data = null, faqNodes = [];

  function range() {
    var now = Date.now(), v = $('range').value;
    if (v === '24h') return { from: now - 86400000, to: now };
    if (v === '7d') return { from: now - 7 * 86400000, to: now };
    var d = new Date(now);
    d.setHours(0, 0, 0, 0);
    return { from: d.getTime(), to: now };
  }

  function card(key, value, sub) {
    var c = el('div', 'card');
    c.setAttribute('data-key', key);
    c.appendChild(el('div', 'k', t(key)));
    c.appendChild(el('div', 'v', value));
    if (sub) c.appendChild(el('div', 's', sub));
    return c;
  }

  function render() {
    if (!data) return;
    var s = data.summary, n = s.totals, g = data.gauges;
    var v = function (k) { return n[k] || 0; };
    var cards = $('cards');
    cards.textContent = '';
    [['in', v('in')], ['keyword', v('keyword')], ['faq', v('faq')], ['picked', v('picked')], ['miss', v('miss')], ['declined', v('declined')],
      ['handoff', v('handoff')]].forEach(function (x) { cards.appendChild(card(x[0], x[1])); });
    cards.appendChild(card('queueNow', g.queued, t('peak', { n: s.queuePeak })));
    cards.appendChild(card('agentsNow', g.agentsOnline, t('peak', { n: s.agentsPeak })));
    cards.appendChild(card('waitP50', ui.dur(s.wait.p50), t('waitN', { n: s.wait.count })));
    cards.appendChild(card('waitP90', ui.dur(s.wait.p90)));
    if (v('ai') || v('aiMiss') || g.aiBudget) {
      var aiReasons = Object.keys(n).filter(function (k) { return k.indexOf('aiMiss:') === 0; }).map(function (k) { return t('ai_' + k.slice(7)) + ' ' + n[k]; }).join(' · ');
      cards.appendChild(card('ai', v('ai')));
      cards.appendChild(card('aiMiss', v('aiMiss'), aiReasons));
      cards.appendChild(card('aiDisputed', v('aiDisputed')));
      cards.appendChild(card('aiTokens', v('aiTokens'), g.aiBudget ? t('aiBudget', { n: g.aiBudget }) : t('aiNoBudget')));
      var lat = s.aiLatency || { count: 0, p50: null, p90: null };
      cards.appendChild(card('aiP50', lat.p50 === null ? '–' : lat.p50 + ' ms', t('aiN', { n: lat.count })));
      cards.appendChild(card('aiP90', lat.p90 === null ? '–' : lat.p90 + ' ms'));
    }

    var hours = s.hours;
    var byDay = hours.length > 48;
    var rows = [];
    if (byDay) {
      var days = {};
      hours.forEach(function (h) {
        var d = new Date(h.hour), k = (d.getMonth() + 1) + '/' + d.getDate();
        if (!days[k]) { days[k] = { label: k, n: {} }; rows.push(days[k]); }
        for (var x in h.n) days[k].n[x] = (days[k].n[x] || 0) + h.n[x];
      });
    } else rows = hours.map(function (h) { return { label: ui.hhmm(h.hour), n: h.n }; });
    charts.stacked($('chart-hours'), rows.map(function (r) { return { label: r.label, values: SERIES.map(function (se) { return r.n[se.key] || 0; }) }; }),
      SERIES.map(function (se) { return { name: t(se.key), color: se.color }; }));
    var legend = $('legend-hours');
    legend.textContent = '';
    SERIES.forEach(function (se) {
      var item = el('span');
      var sw = el('i');
      sw.style.background = se.color;
      item.appendChild(sw);
      item.appendChild(document.createTextNode(t(se.key)));
      legend.appendChild(item);
    });

    var reasons = Object.keys(n).filter(function (k) { return k.indexOf('handoff:') === 0; }).map(function (k) {
      var r = k.slice(8), label = t('reason_' + r);
      return { label: label === 'reason_' + r ? r : label, value: n[k] };
    }).sort(function (a, b) { return b.value - a.value; });
    if (reasons.length) charts.bars($('reasons'), reasons, '#e5484d');
    else { $('reasons').textContent = ''; $('reasons').appendChild(el('div', 'inline-en', t('none'))); }
    var groups = [{ label: t('all'), value: g.agentsOnline }].concat(Object.keys(g.groups).map(function (k) { return { label: k, value: g.groups[k] }; }));
    charts.bars($('groups'), groups, '#07c160');

    renderUnanswered();
    $('took').textContent = t('took', { ms: data.tookMs }) + (data.recording ? '' : ' ' + t('noRecord'));
    $('updated').textContent = t('updated', { t: ui.hhmm(data.now) });
  }

  function entryOptions(sel) {
    faqNodes.forEach(function (node) {
      var group = el('optgroup');
      group.label = node.name + (node.kbFile ? ' · ' + node.kbFile : '');
      node.entries.forEach(function (e) {
        var o = el('option', '', e.id + ' · ' + e.question);
        o.value = node.id + '\u0000' + e.id;
        group.appendChild(o);
      });
      sel.appendChild(group);
    });
  }

  function renderUnanswered() {
    var tbody = $('un').querySelector('tbody');
    tbody.textContent = '';
    $('un-count').textContent = data.groups;
    data.unanswered.forEach(function (gr) {
      var tr = el('tr', gr.added ? 'added' : '');
      tr.setAttribute('data-group', gr.id);
      var q = el('td');
      q.appendChild(el('div', 'label', gr.label));
      var others = gr.questions.map(function (x) { return x.text; }).filter(function (x) { return x !== gr.label; });
      if (others.length) q.appendChild(el('div', 'qs', others.join(' · ')));
      q.appendChild(el('div', 'qs', [gr.miss ? t('misses', { n: gr.miss }) : '', gr.declined ? t('declinedN', { n: gr.declined }) : ''].filter(Boolean).join(' · ')));
      if (gr.added) q.appendChild(el('span', 'tag added', t('addedTo', { entry: gr.added })));
      tr.appendChild(q);
      tr.appendChild(el('td', 'num', gr.count));
      tr.appendChild(el('td', 'num', ui.hhmm(gr.last)));
      var act = el('td');
      var wrap = el('div', 'copy');
      var sel = ui.picker('entry', t('entry'));
      entryOptions(sel);
      var btn = el('button', 'add', t('copy'));
      btn.type = 'button';
      btn.addEventListener('click', function () { copyGroup(gr, sel.value); });
      wrap.appendChild(sel);
      wrap.appendChild(btn);
      act.appendChild(wrap);
      tr.appendChild(act);
      tbody.appendChild(tr);
    });
  }

  function copyGroup(gr, value) {
    if (!value) { ui.toast(faqNodes.length ? t('entry') : t('noFaq'), true); return; }
    var parts = value.split('\u0000');
    fetch('api/alternates', {
      method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ node: parts[0], entry: parts[1], questions: gr.questions.map(function (x) { return x.text; }) })
    }).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error || r.status); return b; }); })
      .then(function (b) {
        var sn = $('snippet');
        gr.added = parts[1];
        renderUnanswered();
        if (b.written) { sn.classList.add('hidden'); ui.toast(t('written', { file: b.file, n: b.added.length })); }
        else {
          sn.textContent = t('snippet', { entry: b.entry }) + '\n\nJSON "alternates": ' + b.snippet.json + '\n\nCSV: ' + b.snippet.csv;
          sn.classList.remove('hidden');
        }
      })
      .catch(function (e) { ui.toast(t('failed', { msg: e.message }), true); });
  }

  function load() {
    var r = range();
    var q = '?from=' + r.from + '&to=' + r.to;
    $('csv').href = 'api/unanswered.csv' + q;
    return Promise.all([
      fetch('api/summary' + q, { cache: 'no-store', credentials: 'same-origin' }).then(function (x) { if (!x.ok) throw new Error(String(x.status)); return x.json(); }),
      fetch('api/faq', { cache: 'no-store', credentials: 'same-origin' }).then(function (x) { return x.ok ? x.json() : { nodes: [] }; })
    ]).then(function (res) {
      data = res[0];
      faqNodes = res[1].nodes || [];
      render();
      (window.WecomOpsHooks || []).forEach(function (fn) { fn(data, faqNodes); });
      document.body.setAttribute('data-loaded', String(Date.now()));
    }).catch(function (e) { ui.toast(t('failed', { msg: e.message }), true); });
  }

  function langButtons() {
    $('lang-zh').setAttribute('aria-pressed', String(ui.lang() === 'zh'));
    $('lang-en').setAttribute('aria-pressed', String(ui.lang() === 'en'));
  }
  function relang() { langButtons(); render(); (window.WecomOpsHooks || []).forEach(function (fn) { if (data) fn(data, faqNodes); }); }
  $('lang-zh').addEventListener('click', function () { ui.setLang('zh', relang); });
  $('lang-en').addEventListener('click', function () { ui.setLang('en', relang); });
  $('range').addEventListener('change', load);
  $('refresh').addEventListener('click', load);
  ui.applyI18n();
  langButtons();
  load();
  setInterval(function () { if (!document.hidden) load(); }, 15000);
})();
