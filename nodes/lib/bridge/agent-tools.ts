/**
 * What the agents' tools keep in the state store: canned replies (快捷回复: one team list, one personal list
 * per agent) and each agent's closed conversations for 30 days, which `search` reads back.
 * Keys (prefix = the bridge's): `canned:team`, `canned:agent:<id>`, `closed:<agent>:<closedAt>:<conversation>`.
 */
import type { ClosedRecord, HistoryItem } from './protocol';
import { MAX_CANNED_PER_LIST, type CannedFrame, type CannedReply } from './tool-frames';
import type { AgentToolsStore } from './types';
import type { StateStore } from '../state/store';

export const CLOSED_KEEP_MS = 30 * 86_400_000;
/** At most this many of an agent's newest closed conversations are read per search, and this many answered. */
const SEARCH_SCAN = 500;
const SEARCH_MAX = 20;

const byShortcut = (x: CannedReply, y: CannedReply) => x.shortcut.localeCompare(y.shortcut);

export class AgentTools implements AgentToolsStore {
  constructor(
    private store: StateStore,
    private prefix: string,
    private onError: (err: Error) => void,
    private now: () => number = Date.now,
  ) {}

  private cannedKey(scope: 'team' | 'personal', agentId: string): string {
    return scope === 'team' ? `${this.prefix}canned:team` : `${this.prefix}canned:agent:${agentId}`;
  }

  async canned(agentId: string, f: CannedFrame): Promise<{ team: CannedReply[]; personal: CannedReply[] }> {
    if (f.op !== 'list') {
      const { shortcut, text } = f as Required<Pick<CannedFrame, 'shortcut'>> & CannedFrame;
      await this.store.update<CannedReply[], void>(this.cannedKey(f.scope!, agentId), (cur) => {
        const list = (cur ?? []).filter((r) => r.shortcut !== shortcut);
        if (f.op === 'set') list.push({ shortcut, text: text! });
        return { value: list.sort(byShortcut).slice(0, MAX_CANNED_PER_LIST), result: undefined };
      });
    }
    const [team, personal] = await Promise.all([this.store.get<CannedReply[]>(this.cannedKey('team', agentId)), this.store.get<CannedReply[]>(this.cannedKey('personal', agentId))]);
    return { team: team ?? [], personal: personal ?? [] };
  }

  closed(rec: ClosedRecord): void {
    const key = `${this.prefix}closed:${rec.agentId}:${rec.closedAt}:${rec.conversationId}`;
    this.store.set(key, rec, { ttlMs: CLOSED_KEEP_MS }).catch((err: Error) => this.onError(err));
  }

  /** The agent's closed conversations of the last 30 days whose customer or history contains `q` (all when blank), newest first. */
  async search(agentId: string, q: string): Promise<ClosedRecord[]> {
    const head = `${this.prefix}closed:${agentId}:`;
    const since = this.now() - CLOSED_KEEP_MS;
    const found: Array<{ key: string; at: number }> = [];
    for await (const key of this.store.keys(head)) {
      const at = Number(key.slice(head.length).split(':', 1)[0]);
      if (at >= since) found.push({ key, at });
    }
    found.sort((x, y) => y.at - x.at);
    const needle = q.toLowerCase();
    const out: ClosedRecord[] = [];
    for (const { key } of found.slice(0, SEARCH_SCAN)) {
      const rec = await this.store.get<ClosedRecord>(key);
      if (rec && (!needle || matches(rec, needle))) out.push(rec);
      if (out.length >= SEARCH_MAX) break;
    }
    return out;
  }
}

const has = (s: string | undefined, needle: string) => typeof s === 'string' && s.toLowerCase().includes(needle);

function matches(rec: ClosedRecord, needle: string): boolean {
  return has(rec.userId, needle) || has(rec.customer?.name, needle) || rec.history.some((h: HistoryItem) => has(h.text, needle));
}
