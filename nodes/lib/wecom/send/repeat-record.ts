/**
 * The intended-repeat record, kept in the StateStore so it survives restarts and deploys.
 *
 * message/send goes out with enable_duplicate_check, so that a retry of a send WeCom may already have
 * taken is not shown twice. But WeCom also swallows an *intended* identical message inside the interval
 * (the same answer to the same question a minute later, after a restart too). Each send part has a stable
 * id (outbox entry + part); the record says which send last carried this body to these recipients:
 *   - none, or this same send (a retry or a replay after a crash) → keep the check (WeCom drops a double);
 *   - another send → an intended repeat → send without the check.
 * The record is written before the call, so a crash after WeCom took the message still finds it.
 */
import { createHash } from 'node:crypto';
import type { StateStore } from '../../state/store';

export class RepeatRecord {
  constructor(
    private readonly store: StateStore,
    /** enable_duplicate_check interval, s (0 = the check is off). */
    private readonly intervalSec: number,
  ) {}

  /** The duplicate_check_interval to send this part with (0 = without the check). */
  async checkFor(body: unknown, sendId: string): Promise<number> {
    if (this.intervalSec <= 0) return 0;
    const key = 'repeat:' + createHash('sha256').update(JSON.stringify(body)).digest('base64url');
    const prev = await this.store.update<string, string | undefined>(key, (cur) => ({
      value: sendId,
      result: cur,
      ttlMs: this.intervalSec * 1000,
    }));
    return prev !== undefined && prev !== sendId ? 0 : this.intervalSec;
  }
}
