/**
 * ws-bridge in client mode: one connection out to the customer-service system (the system link, no cap),
 * reconnecting with backoff while the node runs.
 */
import type { Node, NodeAPI } from 'node-red';
import WebSocket from 'ws';
import { clientHeaders, reconnectDelay, type BridgeConfig } from '../lib/bridge/config';
import type { AgentSockets } from './agent-sockets';

/** Connect to `url` (through `gate`: once the kept outboxes are loaded); returns what stops it. */
export function startClient(RED: NodeAPI, node: Node, cfg: BridgeConfig, url: string | undefined, headerJson: string | undefined, sockets: AgentSockets, gate: (fn: () => void) => void): () => void {
  const { headers, bad } = clientHeaders(headerJson, cfg.token);
  if (bad) node.warn(RED._('ws-bridge.warn.badHeaders'));
  let closing = false;
  let attempt = 0;
  let ws: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = () => {
    retry = null;
    if (closing || !url) return;
    let sock: WebSocket;
    try {
      sock = new WebSocket(url, { headers, maxPayload: cfg.maxPayload });
    } catch {
      node.error(RED._('ws-bridge.errors.badUrl'));
      return;
    }
    ws = sock;
    sock.on('open', () => {
      attempt = 0;
      sockets.open(sock, 'upstream', { system: true });
    });
    sock.on('close', () => {
      if (ws === sock) ws = null;
      if (closing) return;
      retry = setTimeout(connect, reconnectDelay(attempt++, cfg.reconnectMaxMs));
      node.status({ fill: 'red', shape: 'ring', text: 'ws-bridge.status.reconnecting' });
    });
    sock.on('error', () => {
      /* 'close' follows and schedules the reconnect */
    });
  };
  if (!url) node.error(RED._('ws-bridge.errors.noUrl'));
  else gate(connect);
  const hb = cfg.heartbeatMs > 0 ? setInterval(() => ws && ws.readyState === WebSocket.OPEN && sockets.beat([ws]), cfg.heartbeatMs) : null;
  return () => {
    closing = true;
    if (retry) clearTimeout(retry);
    if (hb) clearInterval(hb);
    if (ws) ws.terminate();
  };
}
