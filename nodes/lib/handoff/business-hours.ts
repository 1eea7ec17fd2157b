/**
 * Business hours: a weekly schedule in a time zone (default Asia/Shanghai) plus holiday dates.
 * Schedule text, one or more entries separated by `;` or new lines:
 *   "mon-fri 09:00-18:00; sat 10:00-14:00"   days: mon tue wed thu fri sat sun, ranges and lists (mon,wed)
 * An empty schedule means always open. Holidays are local dates "YYYY-MM-DD" (closed all day).
 * Uses Intl.DateTimeFormat only (no time-zone database of our own).
 */

export interface BusinessHours {
  timeZone: string;
  /** Per weekday (0 = Sunday … 6 = Saturday): open intervals in minutes since local midnight, [start, end). */
  week: Array<Array<[number, number]>>;
  holidays: Set<string>;
  /** True when no schedule was given: always open (holidays still close). */
  always: boolean;
}

export class ScheduleError extends Error {}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseTime(t: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t);
  if (!m) throw new ScheduleError(`bad time "${t}"`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) throw new ScheduleError(`bad time "${t}"`);
  return h * 60 + min;
}

function parseDays(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map((s) => DAYS.indexOf(s.trim().toLowerCase().slice(0, 3)));
    if (a < 0 || (b !== undefined && b < 0)) throw new ScheduleError(`bad day "${part}"`);
    if (b === undefined) out.push(a);
    else for (let d = a; ; d = (d + 1) % 7) {
      out.push(d);
      if (d === b) break;
    }
  }
  return out;
}

export function parseBusinessHours(schedule: string, holidays: string | string[] = '', timeZone = 'Asia/Shanghai'): BusinessHours {
  const tz = timeZone.trim() || 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new ScheduleError(`unknown time zone "${tz}"`);
  }
  const week: Array<Array<[number, number]>> = DAYS.map(() => []);
  const entries = schedule.split(/[;\n]/).map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const m = /^(\S+)\s+(.+)$/.exec(entry);
    if (!m) throw new ScheduleError(`bad entry "${entry}"`);
    const days = parseDays(m[1]);
    for (const range of m[2].split(/[,\s]+/).filter(Boolean)) {
      const [s, e] = range.split('-');
      if (e === undefined) throw new ScheduleError(`bad range "${range}"`);
      const start = parseTime(s);
      const end = parseTime(e);
      if (end <= start) throw new ScheduleError(`bad range "${range}"`);
      for (const d of days) week[d].push([start, end]);
    }
  }
  const list = Array.isArray(holidays) ? holidays : holidays.split(/[\s,;]+/);
  const hol = new Set<string>();
  for (const h of list.map((s) => s.trim()).filter(Boolean)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h)) throw new ScheduleError(`bad holiday "${h}"`);
    hol.add(h);
  }
  return { timeZone: tz, week, holidays: hol, always: entries.length === 0 };
}

export interface LocalTime {
  /** YYYY-MM-DD in the schedule's time zone. */
  date: string;
  weekday: number;
  minutes: number;
}

export function localTime(at: number, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    weekday: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

export function isOpen(bh: BusinessHours, at: number): boolean {
  const t = localTime(at, bh.timeZone);
  if (bh.holidays.has(t.date)) return false;
  if (bh.always) return true;
  return bh.week[t.weekday].some(([s, e]) => t.minutes >= s && t.minutes < e);
}
