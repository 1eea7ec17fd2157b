/**
 * Per agent and hour, for the supervisor's view: conversations handled (closed while the agent had them),
 * first response (assigned → the agent's first reply, as a histogram) and satisfaction ratings (1 非常满意 …
 * 4 不满意). Pure: no Node-RED import.
 */
import type { OpsEvent } from './event';
import { addHist, quantile, waitBin } from './histogram';

export interface AgentHour {
  handled: number;
  first: number[];
  /** ratings[i]: how many answered score i + 1. */
  ratings: number[];
}
/** conversationId → who got it and when (until the first reply). */
export type FirstPending = Map<string, { agentId: string; ts: number }>;

export interface AgentDay {
  agentId: string;
  handled: number;
  /** Median first response (ms), null without one. */
  firstP50: number | null;
  firstCount: number;
  ratings: number[];
  rated: number;
  /** Share (0..1) of ratings 非常满意 or 满意; null without ratings. */
  satisfied: number | null;
}

const HANDLED_BY = new Set(['agent', 'supervisor', 'timeout', 'user']);

function hour(agents: Record<string, AgentHour>, id: string): AgentHour {
  return (agents[id] ??= { handled: 0, first: [], ratings: [0, 0, 0, 0] });
}

/** Follow one event into this hour's per-agent record. */
export function agentEvent(agents: Record<string, AgentHour>, pending: FirstPending, e: OpsEvent): void {
  const conv = e.conversationId;
  const id = typeof e.agentId === 'string' && e.agentId ? e.agentId : null;
  switch (e.type) {
    case 'assigned':
      if (conv && id) pending.set(conv, { agentId: id, ts: e.ts });
      break;
    case 'reply': {
      const p = conv ? pending.get(conv) : undefined;
      if (!p || p.agentId !== id) break;
      pending.delete(conv!);
      const a = hour(agents, p.agentId);
      const bin = waitBin(Math.max(0, e.ts - p.ts));
      a.first[bin] = (a.first[bin] || 0) + 1;
      break;
    }
    case 'closed':
      if (conv) pending.delete(conv);
      if (id && HANDLED_BY.has(String(e.by))) hour(agents, id).handled++;
      break;
    case 'rating': {
      const score = Number(e.score);
      if (id && Number.isInteger(score) && score >= 1 && score <= 4) hour(agents, id).ratings[score - 1]++;
      break;
    }
    default:
      break;
  }
}

/** Sum hours into one row per agent, most handled first. */
export function agentDays(hours: Array<Record<string, AgentHour> | undefined>): AgentDay[] {
  const sum = new Map<string, AgentHour>();
  for (const h of hours) {
    if (!h) continue;
    for (const [id, a] of Object.entries(h)) {
      const s = sum.get(id) ?? { handled: 0, first: [], ratings: [0, 0, 0, 0] };
      s.handled += a.handled;
      addHist(s.first, a.first);
      for (let i = 0; i < 4; i++) s.ratings[i] += a.ratings[i] ?? 0;
      sum.set(id, s);
    }
  }
  return [...sum.entries()]
    .map(([agentId, s]) => {
      const rated = s.ratings.reduce((x, y) => x + y, 0);
      return {
        agentId,
        handled: s.handled,
        firstP50: quantile(s.first, 0.5),
        firstCount: s.first.reduce((x, y) => x + (y || 0), 0),
        ratings: s.ratings,
        rated,
        satisfied: rated ? (s.ratings[0] + s.ratings[1]) / rated : null,
      };
    })
    .sort((x, y) => y.handled - x.handled || x.agentId.localeCompare(y.agentId));
}
