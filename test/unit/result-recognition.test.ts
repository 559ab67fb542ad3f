/** R16, pure: which tasks count as another department's recent, approved inspection of a targeted entity. */
import { inspectedByOthers, monthsBefore } from '../../src/domain/result';

const task = (taskNo: string, creditCode: string, departments: string[], to: string) => ({ taskNo, creditCode, entityName: `实体${creditCode}`, departments, window: { to } });

describe('inspectedByOthers (R16)', () => {
  const approved = new Set(['T1', 'T2', 'T3', 'T5']);
  const tasks = [
    task('T1', 'A', ['XFJYDD'], '2026-06-30'),
    task('T2', 'A', ['XFJYDD', 'YJGLJ'], '2026-09-30'), // the later one of the same entity wins
    task('T3', 'B', ['CZJ', 'XFJYDD'], '2026-09-30'), // ours took part: not another department's
    task('T4', 'C', ['XFJYDD'], '2026-09-30'), // not approved
    task('T5', 'D', ['XFJYDD'], '2025-09-15'), // before the 12 months
  ];

  it('R16: one entry per entity, the latest approved inspection by departments none of which is ours, within the months', () => {
    const found = inspectedByOthers(tasks, (n) => approved.has(n), ['CZJ'], monthsBefore('2026-09-16', 12));
    expect(found).toEqual([{ creditCode: 'A', entityName: '实体A', taskNo: 'T2', departments: ['XFJYDD', 'YJGLJ'], until: '2026-09-30' }]);
  });

  it('monthsBefore counts calendar months back from a Beijing date, to the month\'s last day when it is shorter', () => {
    expect(monthsBefore('2026-09-16', 12)).toBe('2025-09-16');
    expect(monthsBefore('2026-03-31', 1)).toBe('2026-02-28'); // no 31 February: its last day
    expect(monthsBefore('2024-02-29', 12)).toBe('2023-02-28');
  });
});
