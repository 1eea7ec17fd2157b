/**
 * Static pages this package serves (the agent console and ops view, the sandbox's pages): the content type by
 * file extension, and the security headers of the console's responses.
 */
import * as path from 'node:path';

/** Content types of the files served, by extension. */
export const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** The content type of a file by its extension, undefined for any other kind. */
export function staticType(file: string): string | undefined {
  return STATIC_TYPES[path.extname(file)];
}

/** The content type of a file of a served folder named in a URL: only plain names (no path) of a known kind. */
export function servedName(name: string): string | undefined {
  return /^[\w.-]+$/.test(name) ? staticType(name) : undefined;
}

/** Scripts only from this origin, no inline code, no framing. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob: https: http:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers on every console, ops and metrics response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
