/**
 * Documents the ops team drops into a folder (Markdown and plain text): cut into passages under their
 * headings, indexed with the FAQ's Chinese analyser (the same words, synonyms and bigrams) and ranked with
 * BM25; the folder is re-read when a file is added, changed or removed. A passage's id is
 * `doc:<file name without extension>#<n>` (n from 1), which is what the model cites.
 * Pure of Node-RED (reads the folder with node:fs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, type AnalyzerOptions } from '../bot/faq/search-index';

export interface Passage {
  id: string;
  /** File name without extension. */
  doc: string;
  /** The nearest heading above the passage ('' when none). */
  heading: string;
  text: string;
}

export interface ScoredPassage extends Passage {
  score: number;
}

/** Longest passage, characters (paragraphs are joined up to this; a longer paragraph is cut at sentences). */
export const PASSAGE_CHARS = 400;
const DOC_FILE = /\.(md|markdown|txt)$/i;

/** Cut one document into passages: headings start a new passage, paragraphs are joined up to PASSAGE_CHARS. */
export function chunkDocument(name: string, text: string, max = PASSAGE_CHARS): Passage[] {
  const out: Passage[] = [];
  let heading = '';
  let buf = '';
  const flush = () => {
    const t = buf.trim();
    if (t) out.push({ id: `doc:${name}#${out.length + 1}`, doc: name, heading, text: t });
    buf = '';
  };
  const add = (para: string) => {
    if (buf && buf.length + para.length + 1 > max) flush();
    if (para.length <= max) buf += (buf ? '\n' : '') + para;
    else
      for (const piece of sentences(para, max)) {
        flush();
        buf = piece;
      }
  };
  const paras = String(text ?? '').replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  for (const p of paras) {
    const lines: string[] = [];
    for (const line of p.split('\n')) {
      const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (h) {
        if (lines.length) add(lines.splice(0).join('\n'));
        flush();
        heading = h[1];
      } else if (line.trim()) lines.push(line.trim());
    }
    if (lines.length) add(lines.join('\n'));
  }
  flush();
  return out;
}

/** A long paragraph in pieces of at most `max` characters, cut after sentence punctuation where possible. */
function sentences(p: string, max: number): string[] {
  const parts = p.match(/[^。！？!?；;\n]+[。！？!?；;\n]*/gu) ?? [p];
  const out: string[] = [];
  let cur = '';
  for (const s of parts) {
    for (let i = 0; i < s.length; i += max) {
      const piece = s.slice(i, i + max);
      if (cur && cur.length + piece.length > max) {
        out.push(cur);
        cur = '';
      }
      cur += piece;
    }
  }
  if (cur) out.push(cur);
  return out;
}

const K1 = 1.2;
const B = 0.75;
const BIGRAM_W = 0.6;

/** BM25 over the analyser's terms (words weigh 1, Han bigrams 0.6). */
export class PassageIndex {
  private readonly analyzer: Analyzer;
  private readonly tf: Array<Map<string, number>> = [];
  private readonly len: number[] = [];
  private readonly df = new Map<string, number>();
  private avgLen = 1;

  constructor(
    readonly passages: Passage[],
    opts: AnalyzerOptions | Analyzer = {},
  ) {
    this.analyzer = opts instanceof Analyzer ? opts : new Analyzer(opts);
    for (const p of passages) {
      const m = new Map<string, number>();
      let n = 0;
      for (const t of this.analyzer.terms(`${p.heading}\n${p.text}`)) {
        const w = t.kind === 0 ? 1 : BIGRAM_W;
        m.set(t.t, (m.get(t.t) ?? 0) + w);
        n += w;
      }
      for (const t of m.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      this.tf.push(m);
      this.len.push(n);
    }
    this.avgLen = this.len.length ? this.len.reduce((a, b) => a + b, 0) / this.len.length : 1;
  }

  get size(): number {
    return this.passages.length;
  }

  /** The `k` best passages for `query` with a positive score that share a word (not only bigrams) with it. */
  search(query: string, k = 3): ScoredPassage[] {
    const q = new Map<string, number>();
    for (const t of this.analyzer.terms(query)) q.set(t.t, t.kind === 0 ? 1 : BIGRAM_W);
    const N = this.passages.length;
    const scored: ScoredPassage[] = [];
    this.tf.forEach((m, i) => {
      let s = 0;
      let word = false;
      for (const [t, w] of q) {
        const f = m.get(t);
        if (!f) continue;
        if (w === 1) word = true;
        const df = this.df.get(t) ?? 0;
        const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
        s += w * idf * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * this.len[i]) / this.avgLen)));
      }
      if (s > 0 && word) scored.push({ ...this.passages[i], score: Math.round(s * 1000) / 1000 });
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, Math.max(0, k));
  }
}

/**
 * A folder of documents, indexed on first use and again whenever its files change (checked at most every
 * `checkEveryMs`, by name, size and modification time). Unreadable files are skipped and reported.
 */
export class DocFolder {
  private index: PassageIndex | null = null;
  private signature = '';
  private checkedAt = 0;
  /** Files that could not be read at the last scan (name → reason). */
  problems: Record<string, string> = {};

  constructor(
    readonly dir: string,
    private readonly analyzer: Analyzer,
    private readonly checkEveryMs = 2000,
  ) {}

  private files(problems: Record<string, string>): Array<{ file: string; stat: fs.Stats }> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (e) {
      problems[this.dir] = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      return [];
    }
    const out: Array<{ file: string; stat: fs.Stats }> = [];
    for (const n of names.filter((x) => DOC_FILE.test(x)).sort()) {
      try {
        const stat = fs.statSync(path.join(this.dir, n));
        if (stat.isFile()) out.push({ file: n, stat });
      } catch {
        /* removed meanwhile */
      }
    }
    return out;
  }

  /** The current index (re-built when the folder changed since the last look). */
  current(now = Date.now()): PassageIndex {
    if (this.index && now - this.checkedAt < this.checkEveryMs) return this.index;
    this.checkedAt = now;
    const problems: Record<string, string> = {};
    const files = this.files(problems);
    const sig = files.map((f) => `${f.file}:${f.stat.size}:${f.stat.mtimeMs}`).join('|');
    if (this.index && sig === this.signature) return this.index;
    const passages: Passage[] = [];
    for (const f of files) {
      try {
        passages.push(...chunkDocument(f.file.replace(DOC_FILE, ''), fs.readFileSync(path.join(this.dir, f.file), 'utf8')));
      } catch (e) {
        problems[f.file] = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      }
    }
    this.problems = problems;
    this.signature = sig;
    return (this.index = new PassageIndex(passages, this.analyzer));
  }
}
