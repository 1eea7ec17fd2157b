/**
 * GET <base>/metrics: what the event record counts (messages, bot answers, handoffs, deliveries …), the live
 * queue and agent gauges, and the last hour's wait for an agent, as Prometheus text.
 */
import { renderMetrics, type Metric } from './prometheus';
import { HOUR_MS } from './rollup';
import type { OpsLog } from './log';

/** A durable stream's backlog, all nodes of a kind added up (the longest wait: the largest). */
export interface BacklogGauge {
  depth: number;
  oldestSec: number;
  inFlight: number;
  maxInFlight: number;
  inFlightPeak: number;
}

/** The gauges of one kind of backlog (`wecom_inbox_…`, `wecom_outbox_…`). */
function backlogMetrics(prefix: string, what: string, b: BacklogGauge | undefined): Metric[] {
  if (!b) return [];
  const gauge = (name: string, help: string, value: number): Metric => ({ name: `${prefix}_${name}`, help, type: 'gauge', samples: [{ value }] });
  return [
    gauge('backlog', `${what} recorded and without an outcome yet (in flight or waiting in the state store)`, b.depth),
    gauge('oldest_seconds', 'How long the oldest of them has waited', b.oldestSec),
    gauge('in_flight', 'Of them, read from the store and not yet done with', b.inFlight),
    gauge('in_flight_max', 'The cap on those in flight', b.maxInFlight),
    gauge('in_flight_peak', 'The most in flight at once since the flows started', b.inFlightPeak),
  ];
}

/** Live numbers of the running bridges, added up. */
export interface Gauges {
  agentsOnline: number;
  queued: number;
  groups: Record<string, number>;
  /** The wecom-in inboxes: messages waiting (emitted or in the store), the longest wait, in flight and the caps. */
  backlog?: BacklogGauge;
  /** The wecom-out outboxes: answers recorded and not yet sent, the longest wait, read and not finished. */
  outbox?: BacklogGauge;
  /** Daily token budgets of the AI endpoints in use, added up (0 or absent: none set). */
  aiBudget?: number;
}

/** The Prometheus exposition of the event record's totals, the live gauges and the last hour's wait. */
export function opsMetrics(log: OpsLog, g: Gauges, now = Date.now()): string {
  const t = log.rollup.totals;
  const hour = log.summary(now - HOUR_MS, now);
  const c = (k: string) => t[k] ?? 0;
  const byPrefix = (p: string, label: string) =>
    Object.entries(t)
      .filter(([k]) => k.startsWith(p))
      .map(([k, v]) => ({ labels: { [label]: k.slice(p.length) }, value: v }));
  const m: Metric[] = [
    { name: 'wecom_messages_in_total', help: 'User messages that reached handoff', type: 'counter', samples: [{ value: c('in') }] },
    {
      name: 'wecom_bot_answers_total',
      help: 'Messages the bot answered, by how',
      type: 'counter',
      samples: [
        { labels: { by: 'keyword' }, value: c('keyword') },
        { labels: { by: 'faq' }, value: c('faq') },
        { labels: { by: 'suggestion' }, value: c('picked') },
      ],
    },
    { name: 'wecom_faq_suggestions_total', help: 'Did-you-mean lists offered', type: 'counter', samples: [{ value: c('suggest') }] },
    { name: 'wecom_faq_suggestions_declined_total', help: 'Did-you-mean lists the user did not pick from', type: 'counter', samples: [{ value: c('declined') }] },
    { name: 'wecom_faq_misses_total', help: 'Questions the FAQ could not answer', type: 'counter', samples: [{ value: c('miss') }] },
    { name: 'wecom_ai_answers_total', help: 'Messages the AI answered from the material', type: 'counter', samples: [{ value: c('ai') }] },
    { name: 'wecom_ai_no_answers_total', help: 'Messages the AI handed on, by reason', type: 'counter', samples: byPrefix('aiMiss:', 'reason') },
    { name: 'wecom_ai_disputed_total', help: 'AI answers the user disputed right after (不对, 没用, 转人工 …)', type: 'counter', samples: [{ value: c('aiDisputed') }] },
    { name: 'wecom_ai_tokens_total', help: 'Tokens the AI endpoint counted (prompt + completion)', type: 'counter', samples: [{ value: c('aiTokens') }] },
    {
      name: 'wecom_ai_latency_seconds',
      help: 'AI answer latency over the last hour',
      type: 'summary',
      samples: [
        { labels: { quantile: '0.5' }, value: hour.aiLatency.p50 === null ? NaN : hour.aiLatency.p50 / 1000 },
        { labels: { quantile: '0.9' }, value: hour.aiLatency.p90 === null ? NaN : hour.aiLatency.p90 / 1000 },
      ],
    },
    { name: 'wecom_handoffs_total', help: 'Conversations handed to agents, by reason', type: 'counter', samples: byPrefix('handoff:', 'reason') },
    { name: 'wecom_closed_total', help: 'Human conversations ended, by who or what', type: 'counter', samples: byPrefix('closed:', 'by') },
    { name: 'wecom_agent_replies_total', help: 'Agent replies', type: 'counter', samples: [{ value: c('reply') }] },
    { name: 'wecom_transfers_total', help: 'Conversations passed between agents', type: 'counter', samples: [{ value: c('transfer') }] },
    {
      name: 'wecom_deliveries_total',
      help: 'Messages sent to WeCom, by result',
      type: 'counter',
      samples: [
        { labels: { result: 'ok' }, value: c('delivered') },
        { labels: { result: 'failed' }, value: c('undelivered') },
      ],
    },
    {
      name: 'wecom_refused_total',
      help: 'Requests refused for safety (stale callbacks, guessing throttled), by surface and reason',
      type: 'counter',
      samples: Object.entries(t)
        .filter(([k]) => k.startsWith('refused:'))
        .map(([k, v]) => {
          const [, surface, reason] = k.split(':');
          return { labels: { surface, reason }, value: v };
        }),
    },
    { name: 'wecom_queue_length', help: 'Conversations waiting for an agent now', type: 'gauge', samples: [{ value: g.queued }] },
    {
      name: 'wecom_agents_online',
      help: 'Agents connected now (by group when groups are used)',
      type: 'gauge',
      samples: [{ value: g.agentsOnline }, ...Object.entries(g.groups).map(([k, v]) => ({ labels: { group: k }, value: v }))],
    },
    ...backlogMetrics('wecom_inbox', 'User messages', g.backlog),
    ...backlogMetrics('wecom_outbox', 'Answers', g.outbox),
    {
      name: 'wecom_agent_wait_seconds',
      help: 'Wait from handoff to an agent over the last hour (histogram bins, upper bound)',
      type: 'summary',
      samples: [
        { labels: { quantile: '0.5' }, value: hour.wait.p50 === null ? NaN : hour.wait.p50 / 1000 },
        { labels: { quantile: '0.9' }, value: hour.wait.p90 === null ? NaN : hour.wait.p90 / 1000 },
      ],
    },
  ];
  return renderMetrics(m);
}
