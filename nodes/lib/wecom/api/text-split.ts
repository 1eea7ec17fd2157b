/**
 * Split text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character (code point;
 * surrogate pairs stay together). Prefers to break after a newline, then after sentence punctuation
 * or a space, when one lies in the second half of the piece. Joining the pieces gives the input back.
 */
export const MAX_TEXT_BYTES = 2048;

const BREAK_AFTER = /[\n。！？!?；;，,、 ]/u;

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function splitUtf8(text: string, maxBytes = MAX_TEXT_BYTES): string[] {
  if (maxBytes < 4) throw new RangeError('maxBytes must be at least 4');
  if (utf8Length(text) <= maxBytes) return [text];
  const chars = Array.from(text);
  const out: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let bytes = 0;
    let end = start;
    let lastBreak = -1;
    while (end < chars.length) {
      const b = utf8Length(chars[end]);
      if (bytes + b > maxBytes) break;
      bytes += b;
      if (BREAK_AFTER.test(chars[end])) lastBreak = end + 1;
      end++;
    }
    if (end < chars.length && lastBreak > start + (end - start) / 2) end = lastBreak;
    out.push(chars.slice(start, end).join(''));
    start = end;
  }
  return out;
}
