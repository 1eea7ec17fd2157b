/**
 * A compact Aho–Corasick automaton over UTF-16 code units. Build once, then scan any number of
 * texts in O(text length + matches). Pure, no dependency.
 */

export interface AcHit {
  /** Index of the pattern, in the order patterns were added. */
  pattern: number;
  /** Start offset (UTF-16) of the occurrence in the scanned text. */
  start: number;
  /** End offset (exclusive). */
  end: number;
}

export class AhoCorasick {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private fail: Int32Array = new Int32Array(1);
  /** Nearest proper suffix state that ends a pattern (-1 if none). */
  private dict: Int32Array = new Int32Array(1).fill(-1);
  /** Patterns ending exactly at a state. */
  private readonly out: Array<number[] | undefined> = [undefined];
  private readonly lengths: number[] = [];
  private built = false;
  // flattened after build(): root transitions as a direct table, other states as sorted edge lists (CSR)
  private root: Int32Array = new Int32Array(0);
  private edgeStart: Int32Array = new Int32Array(1);
  private edgeChar: Uint16Array = new Uint16Array(0);
  private edgeTo: Int32Array = new Int32Array(0);
  private outStart: Int32Array = new Int32Array(1);
  private outIds: Int32Array = new Int32Array(0);
  private lens: Int32Array = new Int32Array(0);

  /** Add a pattern; returns its index. Empty patterns are recorded but never match. */
  add(pattern: string): number {
    if (this.built) throw new Error('AhoCorasick: add() after build()');
    const id = this.lengths.length;
    this.lengths.push(pattern.length);
    if (pattern.length === 0) return id;
    let s = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      let t = this.next[s].get(c);
      if (t === undefined) {
        t = this.next.length;
        this.next.push(new Map());
        this.out.push(undefined);
        this.next[s].set(c, t);
      }
      s = t;
    }
    (this.out[s] ??= []).push(id);
    return id;
  }

  get size(): number {
    return this.lengths.length;
  }

  /** Compute failure links (breadth first). Called automatically by scan(). */
  build(): this {
    if (this.built) return this;
    const n = this.next.length;
    this.fail = new Int32Array(n);
    this.dict = new Int32Array(n).fill(-1);
    const queue: number[] = [];
    for (const t of this.next[0].values()) {
      this.fail[t] = 0;
      queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      for (const [c, t] of this.next[s]) {
        let f = this.fail[s];
        while (f !== 0 && !this.next[f].has(c)) f = this.fail[f];
        const g = this.next[f].get(c);
        this.fail[t] = g !== undefined && g !== t ? g : 0;
        const ft = this.fail[t];
        this.dict[t] = this.out[ft] ? ft : this.dict[ft];
        queue.push(t);
      }
    }
    // flatten for scanning
    const root = new Int32Array(65536);
    for (const [c, t] of this.next[0]) root[c] = t;
    const edgeStart = new Int32Array(n + 1);
    let ne = 0;
    for (let i = 0; i < n; i++) {
      edgeStart[i] = ne;
      if (i !== 0) ne += this.next[i].size;
    }
    edgeStart[n] = ne;
    const edgeChar = new Uint16Array(ne);
    const edgeTo = new Int32Array(ne);
    for (let i = 1; i < n; i++) {
      const es = Array.from(this.next[i]).sort((a, b) => a[0] - b[0]);
      let k = edgeStart[i];
      for (const [c, t] of es) {
        edgeChar[k] = c;
        edgeTo[k++] = t;
      }
    }
    const outStart = new Int32Array(n + 1);
    let no = 0;
    for (let i = 0; i < n; i++) {
      outStart[i] = no;
      no += this.out[i]?.length ?? 0;
    }
    outStart[n] = no;
    const outIds = new Int32Array(no);
    for (let i = 0, k = 0; i < n; i++) for (const id of this.out[i] ?? []) outIds[k++] = id;
    this.root = root;
    this.edgeStart = edgeStart;
    this.edgeChar = edgeChar;
    this.edgeTo = edgeTo;
    this.outStart = outStart;
    this.outIds = outIds;
    this.lens = Int32Array.from(this.lengths);
    this.built = true;
    return this;
  }

  /** Transition from a non-root state, or -1. */
  private step(s: number, c: number): number {
    let lo = this.edgeStart[s];
    let hi = this.edgeStart[s + 1] - 1;
    const ch = this.edgeChar;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = ch[mid];
      if (m === c) return this.edgeTo[mid];
      if (m < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Call `onHit` for every occurrence of every pattern in `text` (in order of end offset). Return false from onHit to stop. */
  scan(text: string, onHit: (patternId: number, start: number, end: number) => boolean | void): void {
    if (!this.built) this.build();
    const root = this.root;
    const fail = this.fail;
    const dict = this.dict;
    const outStart = this.outStart;
    const outIds = this.outIds;
    const lens = this.lens;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      for (;;) {
        if (s === 0) {
          s = root[c];
          break;
        }
        const t = this.step(s, c);
        if (t >= 0) {
          s = t;
          break;
        }
        s = fail[s];
      }
      if (s === 0) continue;
      for (let o = outStart[s] !== outStart[s + 1] ? s : dict[s]; o > 0; o = dict[o]) {
        for (let k = outStart[o], e = outStart[o + 1]; k < e; k++) {
          const id = outIds[k];
          if (onHit(id, i + 1 - lens[id], i + 1) === false) return;
        }
      }
    }
  }

  /** All occurrences, as an array. */
  findAll(text: string): AcHit[] {
    const hits: AcHit[] = [];
    this.scan(text, (pattern, start, end) => {
      hits.push({ pattern, start, end });
    });
    return hits;
  }
}
