/**
 * The supervisor's part of the ops view: the running bridges' hubs (live conversations and agents) and the
 * re-assign / close actions on them. ws-bridge registers its hub; the ops routes read and act through here.
 * With several instances only the leading one's hub holds the conversations: the others know where it is
 * (`leader()`), and the routes pass the supervisor's requests on to it (leader-proxy.ts).
 */
import type { Node } from 'node-red';
import type { LiveView, SuperviseAction, SuperviseResult } from '../../lib/bridge/supervise';
import type { LeaderAt } from './leader-proxy';

interface Supervised {
  live(): LiveView;
  supervise(act: SuperviseAction): SuperviseResult;
}
const hubs = new Map<string, Supervised>();
const leaders = new Map<string, () => LeaderAt | null>();

/** A bridge's hub, until the node closes; `leader`: where the instance holding its agents is, when not this one. */
export function superviseHub(node: Node, hub: Supervised, leader?: () => LeaderAt | null): void {
  hubs.set(node.id, hub);
  if (leader) leaders.set(node.id, leader);
  node.on('close', () => {
    hubs.delete(node.id);
    leaders.delete(node.id);
  });
}

/** The leading instance's address when another instance holds the agents (several instances on Redis). */
export function remoteLeader(): LeaderAt | null {
  for (const at of leaders.values()) {
    const a = at();
    if (a) return a;
  }
  return null;
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
