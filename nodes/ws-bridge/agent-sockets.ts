/**
 * Agent WebSockets (ws) as the hub sees them: a sink for frames, the socket's messages and close fed to the
 * hub, and a heartbeat that ends sockets which stopped answering pings.
 */
import WebSocket from 'ws';
import type { ToAgentFrame } from '../lib/bridge/protocol';
import type { BridgeHub } from '../lib/bridge/hub';
import type { AgentSink, OpenOptions } from '../lib/bridge/types';

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

export class AgentSockets {
  private alive = new WeakMap<WebSocket, boolean>();

  constructor(
    private hub: BridgeHub<unknown>,
    private changed: () => void,
  ) {}

  /** An open socket joins the hub as `agentId` (null: the system link). */
  open(ws: WebSocket, agentId: string | null, opts: OpenOptions): void {
    const conn = this.hub.open(socketSink(ws), agentId, opts);
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.alive.set(ws, true);
      this.hub.receive(conn, isBinary ? '' : data.toString());
    });
    ws.on('close', () => {
      this.hub.close(conn);
      this.changed();
    });
    ws.on('error', () => {
      /* 'close' follows; errors such as 1009 (frame too large) close the socket */
    });
    this.changed();
  }

  /** One heartbeat: sockets silent since the last one are ended, the others pinged. */
  beat(sockets: Iterable<WebSocket>): void {
    for (const ws of sockets) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        /* closing */
      }
    }
  }
}
