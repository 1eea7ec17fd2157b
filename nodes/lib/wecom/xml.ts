/**
 * XML for WeCom callbacks: parse the envelope and the inner message with fast-xml-parser
 * (entities and DTDs off, every value kept as a string so 64-bit ids survive), and build
 * passive-reply XML.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { scanWecomXml } from './xml-scan';

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: false,
});

/** Any DTD or entity declaration is refused outright (XXE and entity expansion). */
const FORBIDDEN = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;

export type XmlRecord = Record<string, unknown>;

/**
 * Parse `<xml>…</xml>` and return its children (strings, or nested records).
 * WeCom's own documents take a strict fast path (xml-scan.ts); anything it does not recognise
 * goes through fast-xml-parser, which validates it and gives the same result shape.
 */
export function parseXml(text: string): XmlRecord {
  if (typeof text !== 'string') throw new XmlError('empty body');
  // The scanner only takes <xml>, elements and CDATA: a DTD or entity never passes it.
  return scanWecomXml(text) ?? parseGeneral(text);
}

/** The general path: fast-xml-parser with validation (exported for tests of the fast path). */
export function parseGeneral(text: string): XmlRecord {
  if (text.trim() === '') throw new XmlError('empty body');
  if (FORBIDDEN.test(text)) throw new XmlError('DTD and entity declarations are not allowed');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`malformed XML: ${valid.err.msg}`);
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (err) {
    throw new XmlError(`malformed XML: ${(err as Error).message}`);
  }
  const root = (doc as XmlRecord | undefined)?.xml;
  if (root === '') return {};
  if (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new XmlError('the document has no <xml> root element');
  }
  return root as XmlRecord;
}

/** A field of a parsed record as a string ('' when absent or not a scalar). */
export function str(rec: XmlRecord, key: string): string {
  const v = rec[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

/** Build `<xml>` from a flat or nested record; numbers bare, strings in CDATA. */
export function buildXml(fields: Record<string, unknown>): string {
  return `<xml>${buildChildren(fields)}</xml>`;
}

function buildChildren(fields: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) out += `<${k}>${typeof item === 'object' ? buildChildren(item as Record<string, unknown>) : cdata(String(item))}</${k}>`;
    } else if (typeof v === 'object') out += `<${k}>${buildChildren(v as Record<string, unknown>)}</${k}>`;
    else if (typeof v === 'number') out += `<${k}>${v}</${k}>`;
    else out += `<${k}>${cdata(String(v))}</${k}>`;
  }
  return out;
}
