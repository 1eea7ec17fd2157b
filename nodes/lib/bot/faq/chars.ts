/**
 * Character-level matching for very short messages (2–4 Han characters of content, e.g. 运废 / 退订 / 售后),
 * where one unknown or misspelt word leaves the word index with nothing: an entry scores by the IDF share of
 * the message's characters found in one of its question variants, damped for long variants. Used by
 * FaqIndex.search as a second, weaker source of candidates (a character match alone stays below the answer
 * band; it lifts the right entry into the top 3 for 您是不是想问). Pure.
 */

const HAN = /\p{Script=Han}/u;

/** Han characters of a text, in order, each once. */
export function hanChars(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) if (HAN.test(ch) && !out.includes(ch)) out.push(ch);
  return out;
}

export class CharIndex {
  private readonly post = new Map<string, number[]>();
  private readonly idf = new Map<string, number>();
  /** Per entry: its variants' distinct Han characters (short strings: includes() beats a Set here). */
  private readonly vars: string[][];
  private readonly n: number;

  /** `variants[e]` = the content words of each of entry e's question variants, joined. */
  constructor(variants: string[][]) {
    this.n = variants.length;
    this.vars = variants.map((vs) => vs.map((v) => hanChars(v).join('')));
    this.vars.forEach((vs, e) => {
      const seen = new Set<string>();
      for (const v of vs) for (const c of v) if (!seen.has(c)) {
        seen.add(c);
        let p = this.post.get(c);
        if (!p) this.post.set(c, (p = []));
        p.push(e);
      }
    });
    for (const [c, p] of this.post) this.idf.set(c, Math.log(1 + (this.n - p.length + 0.5) / (p.length + 0.5)));
  }

  /** Best `k` entries for the message characters: [entry, score 0…1], best first. */
  search(chars: string[], k: number): Array<[number, number]> {
    const q = chars.filter((c) => this.idf.has(c));
    let total = 0;
    for (const c of chars) total += this.idf.get(c) ?? Math.log(1 + (this.n - 0.5) / 1.5);
    if (q.length === 0 || total === 0) return [];
    // candidates come from the rare characters only (a common one still counts in the score), so the cost
    // stays flat on large KBs
    const longList = Math.max(20, 0.002 * this.n);
    const cand = new Set<number>();
    for (const c of q) {
      const p = this.post.get(c)!;
      if (p.length <= longList) for (const e of p) cand.add(e);
    }
    const out: Array<[number, number]> = [];
    for (const e of cand) {
      let best = 0;
      for (const v of this.vars[e]) {
        let hit = 0;
        let nHit = 0;
        for (const c of q) if (v.includes(c)) {
          hit += this.idf.get(c)!;
          nHit++;
        }
        if (nHit === 0) continue;
        const s = (hit / total) * Math.pow(nHit / v.length, 0.2);
        if (s > best) best = s;
      }
      if (best > 0) out.push([e, best]);
    }
    out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return out.slice(0, k);
  }
}
