/**
 * Agent WebSockets (ws) as the hub sees them: a sink for frames, the socket's messages and close fed to the
 * hub, a heartbeat that ends sockets which stopped answering pings, and credentials that age: a socket
 * opened with an agent token is closed (4001) when the token expires or is revoked — checked on a timer, on
 * every frame the agent sends and before every frame it would get (a refused frame stays in the outbox).
 */
import WebSocket from 'ws';
import type { ToAgentFrame } from '../lib/bridge/protocol';
import type { AgentClaims, Credential } from '../lib/bridge/agent-token';
import type { BridgeHub } from '../lib/bridge/hub';
import type { AgentSink, OpenOptions } from '../lib/bridge/types';

/** Close code when a connection's credential ends (expired, revoked) or a newer connection replaced it. */
export const CREDENTIAL_CLOSE = 4001;
/** setTimeout's longest delay; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Held {
  claims: AgentClaims | null;
  timer: NodeJS.Timeout | null;
}

export class AgentSockets {
  private alive = new WeakMap<WebSocket, boolean>();
  private held = new Map<WebSocket, Held>();

  constructor(
    private hub: BridgeHub<unknown>,
    private changed: () => void,
    /** Is this agent token revoked (from the revocation cache)? */
    private revoked: (c: AgentClaims) => boolean = () => false,
  ) {}

  /** Why this socket's credential no longer holds, or null. */
  private ended(ws: WebSocket): string | null {
    const c = this.held.get(ws)?.claims;
    if (!c) return null;
    if (c.expiresAt * 1000 <= Date.now()) return 'token expired';
    if (this.revoked(c)) return 'token revoked';
    return null;
  }

  /** Close the socket if its credential ended; true when it did. */
  private check(ws: WebSocket): boolean {
    const why = this.ended(ws);
    if (why === null) return false;
    this.release(ws);
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(CREDENTIAL_CLOSE, why);
    return true;
  }

  private arm(ws: WebSocket, claims: AgentClaims): void {
    const h = this.held.get(ws);
    if (!h) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, claims.expiresAt * 1000 - Date.now()));
    h.timer = setTimeout(() => {
      h.timer = null;
      if (!this.check(ws)) this.arm(ws, claims);
    }, wait);
  }

  private release(ws: WebSocket): void {
    const h = this.held.get(ws);
    if (h?.timer) clearTimeout(h.timer);
    this.held.delete(ws);
  }

  private sink(ws: WebSocket): AgentSink {
    return {
      send: (frame: ToAgentFrame): boolean => {
        if (ws.readyState !== WebSocket.OPEN || this.check(ws)) return false;
        ws.send(JSON.stringify(frame));
        return true;
      },
      close(code: number, reason: string) {
        ws.close(code, reason);
      },
    };
  }

  /** An open socket joins the hub as `agentId` (null: the system link), holding `credential`. */
  open(ws: WebSocket, agentId: string | null, opts: OpenOptions, credential?: Credential): void {
    const claims = credential && !credential.shared ? credential.claims : null;
    this.held.set(ws, { claims, timer: null });
    if (claims) this.arm(ws, claims);
    const conn = this.hub.open(this.sink(ws), agentId, opts);
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.check(ws)) return; // nothing from a credential that ended
      this.alive.set(ws, true);
      this.hub.receive(conn, isBinary ? '' : data.toString());
    });
    ws.on('close', () => {
      this.release(ws);
      this.hub.close(conn);
      this.changed();
    });
    ws.on('error', () => {
      /* 'close' follows; errors such as 1009 (frame too large) close the socket */
    });
    this.changed();
  }

  /** Close every socket whose token a revocation now covers. */
  sweep(): void {
    for (const ws of [...this.held.keys()]) this.check(ws);
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

  /** Stop every expiry timer (the node closes). */
  dispose(): void {
    for (const ws of [...this.held.keys()]) this.release(ws);
  }
}
