/**
 * Appends events as JSON lines to `<dir>/events-YYYY-MM-DD[.N].jsonl` (UTC day), rotating to a new file
 * when the day changes or the file would pass `maxBytes`, and deleting files older than `retentionDays`.
 * Lines are buffered and written synchronously on flush() (a timer, a size threshold, or close()),
 * so a line is never split across files and nothing buffered is lost on close. Pure: no Node-RED import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendPrivate, makePrivate, privateDir } from '../state/private-files';

export interface WriterOptions {
  maxBytes: number;
  retentionDays: number;
}

const NAME = /^events-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;
const DAY_MS = 86_400_000;

export const utcDay = (ts: number): string => new Date(ts).toISOString().slice(0, 10);

/** The record's files in write order (day, then part number). */
export function recordFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const key = (n: string) => {
    const m = NAME.exec(n)!;
    return `${m[1]}.${String(Number(m[2] ?? 0)).padStart(6, '0')}`;
  };
  return names.filter((n) => NAME.test(n)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export class EventWriter {
  private buf: string[] = [];
  private bufBytes = 0;
  private file: string | null = null;
  private size = 0;
  private day = '';

  constructor(readonly dir: string, private opt: WriterOptions, private now: () => number = Date.now) {
    privateDir(dir);
  }

  /** Queue one line (without its newline); returns true when the buffer is big enough to flush now. */
  write(line: string): boolean {
    this.buf.push(line);
    this.bufBytes += Buffer.byteLength(line) + 1;
    return this.bufBytes >= 256 * 1024;
  }

  /** Write what is buffered; returns the files written to with their sizes after the write. */
  flush(): Map<string, number> {
    const written = new Map<string, number>();
    if (this.buf.length === 0) return written;
    const lines = this.buf;
    this.buf = [];
    this.bufBytes = 0;
    let chunk: string[] = [];
    let chunkBytes = 0;
    const put = () => {
      if (!chunk.length || !this.file) return;
      const file = path.join(this.dir, this.file);
      try {
        appendPrivate(file, chunk.join(''));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        privateDir(this.dir); // the directory was removed under us
        appendPrivate(file, chunk.join(''));
      }
      this.size += chunkBytes;
      written.set(this.file, this.size);
      chunk = [];
      chunkBytes = 0;
    };
    for (const l of lines) {
      const s = l + '\n';
      const n = Buffer.byteLength(s);
      if (!this.file || this.day !== utcDay(this.now()) || (this.size + chunkBytes + n > this.opt.maxBytes && this.size + chunkBytes > 0)) {
        put();
        this.open();
      }
      chunk.push(s);
      chunkBytes += n;
    }
    put();
    return written;
  }

  /** Pick the file to append to: today's last part, or a new part when that one is full. */
  private open(): void {
    this.day = utcDay(this.now());
    const today = recordFiles(this.dir).filter((n) => n.startsWith(`events-${this.day}`));
    let part = 0;
    if (today.length) {
      const last = today[today.length - 1];
      part = Number(NAME.exec(last)![2] ?? 0);
      const size = fs.statSync(path.join(this.dir, last)).size;
      if (size >= this.opt.maxBytes || last === this.file) part += 1;
    }
    this.file = part === 0 ? `events-${this.day}.jsonl` : `events-${this.day}.${part}.jsonl`;
    try {
      this.size = fs.statSync(path.join(this.dir, this.file)).size;
      makePrivate(path.join(this.dir, this.file)); // written by an older release with the umask's mode
    } catch {
      this.size = 0;
    }
  }

  /** Delete files of days older than the retention; returns the names deleted. */
  prune(): string[] {
    if (!(this.opt.retentionDays > 0)) return [];
    const oldest = utcDay(this.now() - this.opt.retentionDays * DAY_MS);
    const gone: string[] = [];
    for (const n of recordFiles(this.dir)) {
      if (NAME.exec(n)![1] < oldest) {
        try {
          fs.unlinkSync(path.join(this.dir, n));
          gone.push(n);
        } catch {
          /* already gone */
        }
      }
    }
    return gone;
  }
}
