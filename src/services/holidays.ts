/**
 * Loads the working-day calendar: the State Council's holidays and make-up working
 * days from the `chinese-days` package, and the county's override file
 * (config/holidays.json, or HOLIDAYS_FILE) for a year the package does not cover yet.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { buildCalendar, type HolidayCalendar, type HolidayYear } from '../domain/workdays';

/**
 * The project's config/holidays.json, from this module's folder: `src/services` when run from
 * the sources (tsx), `dist/src/services` in the built release. The build does not copy the
 * file: the release reads the county's one file in the project folder, so an edit to it
 * needs no rebuild. Never a path outside the project.
 */
export function holidaysFileFor(moduleDir: string): string {
  const up = path.resolve(moduleDir, '..', '..');
  const root = path.basename(up) === 'dist' ? path.dirname(up) : up;
  return path.join(root, 'config', 'holidays.json');
}

export const DEFAULT_HOLIDAYS_FILE = holidaysFileFor(__dirname);

/** The package's data, by year. */
export function packageHolidays(): Record<number, HolidayYear> {
  const raw = JSON.parse(readFileSync(require.resolve('chinese-days/dist/chinese-days.json'), 'utf8')) as {
    holidays: Record<string, string>;
    workdays: Record<string, string>;
  };
  const out: Record<number, HolidayYear> = {};
  const year = (d: string) => (out[Number(d.slice(0, 4))] ??= { holidays: [], workdays: [] });
  for (const d of Object.keys(raw.holidays)) year(d).holidays.push(d);
  for (const d of Object.keys(raw.workdays)) year(d).workdays.push(d);
  return out;
}

/** The override file's years: `{ "years": { "2027": { "holidays": [...], "workdays": [...] } } }`. */
export function readOverride(file: string): Record<number, HolidayYear> {
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { years?: Record<string, Partial<HolidayYear>> };
  const out: Record<number, HolidayYear> = {};
  for (const [y, v] of Object.entries(parsed.years ?? {})) {
    if (!/^\d{4}$/.test(y)) throw new Error(`${file}: "${y}" is not a year`);
    const days = (list: unknown, what: string): string[] => {
      if (list === undefined) return [];
      if (!Array.isArray(list) || list.some((d) => typeof d !== 'string' || !d.startsWith(`${y}-`) || !/^\d{4}-\d{2}-\d{2}$/.test(d))) {
        throw new Error(`${file}: ${y}.${what} must be a list of ${y}-MM-DD dates`);
      }
      return list as string[];
    };
    out[Number(y)] = { holidays: days(v.holidays, 'holidays'), workdays: days(v.workdays, 'workdays') };
  }
  return out;
}

let cached: { file: string; cal: HolidayCalendar } | undefined;

/** The calendar (read once per override file). */
export function loadHolidayCalendar(file = process.env.HOLIDAYS_FILE || DEFAULT_HOLIDAYS_FILE): HolidayCalendar {
  if (cached?.file === file) return cached.cal;
  const cal = buildCalendar(packageHolidays(), readOverride(file));
  cached = { file, cal };
  return cal;
}
