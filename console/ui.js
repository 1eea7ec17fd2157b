// Shared by the agent console, the ops view and the sandbox's WeChat-user page: element helpers, the language (中文 first, English second),
// a toast, and time formatting. Everything users typed is put in the page with textContent, never as HTML.
(function () {
  'use strict';
  var $ = function (/** @type {string} */ id) { return /** @type {UiElement} */ (document.getElementById(id)); };
  var LANG_KEY = 'wecom-console-lang';

  function pickLang() {
    var q = /[?&]lang=(zh|en)/.exec(location.search);
    if (q) return q[1];
    try { var saved = localStorage.getItem(LANG_KEY); if (saved === 'zh' || saved === 'en') return saved; } catch (e) { /* ignore */ }
    return /^en\b/i.test(navigator.language || '') ? 'en' : 'zh';
  }
  var lang = pickLang();
  var dict = {};

  /** Text of a key in the current language; {name} placeholders filled from vars. */
  function t(key, vars) {
    var pair = dict[key];
    var s = pair ? (lang === 'en' ? pair[1] : pair[0]) : key;
    if (vars) s = s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
    return s;
  }

  /** Fill every [data-t] element's text (and [data-t-ph] placeholders, [data-t-title] titles). */
  function applyI18n(root) {
    var r = root || document;
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    r.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = t(el.getAttribute('data-t')); });
    r.querySelectorAll('[data-t-ph]').forEach(function (el) { el.setAttribute('placeholder', t(el.getAttribute('data-t-ph'))); });
    r.querySelectorAll('[data-t-title]').forEach(function (el) { el.setAttribute('title', t(el.getAttribute('data-t-title'))); });
    if (dict._title) document.title = t('_title');
  }

  function setLang(l, onChange) {
    lang = l;
    try { localStorage.setItem(LANG_KEY, l); } catch (e) { /* ignore */ }
    applyI18n();
    if (onChange) onChange();
  }

  var toastTimer = null;
  function toast(text, isErr) {
    var el = $('toast');
    el.textContent = text;
    el.className = 'toast' + (isErr ? ' err' : '');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.className = 'toast hidden'; }, isErr ? 6000 : 3000);
  }

  /** Make an element: el('div', 'cls', 'text') — text always via textContent. */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /** A <select> whose first option says what to pick (value ''); aria-label the same text. */
  function picker(cls, placeholder) {
    var sel = el('select', cls);
    sel.setAttribute('aria-label', placeholder);
    var first = el('option', '', placeholder);
    first.value = '';
    sel.appendChild(first);
    return sel;
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  /** hh:mm of a time in ms, seconds or an ISO string. */
  function hhmm(ts) {
    var n = typeof ts === 'number' ? (ts < 1e12 ? ts * 1000 : ts) : (typeof ts === 'string' && Date.parse(ts)) || Date.now();
    var d = new Date(n);
    return pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  /** A duration in ms as 12 s / 3 min / 1.5 h. */
  function dur(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 60000) return Math.round(ms / 1000) + (lang === 'en' ? ' s' : ' 秒');
    if (ms < 3600000) return (Math.round(ms / 6000) / 10) + (lang === 'en' ? ' min' : ' 分钟');
    return (Math.round(ms / 360000) / 10) + (lang === 'en' ? ' h' : ' 小时');
  }

  /** Only http(s), blob: and same-origin relative URLs are shown as links or pictures. */
  function safeUrl(u) {
    if (typeof u !== 'string' || !u) return null;
    try {
      var url = new URL(u, location.href);
      return /^(https?:|blob:)$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }

  window.WecomUi = {
    $: $, t: t, el: el, picker: picker, toast: toast, hhmm: hhmm, dur: dur, safeUrl: safeUrl, applyI18n: applyI18n,
    setLang: setLang, lang: function () { return lang; },
    words: function (d) { for (var k in d) dict[k] = d[k]; }
  };
})();
