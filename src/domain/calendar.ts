/**
 * The inspection calendar (R10), pure: A-pool inspections in June; B-pool in
 * June and September; the rest of the year is the enterprise quiet period
 * (企业安静期). C-pool inspections are never restricted. A county may set other
 * months for a year; R10's months are the default.
 *
 * Dates are calendar days in China Standard Time (UTC+8, no daylight saving),
 * so an instant is turned into its Beijing date before any comparison.
 */
import type { Pool } from './pools';

export type Month = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;

export interface WindowMonths {
  A: Month[];
  B: Month[];
}

export interface CalendarConfig {
  /** R10 unless a year says otherwise. */
  defaults: WindowMonths;
  /** Per-year changes, e.g. { 2027: { B: [6, 10] } }. */
  years?: Record<number, Partial<WindowMonths>>;
}

export const R10_CALENDAR: CalendarConfig = { defaults: { A: [6], B: [6, 9] } };

const CST_OFFSET_MS = 8 * 3600_000;

/** The Beijing calendar date of an instant, as 'YYYY-MM-DD'. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Beijing date and time of an instant, as 'YYYY-MM-DD HH:mm'. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** The months a pool may be inspected in that year; undefined for C (any time). */
export function windowMonths(pool: Pool, year: number, cal: CalendarConfig = R10_CALENDAR): Month[] | undefined {
  if (pool === 'C') return undefined;
  return cal.years?.[year]?.[pool] ?? cal.defaults[pool];
}

/** Is this day ('YYYY-MM-DD') inside the pool's inspection window? Always true for C. */
export function inWindow(pool: Pool, day: string, cal: CalendarConfig = R10_CALENDAR): boolean {
  const months = windowMonths(pool, Number(day.slice(0, 4)), cal);
  return months === undefined || months.includes(Number(day.slice(5, 7)) as Month);
}

/** Is this day in the enterprise quiet period for the pool (R10)? Never for C. */
export function inQuietPeriod(pool: Pool, day: string, cal: CalendarConfig = R10_CALENDAR): boolean {
  return !inWindow(pool, day, cal);
}

/** The pool's windows in a year as inclusive day ranges, e.g. [{ from: '2026-06-01', to: '2026-06-30' }]. */
export function windows(pool: Pool, year: number, cal: CalendarConfig = R10_CALENDAR): { from: string; to: string }[] {
  const months = windowMonths(pool, year, cal);
  if (months === undefined) return [{ from: `${year}-01-01`, to: `${year}-12-31` }];
  return [...months].sort((a, b) => a - b).map((m) => {
    const mm = String(m).padStart(2, '0');
    const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
    return { from: `${year}-${mm}-01`, to: `${year}-${mm}-${last}` };
  });
}

/** Does a planned window (inclusive days) fit entirely inside one of the pool's windows? */
export function windowFits(pool: Pool, from: string, to: string, cal: CalendarConfig = R10_CALENDAR): boolean {
  if (from > to) return false;
  if (pool === 'C') return true;
  if (from.slice(0, 4) !== to.slice(0, 4)) return false;
  return windows(pool, Number(from.slice(0, 4)), cal).some((w) => w.from <= from && to <= w.to);
}

/** Chinese words for a pool's windows, for refusals: "6月、9月". */
export function describeWindows(pool: Pool, year: number, cal: CalendarConfig = R10_CALENDAR): string {
  const months = windowMonths(pool, year, cal);
  return months === undefined ? '全年' : months.map((m) => `${m}月`).join('、');
}

/** The day `n` days after (before, when negative) a calendar day 'YYYY-MM-DD'. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Is 'YYYY-MM-DD' a day that exists (not 2026-02-30)? */
export function isCalendarDay(day: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === day;
}

/** The last day of a month, 'YYYY-MM-DD'. */
export function lastDayOfMonth(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(new Date(Date.UTC(year, month, 0)).getUTCDate()).padStart(2, '0')}`;
}

/**
 * The yearly deadline (31 March): the joint inspector pool updated (R8), the
 * A-pool joint item list filed (R9) and the year's plans entered (R12).
 */
export function yearlyDeadline(year: number): string {
  return `${year}-03-31`;
}

/** The yearly deadline in words: "3月31日". */
export function yearlyDeadlineWords(year: number): string {
  const d = yearlyDeadline(year);
  return `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
}

/** Is the day in the yearly deadline's month (when reminders about it go out)? */
export function inYearlyDeadlineMonth(day: string): boolean {
  return day.slice(5, 7) === yearlyDeadline(Number(day.slice(0, 4))).slice(5, 7);
}
