/**
 * The guessing back-off (lib/security/guess-throttle.ts) on Node-RED's HTTP server: for express routes guarded
 * by a password (ops view, metrics) and for WebSocket upgrades (the agents' link and console sign-in). Its
 * counts live in the state store, so all instances share them. Settings: `wecom.guessBackoff` in settings.js
 * ({ freeFailures, baseMs, maxMs, windowMs }). A store that cannot answer never locks anyone out (the credential
 * is still checked). Each back-off that starts is logged (address and surface, never the credential) and
 * recorded as a `refused` event (reason `throttled`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Node, NodeAPI } from 'node-red';
import type { Response } from 'express';
import { GuessThrottle, retryAfterSeconds } from '../lib/security/guess-throttle';
import { acquireStore, type StoreHandle } from './state';
import { settingsOf } from './node-kit';
import { rejectUpgrade, watchRefusal, type UpgradeHandler } from './ws-upgrade';
import { opsEvent } from './ops/events';

export interface GuessGuard {
  /**
   * Before answering a request that may carry a credential: 429 (Retry-After) while this address is backed off,
   * else `go()`; the outcome (`presented` a credential, `ok` when right) is counted.
   */
  http(req: IncomingMessage, res: Response, presented: boolean, ok: boolean, go: () => void): void;
  /** Wrap an upgrade handler: 429 while backed off; a 401 it answers to a presented credential counts. */
  upgrade(handler: UpgradeHandler, presented: (req: IncomingMessage) => boolean): UpgradeHandler;
  /** Let go of the state store (node close). */
  release(): Promise<void>;
}

/** A guard for one surface of `node` ('ws', 'ops', 'metrics'). */
export function guessGuard(RED: NodeAPI, node: Node, surface: string): GuessGuard {
  let handle: StoreHandle | null = null;
  let released = false;
  const store = () => {
    if (released) throw new Error('released');
    return (handle ??= acquireStore(RED)).store;
  };
  const throttle = new GuessThrottle(store, surface, settingsOf(RED).wecom?.guessBackoff);
  const addressOf = (req: IncomingMessage) => req.socket.remoteAddress;
  const fail = (address: string | undefined) =>
    throttle.failed(address).then(
      (f) => {
        if (f.backoffMs <= 0) return;
        node.warn(RED._('ws-bridge.warn.throttled', { surface, address: address ?? '?', failures: f.failures, seconds: retryAfterSeconds(f.backoffMs) }));
        opsEvent(RED, 'refused', undefined, { surface, reason: 'throttled' });
      },
      () => undefined
    );
  const waitMs = (address: string | undefined) => throttle.waitMs(address).catch(() => 0);

  return {
    http(req, res, presented, ok, go) {
      const address = addressOf(req);
      void waitMs(address).then((wait) => {
        if (wait > 0) {
          res.setHeader('Retry-After', retryAfterSeconds(wait));
          res.status(429).type('text/plain').send('Too Many Requests: wait before trying again\n');
          return;
        }
        if (presented && !ok) void fail(address);
        else if (presented) void throttle.succeeded(address).catch(() => undefined);
        go();
      });
    },
    upgrade(handler, presented) {
      return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const address = addressOf(req);
        void waitMs(address).then((wait) => {
          if (wait > 0) return rejectUpgrade(socket, 429, 'Too Many Requests', { 'Retry-After': retryAfterSeconds(wait) });
          if (presented(req)) watchRefusal(socket, (status) => status === 401 && void fail(address));
          handler(req, socket, head);
        });
      };
    },
    async release() {
      released = true;
      await handle?.release();
    },
  };
}
