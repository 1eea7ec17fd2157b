/** How the bot nodes (keyword-match, faq-lookup) read msg.payload. Pure. */

/** The text of a payload: a string as is, nothing ('' for undefined or null), anything else through String(). */
export function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  return payload === undefined || payload === null ? '' : String(payload);
}

/** A message that only updates a node (msg.rules, msg.kb) and has nothing to answer. */
export function noPayload(payload: unknown): boolean {
  return payload === undefined || payload === null || payload === '';
}
