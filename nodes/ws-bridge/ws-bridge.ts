/**
 * `ws-bridge`: the agents' side of the handoff, over WebSocket.
 * Server mode: agents connect to a path on Node-RED's own server (one shared upgrade dispatcher), with a
 * token (`Authorization: Bearer` or `?token=`). Client mode: connects out to the customer-service system.
 * Agents present the shared token (with ?agent=: that agent; without: the system link) or an agent token.
 * Input: frames from `handoff` (msg.payload = handoff | message | closed frame); wecom-out's errors.
 * Output 1: agent replies (msg.payload = text, or a media object; msg.wecom of the conversation) → wecom-out.
 * Also serves users' media to agents at <path>/media/<ref> (media-route.ts).
 * Output 2: events for handoff (msg.bridge = {event: assigned | queued | closed | presence | overflow, …}).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { BridgeHub, type AgentSink, type BridgeEvent, type Connection, type OpenOptions, type ReplyExtra } from '../lib/handoff/bridge-hub';
import { parseGroups, validAgentId, type ClosedFrame, type HandoffFrame, type MediaInfo, type MessageFrame, type ToAgentFrame } from '../lib/handoff/agent-protocol';
import { checkCredential } from '../lib/handoff/agent-token';
import { MediaLinker } from '../lib/handoff/media-link';
import { mediaProblem, MediaRejected, resolveOutgoing } from '../lib/handoff/media-out';
import type { WecomMeta } from '../lib/types';
import { DuplicatePath, fullPath, registerUpgrade, rejectUpgrade } from '../shared/ws-upgrade';
import { mountMediaRoute } from './media-route';
import { startRelay, type BridgeRelay } from './cluster-relay';
import { acquireStore, stateOptions } from '../shared/state';
import { configureOps, opsBridgeEvent, opsEvent, opsGauges } from '../shared/events';
import { mountConsole } from '../shared/console-routes';
import { statusText } from '../shared/status-text';
import { httpServer, nodeType, settingsOf, wecomMsg } from '../shared/node-kit';
import { bridgeInfo, type BridgeInfo, type WecomMsg } from '../lib/messages';

interface WsBridgeDef extends NodeDef {
  mode?: 'server' | 'client';
  path?: string;
  url?: string;
  headers?: string;
  origins?: string;
  maxPerAgent?: number | string;
  bufferSize?: number | string;
  graceSec?: number | string;
  heartbeatSec?: number | string;
  maxFrameKb?: number | string;
  reconnectMaxSec?: number | string;
  maxMediaMb?: number | string;
  mediaOrigins?: string;
  // agent console, ops view, metrics and the event record (nodes/shared/console-routes.ts, events.ts)
  console?: boolean | string;
  ops?: boolean | string;
  metrics?: boolean | string;
  eventsRetentionDays?: number | string;
  eventsMaxMb?: number | string;
}
interface WsBridgeCreds {
  token?: string;
  opsPassword?: string;
  metricsToken?: string;
}

const num = (v: unknown, dflt: number, min = 0): number => {
  const n = Number(v);
  return v === '' || v === undefined || v === null || !Number.isFinite(n) ? dflt : Math.max(min, n);
};

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  return url.searchParams.get('token');
}

function socketSink(ws: WebSocket): AgentSink {
  return {
    send(frame: ToAgentFrame): boolean {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    close(code: number, reason: string) {
      ws.close(code, reason);
    },
  };
}

type Frame = HandoffFrame | MessageFrame | ClosedFrame;

/** Query parameters of an agent connection: ?groups=a,b and ?ack=N (throws on bad values). */
function connectOptions(url: URL): OpenOptions {
  const o: OpenOptions = {};
  const groups = url.searchParams.get('groups');
  if (groups !== null) o.groups = parseGroups(groups);
  const ack = url.searchParams.get('ack');
  if (ack !== null) {
    if (!/^\d{1,16}$/.test(ack)) throw new Error('ack is a seq');
    o.ack = Number(ack);
  }
  return o;
}
function isFrame(p: unknown): p is Frame {
  if (!p || typeof p !== 'object') return false;
  const f = p as Record<string, unknown>;
  return (f.type === 'handoff' || f.type === 'message' || f.type === 'closed') && typeof f.conversationId === 'string' && f.conversationId !== '';
}

