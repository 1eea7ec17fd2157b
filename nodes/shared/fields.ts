/** Field parsing of the node kit: the pure helpers live in nodes/lib/fields.ts (the core reads configs too). */
export { numField } from '../lib/fields';
