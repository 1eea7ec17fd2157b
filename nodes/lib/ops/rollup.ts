/**
 * The index the ops view reads: events rolled up into hour buckets as they are recorded (counters, a wait
 * histogram, peaks, and the distinct unanswered questions with counts), so a day view sums 24 buckets
 * instead of reading the record. It pairs events of one conversation itself (handoff → assigned gives the
 * wait; a suggestion followed by anything but a pick is a declined did-you-mean). Serialisable to JSON.
 * Pure: no Node-RED import.
 */
import type { OpsEvent } from './event';
import { normalise } from '../bot/text/normalise';
import { tokenSet, type Unanswered } from './cluster';
import { quantile, waitBin } from './histogram';
import { agentDays, agentEvent, type AgentDay, type AgentHour, type FirstPending } from './agent-stats';
import { disputeEvent, isDispute, type Disputed, type LastAnswer } from './disputes';

export { binUpper, quantile, waitBin } from './histogram';

export const HOUR_MS = 3_600_000;
/** Distinct unanswered questions kept per hour bucket (the most frequent win). */
const UNANSWERED_PER_HOUR = 300;
const EXAMPLES = 3;

export type { Unanswered };

export interface Bucket {
  n: Record<string, number>;
  wait: number[];
  queuePeak: number;
  agentsPeak: number;
  groups: Record<string, number>;
  un: Record<string, Unanswered>;
  /** AI answer latency histogram (same bins as wait). */
  aiLat?: number[];
  /** Per agent: handled, first response, ratings (agent-stats.ts). */
  agents?: Record<string, AgentHour>;
  /** Bot answers the user disputed right after (disputes.ts). */
  disputed?: Disputed[];
}

export interface Summary {
  from: number;
  to: number;
  totals: Record<string, number>;
  /** One entry per hour in [from, to): the hour's start and its counters. */
  hours: Array<{ hour: number; n: Record<string, number>; queuePeak: number; agentsPeak: number }>;
  wait: { count: number; p50: number | null; p90: number | null };
  /** Latency of AI answers and no-answers that asked the model (ms, bin upper bounds). */
  aiLatency: { count: number; p50: number | null; p90: number | null };
  queuePeak: number;
  agentsPeak: number;
  groups: Record<string, number>;
}

/** The text handoff gives a WeCom event (enter_session …): never an unanswered question. */
const EVENT_TEXT = /^\[event:[^\]]*\]$/;

export const emptyBucket = (): Bucket => ({ n: {}, wait: [], queuePeak: 0, agentsPeak: 0, groups: {}, un: {}, aiLat: [] });
/** A user message this soon after an AI answer that says it did not help counts the answer as disputed. */
const DISPUTE_MS = 5 * 60_000;
const DISPUTE = /不对|不是|没用|错了|答非所问|转人工|人工|wrong|human|agent/i;
const inc = (r: Record<string, number>, k: string, by = 1) => {
  r[k] = (r[k] ?? 0) + by;
};

/** Add the counts of `u` (the same question) into `m`; the latest text and examples win. */
export function mergeUnanswered(m: Unanswered, u: Unanswered): void {
  m.count += u.count;
  m.miss += u.miss;
  m.declined += u.declined;
  if (u.last >= m.last) {
    m.last = u.last;
    m.text = u.text;
  }
  for (const x of u.examples) if (!m.examples.includes(x)) m.examples.push(x);
  if (m.examples.length > EXAMPLES) m.examples.splice(0, m.examples.length - EXAMPLES);
}

/** AI latency bin: the wait bins scaled to 10 ms (bin 0: ≤ 10 ms; ≤ 20 % above the true value). */
export const latBin = (ms: number): number => waitBin(ms * 100);

export interface RollupState {
  v: 1;
  hours: Record<string, Bucket>;
  waiting: Record<string, number>;
  suggested: Record<string, { text: string; ts: number }>;
  firstPending?: Record<string, { agentId: string; ts: number }>;
  lastAnswer?: Record<string, { question: string; faqId?: string; answer?: string }>;
}

export class Rollup {
  readonly hours = new Map<number, Bucket>();
  /** conversationId → when it was handed off (until an agent has it). */
  private waiting = new Map<string, number>();
  /** conversationId → the question a did-you-mean list was offered for (until the next event decides). */
  private suggested = new Map<string, { text: string; ts: number }>();
  /** conversationId → the agent who got it, until its first reply. */
  private firstPending: FirstPending = new Map();
  /** conversationId → the bot's last FAQ answer, until the user's next message. */
  private lastAnswer: LastAnswer = new Map();
  /** conversationId → when the AI last answered it (for disputes; in memory only). */
  private aiAnswered = new Map<string, number>();

  /** Hours changed since the last takeTouched() (what another instance has not seen yet: shared-rollup.ts). */
  private touched = new Set<number>();

