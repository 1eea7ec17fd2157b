/**
 * Add questions as alternates of one FAQ entry — or to its `never` list, the questions it must never answer
 * (an answer marked wrong in the ops view) — in a knowledge-base file's text (JSON array, {entries: [...]},
 * or CSV with `alternates` / `never` columns), or as a snippet to paste into the editor. faq-lookup watches
 * its KB file, so the next same question is answered (or no longer answered by that entry) at once.
 * Pure: no Node-RED import, no file access (the caller reads and writes the file).
 */
import { parseCsv } from '../bot/faq/data';
import { normalise } from '../bot/text/normalise';

export class KbEditError extends Error {}

/** At most this many alternates per entry after an edit. */
export const MAX_ALTERNATES = 50;
/** Longest question added as an alternate (characters). */
export const MAX_QUESTION_CHARS = 200;
/** A KB file is never written larger than this by the ops view. */
export const MAX_KB_BYTES = 2 * 1024 * 1024;

/** Why a question cannot become an alternate (a line break or `|` would split it, control characters …), or null. */
export function questionProblem(q: string): string | null {
  if (/[\r\n\u2028\u2029]/.test(q)) return 'a question may not contain a line break';
  if (q.includes('|')) return 'a question may not contain "|" (it separates alternates)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(q)) return 'a question may not contain control characters';
  if (q.trim().length > MAX_QUESTION_CHARS) return `a question may have at most ${MAX_QUESTION_CHARS} characters`;
  return null;
}

/** A cell a spreadsheet would run as a formula (= + - @, tab, CR first) starts with ' instead. */
const inert = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

function merge(existing: string[], add: string[], question: string, csv: boolean): { list: string[]; added: string[] } {
  const seen = new Set([question, ...existing].map((s) => normalise(s)));
  const added: string[] = [];
  for (const a of add) {
    const problem = questionProblem(a);
    if (problem) throw new KbEditError(problem);
    const t = csv ? inert(a.trim()) : a.trim();
    if (!t || seen.has(normalise(t))) continue;
    seen.add(normalise(t));
    added.push(t);
  }
  const list = [...existing, ...added];
  if (added.length && list.length > MAX_ALTERNATES) throw new KbEditError(`an entry may have at most ${MAX_ALTERNATES} alternates (this one would have ${list.length})`);
  return { list, added };
}

function capped(r: { text: string; added: string[] }): { text: string; added: string[] } {
  if (Buffer.byteLength(r.text) > MAX_KB_BYTES) throw new KbEditError(`the knowledge base would exceed ${MAX_KB_BYTES / 1024 / 1024} MB`);
  return r;
}

const idOf = (e: { id?: unknown }, i: number) => (e.id !== undefined && e.id !== null && String(e.id) !== '' ? String(e.id) : String(i + 1));

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Which list of an entry a request extends: its alternates, or the questions it must never answer. */
export type EntryList = 'alternates' | 'never';

const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/[|\n]/).map((s) => s.trim()).filter(Boolean) : []);

/** The KB text with `questions` added to entry `id`'s alternates (or `never` list); `added` lists what was new. */
export function addAlternates(text: string, file: string, id: string, questions: string[], field: EntryList = 'alternates'): { text: string; added: string[] } {
  if (/\.csv$/i.test(file)) return capped(addToCsv(text, id, questions, field));
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new KbEditError(`the knowledge base is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { entries?: unknown }).entries) ? (data as { entries: unknown[] }).entries : null;
  if (!list) throw new KbEditError('the knowledge base must be an array of entries or {"entries": [...]}');
  const i = list.findIndex((e, k) => e && typeof e === 'object' && idOf(e as { id?: unknown }, k) === id);
  if (i < 0) throw new KbEditError(`no FAQ entry with id "${id}"`);
  const e = list[i] as { question?: unknown; alternates?: unknown; never?: unknown };
  // a question the entry must never answer is not its own question either (and the reverse)
  const { list: items, added } = merge(listOf(e[field]), questions, field === 'never' ? '' : String(e.question ?? ''), false);
  e[field] = items;
  return capped({ text: JSON.stringify(data, null, 2) + '\n', added });
}

function addToCsv(text: string, id: string, questions: string[], field: EntryList): { text: string; added: string[] } {
  const entries = parseCsv(text.replace(/^\uFEFF/, ''));
  const i = entries.findIndex((e, k) => idOf(e, k) === id);
  if (i < 0) throw new KbEditError(`no FAQ entry with id "${id}"`);
  const e = entries[i];
  const { list, added } = merge(e[field] ?? [], questions, field === 'never' ? '' : e.question, true);
  e[field] = list;
  const hasId = entries.some((x) => x.id !== undefined);
  const hasNever = entries.some((x) => (x.never ?? []).length > 0);
  const head = [...(hasId ? ['id'] : []), 'question', 'answer', 'alternates', ...(hasNever ? ['never'] : [])];
  const rows = entries.map((x) => [...(hasId ? [x.id ?? ''] : []), x.question, x.answer, (x.alternates ?? []).join('|'), ...(hasNever ? [(x.never ?? []).join('|')] : [])].map(csvCell).join(','));
  return { text: [head.join(','), ...rows].join('\n') + '\n', added };
}

/** Snippets to paste when the FAQ entries live in the flow: a JSON alternates array and a CSV cell. */
export function alternatesSnippet(questions: string[]): { json: string; csv: string } {
  const clean = [...new Set(questions.map((q) => q.trim()).filter(Boolean))];
  return { json: JSON.stringify(clean), csv: csvCell(clean.map(inert).join('|')) };
}

/** CSV of unanswered groups (label, count, misses, declined, last seen ISO, questions joined by |). */
export function unansweredCsv(groups: Array<{ label: string; count: number; miss: number; declined: number; last: number; questions: Array<{ text: string }> }>): string {
  const head = 'question,count,misses,declined,last_seen,similar_questions';
  const rows = groups.map((g) =>
    [g.label, String(g.count), String(g.miss), String(g.declined), new Date(g.last).toISOString(), g.questions.map((q) => q.text).join('|')]
      .map((c) => csvCell(inert(c)))
      .join(','),
  );
  return '\uFEFF' + [head, ...rows].join('\r\n') + '\r\n';
}
