/**
 * Add questions as alternates of one FAQ entry: in a knowledge-base file's text (JSON array,
 * {entries: [...]}, or CSV with an `alternates` column), or as a snippet to paste into the editor.
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

/** The KB text with `questions` added as alternates of entry `id`; `added` lists what was new. */
export function addAlternates(text: string, file: string, id: string, questions: string[]): { text: string; added: string[] } {
  if (/\.csv$/i.test(file)) return capped(addToCsv(text, id, questions));
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
  const e = list[i] as { question?: unknown; alternates?: unknown };
  const existing = Array.isArray(e.alternates) ? e.alternates.map(String) : typeof e.alternates === 'string' ? e.alternates.split(/[|\n]/).map((s) => s.trim()).filter(Boolean) : [];
  const { list: alts, added } = merge(existing, questions, String(e.question ?? ''), false);
  e.alternates = alts;
  return capped({ text: JSON.stringify(data, null, 2) + '\n', added });
}

function addToCsv(text: string, id: string, questions: string[]): { text: string; added: string[] } {
  const entries = parseCsv(text.replace(/^\uFEFF/, ''));
  const i = entries.findIndex((e, k) => idOf(e, k) === id);
  if (i < 0) throw new KbEditError(`no FAQ entry with id "${id}"`);
  const e = entries[i];
  const { list, added } = merge(e.alternates ?? [], questions, e.question, true);
  e.alternates = list;
  const hasId = entries.some((x) => x.id !== undefined);
  const head = hasId ? ['id', 'question', 'answer', 'alternates'] : ['question', 'answer', 'alternates'];
  const rows = entries.map((x) => [...(hasId ? [x.id ?? ''] : []), x.question, x.answer, (x.alternates ?? []).join('|')].map(csvCell).join(','));
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
