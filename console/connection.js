// The agent console's connection to the bridge (docs/agent-protocol.md): the WebSocket with the credential as a
// subprotocol (never in a URL), the sign-in kept for this tab, reconnecting with `?ack=` so the bridge replays
// what the page did not confirm, frames dropped by seq when replayed, `received` acknowledgements, and the
// answers (ack / error) to the frames the page sent.
(function () {
  'use strict';
  var ui = window.WecomUi;
  var t = ui.t;
  var TOKEN_KEY = 'wecom-console-token';
  var AGENT_KEY = 'wecom-console-agent';
  /** Frames about conversations carry seq (protocol v2); welcome's seq is the server's last, not a frame's. */
  var SEQ_TYPES = { handoff: true, message: true, closed: true, undelivered: true, budget: true };

  /** The credential as a WebSocket subprotocol token: base64url of its UTF-8 bytes. */
  function base64url(s) {
    var bin = '';
    new TextEncoder().encode(s).forEach(function (b) { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** @param {ConsoleState} state @param {ConnectionHooks} on @returns {WecomConnectionApi} */
  function create(state, on) {
    function open() { return !!state.ws && state.ws.readyState === WebSocket.OPEN; }

    function connect() {
      clearTimeout(state.retryTimer);
      state.manual = false;
      var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      var q = [];
      if (state.agentId) q.push('agent=' + encodeURIComponent(state.agentId));
      if (state.groups) q.push('groups=' + encodeURIComponent(state.groups));
      if (state.lastSeq) q.push('ack=' + state.lastSeq);
      on.status('connecting', 'connecting');
      var ws;
      try {
        ws = new WebSocket(proto + '//' + location.host + state.wsPath + (q.length ? '?' + q.join('&') : ''), ['wecom-agent', 'wecom-auth.' + base64url(state.token)]);
      } catch (e) { on.signin(t('badCredential')); return; }
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
        if (state.manual) { on.status('closed', 'disconnected'); return; }
        // the same agent signed in from another browser: that one has the conversations now; no tug of war
        if (ev && ev.code === 4001 && /replaced/.test(ev.reason || '')) { on.status('closed', 'replaced'); ui.toast(t('replaced'), true); return; }
        var ended = ev && ev.code === 4001 && /expired|revoked/.test(ev.reason || '');
        if (ended || (!opened && !state.welcomed)) {
          on.status('error', 'disconnected');
          forgetToken();
          on.signin(t(ended ? 'credentialEnded' : 'badCredential'));
          return;
        }
        var delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
        on.status('connecting', 'reconnecting', { s: Math.round(delay / 1000) });
        state.retryTimer = setTimeout(connect, delay);
      };
      ws.onerror = function () { /* onclose follows */ };
    }

    /** Sign out: close without reconnecting and forget the credential of this tab. */
    function close() {
      state.manual = true;
      forgetToken();
      if (state.ws) state.ws.close();
    }

    function forgetToken() {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    }

    function send(frame, onAck, onError) {
      if (!open()) {
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
     * A frame already processed (a replay after reconnect) is dropped; processed ones are acknowledged with
     * `received`, batched, when the bridge lists that feature. Returns false for a duplicate.
     */
    function noteSeq(f) {
      if (typeof f.seq !== 'number' || !SEQ_TYPES[f.type]) return true;
      if (f.seq <= state.lastSeq) return false;
      state.lastSeq = f.seq;
      if (!state.features.received || state.ackTimer) return true;
      state.ackTimer = setTimeout(function () {
        state.ackTimer = null;
        if (open()) state.ws.send(JSON.stringify({ type: 'received', seq: state.lastSeq }));
      }, 200);
      return true;
    }

    /** Everything up to seq is in the page (a sync frame): the bridge need not replay it. */
    function receivedUpTo(seq) {
      state.lastSeq = seq;
      if (state.features.received && open()) state.ws.send(JSON.stringify({ type: 'received', seq: seq }));
    }

    /** The connection's part of welcome: who the bridge says we are, its features, the sign-in kept. */
    function welcome(f) {
      if (f.agentId) state.agentId = String(f.agentId);
      state.system = f.system === true;
      state.welcomed = true;
      state.features = {};
      (Array.isArray(f.features) ? f.features : []).forEach(function (x) { state.features[x] = true; });
      if (typeof f.seq === 'number' && f.seq < state.lastSeq) state.lastSeq = f.seq; // the server restarted its numbering
      try { sessionStorage.setItem(TOKEN_KEY, state.token); localStorage.setItem(AGENT_KEY, state.agentId); } catch (e) { /* ignore */ }
      on.status('open', 'connected');
    }

    function onFrame(f) {
      if (!noteSeq(f)) return;
      if (f.type === 'welcome') welcome(f);
      else if (f.type === 'ack') {
        var p = takePending(f);
        if (p && p.onAck) p.onAck(f);
      } else if (f.type === 'error') {
        var q = takePending(f);
        if (q && q.onError) q.onError(f);
        else ui.toast(t('actionFailed', { msg: (f.code || '') + ' ' + (f.message || '') }), true);
      }
      on.frame(f);
    }

    /** The sign-in this tab kept (the token) and the agent id last used in this browser. */
    function saved() {
      var s = { token: '', agentId: '' };
      try { s.token = sessionStorage.getItem(TOKEN_KEY) || ''; s.agentId = localStorage.getItem(AGENT_KEY) || ''; } catch (e) { /* ignore */ }
      return s;
    }

    return { connect: connect, close: close, send: send, receivedUpTo: receivedUpTo, saved: saved };
  }

  window.WecomConnection = { create: create };
})();
