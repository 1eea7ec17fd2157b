/**
 * The supervisor's part of the ops view: the running bridges' hubs (live conversations and agents) and the
 * re-assign / close actions on them. ws-bridge registers its hub; the ops routes read and act through here.
 * With several instances only the leading one's hub holds the conversations.
 */
import type { Node } from 'node-red';
import type { LiveView, SuperviseAction, SuperviseResult } from '../../lib/bridge/supervise';

interface Supervised {
  live(): LiveView;
  supervise(act: SuperviseAction): SuperviseResult;
}
const hubs = new Map<string, Supervised>();

/** A bridge's hub, until the node closes. */
export function superviseHub(node: Node, hub: Supervised): void {
  hubs.set(node.id, hub);
  node.on('close', () => hubs.delete(node.id));
}

/** Every running bridge's agents and conversations, together. */
export function liveAll(): LiveView {
  const out: LiveView = { agents: [], conversations: [] };
  for (const h of hubs.values()) {
    const v = h.live();
    out.agents.push(...v.agents);
    out.conversations.push(...v.conversations);
  }
  out.conversations.sort((x, y) => x.since - y.since);
  return out;
}

/** Act on the bridge that holds the conversation. */
export function superviseAny(act: SuperviseAction): SuperviseResult {
  let last: SuperviseResult = { ok: false, status: 404, error: 'no such conversation with the bridge' };
  for (const h of hubs.values()) {
    last = h.supervise(act);
    if (last.ok || last.status !== 404) return last;
  }
  return last;
}