  /** Counters since this object was made or resetTotals() (what Prometheus reads); never pruned. */
  totals: Record<string, number> = {};

  private inc(b: Bucket, k: string): void {
    inc(b.n, k);
    inc(this.totals, k);
  }

  resetTotals(): void {
    this.totals = {};
  }

  private bucket(ts: number): Bucket {
    const h = Math.floor(ts / HOUR_MS);
    let b = this.hours.get(h);
    if (!b) this.hours.set(h, (b = emptyBucket()));
    this.touched.add(h);
    return b;
  }

  /** The hours changed since the last call (and their buckets), oldest first; forgets them. */
  takeTouched(): Array<[number, Bucket]> {
    const out: Array<[number, Bucket]> = [];
    for (const h of [...this.touched].sort((a, b) => a - b)) {
      const b = this.hours.get(h);
      if (b) out.push([h, b]);
    }
    this.touched.clear();
    return out;
  }

  /** Mark hours changed again (their publish failed). */
  touch(hours: Iterable<number>): void {
    for (const h of hours) this.touched.add(h);
  }

  /** A rollup of these hour buckets only (a read-only view: summary, unanswered, agents, disputes). */
  static ofHours(hours: Map<number, Bucket>): Rollup {
    const r = new Rollup();
    for (const [h, b] of hours) r.hours.set(h, b);
    return r;
  }

  private unanswered(b: Bucket, text: string, ts: number, kind: 'miss' | 'declined'): void {
    const t = (text ?? '').trim();
    if (!t || EVENT_TEXT.test(t)) return; // an event such as [event:enter_session] is no question
    const key = normalise(t);
    if (!key) return;
    let u = b.un[key];
    if (!u) {
      if (Object.keys(b.un).length >= UNANSWERED_PER_HOUR) {
        // full: replace the least frequent single occurrence, else drop this one
        const victim = Object.entries(b.un).find(([, x]) => x.count === 1);
        if (!victim) return;
        delete b.un[victim[0]];
      }
      u = b.un[key] = { text: t, count: 0, last: 0, miss: 0, declined: 0, examples: [], tokens: [...tokenSet(t)] };
    }
    u.count++;
    u[kind]++;
    if (ts >= u.last) {
      u.last = ts;
      u.text = t;
    }
    if (!u.examples.includes(t)) {
      u.examples.push(t);
      if (u.examples.length > EXAMPLES) u.examples.shift();
    }
  }

  /** Settle a pending did-you-mean of this conversation: `picked` when the user chose an entry. */
  private settle(conv: string | undefined, picked: boolean): void {
    if (!conv) return;
    const s = this.suggested.get(conv);
    if (!s) return;
    this.suggested.delete(conv);
    if (picked) return;
    const b = this.bucket(s.ts);
    this.inc(b, 'declined');
    this.unanswered(b, s.text, s.ts, 'declined');
  }

  /**
   * An event whose other half this rollup never saw (another instance has it): a user message that may dispute
   * an answer given there, a pick from a list offered there. Handed to the other instances, whose rollup with
   * that half adopts it (shared-rollup.ts). Unset: kept to itself.
   */
  onUnpaired?: (e: OpsEvent) => void;

  /** This conversation has an answer here that the user's next message may dispute. */
  private answered(conv: string): boolean {
    return this.lastAnswer.has(conv) || this.aiAnswered.has(conv);
  }

  /** The user's message after an answer: a dispute of the FAQ's or the AI's answer, or neither. */
  private replied(b: Bucket, conv: string, e: OpsEvent): void {
    disputeEvent((b.disputed ??= []), this.lastAnswer, e);
    const ai = this.aiAnswered.get(conv);
    if (ai === undefined) return;
    this.aiAnswered.delete(conv);
    if (e.ts - ai <= DISPUTE_MS && DISPUTE.test(String(e.text ?? ''))) this.inc(b, 'aiDisputed');
  }

  /**
   * Another instance's event this one may have the other half of (onUnpaired there): a user message for a
   * conversation this one answered (a dispute?), or a pick from a did-you-mean list this one offered.
   */
  adopt(e: OpsEvent): void {
    const conv = e.conversationId;
    if (!conv) return;
    if (e.type === 'message.in' && this.answered(conv)) this.replied(this.bucket(e.ts), conv, e);
    else if (e.type === 'faq.answer' && e.band === 'picked') this.settle(conv, true);
  }

