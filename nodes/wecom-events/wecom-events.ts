/**
 * `wecom-events`: the structured event record as a flow output — every decision the other nodes record
 * (nodes/shared/ops/events.ts) leaves here as msg.payload, for users who keep events in their own database.
 * No input. Optionally only some event types.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from 'node-red';
import { opsLog } from '../shared/ops/events';
import { EVENT_TYPES } from '../lib/ops/event';
import { statusText } from '../shared/status-text';
import { nodeType, onClose } from '../shared/node-kit';
import { wecomEventsSchema } from '../lib/config/wecom-events';

interface WecomEventsDef extends NodeDef {
  types?: string;
}

export = function register(RED: NodeAPI): void {
  function WecomEvents(this: Node, def: WecomEventsDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const wanted = (def.types ?? '').split(/[\s,，]+/).map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length) node.warn(RED._('wecom-events.warn.unknownTypes', { types: unknown.join(', ') }));
    const only = wanted.length ? new Set(wanted) : null;
    let n = 0;
    const stop = opsLog(RED).subscribe((e) => {
      if (only && !only.has(e.type)) return;
      n++;
      node.send({ payload: { ...e }, topic: e.type } as NodeMessage);
      if (n === 1 || n % 100 === 0) node.status({ fill: 'green', shape: 'dot', text: statusText('wecom-events.status.count', { n }) });
    });
    onClose(node, stop);
  }
  RED.nodes.registerType('wecom-events', nodeType(WecomEvents, wecomEventsSchema));
};
