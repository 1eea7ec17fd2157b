/**
 * The simulator's in-memory WeCom: tokens, media, app delivery limits, 微信客服 sessions, the kf
 * message log read by sync_msg, one-time codes, and what each user received (records).
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { SimDirectory } from './profiles';

export interface SimRecord {
  seq: number;
  ts: number;
  direction: 'user' | 'bot';
  channel: 'app' | 'kf';
  userId: string;
  openKfId?: string;
  msgtype: string;
  text: string;
  data?: unknown;
}

/** A temporary media: uploaded by the app, or sent by a user (served by media/get). */
export interface SimMedia {
  type: string;
  size: number;
  filename: string;
  data?: Buffer;
  contentType?: string;
}

export interface KfSession {
  openKfId: string;
  userId: string;
  /** service_state 0..4 */
  state: number;
  servicer?: string;
  lastCustomerAt: number;
  repliesSinceCustomer: number;
}

export interface Faults {
  errorRate: number;
  latencyMs: number;
}

export const rand = (bytes = 16): string => randomBytes(bytes).toString('hex');

export class SimState extends EventEmitter {
  readonly tokens = new Map<string, { who: 'agent' | 'kf'; expiresAt: number }>();
  readonly currentToken = new Map<'agent' | 'kf', string>();
  readonly media = new Map<string, SimMedia>();
  /** userId → send times (ms) of app messages, for the 30/min rule. */
  readonly appSends = new Map<string, number[]>();
  /** enable_duplicate_check: body → time. */
  readonly dupBodies = new Map<string, number>();
  readonly sessions = new Map<string, KfSession>();
  /** open_kfid → sync_msg entries in arrival order. */
  readonly kfLog = new Map<string, Array<Record<string, unknown>>>();
  readonly kfMsgIds = new Map<string, Set<string>>();
  /** sync_msg tokens handed out in callbacks (10 min). */
  readonly syncTokens = new Map<string, number>();
  /** welcome / event codes: code → info */
  readonly codes = new Map<string, { expiresAt: number; used: boolean; openKfId: string; userId: string }>();
  readonly counters: Record<string, number> = { gettoken: 0 };
  readonly list: SimRecord[] = [];
  /** Who each user is (kf/customer/batchget, user/get). */
  readonly directory = new SimDirectory();
  faults: Faults = { errorRate: 0, latencyMs: 0 };
  private seq = 0;
  private msgSeq = 7000000000000000000n;

  constructor(readonly openKfIds: string[]) {
    super();
    for (const id of openKfIds) {
      this.kfLog.set(id, []);
      this.kfMsgIds.set(id, new Set());
    }
  }

  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  nextMsgId(): string {
    this.msgSeq += BigInt(1 + Math.floor(Math.random() * 1000));
    return this.msgSeq.toString();
  }

  record(r: Omit<SimRecord, 'seq' | 'ts'>): SimRecord {
    const rec: SimRecord = { seq: ++this.seq, ts: Date.now(), ...r };
    this.list.push(rec);
    this.emit('record', rec);
    return rec;
  }

  records(since = 0): SimRecord[] {
    return this.list.filter((r) => r.seq > since);
  }

  session(openKfId: string, userId: string): KfSession | undefined {
    return this.sessions.get(`${openKfId}\n${userId}`);
  }

  ensureSession(openKfId: string, userId: string): { s: KfSession; isNew: boolean } {
    const key = `${openKfId}\n${userId}`;
    let s = this.sessions.get(key);
    if (s) return { s, isNew: false };
    s = { openKfId, userId, state: 0, lastCustomerAt: 0, repliesSinceCustomer: 0 };
    this.sessions.set(key, s);
    return { s, isNew: true };
  }
}
