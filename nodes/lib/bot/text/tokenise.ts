/**
 * Chinese-aware tokenisation on top of normalise(): jieba words (jieba-wasm, pure WASM, no native
 * build) and character bigrams. Pure: no Node-RED import.
 */
import { cut } from 'jieba-wasm';
import { normalise } from './normalise';

/** A word with its UTF-16 offsets in the normalised text. */
export interface Span {
  word: string;
  start: number;
  end: number;
}

/** jieba words (HMM on) of an ALREADY normalised text, with offsets; spaces are dropped. */
export function spansOfNormalised(norm: string): Span[] {
  const out: Span[] = [];
  if (!norm) return out;
  let pos = 0;
  for (const w of cut(norm, true)) {
    const start = pos;
    pos += w.length;
    if (w.trim() !== '') out.push({ word: w, start, end: pos });
  }
  return out;
}

/** jieba words of an already normalised text (no spaces). */
export function wordsOfNormalised(norm: string): string[] {
  return spansOfNormalised(norm).map((s) => s.word);
}

/** normalise(text), then jieba `cut` (HMM on); whitespace tokens dropped. */
export function words(text: string): string[] {
  return wordsOfNormalised(normalise(text));
}

const HAN = /\p{Script=Han}/u;

/** Character bigrams of every run of Han characters in an already normalised text (a 1-char run gives itself). */
export function bigramsOfNormalised(norm: string): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]);
    for (let i = 0; i + 1 < run.length; i++) out.push(run[i] + run[i + 1]);
    run = [];
  };
  for (const ch of norm) {
    if (HAN.test(ch)) run.push(ch);
    else flush();
  }
  flush();
  return out;
}

/** normalise(text), then Han character bigrams (a lone Han character gives itself). */
export function bigrams(text: string): string[] {
  return bigramsOfNormalised(normalise(text));
}
