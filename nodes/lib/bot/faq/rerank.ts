/**
 * Optional semantic re-ranking of the FAQ's top lexical candidates through an OpenAI-compatible
 * /v1/embeddings endpoint the user runs (a self-hosted bge-m3, a cloud model…). KB embeddings are computed
 * once and cached on disk; a message costs one embeddings call, bounded by a hard time budget: on timeout,
 * error or an index not yet embedded, rerank() resolves null and the caller keeps the lexical answer.
 * The API key is only ever put in the Authorization header (never logged, never in errors). Pure of
 * Node-RED; uses global fetch (Node ≥ 18).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RerankOptions {
  /** Base URL (…/v1) or the full …/embeddings URL. */
  url: string;
  model?: string;
  apiKey?: string;
  /** Hard budget for the message's embeddings call, ms (default 300). */
  budgetMs?: number;
  /** Share of the semantic similarity in the combined score (default 0.5). */
  weight?: number;
  /** Directory for the KB embeddings cache (default: none, in memory only). */
  cacheDir?: string;
  /** Budget for embedding the KB (ms per batch, default 30 000). */
  kbBudgetMs?: number;
}

export interface RerankCandidate {
  index: number;
  score: number;
}

export interface RerankResult {
  /** Candidates in the new order with their combined score and cosine similarity. */
  order: Array<{ index: number; score: number; cosine: number }>;
}

function cosine(a: number[], b: number[]): number {
  let d = 0, na = 0, nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** Embeddings client + per-entry variant vectors. */
export class EmbeddingReranker {
  private readonly url: string;
  private readonly o: Required<Omit<RerankOptions, 'apiKey' | 'cacheDir' | 'model'>> & Pick<RerankOptions, 'apiKey' | 'cacheDir' | 'model'>;
  /** Per entry index: vectors of its question and alternates; null until prepare() finished. */
  private vectors: number[][][] | null = null;
  private generation = 0;

  constructor(opts: RerankOptions) {
    const u = String(opts.url || '').trim().replace(/\/+$/, '');
    if (!/^https?:\/\//i.test(u)) throw new TypeError('embeddings URL must start with http:// or https://');
    this.url = /\/embeddings$/.test(u) ? u : u + '/embeddings';
    this.o = { budgetMs: 300, weight: 0.5, kbBudgetMs: 30000, ...opts };
  }

  get ready(): boolean {
    return this.vectors !== null;
  }

  /** One embeddings call; rejects on HTTP errors, bad bodies and after `budgetMs`. */
  async embed(texts: string[], budgetMs: number): Promise<number[][]> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), budgetMs);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.o.apiKey) headers.authorization = 'Bearer ' + this.o.apiKey;
      const body: Record<string, unknown> = { input: texts };
      if (this.o.model) body.model = this.o.model;
      const res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal: ac.signal });
      if (!res.ok) throw new Error(`embeddings endpoint answered HTTP ${res.status}`);
      const json = (await res.json()) as { data?: Array<{ embedding?: number[]; index?: number }> };
      const data = Array.isArray(json.data) ? json.data : [];
      const out: number[][] = new Array(texts.length);
      data.forEach((d, i) => {
        const at = typeof d.index === 'number' ? d.index : i;
        if (Array.isArray(d.embedding) && at >= 0 && at < texts.length) out[at] = d.embedding;
      });
      for (let i = 0; i < texts.length; i++) if (!out[i]) throw new Error('embeddings endpoint returned too few vectors');
      return out;
    } catch (e) {
      if (ac.signal.aborted) throw new Error(`embeddings endpoint timed out after ${budgetMs} ms`);
      throw e instanceof Error ? new Error(e.message) : new Error(String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  private cacheFile(): string | null {
    if (!this.o.cacheDir) return null;
    return path.join(this.o.cacheDir, `faq-embeddings-${sha(this.url + '\n' + (this.o.model ?? ''))}.json`);
  }

  /** Embed every entry's question and alternates (cached on disk by text); resolves when ready. */
  async prepare(entries: Array<{ question: string; alternates?: string[] }>): Promise<void> {
    const gen = ++this.generation;
    this.vectors = null;
    const file = this.cacheFile();
    let cache: Record<string, number[]> = {};
    if (file) {
      try {
        cache = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        cache = {};
      }
    }
    const texts = entries.map((e) => [e.question, ...(e.alternates ?? [])].filter((t) => typeof t === 'string' && t.trim() !== ''));
    const todo = [...new Set(texts.flat().filter((t) => !cache[sha(t)]))];
    for (let i = 0; i < todo.length; i += 64) {
      const batch = todo.slice(i, i + 64);
      const vecs = await this.embed(batch, this.o.kbBudgetMs);
      batch.forEach((t, j) => (cache[sha(t)] = vecs[j]));
    }
    if (gen !== this.generation) return; // a newer KB replaced this one meanwhile
    if (file && todo.length > 0) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const keep: Record<string, number[]> = {};
      for (const t of texts.flat()) keep[sha(t)] = cache[sha(t)];
      fs.writeFileSync(file, JSON.stringify(keep));
    }
    this.vectors = texts.map((ts) => ts.map((t) => cache[sha(t)]));
  }

  /**
   * Re-rank lexical candidates by (1 − weight) · lexical score + weight · cosine (best variant).
   * Resolves null (keep the lexical ranking) when not ready, on timeout or on any error; never rejects.
   */
  async rerank(text: string, candidates: RerankCandidate[]): Promise<RerankResult | null> {
    const vectors = this.vectors;
    if (!vectors || candidates.length === 0) return null;
    let q: number[];
    let timer: NodeJS.Timeout | undefined;
    try {
      // the abort inside embed() ends the request; the race makes the budget hard even if it does not
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('budget')), this.o.budgetMs + 5)));
      [q] = await Promise.race([this.embed([text], this.o.budgetMs), late]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
    const w = Math.min(1, Math.max(0, this.o.weight));
    const order = candidates.map((c) => {
      const vs = vectors[c.index] ?? [];
      const cos = vs.reduce((m, v) => Math.max(m, cosine(q, v)), 0);
      return { index: c.index, cosine: Math.round(cos * 10000) / 10000, score: Math.round(((1 - w) * c.score + w * cos) * 10000) / 10000 };
    });
    order.sort((a, b) => b.score - a.score);
    return { order };
  }
}
