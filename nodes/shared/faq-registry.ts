/**
 * The FAQ indexes of the running faq-lookup nodes, by node id, so an ai-answer node retrieves from the same
 * knowledge base (through FaqIndex's public search only). Removed when the faq-lookup node closes.
 */
import type { Node } from 'node-red';
import type { FaqIndex } from '../lib/bot/faq/search-index';

const indexes = new Map<string, () => FaqIndex | null>();

/** faq-lookup: make this node's current index available (read at each message: a reloaded KB is seen). */
export function publishFaqIndex(node: Node, current: () => FaqIndex | null): void {
  indexes.set(node.id, current);
  node.on('close', () => indexes.delete(node.id));
}

/** The index of faq-lookup `id`; without an id, the only running faq-lookup's (null when none or several). */
export function faqIndexOf(id?: string): FaqIndex | null {
  if (id) return indexes.get(id)?.() ?? null;
  return indexes.size === 1 ? ([...indexes.values()][0]() ?? null) : null;
}
