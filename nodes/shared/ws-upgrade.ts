/**
 * One `upgrade` listener on Node-RED's own HTTP server (RED.server), shared by every ws-bridge node:
 * it looks the request path up in a path → handler map. Paths live under httpNodeRoot. Requests for
 * other paths are left alone (the editor's comms and the core websocket nodes listen too).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const handlers = new Map<string, UpgradeHandler>();
let attached: Server | null = null;

function dispatch(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return;
  }
  const h = handlers.get(pathname);
  if (h) h(req, socket, head);
}

/** The full path of `path` under httpNodeRoot. */
export function fullPath(httpNodeRoot: string | false | undefined, path: string): string {
  const root = typeof httpNodeRoot === 'string' && httpNodeRoot ? httpNodeRoot : '/';
  const p = path.trim() || '/';
  return (root.endsWith('/') ? root : root + '/') + (p.startsWith('/') ? p.slice(1) : p);
}

export class DuplicatePath extends Error {}

/**
 * Register a handler for a full path on `server`. Throws DuplicatePath if the path is taken.
 * Returns the function that removes it (and detaches the listener when none is left).
 */
export function registerUpgrade(server: Server, path: string, handler: UpgradeHandler): () => void {
  if (handlers.has(path)) throw new DuplicatePath(path);
  if (attached !== server) {
    if (attached) attached.removeListener('upgrade', dispatch);
    server.on('upgrade', dispatch);
    attached = server;
  }
  handlers.set(path, handler);
  return () => {
    if (handlers.get(path) !== handler) return;
    handlers.delete(path);
    if (handlers.size === 0 && attached) {
      attached.removeListener('upgrade', dispatch);
      attached = null;
    }
  };
}

/** Who wants to hear that an upgrade was refused (and with which status), by socket. */
const refusalWatchers = new WeakMap<Duplex, (status: number) => void>();

/** Call `fn` with the status when this socket's upgrade is refused (rejectUpgrade, or the leader's answer relayed). */
export function watchRefusal(socket: Duplex, fn: (status: number) => void): void {
  refusalWatchers.set(socket, fn);
}

/** Report a refusal of this socket's upgrade to its watcher (once). */
export function reportRefusal(socket: Duplex, status: number): void {
  const fn = refusalWatchers.get(socket);
  refusalWatchers.delete(socket);
  fn?.(status);
}

/** Answer an upgrade request with a plain HTTP error and close the socket: no WebSocket, no data. */
export function rejectUpgrade(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}): void {
  reportRefusal(socket, status);
  const body = `${text}\n`;
  const head = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (status === 401) head.push('WWW-Authenticate: Bearer');
  try {
    socket.end(head.join('\r\n') + '\r\n\r\n' + body);
  } catch {
    socket.destroy();
  }
}
