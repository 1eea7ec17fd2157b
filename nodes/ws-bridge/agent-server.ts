/**
 * ws-bridge in server mode: agents connect to a path on Node-RED's own server (one shared upgrade dispatcher);
 * who is admitted is lib/bridge/access.ts (and revocations, read from the state store). Beside it: the agent
 * console, ops view and metrics, the media route, the revocation route, and — with a shared state store — the
 * cluster relay to the instance that leads.
 */
import type { Node, NodeAPI } from 'node-red';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { admitAgent, AGENT_SUBPROTOCOL, type Admission } from '../lib/bridge/access';
import type { CredentialCheck } from '../lib/bridge/media/serve';
import type { BridgeSecrets } from '../lib/bridge/secrets';
import type { Revocations } from '../lib/bridge/revocations';
import type { BridgeConfig } from '../lib/bridge/config';
import type { MediaLinker } from '../lib/bridge/media/link';
import type { WecomMsg } from '../lib/contract/messages';
import { DuplicatePath, fullPath, registerUpgrade, rejectUpgrade } from '../shared/ws-upgrade';
import { guessGuard } from '../shared/guess-guard';
import { acquireStore, stateOptions } from '../shared/state';
import { mountConsole } from '../shared/ops/console-routes';
import { httpServer, settingsOf } from '../shared/node-kit';
import { isRelayed, startRelay, type BridgeRelay } from './cluster-relay';
import { mountMediaRoute } from './media-route';
import { mountRevokeRoute } from './revoke-route';
import type { SentMedia } from '../lib/bridge/media/sent';
import type { AgentSockets } from './agent-sockets';

export interface ServerParts {
  cfg: BridgeConfig;
  linker: MediaLinker;
  secrets: BridgeSecrets;
  /** Who the bridge admits: tokens, lifetime cap and (cached) revocations. */
  check: CredentialCheck;
  /** Revoked agent tokens (state store). */
  revocations: Revocations;
  /** Media agents sent, for the history. */
  sent?: SentMedia;
  sockets: AgentSockets;
  /** Run an accepted upgrade (after the kept outboxes are loaded). */
  gate(fn: () => void): void;
  /** Handle one input message here (the relay's leader). */
  handle(m: WecomMsg): void;
  changed(): void;
  /** This instance has just taken the agents' hub (several instances): its hub starts empty. */
  leading(): void;
  /** Show an error status and keep it (no token, no server, path taken). */
  broken(text: string): void;
}

/** The upgrade request carries some credential (header, subprotocol or ?token=): a 401 to it is a wrong guess. */
function presentsCredential(req: IncomingMessage): boolean {
  return req.headers.authorization !== undefined || /(^|,)\s*wecom-auth\./.test(String(req.headers['sec-websocket-protocol'] ?? '')) || /[?&]token=/.test(req.url ?? '');
}

