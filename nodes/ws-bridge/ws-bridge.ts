/**
 * `ws-bridge`: the agents' side of the handoff, over WebSocket.
 * Server mode: agents connect to a path on Node-RED's own server (agent-server.ts), with a token
 * (`Authorization: Bearer` or `?token=`). Client mode: connects out to the customer-service system (agent-client.ts).
 * Agents present the shared token (with ?agent=: that agent; without: the system link) or an agent token.
 * Input: frames from `handoff` (msg.payload = handoff | message | closed frame); wecom-out's errors.
 * Output 1: agent replies (msg.payload = text, or a media object; msg.wecom of the conversation) → wecom-out.
 * Also serves users' media to agents at <path>/media/<ref> (media-route.ts).
 * Output 2: events for handoff (msg.bridge = {event: assigned | queued | closed | presence | overflow, …}).
 * The routing itself is lib/bridge/router.ts; this file wires it to the node.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { bridgeConfig, type WsBridgeCreds, type WsBridgeDef } from '../lib/bridge/config';
import { BridgeRouter } from '../lib/bridge/router';
import { MediaLinker } from '../lib/bridge/media/link';
import { credentialCheck } from '../lib/bridge/media/serve';
import { BridgeSecrets } from '../lib/bridge/secrets';
import { Revocations } from '../lib/bridge/revocations';
import { OutboxStore } from '../lib/bridge/agent-outbox-store';
import { SentMedia } from '../lib/bridge/media/sent';
import { AgentTools } from '../lib/bridge/agent-tools';
import { superviseHub } from '../shared/ops/supervisor';
import { shareOps } from '../shared/ops/cluster-view';
import { acquireStore, stateOptions } from '../shared/state';
import { fullPath } from '../shared/ws-upgrade';
import { configureOps, opsBridgeEvent, opsEvent, opsGauges } from '../shared/ops/events';
import { numField } from '../lib/fields';
import { statusText } from '../shared/status-text';
import { nodeType, onClose, settingsOf, wecomMsg } from '../shared/node-kit';
import { wsBridgeSchema } from '../lib/config/ws-bridge';
import { credentialTypes } from '../lib/config/schema';
import { bridgeInfo } from '../lib/contract/messages';
import { AgentSockets } from './agent-sockets';
import { startServer } from './agent-server';
import { startClient } from './agent-client';
import type { BridgeRelay } from './cluster-relay';

export = function register(RED: NodeAPI): void {
  function WsBridge(this: Node<WsBridgeCreds>, def: WsBridgeDef & NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const cfg = bridgeConfig(def, node.credentials, { num: numField, env: process.env });
    const mediaBase = fullPath(settingsOf(RED).httpNodeRoot, cfg.path).replace(/\/+$/, '') + '/media/';
    const secrets = new BridgeSecrets(cfg.token, cfg.previousToken);
    const linker = new MediaLinker(secrets, mediaBase);
    const sent = new SentMedia(mediaBase);
    let closing = false;
    let broken = false;
    let cleanup: Array<() => void> = [];
    // On the local (disk) store, frames agents have not acknowledged survive a restart; on Redis, the death of the
    // instance leading the hub: the next leader reads them when it takes over (lib/bridge/agent-outbox-store.ts).
    const kind = stateOptions(settingsOf(RED)).kind;
    const local = kind === 'local' || kind === 'redis' ? acquireStore(RED) : null;
    const kept = local ? new OutboxStore(local.store, node.id, (err) => node.warn(RED._('ws-bridge.warn.outbox', { message: err.message }))) : null;
    if (kind === 'redis') kept?.deferLoad();
    else void kept?.load();
    /** Run `fn` once the kept frames are loaded (agents and inputs wait for them). */
    const gate = (fn: () => void) => (kept ? kept.whenLoaded(fn) : fn());

    // canned replies and the agents' closed conversations (search) live in the state store
    const toolsStore = local ?? acquireStore(RED);
    const tools = new AgentTools(toolsStore.store, `tools:${node.id}:`, (err) => node.warn(RED._('ws-bridge.warn.tools', { message: err.message })));
    const router = new BridgeRouter(
      { hub: { ...cfg.hub, outbox: kept ? (id) => kept.outbox(id) : undefined, tools }, linker, sent, mediaOrigins: cfg.mediaOrigins, maxMediaBytes: cfg.maxMedia, badInput: RED._('ws-bridge.errors.badInput') },
      {
        send: (reply, event) => node.send([reply, event]),
        replied: (msg, agentId, media) => opsEvent(RED, 'reply', msg, { agentId, media: media ? true : undefined }),
        evented: (e, wecom) => {
          opsBridgeEvent(RED, bridgeInfo(e), wecom);
          if (e.event === 'overflow') node.warn(RED._('ws-bridge.warn.overflow', { agent: e.agentId, count: e.conversations }));
        },
        changed: () => showStatus(),
      },
    );
    const hub = router.hub;
    // agents with kept frames get the grace period to come back, as if they had just dropped (first, before inputs)
    kept?.whenLoaded(() => kept.unclaimed().forEach((id) => hub.expect(id)));
    const showStatus = () => {
      if (closing || broken) return;
      const s = hub.stats();
      node.status({
        fill: s.agents > 0 ? 'green' : 'yellow',
        shape: s.agents > 0 ? 'dot' : 'ring',
        text: statusText('ws-bridge.status.counts', { agents: s.agents, queued: s.queued }),
      });
    };
    // agent tokens can be revoked (state store, every instance); sockets close when theirs ends
    const revocations = cfg.mode === 'server' ? new Revocations(toolsStore.store, cfg.maxTokenMs) : null;
    const sockets = new AgentSockets(hub, showStatus, (c) => revocations?.revoked(c) ?? false);
    if (revocations) cleanup.push(revocations.listen(() => sockets.sweep()));
    cleanup.push(() => sockets.dispose());

    let relay: BridgeRelay | null = null;
    configureOps(RED, cfg.events);
    shareOps(RED, node);
    // several instances: the supervisor's requests to this one go to the leader while another instance leads
    superviseHub(node, hub, () => (relay && !relay.leader ? relay.leaderAt() : null));
    opsGauges(node, () => ({ agentsOnline: hub.stats().agents, queued: hub.stats().queued, groups: hub.groupsOnline() }));

    if (cfg.mode === 'server') {
      const broke = (text: string) => {
        broken = true;
        node.status({ fill: 'red', shape: 'ring', text });
      };
      const check = credentialCheck(secrets, cfg.maxTokenMs, (c) => !c.shared && revocations!.revoked(c.claims));
      // the new leader first reads the frames the last one kept (agents get the grace period to come back for them)
      const leading = () => node.send([null, { bridge: { event: 'leader' } }]);
      const takeOver = () => {
        if (!kept) return leading();
        void kept.reload();
        kept.whenLoaded(() => {
          kept.unclaimed().forEach((id) => hub.expect(id));
          leading();
        });
      };
      const s = startServer(RED, node, { cfg, linker, secrets, check, revocations: revocations!, sent, sockets, gate, handle: (m) => gate(() => router.input(m)), changed: showStatus, broken: broke, leading: takeOver });
      relay = s.relay;
      cleanup.push(...s.stop);
    } else {
      cleanup.push(startClient(RED, node, cfg, def.url, def.headers, sockets, gate));
    }
    showStatus();
    // Tell handoff how many agents are online (none yet) once the flow is running.
    const hello = setTimeout(() => hub.presence(), 0);
    cleanup.push(() => clearTimeout(hello));

    node.on('input', (msg: NodeMessage, _send, done) => {
      const m = wecomMsg(msg);
      if (!router.accepts(m)) {
        done(new Error(RED._('ws-bridge.errors.badInput')));
        return;
      }
      if (relay) {
        // Several instances: the leader's hub serves every agent; this frame goes to it in recorded order.
        const { payload, wecom, handoff, error, bridge } = m;
        relay.submit(JSON.parse(JSON.stringify({ payload, wecom, handoff, error, bridge })) as Record<string, unknown>).then(() => done(), (err: Error) => done(err));
        return;
      }
      gate(() => {
        if (closing) return done();
        try {
          router.input(m);
          done();
        } catch (err) {
          done(err as Error);
        }
      });
    });

    onClose(node, () => {
      closing = true;
      for (const c of cleanup) c();
      cleanup = [];
      router.dispose();
      // with kept outboxes, closing waits for their last writes, so the next start reads them
      if (kept && local) return kept.idle().then(() => local.release());
      return toolsStore.release();
    });
  }

  RED.nodes.registerType('ws-bridge', nodeType(WsBridge, wsBridgeSchema), { credentials: credentialTypes(wsBridgeSchema) });
};
