/**
 * R15: publication within 20 working days of the inspection's end, on the State Council's
 * calendar (the 2026 Mid-Autumn and National Day holidays and their make-up working days).
 */
import os from 'node:os';
import path from 'node:path';
import { departmentRates, isWarningDay, publicationDeadline, timeliness, type PublicationRow } from '../../src/domain/publication';
import { addWorkingDays } from '../../src/domain/workdays';
import { loadHolidayCalendar } from '../../src/services/holidays';
import { fromDoc } from '../../store/repos/publications';

const cal = loadHolidayCalendar(path.join(os.tmpdir(), 'no-such-holidays-file.json'));

describe('R15 deadline: 20 working days after the inspection ends', () => {
  it('R15: across the 2026 National Day holiday, the make-up Sunday 20 Sep and Saturday 10 Oct count, 25–27 Sep and 1–7 Oct do not', () => {
    // 18 Sep (Fri): 20 Sep (make-up Sun) is day 1, 21–24 Sep days 2–5, 25–27 Sep off (Mid-Autumn),
    // 28–30 Sep days 6–8, 1–7 Oct off, 8–9 Oct days 9–10, 10 Oct (make-up Sat) day 11, 12–16 Oct 12–16, 19–22 Oct 17–20.
    expect(publicationDeadline('2026-09-18', cal)).toBe('2026-10-22');
    // Plain Monday–Friday counting would have said 16 Oct: the holiday calendar matters.
    expect(addWorkingDays('2026-09-18', 20, { years: new Set([2026]), holidays: new Set(), workdays: new Set() })).toBe('2026-10-16');
    // 30 Sep: 8–10 Oct days 1–3 (10 Oct the make-up Saturday), 12–16 Oct 4–8, 19–23 Oct 9–13, 26–30 Oct 14–18, 2–3 Nov 19–20.
    expect(publicationDeadline('2026-09-30', cal)).toBe('2026-11-03');
    // An inspection ending inside the holiday counts from the first working day after it: the same deadline.
    expect(publicationDeadline('2026-10-03', cal)).toBe('2026-11-03');
    // Ending on the make-up Saturday itself: 12 Oct is day 1, 6 Nov day 20.
    expect(publicationDeadline('2026-10-10', cal)).toBe('2026-11-06');
  });

  it('R15: the department is warned 5 working days before the deadline, counted on the same calendar', () => {
    // Deadline 22 Oct: 5 working days before is 15 Oct (16, 19, 20, 21, 22).
    expect(isWarningDay('2026-10-15', '2026-10-22', cal)).toBe(true);
    expect(isWarningDay('2026-10-14', '2026-10-22', cal)).toBe(false);
    // Deadline 12 Oct: the warning day is 30 Sep (8 Oct, 9 Oct, 10 Oct make-up Sat, 11 Oct is Sunday… 12 Oct).
    expect(addWorkingDays('2026-09-29', 5, cal)).toBe('2026-10-12');
    expect(isWarningDay('2026-09-29', '2026-10-12', cal)).toBe(true);
  });

  it('R15: on time, late, waiting and overdue, and each department\'s on-time rate', () => {
    expect(timeliness('2026-10-22', '2026-10-22', '2026-11-01')).toBe('onTime');
    expect(timeliness('2026-10-22', '2026-10-23', '2026-11-01')).toBe('late');
    expect(timeliness('2026-10-22', undefined, '2026-10-22')).toBe('waiting');
    expect(timeliness('2026-10-22', undefined, '2026-10-23')).toBe('overdue');
    const row = (department: string, state: PublicationRow['state']): PublicationRow => ({ taskNo: 't', department, entityName: 'e', end: '2026-09-18', deadline: '2026-10-22', state });
    const rates = departmentRates([row('B', 'onTime'), row('A', 'onTime'), row('A', 'late'), row('A', 'overdue'), row('A', 'waiting'), row('C', 'waiting')]);
    expect(rates).toEqual([
      { department: 'A', onTime: 1, late: 1, overdue: 1, waiting: 1, rate: 33.3 },
      { department: 'B', onTime: 1, late: 0, overdue: 0, waiting: 0, rate: 100 },
      { department: 'C', onTime: 0, late: 0, overdue: 0, waiting: 1, rate: undefined },
    ]);
  });
});

describe('the publications repo\'s mapper', () => {
  it('turns a stored document into a Publication (task number from _id, dates as Date)', () => {
    const at = new Date('2026-10-20T02:00:00Z');
    expect(fromDoc({ _id: '县市管局抽查〔2026〕12号', department: 'SCJGJ', creditCode: '91361129MA35ABCD1X', round: 2, publishedAt: at, publishedBy: 'scj.official', version: 1 })).toEqual({
      taskNo: '县市管局抽查〔2026〕12号', department: 'SCJGJ', creditCode: '91361129MA35ABCD1X', entityName: '', round: 2, publishedAt: at, publishedBy: 'scj.official', version: 1,
    });
  });
});