/** Start serving agents; returns the relay (with several instances) and what stops everything. */
export function startServer(RED: NodeAPI, node: Node, p: ServerParts): { relay: BridgeRelay | null; stop: Array<() => void> } {
  const { cfg } = p;
  const stop: Array<() => void> = [];
  const path = fullPath(settingsOf(RED).httpNodeRoot, cfg.path);
  // browsers offer `wecom-agent, wecom-auth.<credential>`: the answer names only `wecom-agent`
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.maxPayload, handleProtocols: (offered: Set<string>) => (offered.has(AGENT_SUBPROTOCOL) ? AGENT_SUBPROTOCOL : false) });
  let relay: BridgeRelay | null = null;
  if (stateOptions(settingsOf(RED)).kind === 'redis') {
    const handle = acquireStore(RED);
    const r = (relay = startRelay({
      store: handle.store,
      name: node.id,
      relaySecret: cfg.token,
      address: () => {
        const a = RED.server?.address();
        return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
      },
      handle: (m) => p.handle(m as WecomMsg),
      // No longer the leader: this instance's agents reconnect (through any instance) to the new one.
      // Leader now: handoff is told, and re-offers the active conversations to this (empty) hub.
      onLeader: (leader) => {
        if (!leader) for (const ws of wss.clients) ws.terminate();
        else p.gate(() => p.leading());
        p.changed();
      },
      onError: (err) => node.warn(RED._('ws-bridge.warn.cluster', { message: err.message })),
    }));
    stop.push(() => void r.close().finally(() => handle.release()));
  }
  stop.push(mountConsole(RED, node, { bridgePath: cfg.path, wsFullPath: path, console: cfg.console, ops: cfg.ops, opsPassword: cfg.opsPassword, metrics: cfg.metrics, metricsToken: cfg.metricsToken }));
  // a weak shared token serves nobody: every socket and media request is refused until it is changed
  const usable = cfg.token !== '' && cfg.tokenProblem === null;
  if (!cfg.token) {
    p.broken('ws-bridge.status.noToken');
    node.error(RED._('ws-bridge.errors.noToken'));
  } else if (cfg.tokenProblem) {
    p.broken('ws-bridge.status.weakToken');
    node.error(RED._('ws-bridge.errors.weakToken', { problem: cfg.tokenProblem }));
  }
  /** An admitted agent token's revocations are read from the store first (every instance may have revoked it). */
  const settle = async (a: Admission): Promise<Admission> => {
    if (!a.ok || a.credential.shared) return a;
    await p.revocations.load(a.credential.claims.agentId);
    return p.revocations.revoked(a.credential.claims) ? { ok: false, status: 401, text: 'Unauthorized' } : a;
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (relay && relay.forward(req, socket, head)) return;
    if (!usable) return rejectUpgrade(socket, 401, 'Unauthorized');
    const admitted = admitAgent(p.check, cfg.origins, { url: req.url, authorization: req.headers.authorization, origin: req.headers.origin, agentHeader: req.headers['x-agent-id'], protocols: req.headers['sec-websocket-protocol'] });
    settle(admitted).then(
      (a) => {
        if (!a.ok) return rejectUpgrade(socket, a.status, a.text);
        p.gate(() => wss.handleUpgrade(req, socket, head, (ws) => p.sockets.open(ws, a.agentId, a.opts, a.credential)));
      },
      () => rejectUpgrade(socket, 503, 'Service Unavailable'),
    );
  };
  try {
    if (!RED.server) throw new Error('no server');
    // wrong credentials from one address meet a growing back-off (429), on every instance alike
    const guesses = guessGuard(RED, node, 'ws');
    stop.push(() => void guesses.release());
    const counted = (req: IncomingMessage) => usable && presentsCredential(req) && !isRelayed(req, cfg.token);
    stop.push(registerUpgrade(httpServer(RED), path, guesses.upgrade(onUpgrade, counted)));
    if (usable) {
      const base = cfg.path.replace(/\/+$/, '');
      const prepare = async (given: string | null) => {
        const c = p.check(given);
        if (c && !c.shared) await p.revocations.load(c.claims.agentId);
      };
      stop.push(mountMediaRoute(RED, { route: base + '/media/:ref', check: p.check, linker: p.linker, maxBytes: cfg.maxMedia, sent: p.sent, prepare }));
      stop.push(mountRevokeRoute(RED, base + '/revoke', p.secrets, p.revocations));
    }
  } catch (err) {
    p.broken('ws-bridge.status.error');
    node.error(err instanceof DuplicatePath ? RED._('ws-bridge.errors.duplicatePath', { path }) : RED._('ws-bridge.errors.noServer'));
  }
  const timer = cfg.heartbeatMs > 0 ? setInterval(() => p.sockets.beat(wss.clients), cfg.heartbeatMs) : null;
  stop.push(() => {
    if (timer) clearInterval(timer);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
  return { relay, stop };
}
