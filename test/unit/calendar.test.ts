import { day } from '../../bot/commands/format';
import { beijingDate, beijingTime, describeWindows, inQuietPeriod, inWindow, windowFits, windows, type CalendarConfig } from '../../src/domain/calendar';

describe('R10: inspection windows and the enterprise quiet period', () => {
  it('R10: A in June only; B in June and September; C any day', () => {
    for (const day of ['2026-06-01', '2026-06-30']) expect(inWindow('A', day)).toBe(true);
    for (const day of ['2026-05-31', '2026-07-01', '2026-09-15', '2026-01-01']) expect(inQuietPeriod('A', day)).toBe(true);
    for (const day of ['2026-06-15', '2026-09-01', '2026-09-30']) expect(inWindow('B', day)).toBe(true);
    for (const day of ['2026-08-31', '2026-10-01', '2026-03-31']) expect(inQuietPeriod('B', day)).toBe(true);
    for (const day of ['2026-01-01', '2026-07-15', '2026-12-31']) {
      expect(inWindow('C', day)).toBe(true);
      expect(inQuietPeriod('C', day)).toBe(false);
    }
  });

  it('R10: judges the Beijing date of an instant (UTC+8), not the server’s', () => {
    // 2026-05-31 16:30 UTC is 2026-06-01 00:30 in Beijing: inside A's window.
    expect(beijingDate(new Date('2026-05-31T16:30:00Z'))).toBe('2026-06-01');
    expect(inWindow('A', beijingDate(new Date('2026-05-31T16:30:00Z')))).toBe(true);
    // 2026-06-30 16:00 UTC is already 2026-07-01 in Beijing: quiet period again.
    expect(inQuietPeriod('A', beijingDate(new Date('2026-06-30T16:00:00Z')))).toBe(true);
  });

  it('R10: a county may set other months for one year; other years keep R10', () => {
    const cal: CalendarConfig = { defaults: { A: [6], B: [6, 9] }, years: { 2027: { B: [6, 10] } } };
    expect(inWindow('B', '2027-10-12', cal)).toBe(true);
    expect(inWindow('B', '2027-09-12', cal)).toBe(false);
    expect(inWindow('B', '2026-09-12', cal)).toBe(true);
    expect(inWindow('A', '2027-06-12', cal)).toBe(true);
    expect(describeWindows('B', 2027, cal)).toBe('6月、10月');
  });

  it('R10: windows as day ranges, with the right last day of each month', () => {
    expect(windows('B', 2026)).toEqual([{ from: '2026-06-01', to: '2026-06-30' }, { from: '2026-09-01', to: '2026-09-30' }]);
    expect(windows('A', 2028, { defaults: { A: [2], B: [6] } })).toEqual([{ from: '2028-02-01', to: '2028-02-29' }]);
    expect(windows('C', 2026)).toEqual([{ from: '2026-01-01', to: '2026-12-31' }]);
  });

  it('R10: a planned window must lie inside one window of its pool', () => {
    expect(windowFits('A', '2026-06-03', '2026-06-20')).toBe(true);
    expect(windowFits('A', '2026-05-25', '2026-06-20')).toBe(false);
    expect(windowFits('B', '2026-06-10', '2026-09-10')).toBe(false); // spans the quiet July and August
    expect(windowFits('B', '2026-09-01', '2026-09-30')).toBe(true);
    expect(windowFits('C', '2026-02-01', '2026-11-30')).toBe(true);
    expect(windowFits('A', '2026-06-20', '2026-06-03')).toBe(false);
  });
});

describe('Beijing dates and times, whatever the server\'s time zone', () => {
  it('an instant after 16:00 UTC is already the next day in Beijing; chat dates follow Beijing', () => {
    const lateUtc = new Date('2026-11-30T22:30:00Z'); // 06:30 on 1 December in Beijing
    expect(beijingDate(lateUtc)).toBe('2026-12-01');
    expect(beijingTime(lateUtc)).toBe('2026-12-01 06:30');
    expect(day(lateUtc)).toBe('2026-12-01');
    expect(day(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11-30');
    expect(beijingTime(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01 00:00');
    expect(day(undefined)).toBe('-');
  });
});
