/**
 * The event record as one object: events go to the JSON-lines files (writer.ts) and into the hour index
 * (rollup.ts) at the same time. The index is saved beside the files (`index.json`, with the byte offset
 * of every file it has read) and, on open, only what was written after the last save is read again,
 * so a restart costs the tail of the record, not the record. Without a directory it keeps the index in
 * memory only. Pure: no Node-RED import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeEvent, parseEvent, type OpsEvent } from './event';
import { EventWriter, recordFiles } from './writer';
import { Rollup, type Summary } from './rollup';
import { clusterUnanswered, type UnansweredGroup } from './cluster';
import { replacePrivate } from '../state/private-files';

export interface OpsLogOptions {
  /** Directory of the record; null keeps the index in memory only. */
  dir: string | null;
  /** Start a new file past this size (bytes). */
  maxBytes?: number;
  /** Delete files and index hours older than this many days (0 = keep everything). */
  retentionDays?: number;
  /** Write buffered lines this often (ms). */
  flushMs?: number;
  /** Save the index at most this often (ms). */
  indexMs?: number;
  now?: () => number;
  /** A background write failed (the timer's flush); the lines of that write are lost. */
  onError?: (err: Error) => void;
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_RETENTION_DAYS = 30;
const INDEX = 'index.json';
const SOURCE = 'source';
const DAY_MS = 86_400_000;

interface IndexFile {
  v: 1;
  offsets: Record<string, number>;
  rollup: unknown;
}

/** Read `file` from byte `start` in chunks, calling onLine for every complete line; returns the offset after the last one. */
export function readLines(file: string, start: number, onLine: (line: string) => void): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let pos = start;
  let rest = '';
  let restBytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      // cut at the last newline so a multi-byte character is never split
      const last = buf.lastIndexOf(10, n - 1);
      if (last < 0) {
        rest += buf.toString('utf8', 0, n);
        restBytes += n;
        continue;
      }
      const text = rest + buf.toString('utf8', 0, last);
      const tail = n - last - 1;
      rest = buf.toString('utf8', last + 1, n);
      restBytes = tail;
      let i = 0;
      for (;;) {
        const j = text.indexOf('\n', i);
        if (j < 0) {
          if (i < text.length) onLine(text.slice(i));
          break;
        }
        if (j > i) onLine(text.slice(i, j));
        i = j + 1;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return pos - restBytes; // a torn last line is read again next time
}

/** The record's source id kept in `<dir>/source` (written on first use). */
function sourceOf(dir: string, fresh: string): string {
  const file = path.join(dir, SOURCE);
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{16}$/.test(id)) return id;
  } catch {
    /* first run on this directory */
  }
  replacePrivate(file, fresh);
  return fresh;
}

export class OpsLog {
  rollup = new Rollup();
  private writer: EventWriter | null = null;
  private offsets: Record<string, number> = {};
  private listeners = new Set<(e: OpsEvent) => void>();
  private flushTimer: NodeJS.Timeout | null = null;
  private lastIndexSave = 0;
  private dirty = false;
  readonly now: () => number;
  readonly retentionDays: number;
  /** Who wrote this record, the same across restarts on one directory (shared-rollup.ts publishes under it). */
  readonly source: string;

  constructor(readonly opt: OpsLogOptions) {
    this.now = opt.now ?? Date.now;
    this.retentionDays = opt.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.source = randomBytes(8).toString('hex');
    if (!opt.dir) return;
    this.writer = new EventWriter(opt.dir, { maxBytes: opt.maxBytes ?? DEFAULT_MAX_BYTES, retentionDays: this.retentionDays }, this.now);
    this.source = sourceOf(opt.dir, this.source);
    this.load();
  }

  get dir(): string | null {
    return this.opt.dir;
  }

  /** Load the saved index and read what the files hold beyond it. */
  private load(): void {
    const dir = this.opt.dir!;
    try {
      const idx = JSON.parse(fs.readFileSync(path.join(dir, INDEX), 'utf8')) as IndexFile;
      if (idx && idx.v === 1) {
        this.rollup = Rollup.fromJSON(idx.rollup);
        this.offsets = idx.offsets ?? {};
      }
    } catch {
      /* no index yet, or unreadable: rebuild from the files */
    }
    this.writer!.prune();
    const files = recordFiles(dir);
    for (const name of Object.keys(this.offsets)) if (!files.includes(name)) delete this.offsets[name];
    for (const name of files) {
      const full = path.join(dir, name);
      const size = fs.statSync(full).size;
      const from = this.offsets[name] ?? 0;
      if (size <= from) continue;
      this.offsets[name] = readLines(full, from, (line) => {
        const e = parseEvent(line);
        if (e) this.rollup.add(e);
      });
      this.dirty = true;
    }
    if (this.retentionDays > 0) this.rollup.prune(this.now() - this.retentionDays * DAY_MS);
    this.rollup.resetTotals();
    if (this.dirty) this.saveIndex();
  }

  /** Record one event (type and fields as in event.ts); returns it, or null when the type is unknown. */
  record(type: string, fields: Record<string, unknown>): OpsEvent | null {
    const e = makeEvent(type, fields, this.now());
    if (!e) return null;
    this.add(e);
    return e;
  }

  add(e: OpsEvent): void {
    this.rollup.add(e);
    this.dirty = true;
    if (this.writer) {
      if (this.writer.write(JSON.stringify(e))) this.flush();
      else this.later();
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** One timer at a time, only while lines wait: nothing keeps running once the record is idle. */
  private later(): void {
    const ms = this.opt.flushMs ?? 1000;
    if (this.flushTimer || ms <= 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      try {
        this.flush();
      } catch (err) {
        this.opt.onError?.(err as Error);
      }
    }, ms);
    this.flushTimer.unref();
  }

  /** Listen to every recorded event; returns the function that stops listening. */
  subscribe(fn: (e: OpsEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Write buffered lines; save the index when it is due (or `force`). */
  flush(force = false): void {
    if (!this.writer) return;
    for (const [name, size] of this.writer.flush()) this.offsets[name] = size;
    const due = force || this.now() - this.lastIndexSave >= (this.opt.indexMs ?? 30_000);
    if (this.dirty && due) {
      const gone = this.writer.prune();
      for (const n of gone) delete this.offsets[n];
      if (this.retentionDays > 0) this.rollup.prune(this.now() - this.retentionDays * DAY_MS);
      this.saveIndex();
    }
  }

  private saveIndex(): void {
    const dir = this.opt.dir!;
    const body: IndexFile = { v: 1, offsets: this.offsets, rollup: this.rollup.toJSON() };
    replacePrivate(path.join(dir, INDEX), JSON.stringify(body));
    this.lastIndexSave = this.now();
    this.dirty = false;
  }

  summary(from: number, to: number): Summary {
    return this.rollup.summary(from, to);
  }

  unanswered(from: number, to: number): UnansweredGroup[] {
    return clusterUnanswered(this.rollup.unansweredIn(from, to));
  }

  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    try {
      this.flush(true);
    } catch {
      /* the disk went away; nothing more to do */
    }
    this.listeners.clear();
  }
}
