/**
 * FAQ data helpers: synonym lines, CSV and JSON knowledge bases, shipped thresholds. Pure.
 */
import { validateEntries, type FaqEntry } from './search-index';

/**
 * Raw-score thresholds of FaqIndex.search() (the earlier defaults, kept for library users ranking with the
 * index alone). faq-lookup decides on the calibrated confidence instead (confidence.ts).
 */
export const DEFAULT_ANSWER_THRESHOLD = 0.26;
export const DEFAULT_SUGGEST_THRESHOLD = 0.16;
export const DEFAULT_SUGGEST_TTL_S = 300;

export function num(v: unknown, dflt: number): number {
  const n = typeof v === 'number' ? v : parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : dflt;
}

/** Synonym lines: `退钱, 退费 => 退款` or `退钱=退款` (one canonical per line). */
export function parseSynonyms(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of String(text || '').split(/\r?\n/)) {
    const m = /^(.*?)(?:=>|→|=)(.*)$/.exec(line.trim());
    if (!m) continue;
    const to = m[2].trim();
    if (!to) continue;
    for (const from of m[1].split(/[,，/、|]/)) if (from.trim()) out.push([from.trim(), to]);
  }
  return out;
}

/** A CSV knowledge base: header with question, answer, optional id and alternates (separated by |). */
export function parseCsv(text: string): FaqEntry[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  const data = rows.filter((r) => r.some((c) => c.trim() !== ''));
  if (data.length === 0) return [];
  const head = data[0].map((h) => h.trim().toLowerCase());
  const col = (names: string[]) => head.findIndex((h) => names.includes(h));
  const qi = col(['question', '问题', '标准问']);
  const ai = col(['answer', '答案', '回复']);
  const ii = col(['id']);
  const li = col(['alternates', '相似问', 'similar']);
  const ni = col(['never', '不回答']);
  if (qi < 0 || ai < 0) throw new TypeError('CSV needs "question" and "answer" columns');
  return data.slice(1).map((r) => ({
    id: ii >= 0 && r[ii] ? r[ii].trim() : undefined,
    question: r[qi] ?? '',
    answer: r[ai] ?? '',
    alternates: li >= 0 && r[li] ? r[li].split('|').map((s) => s.trim()).filter(Boolean) : [],
    ...(ni >= 0 && r[ni] ? { never: r[ni].split('|').map((s) => s.trim()).filter(Boolean) } : {}),
  }));
}

export function parseKb(text: string, file: string): FaqEntry[] {
  if (/\.csv$/i.test(file)) return parseCsv(text);
  const data = JSON.parse(text);
  return Array.isArray(data) ? data : data && Array.isArray(data.entries) ? data.entries : validateEntries(data);
}