export = function register(RED: NodeAPI): void {
  function WsBridge(this: Node<WsBridgeCreds>, def: WsBridgeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode = def.mode === 'client' ? 'client' : 'server';
    // A blank token credential is read from WECOM_AGENT_WS_TOKEN, so a flow can deploy from the environment.
    const token = ((node.credentials?.token ?? '').trim() || (process.env.WECOM_AGENT_WS_TOKEN ?? '').trim());
    const heartbeatMs = num(def.heartbeatSec, 30) * 1000;
    const maxMedia = Math.max(1, num(def.maxMediaMb, 20)) * 1024 * 1024;
    // frames with base64 media data may be as large as the media cap allows
    const maxPayload = Math.max(1, num(def.maxFrameKb, 64)) * 1024 + Math.ceil((maxMedia * 4) / 3);
    const origins = (def.origins ?? '').split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const mediaOrigins = (def.mediaOrigins ?? '').split(/[\s,]+/).map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
    const mediaBase = fullPath(RED.settings.httpNodeRoot as string | false | undefined, def.path || '/wecom/ws').replace(/\/+$/, '') + '/media/';
    const linker = new MediaLinker(token || 'no token', mediaBase);
    let closing = false;

    /** User media in frames for agents: WeCom media_id → a URL this node serves. */
    const linkMedia = (f: Frame, wecom: WecomMeta | undefined): Frame => {
      if (!wecom?.accountId) return f;
      const link = (m: MediaInfo | undefined) => (m && m.mediaId ? linker.link(m, wecom.accountId!, wecom.channel) : m);
      if (f.type === 'message' && f.media?.mediaId) return { ...f, media: link(f.media) };
      if (f.type === 'handoff' && f.history.some((h) => h.media?.mediaId)) return { ...f, history: f.history.map((h) => (h.media?.mediaId ? { ...h, media: link(h.media) } : h)) };
      return f;
    };

    /** An agent's media: fetched or decoded, checked, then sent to wecom-out; else `undelivered` with the rule. */
    const sendMedia = (conversationId: string, wecom: WecomMeta | undefined, agentId: string, extra: ReplyExtra) => {
      resolveOutgoing(extra.media!, { origins: mediaOrigins, maxBytes: maxMedia })
        .then((m) => {
          if (closing) return;
          const payload = { msgtype: m.kind, [m.kind]: { data: m.data, filename: m.name, contentType: m.mime } };
          const bridge: BridgeInfo = { event: 'reply', conversationId, agentId, media: { name: m.name, mime: m.mime, size: m.size } };
          const out: WecomMsg = { payload, topic: conversationId, wecom, agent: { id: extra.actor ?? agentId }, bridge };
          node.send([out, null]);
        })
        .catch((err: Error) => {
          if (closing) return;
          const r = err instanceof MediaRejected ? err : new MediaRejected(`not sent: ${err.message}`, {});
          hub.undelivered(agentId, { type: 'undelivered', conversationId, text: '', media: r.info, rule: r.rule, message: r.message });
        });
    };

    const hub = new BridgeHub<WecomMeta>(
      {
        maxPerAgent: mode === 'client' ? 0 : Math.floor(num(def.maxPerAgent, 5)),
        bufferSize: Math.max(1, Math.floor(num(def.bufferSize, 500))),
        graceMs: mode === 'client' ? -1 : num(def.graceSec, 60) * 1000,
        checkMedia: (m) => mediaProblem(m, mediaOrigins),
      },
      {
        reply(conversationId, wecom, agentId, text, extra) {
          const who = extra.actor ?? agentId;
          const msg: WecomMsg | null = text ? { payload: text, topic: conversationId, wecom, agent: { id: who }, bridge: { event: 'reply', conversationId, agentId } } : null;
          // handoff hears of the agent's activity (its idle timeout counts from the last message of either side)
          const activity: WecomMsg = { payload: { event: 'activity', conversationId, agentId }, topic: conversationId, bridge: { event: 'activity', conversationId, agentId } };
          opsEvent(RED, 'reply', msg ?? { topic: conversationId, wecom }, { agentId, media: extra.media ? true : undefined });
          node.send([msg, activity]);
          if (extra.media) sendMedia(conversationId, wecom, agentId, extra);
        },
        event(e: BridgeEvent, wecom) {
          opsBridgeEvent(RED, bridgeInfo(e), wecom);
          if (e.event === 'overflow') node.warn(RED._('ws-bridge.warn.overflow', { agent: e.agentId, count: e.conversations }));
          const msg: WecomMsg = { payload: e, topic: 'conversationId' in e ? e.conversationId : 'presence', bridge: bridgeInfo(e) };
          if (wecom) msg.wecom = wecom;
          node.send([null, msg]);
          showStatus();
        },
      },
    );

    let broken = false;
    const showStatus = () => {
      if (closing || broken) return;
      const s = hub.stats();
      node.status({
        fill: s.agents > 0 ? 'green' : 'yellow',
        shape: s.agents > 0 ? 'dot' : 'ring',
        text: statusText('ws-bridge.status.counts', { agents: s.agents, queued: s.queued }),
      });
    };

    const alive = new WeakMap<WebSocket, boolean>();
    const watch = (ws: WebSocket, conn: Connection) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        alive.set(ws, true);
        const text = isBinary ? '' : data.toString();
        hub.receive(conn, text);
      });
      ws.on('close', () => {
        hub.close(conn);
        showStatus();
      });
      ws.on('error', () => {
        /* 'close' follows; errors such as 1009 (frame too large) close the socket */
      });
    };
    const beat = (sockets: Iterable<WebSocket>) => {
      for (const ws of sockets) {
        if (alive.get(ws) === false) {
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        try {
          ws.ping();
        } catch {
          /* closing */
        }
      }
    };

    let cleanup: Array<() => void> = [];
    let relay: BridgeRelay | null = null;
    configureOps(RED, { retentionDays: num(def.eventsRetentionDays, 30), maxMb: num(def.eventsMaxMb, 50) });
    opsGauges(node, () => ({ agentsOnline: hub.stats().agents, queued: hub.stats().queued, groups: hub.groupsOnline() }));

    if (mode === 'server') {
      const path = fullPath(RED.settings.httpNodeRoot as string | false | undefined, def.path || '/wecom/ws');
      const wss = new WebSocketServer({ noServer: true, maxPayload });
      if (stateOptions(settingsOf(RED)).kind === 'redis') {
        const handle = acquireStore(RED);
        relay = startRelay({
          store: handle.store,
          name: node.id,
          address: () => {
            const a = RED.server?.address();
            return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
          },
          handle: (m) => handleInput(m as InputMsg),
          // No longer the leader: this instance's agents reconnect (through any instance) to the new one.
          onLeader: (leader) => {
            if (!leader) for (const ws of wss.clients) ws.terminate();
            showStatus();
          },
          onError: (err) => node.warn(RED._('ws-bridge.warn.cluster', { message: err.message })),
        });
        const r = relay;
        cleanup.push(() => {
          void r.close().finally(() => handle.release());
        });
      }
      const on = (v: unknown, dflt: boolean) => (v === undefined || v === '' ? dflt : v === true || v === 'true');
      cleanup.push(mountConsole(RED, node, { bridgePath: def.path || '/wecom/ws', wsFullPath: path, console: on(def.console, true), ops: on(def.ops, true), opsPassword: (node.credentials?.opsPassword ?? '').trim() || (process.env.WECOM_OPS_PASSWORD ?? '').trim(), metrics: on(def.metrics, false), metricsToken: (node.credentials?.metricsToken ?? '').trim() || (process.env.WECOM_METRICS_TOKEN ?? '').trim() }));
      if (!token) {
        broken = true;
        node.status({ fill: 'red', shape: 'ring', text: 'ws-bridge.status.noToken' });
        node.error(RED._('ws-bridge.errors.noToken'));
      }
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (relay && relay.forward(req, socket, head)) return;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const cred = checkCredential(token, tokenOf(req, url));
        if (!cred) return rejectUpgrade(socket, 401, 'Unauthorized');
        const origin = req.headers.origin;
        if (origins.length > 0 && (typeof origin !== 'string' || !origins.includes(origin))) return rejectUpgrade(socket, 403, 'Forbidden');
        let agentParam = url.searchParams.get('agent') ?? (req.headers['x-agent-id'] as string | undefined) ?? null;
        if (agentParam !== null && !validAgentId(agentParam)) return rejectUpgrade(socket, 400, 'Bad Request');
        let opts: OpenOptions;
        try {
          opts = connectOptions(url);
        } catch {
          return rejectUpgrade(socket, 400, 'Bad Request');
        }
        if (!cred.shared) {
          // an agent token is that agent, and only that agent
          if (agentParam !== null && agentParam !== cred.claims.agentId) return rejectUpgrade(socket, 403, 'Forbidden');
          agentParam = cred.claims.agentId;
          opts.bound = true;
          if (cred.claims.groups) {
            opts.groups = cred.claims.groups;
            opts.fixedGroups = true;
          }
        }
        const agentId = agentParam;
        wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = hub.open(socketSink(ws), agentId, opts);
          watch(ws, conn);
          showStatus();
        });
      };
      try {
        if (!RED.server) throw new Error('no server');
        cleanup.push(registerUpgrade(httpServer(RED), path, onUpgrade));
        if (token) cleanup.push(mountMediaRoute(RED, { route: (def.path || '/wecom/ws').replace(/\/+$/, '') + '/media/:ref', token, linker, maxBytes: maxMedia }));
      } catch (err) {
        broken = true;
        node.status({ fill: 'red', shape: 'ring', text: 'ws-bridge.status.error' });
        node.error(err instanceof DuplicatePath ? RED._('ws-bridge.errors.duplicatePath', { path }) : RED._('ws-bridge.errors.noServer'));
      }
      const timer = heartbeatMs > 0 ? setInterval(() => beat(wss.clients), heartbeatMs) : null;
      cleanup.push(() => {
        if (timer) clearInterval(timer);
        for (const ws of wss.clients) ws.terminate();
        wss.close();
      });
    } else {
      let headers: Record<string, string> = {};
      try {
        const h = def.headers && def.headers.trim() ? (JSON.parse(def.headers) as unknown) : {};
        if (h && typeof h === 'object' && !Array.isArray(h)) headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
      } catch {
        node.warn(RED._('ws-bridge.warn.badHeaders'));
      }
      if (token) headers.Authorization = `Bearer ${token}`;
      const maxBackoff = Math.max(1, num(def.reconnectMaxSec, 30)) * 1000;
      let attempt = 0;
      let ws: WebSocket | null = null;
      let retry: NodeJS.Timeout | null = null;
      let hb: NodeJS.Timeout | null = null;
      const connect = () => {
        retry = null;
        if (closing || !def.url) return;
        let sock: WebSocket;
        try {
          sock = new WebSocket(def.url, { headers, maxPayload });
        } catch (err) {
          node.error(RED._('ws-bridge.errors.badUrl'));
          return;
        }
        ws = sock;
        sock.on('open', () => {
          attempt = 0;
          const conn = hub.open(socketSink(sock), 'upstream', { system: true });
          watch(sock, conn);
          showStatus();
        });
        sock.on('close', () => {
          if (ws === sock) ws = null;
          if (!closing) {
            const delay = Math.min(maxBackoff, 500 * 2 ** attempt++) * (0.8 + Math.random() * 0.4);
            retry = setTimeout(connect, delay);
            node.status({ fill: 'red', shape: 'ring', text: 'ws-bridge.status.reconnecting' });
          }
        });
        sock.on('error', () => {
          /* 'close' follows and schedules the reconnect */
        });
      };
      if (!def.url) node.error(RED._('ws-bridge.errors.noUrl'));
      else connect();
      if (heartbeatMs > 0) hb = setInterval(() => ws && ws.readyState === WebSocket.OPEN && beat([ws]), heartbeatMs);
      cleanup.push(() => {
        if (retry) clearTimeout(retry);
        if (hb) clearInterval(hb);
        if (ws) ws.terminate();
      });
    }
    showStatus();
    // Tell handoff how many agents are online (none yet) once the flow is running.
    const hello = setTimeout(() => hub.presence(), 0);
    cleanup.push(() => clearTimeout(hello));

    type InputMsg = WecomMsg;
    /** One input message (throws on a bad one). */
    const handleInput = (m: InputMsg): void => {
      // wecom-out's error output: an agent's reply WeCom did not take is reported back to that agent.
      if (m.error && typeof m.error === 'object') {
        const b = m.bridge;
        if (b?.event === 'reply' && typeof b.agentId === 'string' && typeof b.conversationId === 'string') {
          hub.undelivered(b.agentId, {
            type: 'undelivered',
            conversationId: b.conversationId,
            text: typeof m.payload === 'string' ? m.payload : '',
            media: b.media,
            errcode: typeof m.error.errcode === 'number' ? m.error.errcode : undefined,
            message: String(m.error.message ?? ''),
          });
        }
        return; // the error itself already reached Catch from wecom-out
      }
      if (!isFrame(m.payload)) throw new Error(RED._('ws-bridge.errors.badInput'));
      const agentId = typeof m.handoff?.agentId === 'string' ? m.handoff.agentId : undefined;
      hub.fromHandoff(linkMedia(m.payload, m.wecom), m.wecom, agentId, m.handoff?.restore === true, { fallback: m.handoff?.fallback === true });
      showStatus();
    };

    node.on('input', (msg: NodeMessage, _send, done) => {
      const m = wecomMsg(msg);
      if (!m.error && !isFrame(m.payload)) {
        done(new Error(RED._('ws-bridge.errors.badInput')));
        return;
      }
      if (relay) {
        // Several instances: the leader's hub serves every agent; this frame goes to it in recorded order.
        const { payload, wecom, handoff, error, bridge } = m;
        relay.submit(JSON.parse(JSON.stringify({ payload, wecom, handoff, error, bridge }))).then(() => done(), (err: Error) => done(err));
        return;
      }
      try {
        handleInput(m);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      for (const c of cleanup) c();
      cleanup = [];
      hub.dispose();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('ws-bridge', nodeType(WsBridge), {
    credentials: { token: { type: 'password' }, opsPassword: { type: 'password' }, metricsToken: { type: 'password' } },
  });
};