  add(e: OpsEvent): void {
    const b = this.bucket(e.ts);
    const conv = e.conversationId;
    if (e.type === 'assigned' || e.type === 'reply' || e.type === 'closed' || e.type === 'rating') agentEvent((b.agents ??= {}), this.firstPending, e);
    if (e.type === 'faq.answer' && conv) disputeEvent((b.disputed ??= []), this.lastAnswer, e);
    switch (e.type) {
      case 'message.in': {
        this.inc(b, 'in');
        if (!conv) break;
        if (this.answered(conv)) this.replied(b, conv, e);
        else if (this.onUnpaired && (isDispute(String(e.text ?? '')) || DISPUTE.test(String(e.text ?? '')))) this.onUnpaired(e);
        break;
      }
      case 'ai.answer':
      case 'ai.miss': {
        const tokens = (Number(e.promptTokens) || 0) + (Number(e.completionTokens) || 0);
        if (e.type === 'ai.answer') {
          this.inc(b, 'ai');
          if (conv) this.aiAnswered.set(conv, e.ts);
        } else {
          this.inc(b, 'aiMiss');
          this.inc(b, `aiMiss:${String(e.reason ?? 'unknown')}`);
        }
        if (tokens > 0) {
          inc(b.n, 'aiTokens', tokens);
          inc(this.totals, 'aiTokens', tokens);
        }
        if (typeof e.latencyMs === 'number' && e.reason !== 'off' && e.reason !== 'budget') {
          const lat = (b.aiLat ??= []);
          const bin = latBin(e.latencyMs);
          lat[bin] = (lat[bin] || 0) + 1;
        }
        break;
      }
      case 'keyword.hit':
        this.settle(conv, false);
        this.inc(b, e.answered === false ? 'keywordRoute' : 'keyword');
        break;
      case 'faq.answer':
        if (e.band === 'picked') {
          // the list may have been offered on another instance: it must not count it declined later
          if (conv && !this.suggested.has(conv)) this.onUnpaired?.(e);
          this.settle(conv, true);
          this.inc(b, 'picked');
        } else {
          this.settle(conv, false);
          this.inc(b, 'faq');
        }
        break;
      case 'faq.suggest':
        this.settle(conv, false);
        this.inc(b, 'suggest');
        if (conv) this.suggested.set(conv, { text: String(e.text ?? ''), ts: e.ts });
        break;
      case 'faq.miss':
        this.settle(conv, false);
        if (e.band === 'declined') break; // "none of these" on a did-you-mean: counted as declined, not as a miss
        this.inc(b, 'miss');
        this.unanswered(b, String(e.text ?? ''), e.ts, 'miss');
        break;
      case 'handoff':
        this.settle(conv, false);
        this.inc(b, 'handoff');
        this.inc(b, `handoff:${String(e.reason ?? 'unknown')}`);
        if (conv && !this.waiting.has(conv)) this.waiting.set(conv, e.ts);
        break;
      case 'queued':
        if (typeof e.position === 'number') b.queuePeak = Math.max(b.queuePeak, e.position + 1);
        break;
      case 'assigned': {
        this.inc(b, 'assigned');
        // the handoff may have been recorded on another instance: the hub's own queue time then (shared-rollup.ts)
        const since = conv ? this.waiting.get(conv) ?? (typeof e.queuedAt === 'number' ? e.queuedAt : undefined) : undefined;
        if (since !== undefined && conv) {
          this.waiting.delete(conv);
          const bin = waitBin(Math.max(0, e.ts - since));
          b.wait[bin] = (b.wait[bin] || 0) + 1;
          this.inc(b, 'waited');
        }
        break;
      }
      case 'transfer':
        this.inc(b, 'transfer');
        break;
      case 'closed':
        if (conv) this.waiting.delete(conv);
        this.inc(b, 'closed');
        this.inc(b, `closed:${String(e.by ?? 'unknown')}`);
        break;
      case 'reply':
        this.inc(b, 'reply');
        break;
      case 'delivery':
        this.inc(b, e.ok === false ? 'undelivered' : 'delivered');
        break;
      case 'refused':
        this.inc(b, `refused:${String(e.surface ?? 'unknown')}:${String(e.reason ?? 'unknown')}`);
        break;
      case 'presence': {
        if (typeof e.agentsOnline === 'number') b.agentsPeak = Math.max(b.agentsPeak, e.agentsOnline);
        if (typeof e.queued === 'number') b.queuePeak = Math.max(b.queuePeak, e.queued);
        const g = e.groups;
        if (g && typeof g === 'object') {
          for (const [name, n] of Object.entries(g as Record<string, unknown>)) {
            if (typeof n === 'number') b.groups[name] = Math.max(b.groups[name] ?? 0, n);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  /** Counters, wait quantiles and peaks for [from, to) (ms; whole hours are summed). */
  summary(from: number, to: number): Summary {
    const h0 = Math.floor(from / HOUR_MS);
    const h1 = Math.ceil(to / HOUR_MS);
    const totals: Record<string, number> = {};
    const wait: number[] = [];
    const aiLat: number[] = [];
    const hours: Summary['hours'] = [];
    const groups: Record<string, number> = {};
    let queuePeak = 0;
    let agentsPeak = 0;
    for (let h = h0; h < h1; h++) {
      const b = this.hours.get(h);
      if (!b) {
        hours.push({ hour: h * HOUR_MS, n: {}, queuePeak: 0, agentsPeak: 0 });
        continue;
      }
      for (const [k, v] of Object.entries(b.n)) inc(totals, k, v);
      for (let i = 0; i < b.wait.length; i++) if (b.wait[i]) wait[i] = (wait[i] || 0) + b.wait[i];
      const lat = b.aiLat ?? [];
      for (let i = 0; i < lat.length; i++) if (lat[i]) aiLat[i] = (aiLat[i] || 0) + lat[i];
      for (const [g, n] of Object.entries(b.groups)) groups[g] = Math.max(groups[g] ?? 0, n);
      queuePeak = Math.max(queuePeak, b.queuePeak);
      agentsPeak = Math.max(agentsPeak, b.agentsPeak);
      hours.push({ hour: h * HOUR_MS, n: { ...b.n }, queuePeak: b.queuePeak, agentsPeak: b.agentsPeak });
    }
    const count = wait.reduce((a, x) => a + (x || 0), 0);
    const aiCount = aiLat.reduce((a, x) => a + (x || 0), 0);
    const aiQ = (q: number) => {
      const v = quantile(aiLat, q);
      return v === null ? null : Math.round(v / 100); // latency bins are the wait bins scaled to 10 ms (see latBin)
    };
    return { from, to, totals, hours, wait: { count, p50: quantile(wait, 0.5), p90: quantile(wait, 0.9) }, aiLatency: { count: aiCount, p50: aiQ(0.5), p90: aiQ(0.9) }, queuePeak, agentsPeak, groups };
  }

  /** Per agent over [from, to): handled, median first response, ratings. */
  agentsIn(from: number, to: number): AgentDay[] {
    const list: Array<Record<string, AgentHour> | undefined> = [];
    for (let h = Math.floor(from / HOUR_MS); h < Math.ceil(to / HOUR_MS); h++) list.push(this.hours.get(h)?.agents);
    return agentDays(list);
  }

  /** Disputed bot answers of [from, to), newest first. */
  disputedIn(from: number, to: number): Disputed[] {
    const out: Disputed[] = [];
    for (let h = Math.floor(from / HOUR_MS); h < Math.ceil(to / HOUR_MS); h++) out.push(...(this.hours.get(h)?.disputed ?? []));
    return out.sort((x, y) => y.ts - x.ts);
  }

  /** The distinct unanswered questions of [from, to), merged over the hours. */
  unansweredIn(from: number, to: number): Unanswered[] {
    const h0 = Math.floor(from / HOUR_MS);
    const h1 = Math.ceil(to / HOUR_MS);
    const all = new Map<string, Unanswered>();
    for (let h = h0; h < h1; h++) {
      const b = this.hours.get(h);
      if (!b) continue;
      for (const [k, u] of Object.entries(b.un)) {
        const m = all.get(k);
        if (!m) all.set(k, { ...u, examples: [...u.examples] });
        else mergeUnanswered(m, u);
      }
    }
    return [...all.values()];
  }

  /** Forget hours before `ts`. */
  prune(ts: number): void {
    const h0 = Math.floor(ts / HOUR_MS);
    for (const h of this.hours.keys()) if (h < h0) this.hours.delete(h);
    for (const [k, t] of this.waiting) if (t < ts) this.waiting.delete(k);
    for (const [k, s] of this.suggested) if (s.ts < ts) this.suggested.delete(k);
    for (const [k, p] of this.firstPending) if (p.ts < ts) this.firstPending.delete(k);
  }

  toJSON(): RollupState {
    return {
      v: 1,
      hours: Object.fromEntries(this.hours),
      waiting: Object.fromEntries(this.waiting),
      suggested: Object.fromEntries(this.suggested),
      firstPending: Object.fromEntries(this.firstPending),
      lastAnswer: Object.fromEntries(this.lastAnswer),
    };
  }

  static fromJSON(s: unknown): Rollup {
    const r = new Rollup();
    const st = s as RollupState | null;
    if (!st || st.v !== 1) return r;
    for (const [h, b] of Object.entries(st.hours ?? {})) r.hours.set(Number(h), { ...emptyBucket(), ...b });
    for (const [k, t] of Object.entries(st.waiting ?? {})) r.waiting.set(k, t);
    for (const [k, x] of Object.entries(st.suggested ?? {})) r.suggested.set(k, x);
    for (const [k, x] of Object.entries(st.firstPending ?? {})) r.firstPending.set(k, x);
    for (const [k, x] of Object.entries(st.lastAnswer ?? {})) r.lastAnswer.set(k, x);
    return r;
  }
}
