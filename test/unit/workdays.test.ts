/**
 * The working-day calendar (R15's deadlines count working days): the State
 * Council's holidays and make-up working days from the bundled package, a county
 * override for a year the package does not cover, and a loud refusal for a year
 * without holiday data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addWorkingDays, buildCalendar, isWorkingDay, MissingHolidayYear, workingDaysBetween } from '../../src/domain/workdays';
import { DEFAULT_HOLIDAYS_FILE, holidaysFileFor, loadHolidayCalendar, packageHolidays } from '../../src/services/holidays';

const cal = loadHolidayCalendar(path.join(os.tmpdir(), 'no-such-holidays-file.json'));

describe('the State Council calendar (R15)', () => {
  it('R15: 2026 National Day holiday is not a working day, its make-up Saturday is', () => {
    expect(isWorkingDay('2026-10-01', cal)).toBe(false);
    expect(isWorkingDay('2026-10-07', cal)).toBe(false);
    expect(isWorkingDay('2026-10-10', cal)).toBe(true); // 调休上班 (Saturday)
    expect(isWorkingDay('2026-09-26', cal)).toBe(false); // an ordinary Saturday
    expect(isWorkingDay('2026-09-28', cal)).toBe(true);
  });

  it('R15: 20 working days after a September inspection skip the National Day week', () => {
    // 2026-09-30 (Wed): Oct 1–7 are holidays, Oct 10 (Sat) is a make-up working day.
    expect(addWorkingDays('2026-09-30', 1, cal)).toBe('2026-10-08');
    expect(addWorkingDays('2026-09-30', 3, cal)).toBe('2026-10-10');
    expect(addWorkingDays('2026-09-30', 10, cal)).toBe('2026-10-20');
    expect(workingDaysBetween('2026-09-30', addWorkingDays('2026-09-30', 20, cal), cal)).toBe(20);
    expect(addWorkingDays('2026-06-01', 0, cal)).toBe('2026-06-01');
  });

  it('R15: a date in a year with no holiday data is refused, never guessed', () => {
    expect(() => isWorkingDay('2027-03-01', cal)).toThrow(MissingHolidayYear);
    expect(() => isWorkingDay('2027-03-01', cal)).toThrow('2027年节假日安排尚未录入');
    // A deadline that runs into the unknown year is refused too.
    expect(() => addWorkingDays('2026-12-28', 10, cal)).toThrow('2027年节假日安排尚未录入');
  });

  it('R15: the county override file supplies a year the package does not cover, and replaces a year it lists', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'holidays-'));
    const file = path.join(dir, 'holidays.json');
    writeFileSync(file, JSON.stringify({ years: { 2027: { holidays: ['2027-01-01'], workdays: ['2027-01-09'] } } }));
    const county = loadHolidayCalendar(file);
    expect(isWorkingDay('2027-01-01', county)).toBe(false); // a Friday, but New Year
    expect(isWorkingDay('2027-01-09', county)).toBe(true); // a Saturday, make-up day
    expect(addWorkingDays('2026-12-31', 1, county)).toBe('2027-01-04');
    const replaced = buildCalendar(packageHolidays(), { 2026: { holidays: [], workdays: [] } });
    expect(isWorkingDay('2026-10-01', replaced)).toBe(true);
  });

  it('a malformed override is an error naming the file, not a silent guess', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'holidays-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ years: { 2027: { holidays: ['2028-01-01'] } } }));
    expect(() => loadHolidayCalendar(file)).toThrow('bad.json');
  });
});

describe('where the county override file is read from', () => {
  const root = path.resolve(__dirname, '..', '..');
  it('the project\'s config/holidays.json, from the sources and from the built release alike (the build does not copy it)', () => {
    expect(DEFAULT_HOLIDAYS_FILE).toBe(path.join(root, 'config', 'holidays.json'));
    expect(holidaysFileFor(path.join(root, 'src', 'services'))).toBe(path.join(root, 'config', 'holidays.json'));
    expect(holidaysFileFor(path.join(root, 'dist', 'src', 'services'))).toBe(path.join(root, 'config', 'holidays.json'));
  });
});
