// Helpers shared by the sandbox pages (user.js, agent.js): element lookup, a toast, a status pill, hh:mm.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };

  function toast(text, isErr) {
    var t = $('toast');
    t.textContent = text;
    t.className = 'toast' + (isErr ? ' err' : '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.className = 'toast hidden'; }, isErr ? 6000 : 3000);
  }

  /** Set a status pill's data-state and text. */
  function pill(id, s, text) {
    var el = $(id);
    el.setAttribute('data-state', s);
    el.textContent = text;
  }

  /** hh:mm of a time in ms, seconds or an ISO string. */
  function fmtTime(ts) {
    var n = typeof ts === 'number' ? (ts < 1e12 ? ts * 1000 : ts) : Date.parse(ts) || Date.now();
    var d = new Date(n);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  /** The small 应用 / 微信客服 badge shown next to a user's name. */
  function channelTag(channel) {
    var tag = document.createElement('span');
    tag.className = 'tag ' + channel;
    tag.style.marginLeft = '6px';
    tag.textContent = channel === 'kf' ? '微信客服' : '应用';
    return tag;
  }

  window.SandboxUi = { $: $, toast: toast, pill: pill, fmtTime: fmtTime, channelTag: channelTag };
})();
