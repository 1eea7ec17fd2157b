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
    this.built = true;
    return this;
  }

  /** Call `onHit` for every occurrence of every pattern in `text` (in order of end offset). Return false from onHit to stop. */
  scan(text: string, onHit: (patternId: number, start: number, end: number) => boolean | void): void {
    if (!this.built) this.build();
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let t = this.next[s].get(c);
      while (t === undefined && s !== 0) {
        s = this.fail[s];
        t = this.next[s].get(c);
      }
      s = t ?? 0;
      for (let o = this.out[s] ? s : this.dict[s]; o > 0; o = this.dict[o]) {
        const ids = this.out[o]!;
        for (const id of ids) {
          const len = this.lengths[id];
          if (onHit(id, i + 1 - len, i + 1) === false) return;
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
