/**
 * The ops view's API without express: the time range of a query, the summary it shows, the faq-lookup nodes
 * whose knowledge bases it can extend, and an "add as alternate questions" request checked and written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseKb } from '../bot/faq/data';
import { validateEntries } from '../bot/faq/search-index';
import { addAlternates, questionProblem, type EntryList } from './kb-alternates';
import { HOUR_MS, type Rollup } from './rollup';
import type { OpsLog } from './log';
import { replacePrivate } from '../state/private-files';
import { clusterUnanswered, type UnansweredGroup } from './cluster';
import { normalise } from '../bot/text/normalise';
import { DEFAULT_CANCEL_WORDS } from '../handoff/transfer-words';

/** ?from=&to= (ms): default the last 24 h up to now; from ≤ to, at most 400 days. */
export function queryRange(q: Record<string, unknown>, now: number): { from: number; to: number } {
  const to = Number.isFinite(Number(q.to)) && q.to !== undefined ? Number(q.to) : now;
  const from = Number.isFinite(Number(q.from)) && q.from !== undefined ? Number(q.from) : to - 24 * HOUR_MS;
  return { from: Math.max(0, Math.min(from, to)), to: Math.min(Math.max(from, to), from + 400 * 24 * HOUR_MS) };
}

/** What the flows tell the summary: texts that are no question (cancel words), and the KBs' questions. */
export interface SummaryContext {
  /** Normalised texts never listed as unanswered (handoff's cancel words: 取消人工 outside a handoff). */
  ignore?: Set<string>;
  /** Normalised question or alternate → the FAQ entry that has it (a row added once is marked). */
  known?: Map<string, string>;
}

/**
 * GET ops/api/summary's answer (gauges are the live ones of the running bridges). `rollup`: the hours to read,
 * the record's own by default, the whole service's with several instances (shared-rollup.ts).
 */
export function opsSummary(log: OpsLog, from: number, to: number, gauges: unknown, ctx: SummaryContext = {}, rollup: Rollup = log.rollup): Record<string, unknown> {
  const t0 = process.hrtime.bigint();
  const summary = rollup.summary(from, to);
  const unanswered = markAdded(clusterUnanswered(rollup.unansweredIn(from, to)), ctx);
  const agents = rollup.agentsIn(from, to);
  const disputed = rollup.disputedIn(from, to).slice(0, 50);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { now: log.now(), summary, unanswered: unanswered.slice(0, 100), groups: unanswered.length, agents, disputed, gauges, tookMs: Math.round(ms * 10) / 10, recording: log.dir !== null };
}

/** Drop ignored questions (and groups left empty); mark a group `added` when a KB entry already has its questions. */
function markAdded(groups: UnansweredGroup[], ctx: SummaryContext): Array<UnansweredGroup & { added?: string }> {
  const out: Array<UnansweredGroup & { added?: string }> = [];
  for (const g of groups) {
    const questions = ctx.ignore ? g.questions.filter((q) => !ctx.ignore!.has(normalise(q.text))) : g.questions;
    if (!questions.length) continue;
    const entries = questions.map((q) => ctx.known?.get(normalise(q.text)));
    const row: UnansweredGroup & { added?: string } = questions.length === g.questions.length ? { ...g } : { ...g, questions, label: questions[0].text };
    if (entries.every((e) => e !== undefined)) row.added = entries[0];
    out.push(row);
  }
  return out;
}

/** handoff nodes' cancel words (their defaults when blank; regular expressions left out), normalised. */
export function cancelWords(configs: Array<{ type: string; cancelWords?: string }>): Set<string> {
  const out = new Set<string>();
  for (const n of configs) {
    if (n.type !== 'handoff') continue;
    const list = (n.cancelWords ?? '').split(/[\n,，]/).map((w) => w.trim()).filter(Boolean);
    for (const w of list.length ? list : DEFAULT_CANCEL_WORDS) if (!w.startsWith('/')) out.add(normalise(w));
  }
  return out;
}

/** Every question and alternate of the faq-lookup nodes, normalised → entry id. */
export function knownQuestions(sources: FaqSource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of sources) for (const e of s.entries) for (const q of [e.question, ...(e.alternates ?? [])]) out.set(normalise(q), e.id);
  return out;
}

/** A faq-lookup node's config, as deployed. */
export interface FaqNodeConf {
  id: string;
  type: string;
  name?: string;
  z?: string;
  kbFile?: string;
  entries?: unknown;
}

export interface FaqSource {
  id: string;
  name: string;
  /** The KB file as configured, null when the entries are in the node. */
  kbFile: string | null;
  /** Its absolute path. */
  full: string | null;
  /** `never`: the questions the entry must never answer (the ops view marks disputed rows already marked wrong). */
  entries: Array<{ id: string; question: string; alternates?: string[]; never?: string[] }>;
  error?: string;
}

/** faq-lookup nodes among `configs`, with their entries (read from the KB file, relative to `userDir`). */
export function faqSources(configs: FaqNodeConf[], userDir: string): FaqSource[] {
  const out: FaqSource[] = [];
  for (const n of configs) {
    if (n.type !== 'faq-lookup') continue;
    const kb = (n.kbFile ?? '').trim();
    const full = kb ? (path.isAbsolute(kb) ? kb : path.resolve(userDir, kb)) : null;
    let entries: FaqSource['entries'] = [];
    let error: string | undefined;
    try {
      const raw = full ? parseKb(fs.readFileSync(full, 'utf8').replace(/^\uFEFF/, ''), full) : n.entries ?? [];
      entries = validateEntries(raw).map((e) => ({ id: e.id, question: e.question, alternates: e.alternates ?? [], never: e.never ?? [] }));
    } catch (e) {
      error = (e as Error).message;
    }
    out.push({ id: n.id, name: n.name || 'faq-lookup', kbFile: kb || null, full, entries, error });
  }
  return out;
}

export type AlternatesRequest = { ok: true; node: unknown; entry: string; questions: string[] } | { ok: false; error: string };

/** POST ops/api/alternates' body: {node, entry, questions[]} (up to 200 non-blank questions). */
export function alternatesRequest(body: unknown): AlternatesRequest {
  const b = (body ?? {}) as { node?: unknown; entry?: unknown; questions?: unknown };
  const questions = Array.isArray(b.questions) ? b.questions.filter((q): q is string => typeof q === 'string' && q.trim() !== '').slice(0, 200) : [];
  if (!questions.length || typeof b.entry !== 'string' || !b.entry) return { ok: false, error: 'need "entry" and a non-empty "questions" array' };
  const problem = questions.map(questionProblem).find((p) => p !== null);
  if (problem) return { ok: false, error: problem };
  return { ok: true, node: b.node, entry: b.entry, questions };
}

/**
 * Add the questions to an entry of a KB file (its alternates, or with field 'never' the questions it must
 * never answer), replacing the file in one step; the questions added.
 */
export function writeAlternates(file: string, entry: string, questions: string[], field: EntryList = 'alternates'): string[] {
  const r = addAlternates(fs.readFileSync(file, 'utf8'), file, entry, questions, field);
  replacePrivate(file, r.text);
  return r.added;
}
