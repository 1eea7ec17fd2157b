/**
 * A strict scanner for the XML WeCom actually sends: `<xml>` with child elements that hold CDATA,
 * plain text or further child elements — no attributes, comments, entities or repeated names.
 * It returns exactly what the general parser (fast-xml-parser, see xml.ts) returns for such a
 * document: CDATA kept verbatim, plain text trimmed, empty elements as ''. For anything else it
 * returns null and the caller uses the general parser.
 */

type Rec = Record<string, unknown>;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45; // 0-9 . -
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Children of an element whose open tag ends just before `i`; null if not in the simple shape. */
function children(s: string, i: number, parent: string, depth: number): { rec: Rec; end: number } | null {
  if (depth > 8) return null;
  const rec: Rec = {};
  for (;;) {
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 60 /* < */) return null;
    if (s.charCodeAt(i + 1) === 47 /* / */) {
      const close = `</${parent}>`;
      return s.startsWith(close, i) ? { rec, end: i + close.length } : null;
    }
    let j = i + 1;
    if (!isNameStart(s.charCodeAt(j))) return null;
    while (j < s.length && isNameChar(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 62 /* > */) return null;
    const name = s.slice(i + 1, j);
    if (Object.prototype.hasOwnProperty.call(rec, name)) return null;
    const close = `</${name}>`;
    i = j + 1;
    let value: unknown;
    if (s.startsWith('<![CDATA[', i)) {
      const k = s.indexOf(']]>', i + 9);
      if (k < 0 || !s.startsWith(close, k + 3)) return null;
      value = s.slice(i + 9, k);
      i = k + 3 + close.length;
    } else {
      const k = s.indexOf('<', i);
      if (k < 0) return null;
      const text = s.slice(i, k);
      if (s.startsWith(close, k)) {
        if (text.includes('&') || text.includes('>')) return null;
        value = text.trim();
        i = k + close.length;
      } else if (text.trim() === '' && isNameStart(s.charCodeAt(k + 1))) {
        const nested = children(s, k, name, depth + 1);
        if (!nested) return null;
        value = nested.rec;
        i = nested.end;
      } else return null;
    }
    rec[name] = value;
  }
}

export function scanWecomXml(s: string): Rec | null {
  const i = skipWs(s, 0);
  if (!s.startsWith('<xml>', i)) return null;
  const got = children(s, i + 5, 'xml', 0);
  if (!got || skipWs(s, got.end) !== s.length) return null;
  return got.rec;
}
