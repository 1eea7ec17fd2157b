// Pictures and files in the agent console. The bridge's media are fetched once with the credential in an
// Authorization header (never in a URL, never sent to another origin) and kept as blob: URLs: a picture is shown
// inline only once its bytes proved to be a passive image type, everything else is offered as a download.
// Media of other origins are shown as they are (pictures) or as links that open without the page's context.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var t = ui.t, el = ui.el;
  var PASSIVE_IMAGE = /^image\/(jpeg|png|gif|webp)$/;

  /** A media URL: blob: as it is, else http(s) resolved against the page (null when unusable). */
  function mediaUrl(u) {
    if (typeof u !== 'string' || !u) return null;
    if (/^blob:/.test(u)) return u;
    return ui.safeUrl(u);
  }

  /**
   * @param {() => string} credential the agent's token, read when a media is fetched
   * @param {() => void} loaded called when a picture's bytes arrived (render again)
   * @returns {WecomMediaApi}
   */
  function create(credential, loaded) {
    /** @type {Record<string, MediaBlob>} */
    var blobs = {};

    /** @param {string} url @returns {Promise<MediaBlob | null>} */
    function fetchMedia(url) {
      if (!blobs[url]) {
        /** @type {MediaBlob} */
        var entry = blobs[url] = { ready: false };
        entry.p = fetch(url, { headers: { Authorization: 'Bearer ' + credential() }, cache: 'no-store' })
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

    /** Drop every fetched media (sign-out, credential ended). */
    function forget() {
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

    /** What the history shows for a media item: {url, mime, name, size, type}. */
    function node(m) {
      var url = mediaUrl(m.url);
      var box = el('div', 'media');
      var mime = String(m.mime || '');
      var picture = /^image\//.test(mime) || (!mime && m.type === 'image');
      var label = (m.name ? String(m.name) : mime || 'file') + (typeof m.size === 'number' ? ' · ' + Math.ceil(m.size / 1024) + ' KB' : '');
      var ours = url && !/^blob:/.test(url) && new URL(url).origin === location.origin;
      if (ours) {
        var got = blobs[url];
        if (picture && !(got && got.ready)) {
          fetchMedia(url).then(loaded);
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
      } else if (url) {
        var a = el('a', '', '📎 ' + label);
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        box.appendChild(a);
      } else box.appendChild(el('span', '', '📎 ' + label));
      return box;
    }

    return { node: node, forget: forget };
  }

  window.WecomMedia = { create: create };
})();
