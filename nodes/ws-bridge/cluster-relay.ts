/**
 * ws-bridge on several instances: the leadership and the input stream are lib/bridge/relay.ts; this
 * adds the socket part — an agent's WebSocket upgrade reaching a follower is piped as is to the leader (so an
 * agent may connect through any instance, no sticky sessions). Agent replies leave from the leader's flow, once.
 */
import * as net from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { startRelayCore, type LeaderAddress, type RelayCore, type RelayCoreOptions } from '../lib/bridge/relay';
import { reportRefusal } from '../shared/ws-upgrade';

export interface RelayOptions extends RelayCoreOptions {
  /** Signs the relayed upgrades (the bridge's shared token): the leader then leaves their guessing count to the follower. */
  relaySecret?: string;
}

const RELAY_HEADER = 'x-wecom-relayed';
const relayMac = (secret: string, url: string) => createHmac('sha256', `wecom-relay:${secret}`).update(url).digest('base64url');

/** This upgrade was relayed by another instance of this bridge (signed with the shared token). */
export function isRelayed(req: IncomingMessage, secret: string): boolean {
  const given = req.headers[RELAY_HEADER];
  if (typeof given !== 'string' || secret === '') return false;
  const want = Buffer.from(relayMac(secret, req.url ?? ''));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface BridgeRelay extends RelayCore {
  /** Pipe an agent's upgrade to the leader; false when this instance is the leader (handle it here). */
  forward(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/** Replay an upgrade request to `at` and join the two sockets. */
function pipeUpgrade(at: LeaderAddress, req: IncomingMessage, socket: Duplex, head: Buffer, secret: string): void {
  const up = net.connect({ host: at.host, port: at.port });
  up.once('connect', () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== RELAY_HEADER) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    if (secret) lines.push(`${RELAY_HEADER}: ${relayMac(secret, req.url ?? '')}`);
    up.write(lines.join('\r\n') + '\r\n\r\n');
    // the leader's refusal counts here, against the agent's own address
    up.once('data', (d: Buffer) => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(d.subarray(0, 16).toString('latin1'));
      if (m && m[1] !== '101') reportRefusal(socket, Number(m[1]));
    });
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
      else pipeUpgrade(at, req, socket, head, o.relaySecret ?? '');
      return true;
    },
  };
}
