/** Oversight's pure parts: periods as officials type them, the circular's stored form, the chart's SVG, the quarterly day. */
import { parsePeriod, previousQuarter, computeStats, ratesOf, yearPeriod } from '../../src/domain/stats';
import { barChartSvg } from '../../src/domain/chart';
import { fromDoc } from '../../store/repos/circulars';
import { fifthWorkingDay } from '../../src/services/circulars';
import { buildCalendar } from '../../src/domain/workdays';

const TODAY = '2026-12-15';
const key = (w: string) => {
  const p = parsePeriod(w, TODAY);
  return p.ok ? `${p.period.key} ${p.period.from}..${p.period.to} ${p.period.label}` : `refused: ${p.reason}`;
};

describe('periods', () => {
  it('reads a year, a quarter and a month in the forms officials type, full-width digits too', () => {
    expect(key('')).toBe('2026 2026-01-01..2026-12-31 2026年度');
    expect(key('年度')).toBe('2026 2026-01-01..2026-12-31 2026年度');
    expect(key('2025年度')).toBe('2025 2025-01-01..2025-12-31 2025年度');
    expect(key('2026Q3')).toBe('2026Q3 2026-07-01..2026-09-30 2026年第三季度');
    expect(key('２０２６ｑ１')).toBe('2026Q1 2026-01-01..2026-03-31 2026年第一季度');
    expect(key('2026年第四季度')).toBe('2026Q4 2026-10-01..2026-12-31 2026年第四季度');
    expect(key('2026-09')).toBe('2026-09 2026-09-01..2026-09-30 2026年9月');
    expect(key('2024年2月')).toBe('2024-02 2024-02-01..2024-02-29 2024年2月');
  });

  it('refuses anything else, saying which forms it takes', () => {
    for (const w of ['2026Q5', '2026-13', '上个月', '2026年第5季度']) expect(key(w)).toContain('不是统计期间，请写年度（如 年度、2026）、季度（如 2026Q3）或月份（如 2026-09）');
  });

  it('the quarter before today’s (the quarterly circular’s period)', () => {
    expect(previousQuarter('2026-10-13').key).toBe('2026Q3');
    expect(previousQuarter('2027-01-08').key).toBe('2026Q4');
  });
});

describe('the figures, pure', () => {
  it('a year with nothing in it: zeros, rates undefined, and a missing holiday year noted rather than guessed', () => {
    const cal = buildCalendar({ 2026: { holidays: [], workdays: [] } });
    const s = computeStats({
      period: yearPeriod(2027), today: '2027-03-01', departments: ['SCJGJ'], items: [], plans: [], draws: [], filings: [], cEntities: [], complaints: new Map(), calendar: cal, dueWorkingDays: 10,
      tasks: [{ taskNo: 'T', departments: ['SCJGJ'], creditCode: 'x', windowFrom: '2027-01-01', windowTo: '2027-01-31', cancelled: false }],
    });
    expect(s.county.tasks).toBe(1);
    expect(s.county.tasksOverdue).toBe(0);
    expect(s.notes[0]).toContain('2027年节假日安排尚未录入');
  });
});

describe('results entered on time (R15)', () => {
  it('a returned result past its due day is overdue again, but counted once in the on-time rate', () => {
    const cal = buildCalendar({ 2026: { holidays: [], workdays: [] } });
    const task = (taskNo: string, result?: { status: 'returned' | 'approved'; submittedOn: string }) => ({
      taskNo, departments: ['CZJ'], creditCode: taskNo, windowFrom: '2026-09-01', windowTo: '2026-09-30', cancelled: false,
      result: result && { ...result, publishedOn: result.status === 'approved' ? result.submittedOn : '', end: '' },
    });
    const s = computeStats({
      period: yearPeriod(2026), today: '2026-12-15', departments: ['CZJ'], items: [], plans: [], draws: [], filings: [], cEntities: [], complaints: new Map(), calendar: cal, dueWorkingDays: 10,
      tasks: [task('A', { status: 'returned', submittedOn: '2026-10-05' }), task('B', { status: 'approved', submittedOn: '2026-10-06' }), task('C')],
    });
    expect([s.county.resultsEntered, s.county.resultsEnteredOnTime, s.county.tasksOverdue, s.county.overdueNeverEntered]).toEqual([2, 2, 2, 1]);
    expect(ratesOf(s.county).onTimeEntry).toBeCloseTo(2 / 3);
  });
});

describe('circulars as stored', () => {
  it('fromDoc turns a stored document into the record the services see', () => {
    const stats = { period: yearPeriod(2026), today: TODAY, county: {}, departments: [], notes: [] };
    const c = fromDoc({
      _id: 'TB2026-0001', docNo: '', periodKey: '2026', periodLabel: '2026年度', title: 't', threshold: 80, requirements: 'r', remarks: '',
      stats: JSON.stringify(stats), author: 'lxb', authorName: '程丽华', auto: false, status: 'draft', createdAt: new Date(0), updatedAt: new Date(0), version: 1,
    });
    expect(c).toMatchObject({ circularNo: 'TB2026-0001', sentTo: [], stats, version: 1, author: 'lxb' });
    expect(c).not.toHaveProperty('_id');
  });
});

describe('the chart', () => {
  it('escapes labels and sizes itself by the rows', () => {
    const { svg, height, texts } = barChartSvg({ title: 'a<b>&', subtitle: 's', seriesA: 'A', seriesB: 'B', rows: [{ label: '县<市>', a: 0.5, b: undefined }] });
    expect(svg).toContain('a&lt;b&gt;&amp;');
    expect(svg).toContain('县&lt;市&gt;');
    expect(svg).toContain('无数据');
    expect(height).toBe(130 + 40 + 50);
    expect(texts.find((t) => t.text === '50%' && t.size === 12)).toMatchObject({ x: 264 + 400 + 6 });
  });
});

describe('the quarterly circular’s day', () => {
  it('is the 5th working day of the month, holidays and make-up working days counted', () => {
    // October 2026: 1–7 National Day, Saturday the 10th a make-up working day.
    const cal = buildCalendar({ 2026: { holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'], workdays: ['2026-10-10'] } });
    expect(fifthWorkingDay('2026-10-20', cal)).toBe('2026-10-13');
    expect(fifthWorkingDay('2027-01-20', cal)).toBeUndefined();
  });
});
