/**
 * `handoff`: bot-to-human transfer. Takes every user message from wecom-in and decides, per conversation,
 * whether it goes to the bot (output 1) or to the agents (output 2, wired to ws-bridge); notices for the
 * user go out on output 3 (wired to wecom-out). Also takes ws-bridge's events (msg.bridge) and wecom-out's
 * results (msg.wecomResult, recorded in the transcript). The decisions are in lib/handoff/engine.ts, the
 * configuration in lib/handoff/options.ts, the timers and sweeps in lib/handoff/service.ts.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { handoffOptions, type HandoffConfig } from '../lib/handoff/options';
import type { HandoffOptions } from '../lib/handoff/engine';
import { HandoffService } from '../lib/handoff/service';
import { throttled } from '../shared/throttle';
import { acquireStore, type StoreHandle } from '../shared/state';
import { nativeTransfer } from '../shared/kf-transfer';
import { readKfAllowance } from '../lib/wecom/kf/budget';
import { cachedProfile } from '../lib/wecom/profiles';
import type { WecomAccountNode } from '../shared/account-node';
import { mountKfAccounts } from './kf-accounts';
import { opsEvent, opsHandoffInput, opsHandoffOutput } from '../shared/ops/events';
import { showFault, statusText } from '../shared/status-text';
import { nodeType, onClose, wecomMsg } from '../shared/node-kit';
import { handoffSchema } from '../lib/config/handoff';

type HandoffDef = NodeDef &
  HandoffConfig & {
    native?: boolean;
    account?: string;
    servicer?: string;
  };

export = function register(RED: NodeAPI): void {
  mountKfAccounts(RED);
  function Handoff(this: Node, def: HandoffDef) {
    RED.nodes.createNode(this, def);
    const node = this;

    let options: HandoffOptions;
    try {
      options = handoffOptions(def);
    } catch (err) {
      showFault(node, 'handoff.status.badConfig', RED._('handoff.errors.badConfig', { message: (err as Error).message }));
      return;
    }
    if (def.native) options.nativeTransfer = nativeTransfer(def.account ? (RED.nodes.getNode(def.account) as WecomAccountNode | null) : null, def.servicer || undefined);

    // Conversations and their timers live in the runtime's state store (durable with the local store).
    let handle: StoreHandle;
    try {
      handle = acquireStore(RED);
    } catch (err) {
      showFault(node, 'handoff.status.badConfig', RED._('handoff.errors.store', { message: (err as Error).message }));
      return;
    }
    // what agents are shown of a 微信客服 customer's reply budget: wecom-out's record in the same store
    options.allowance = (w) => (w.openKfId ? readKfAllowance(handle.store, w.corpId, w.openKfId, w.userId) : Promise.resolve(undefined));
    // who the user is, when wecom-in's lookup finished after the message went on (kept in the same store)
    options.profile = (w) => cachedProfile(handle.store, w);
    const storeError = (err: Error) => node.error(RED._('handoff.errors.store', { message: err.message }));
    let storeDown = false;
    const offHealth = handle.store.onHealth((ok) => {
      storeDown = !ok;
      showStatus();
    });
    const service = new HandoffService(handle.store, `handoff-timers:${node.id}`, options, {
      emit(out) {
        opsHandoffOutput(RED, out.agent);
        for (const r of out.rated ?? []) opsEvent(RED, 'rating', { wecom: r.wecom, topic: r.conversationId }, { agentId: r.agentId, score: r.score });
        node.send([out.bot, out.agent, out.notice]);
        showStatus();
      },
      error: storeError,
      changed: () => showStatus(),
    });

    // At most once a second: counting active conversations lists keys (a scan of the whole keyspace on Redis).
    const showStatus = throttled(1000, () => {
      if (service.stopped) return;
      if (storeDown) return node.status({ fill: 'red', shape: 'ring', text: 'handoff.status.storeDown' });
      service
        .counts()
        .then(({ active, agents }) => {
          if (service.stopped) return;
          node.status({ fill: 'green', shape: agents ? 'dot' : 'ring', text: statusText('handoff.status.counts', { active, agents: agents ?? '?' }) });
        })
        .catch(() => undefined);
    });

    node.on('input', (msg: NodeMessage, _send, done) => {
      const m = wecomMsg(msg);
      opsHandoffInput(RED, m);
      const work = service.input(m);
      if (!work) return done(new Error(RED._('handoff.errors.noWecom')));
      work.then(() => done(), (err: Error) => done(err));
    });

    service.start();

    onClose(node, () => {
      service.stop();
      offHealth();
      showStatus.cancel();
      return handle.release();
    });
  }

  RED.nodes.registerType('handoff', nodeType(Handoff, handoffSchema));
};
