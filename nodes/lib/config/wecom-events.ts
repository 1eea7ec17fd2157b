/** wecom-events' fields (nodes/wecom-events/wecom-events.html). */
import { defineSchema, text } from './schema';

export const wecomEventsSchema = defineSchema('wecom-events', { name: text(), types: text() }, [{ to: 1, note: 'versioned (no field changed)', up: (c) => c }]);
