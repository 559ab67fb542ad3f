/**
 * Working days (工作日) after the State Council's holiday calendar, pure: the
 * calendar's data is passed in. A day is a working day when it is a make-up
 * working day (调休上班), or a Monday–Friday that is not a public holiday. A
 * date in a year the calendar has no data for is refused (never guessed), so a
 * deadline is never computed from a calendar nobody has entered yet.
 *
 * Days are Beijing calendar dates 'YYYY-MM-DD'.
 */

/** One year's arrangement: public holidays and make-up working days. */
export interface HolidayYear {
  holidays: string[];
  workdays: string[];
}

export interface HolidayCalendar {
  /** Years whose arrangement is known. */
  years: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

/** A date in a year without holiday data: the caller turns it into a refusal the user reads. */
export class MissingHolidayYear extends Error {
  constructor(readonly year: number) {
    super(`${year}年节假日安排尚未录入，无法计算工作日。请管理员在 config/holidays.json 中录入${year}年国务院办公厅公布的节假日和调休上班日后再试。`);
  }
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Builds a calendar from the package's data and the county's override: a year in
 * the override replaces the package's arrangement of that year entirely.
 */
export function buildCalendar(base: Record<number, HolidayYear>, override: Record<number, HolidayYear> = {}): HolidayCalendar {
  const merged: Record<number, HolidayYear> = { ...base, ...override };
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const [y, data] of Object.entries(merged)) {
    for (const d of data.holidays) if (d.startsWith(`${y}-`)) holidays.add(d);
    for (const d of data.workdays) if (d.startsWith(`${y}-`)) workdays.add(d);
  }
  return { years: new Set(Object.keys(merged).map(Number)), holidays, workdays };
}

function parseDay(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`not a date: ${day}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

const fmt = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Is this day a working day? Throws MissingHolidayYear for a year without data. */
export function isWorkingDay(day: string, cal: HolidayCalendar): boolean {
  const t = parseDay(day);
  const year = Number(day.slice(0, 4));
  if (!cal.years.has(year)) throw new MissingHolidayYear(year);
  if (cal.workdays.has(day)) return true;
  if (cal.holidays.has(day)) return false;
  const weekday = new Date(t).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * The day `n` working days after `day` (not counting `day` itself): 10 working days
 * after 2026-09-30 is 2026-10-20 (the National Day holiday does not count).
 */
export function addWorkingDays(day: string, n: number, cal: HolidayCalendar): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number ≥ 0: ${n}`);
  let t = parseDay(day);
  let left = n;
  while (left > 0) {
    t += 86400_000;
    if (isWorkingDay(fmt(t), cal)) left--;
  }
  return fmt(t);
}

/** Working days after `from` up to and including `to` (0 when `to` ≤ `from`). */
export function workingDaysBetween(from: string, to: string, cal: HolidayCalendar): number {
  let t = parseDay(from);
  const end = parseDay(to);
  let n = 0;
  while (t < end) {
    t += 86400_000;
    if (isWorkingDay(fmt(t), cal)) n++;
  }
  return n;
}
