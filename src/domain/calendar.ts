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
