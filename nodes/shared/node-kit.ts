/**
 * The one boundary between Node-RED's loosely typed runtime API and this package's types. Every
 * unavoidable cast lives here (and nowhere else): registerType's constructor type, runtime settings,
 * the express app behind RED.httpNode, RED.events / RED.nodes.eachNode / RED.server, node.context()
 * as ContextLike, and an incoming NodeMessage as the typed WecomMsg (nodes/lib/contract/messages.ts).
 */
import type { Server } from 'node:http';
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { ContextLike } from '../lib/state/backends/context-store';
import type { WecomMsg } from '../lib/contract/messages';
import type { RetryOptions } from '../lib/wecom/api/retry';
import type { StateSettings } from '../lib/state';
import type { BackoffOptions } from '../lib/security/guess-throttle';
import { loadConfig, type Config, type NodeSchema } from '../lib/config/schema';

type RegisterType = NodeAPI['nodes']['registerType'];

/**
 * A constructor `function (this: MyNode, def: MyDef)` as RED.nodes.registerType takes it, given the node's
 * config as its schema reads it (nodes/lib/config/: a node saved by an older version migrated, every missing
 * field its default). The call itself stays `RED.nodes.registerType('literal-type', nodeType(Ctor, schema), …)`
 * in each adapter (scripts/lint-package.js reads it).
 */
export function nodeType(ctor: (this: never, def: never) => void, schema: NodeSchema): Parameters<RegisterType>[1] {
  const call = ctor as unknown as (this: unknown, def: Config) => void;
  return function (this: unknown, def: Config) {
    // onto the object Node-RED passed (its own copy): it also holds hidden properties (_flow …) createNode needs
    const loaded = loadConfig(schema, def);
    for (const k of Object.keys(def)) if (!(k in loaded)) delete def[k];
    call.call(this, Object.assign(def, loaded));
  } as unknown as Parameters<RegisterType>[1];
}

/** The settings.js entries this package reads. */
export interface RuntimeSettings {
  userDir?: string;
  httpNodeRoot?: string | false;
  wecomState?: StateSettings;
  wecom?: { retry?: RetryOptions; /** Back-off after wrong credentials (lib/security/guess-throttle.ts). */ guessBackoff?: BackoffOptions };
}

/** RED.settings, typed (also an object identity per runtime). */
export function settingsOf(RED: NodeAPI): RuntimeSettings & object {
  return RED.settings as unknown as RuntimeSettings & object;
}

/** A route layer of express's router, as far as this package looks at it. */
export type RouteLayer = { route?: { path: string; stack: Array<{ handle: unknown }> }; handle?: unknown };
/** The express app behind RED.httpNode, as far as this package uses it. */
export type HttpApp = { parent?: HttpApp; use(fn: unknown): void; _router?: { stack: RouteLayer[] } };

export function httpNodeApp(RED: NodeAPI): HttpApp {
  return RED.httpNode as unknown as HttpApp;
}

/** RED.server (the runtime's HTTP server). */
export function httpServer(RED: NodeAPI): Server {
  return RED.server as unknown as Server;
}

/** The runtime's event bus (flows:stopped …), when there is one. */
export function runtimeEvents(RED: NodeAPI): { on(e: string, fn: () => void): void } | undefined {
  return (RED as unknown as { events?: { on(e: string, fn: () => void): void } }).events;
}

/** Every node config of the running flows (as deployed: the fields of each node's definition). */
export function eachNodeConfig<T>(RED: NodeAPI, cb: (n: T) => void): void {
  (RED.nodes as unknown as { eachNode(cb: (n: T) => void): void }).eachNode(cb);
}

/** node.context() in the callback shape lib/state/backends/context-store.ts uses. */
export function nodeContext(node: Node): ContextLike {
  return node.context() as unknown as ContextLike;
}

/** A message arriving at one of our nodes, read through the contract (fields are still checked where read). */
export function wecomMsg(msg: NodeMessage): WecomMsg {
  return msg as WecomMsg;
}

/**
 * On close (redeploy, stop): run `cleanup`, clear the node's status, and tell Node-RED the node is done once
 * what `cleanup` returned has settled (a store released, files closed).
 */
export function onClose(node: Node, cleanup: () => unknown): void {
  node.on('close', (_removed: boolean, done: () => void) => {
    const pending = cleanup();
    node.status({});
    void Promise.resolve(pending).then(
      () => done(),
      () => done(),
    );
  });
}
