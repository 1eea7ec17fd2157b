/**
 * ws-bridge on several instances: the leadership and the input stream are lib/bridge/relay.ts; this
 * adds the socket part — an agent's WebSocket upgrade reaching a follower is piped as is to the leader (so an
 * agent may connect through any instance, no sticky sessions). Agent replies leave from the leader's flow, once.
 */
import * as net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { startRelayCore, type LeaderAddress, type RelayCore, type RelayCoreOptions } from '../lib/bridge/relay';

export type RelayOptions = RelayCoreOptions;

export interface BridgeRelay extends RelayCore {
  /** Pipe an agent's upgrade to the leader; false when this instance is the leader (handle it here). */
  forward(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/** Replay an upgrade request to `at` and join the two sockets. */
function pipeUpgrade(at: LeaderAddress, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const up = net.connect({ host: at.host, port: at.port });
  up.once('connect', () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.write(lines.join('\r\n') + '\r\n\r\n');
    if (head && head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
  up.on('close', () => socket.destroy());
  socket.on('close', () => up.destroy());
}

export function startRelay(o: RelayOptions): BridgeRelay {
  const core = startRelayCore({ instanceHost: process.env.WECOM_INSTANCE_HOST ?? '', ...o });
  return {
    get leader() {
      return core.leader;
    },
    leaderAt: () => core.leaderAt(),
    submit: (msg) => core.submit(msg),
    close: () => core.close(),
    forward(req, socket, head) {
      if (core.leader) return false;
      const at = core.leaderAt();
      if (!at) socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else pipeUpgrade(at, req, socket, head);
      return true;
    },
  };
}
