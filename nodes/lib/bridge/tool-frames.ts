/**
 * The agent's daily tools in the agent protocol (docs/agent-protocol.md, "Agent tools"): status (在线 / 忙碌 /
 * 离开), internal notes on a conversation, canned replies (快捷回复, a team and a personal list) and search over
 * the agent's closed conversations. Parsed here; agent-protocol.ts's parseAgentFrame hands these types over.
 */
export const AGENT_STATUSES = ['online', 'busy', 'away'] as const;
/** online takes new conversations; busy and away keep theirs but are offered none. */
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface StatusFrame {
  type: 'status';
  status: AgentStatus;
  id?: string | number;
}
/** An internal note on a conversation: kept in its history (from: 'note'), never sent to the customer. */
export interface NoteFrame {
  type: 'note';
  conversationId: string;
  text: string;
  agentId?: string;
  id?: string | number;
}
export type CannedScope = 'team' | 'personal';
export interface CannedReply {
  /** What follows `/` in the reply box: letters, digits, CJK, _ and - (1–32). */
  shortcut: string;
  /** The text, with {customer.name} and {agent.name} filled in when inserted. */
  text: string;
}
/** List (no op), set (add or replace by shortcut) or delete a canned reply; answered by an ack with `canned`. */
export interface CannedFrame {
  type: 'canned';
  op: 'list' | 'set' | 'delete';
  scope?: CannedScope;
  shortcut?: string;
  text?: string;
  id?: string | number;
}
/** Search the agent's closed conversations of the last 30 days; answered by an ack with `results`. */
export interface SearchFrame {
  type: 'search';
  q: string;
  id?: string | number;
}
export type ToolFrame = StatusFrame | NoteFrame | CannedFrame | SearchFrame;
export const TOOL_TYPES: ReadonlySet<string> = new Set(['status', 'note', 'canned', 'search']);

export const MAX_NOTE_CHARS = 2000;
export const MAX_CANNED_CHARS = 2000;
export const MAX_CANNED_PER_LIST = 200;
const SHORTCUT_RE = /^[\p{L}\p{N}_-]{1,32}$/u;

/** A valid canned-reply shortcut. */
export function validShortcut(v: unknown): v is string {
  return typeof v === 'string' && SHORTCUT_RE.test(v);
}

/** Fill {customer.name} and {agent.name} (unknown variables stay as written). */
export function fillCanned(text: string, vars: { customer?: string; agent?: string }): string {
  return text.replace(/\{(customer|agent)\.name\}/g, (m, who: 'customer' | 'agent') => vars[who] ?? m);
}

type Bad = (field: string, why: string) => Error;

/** Parse a tool frame's fields (`o` is the JSON object, `type` one of TOOL_TYPES). */
export function parseToolFrame(type: string, o: Record<string, unknown>, id: string | number | undefined, bad: Bad): ToolFrame {
  const text = (field: string, max: number): string => {
    const v = o[field];
    if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw bad(field, `a non-empty string of at most ${max} characters`);
    return v;
  };
  switch (type) {
    case 'status':
      if (!AGENT_STATUSES.includes(o.status as AgentStatus)) throw bad('status', 'one of online, busy, away');
      return { type, status: o.status as AgentStatus, id };
    case 'note':
      return { type, conversationId: text('conversationId', 512), text: text('text', MAX_NOTE_CHARS), id };
    case 'canned': {
      const op = o.op === undefined ? 'list' : o.op;
      if (op !== 'list' && op !== 'set' && op !== 'delete') throw bad('op', 'list, set or delete');
      const f: CannedFrame = { type, op, id };
      if (op === 'list') return f;
      if (o.scope !== 'team' && o.scope !== 'personal') throw bad('scope', '"team" or "personal"');
      if (!validShortcut(o.shortcut)) throw bad('shortcut', 'letters, digits, _ or - (1–32)');
      f.scope = o.scope;
      f.shortcut = o.shortcut;
      if (op === 'set') f.text = text('text', MAX_CANNED_CHARS);
      return f;
    }
    default: {
      const q = o.q;
      if (typeof q !== 'string' || q.length > 100) throw bad('q', 'a string of at most 100 characters');
      return { type: 'search', q: q.trim(), id };
    }
  }
}
