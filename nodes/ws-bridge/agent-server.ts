/**
 * ws-bridge in server mode: agents connect to a path on Node-RED's own server (one shared upgrade dispatcher);
 * who is admitted is lib/bridge/access.ts. Beside it: the agent console, ops view and metrics, the
 * media route, and — with a shared state store — the cluster relay to the instance that leads.
 */
import type { Node, NodeAPI } from 'node-red';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { admitAgent } from '../lib/bridge/access';
import type { BridgeConfig } from '../lib/bridge/config';
import type { MediaLinker } from '../lib/bridge/media/link';
import type { WecomMsg } from '../lib/contract/messages';
import { DuplicatePath, fullPath, registerUpgrade, rejectUpgrade } from '../shared/ws-upgrade';
import { acquireStore, stateOptions } from '../shared/state';
import { mountConsole } from '../shared/ops/console-routes';
import { httpServer, settingsOf } from '../shared/node-kit';
import { startRelay, type BridgeRelay } from './cluster-relay';
import { mountMediaRoute } from './media-route';
import type { AgentSockets } from './agent-sockets';

export interface ServerParts {
  cfg: BridgeConfig;
  linker: MediaLinker;
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

/** Start serving agents; returns the relay (with several instances) and what stops everything. */
export function startServer(RED: NodeAPI, node: Node, p: ServerParts): { relay: BridgeRelay | null; stop: Array<() => void> } {
  const { cfg } = p;
  const stop: Array<() => void> = [];
  const path = fullPath(settingsOf(RED).httpNodeRoot, cfg.path);
  const wss = new WebSocketServer({ noServer: true, maxPayload: cfg.maxPayload });
  let relay: BridgeRelay | null = null;
  if (stateOptions(settingsOf(RED)).kind === 'redis') {
    const handle = acquireStore(RED);
    const r = (relay = startRelay({
      store: handle.store,
      name: node.id,
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
  if (!cfg.token) {
    p.broken('ws-bridge.status.noToken');
    node.error(RED._('ws-bridge.errors.noToken'));
  }
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (relay && relay.forward(req, socket, head)) return;
    const a = admitAgent(cfg.token, cfg.origins, { url: req.url, authorization: req.headers.authorization, origin: req.headers.origin, agentHeader: req.headers['x-agent-id'] });
    if (!a.ok) return rejectUpgrade(socket, a.status, a.text);
    p.gate(() => wss.handleUpgrade(req, socket, head, (ws) => p.sockets.open(ws, a.agentId, a.opts)));
  };
  try {
    if (!RED.server) throw new Error('no server');
    stop.push(registerUpgrade(httpServer(RED), path, onUpgrade));
    if (cfg.token) stop.push(mountMediaRoute(RED, { route: cfg.path.replace(/\/+$/, '') + '/media/:ref', token: cfg.token, linker: p.linker, maxBytes: cfg.maxMedia }));
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
