/**
 * A handoff node's configuration (the fields of its dialog, as deployed) read into the engine's options, pure:
 * word lists, timings in the chosen unit, business hours, notice texts, agent groups. Throws a clear Error for
 * a word list or schedule that cannot be used.
 */
import type { GroupOptions, HandoffOptions } from './engine';
import { compileWordList, DEFAULT_CANCEL_WORDS, DEFAULT_TRANSFER_EXCLUDE, DEFAULT_TRANSFER_WORDS, splitList } from './transfer-words';
import { parseBusinessHours } from './business-hours';
import { HANDOFF_TEXTS, type HandoffTexts } from '../user-texts';
import { flagOf, numOf } from '../config/schema';
import { handoffSchema } from '../config/handoff';

const F = handoffSchema.fields;

export interface HandoffConfig {
  transferWords?: string;
  transferMode?: string;
  transferExclude?: string;
  cancelWords?: string;
  cancelMode?: string;
  cancelExclude?: string;
  missThreshold?: number | string;
  idleTimeout?: number | string;
  idleUnit?: string;
  queueTimeout?: number | string;
  transcriptMax?: number | string;
  schedule?: string;
  holidays?: string;
  timeZone?: string;
  botWhileQueued?: boolean | string;
  /** Rows {type: 'kf'|'app', id: open_kfid|AgentID, group} of the group mapping. */
  groupMap?: Array<{ type?: string; id?: string; group?: string }>;
  groupFallback?: string;
  /** 微信客服: replies of the customer's 5 agents leave for the closing notice (0–4, default 1). */
  reserveClose?: number | string;
  /** Ask for a satisfaction rating (满意度) with the closing notice when an agent closes. */
  rating?: boolean | string;
  /** `<key>Text` for each notice of HandoffTexts: blank → the default, "-" → not sent. */
  [text: string]: unknown;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
const TEXT_KEYS = Object.keys(HANDOFF_TEXTS) as Array<keyof HandoffTexts>;

/** A word list field: blank → the default, "-" → none. */
function listField(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return v.trim() === '-' ? '' : v;
}

/** The notices: each `<key>Text` field, blank → the default (user-texts.ts), "-" → '' (not sent). */
export function noticeTexts(def: HandoffConfig): HandoffTexts {
  const texts = {} as HandoffTexts;
  for (const k of TEXT_KEYS) {
    const v = def[`${k}Text`];
    texts[k] = typeof v === 'string' && v.trim() !== '' ? (v.trim() === '-' ? '' : v) : HANDOFF_TEXTS[k];
  }
  return texts;
}

/** The editor's group mapping as the engine takes it: `kf:<open_kfid>` / `app:<AgentID>` → group. */
export function groupOptions(def: HandoffConfig): GroupOptions | undefined {
  const rows = Array.isArray(def.groupMap) ? def.groupMap : [];
  const map: Record<string, string> = {};
  for (const r of rows) {
    const id = String(r?.id ?? '').trim();
    const group = String(r?.group ?? '').trim();
    if (id && group) map[`${r.type === 'app' ? 'app' : 'kf'}:${id}`] = group;
  }
  const fallback = def.groupFallback === 'any';
  return Object.keys(map).length || fallback ? { map, fallback } : undefined;
}

/** The engine's options for a node's configuration (native transfer is the adapter's: it needs the account). */
export function handoffOptions(def: HandoffConfig): HandoffOptions {
  const transfer = compileWordList(
    { words: listField(def.transferWords), mode: def.transferMode, exclude: listField(def.transferExclude) },
    { words: DEFAULT_TRANSFER_WORDS, mode: 'word', exclude: DEFAULT_TRANSFER_EXCLUDE },
  );
  const cancel = compileWordList(
    { words: listField(def.cancelWords), mode: def.cancelMode, exclude: listField(def.cancelExclude) },
    { words: DEFAULT_CANCEL_WORDS, mode: 'contains', exclude: [] },
  );
  const schedule = def.schedule ?? '';
  const holidays = def.holidays ?? '';
  const hours = schedule.trim() || holidays.trim() ? parseBusinessHours(schedule, holidays, def.timeZone || 'Asia/Shanghai') : null;
  const unit = UNIT_MS[def.idleUnit ?? 'min'] ?? 60_000;
  return {
    transfer,
    cancel,
    missThreshold: Math.max(1, Math.floor(numOf(F.missThreshold, def.missThreshold))),
    idleMs: numOf(F.idleTimeout, def.idleTimeout) * unit,
    // a queue that never times out can trap a user: 10 (idle units) unless set
    queueMs: numOf(F.queueTimeout, def.queueTimeout) * unit,
    transcriptMax: Math.max(1, Math.floor(numOf(F.transcriptMax, def.transcriptMax))),
    hours,
    texts: noticeTexts(def),
    cancelWord: (splitList(listField(def.cancelWords)) ?? DEFAULT_CANCEL_WORDS).find((w) => !w.startsWith('/')) ?? '',
    botWhileQueued: flagOf(F.botWhileQueued, def.botWhileQueued),
    groups: groupOptions(def),
    reserveClose: Math.floor(numOf(F.reserveClose, def.reserveClose)),
    rating: flagOf(F.rating, def.rating),
  };
}
