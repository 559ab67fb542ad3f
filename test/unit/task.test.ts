/** Task numbers and joint tasks (docs/draw.md §7), pure. */
import { MEMBER_UNITS } from '../../src/domain/organisation';
import { ALL_SHORT_NAMES, mayJoin, shapeOf, shortName, taskNumber, type TaskPart } from '../../src/domain/task';

const part = (drawNo: string, departments: string[], window: { from: string; to: string }, officers: string[]): TaskPart => ({
  drawNo, planNo: drawNo.replace(/-\d+$/, ''), departments, window, items: departments.map((d) => `${d}:I1`), at: '2026-05-20T02:00:00.000Z',
  officers: officers.map((no, i) => ({ inspectorNo: no, name: no, department: no.split('-')[0], leader: i === 0, expert: false })),
});

describe('task numbers', () => {
  it('follow the official form with the department\'s short name, distinct for all 30 member units', () => {
    expect(taskNumber('SCJGJ', 2026, 12)).toBe('县市管局抽查〔2026〕12号');
    expect(taskNumber('XFJYDD', 2026, 1)).toBe('县消防大队抽查〔2026〕1号');
    expect(shortName('GXQGWH')).toBe('县高新区管委会');
    expect(new Set(ALL_SHORT_NAMES).size).toBe(MEMBER_UNITS.length);
    expect(() => taskNumber('SCJGJ', 2026, 0)).toThrow();
  });
});

describe('joint tasks (R3, R4)', () => {
  const sept = { from: '2026-09-01', to: '2026-09-30' };
  it('joins only with overlapping windows and no department in common', () => {
    expect(mayJoin({ window: sept, departments: ['XFJYDD'] }, { departments: ['YJGLJ'], window: { from: '2026-09-30', to: '2026-10-10' } })).toBe(true);
    expect(mayJoin({ window: sept, departments: ['XFJYDD'] }, { departments: ['YJGLJ'], window: { from: '2026-10-01', to: '2026-10-10' } })).toBe(false);
    expect(mayJoin({ window: sept, departments: ['XFJYDD', 'YJGLJ'] }, { departments: ['YJGLJ'], window: sept })).toBe(false);
  });

  it('the earliest draw leads; the window is what all share; items and officers add up', () => {
    const s = shapeOf([part('JH2026-0001-1', ['XFJYDD'], sept, ['XFJYDD-1', 'XFJYDD-2']), part('JH2026-0002-1', ['YJGLJ'], { from: '2026-09-10', to: '2026-10-20' }, ['YJGLJ-1', 'YJGLJ-2'])]);
    expect(s).toEqual({
      lead: 'XFJYDD', departments: ['XFJYDD', 'YJGLJ'], officers: ['XFJYDD-1', 'XFJYDD-2', 'YJGLJ-1', 'YJGLJ-2'],
      items: ['XFJYDD:I1', 'YJGLJ:I1'], window: { from: '2026-09-10', to: '2026-09-30' }, joint: true,
    });
  });
});
