/** The pools' year, pure parts: the stored documents' mappers, the reminder periods and the March states. */
import { adjustmentFromDoc, applicationFromDoc, riskChangeFromDoc } from '../../store/repos/poolYear';
import { marchReminderWeek, marchState } from '../../src/domain/marchDeadlines';
import { cCoverage } from '../../src/domain/cCoverage';

describe('pool-year mappers (fromDoc)', () => {
  it('maps an adjustment header, with defaults for missing fields', () => {
    const at = new Date('2026-12-20T02:00:00Z');
    expect(adjustmentFromDoc({ _id: 'TZ2026', year: 2026, status: 'draft', createdBy: 'a', createdAt: at, total: 3, chunks: 1, counts: '{"new":3}', rejected: [2], version: 2 }))
      .toEqual({ id: 'TZ2026', year: 2026, status: 'draft', since: undefined, createdBy: 'a', createdAt: at, total: 3, chunks: 1, counts: { new: 3 }, rejected: [2], rejectNote: '', appliedBy: '', appliedAt: undefined, applied: 0, version: 2 });
  });

  it('maps an application and a class change', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(applicationFromDoc({ _id: 'X:D', creditCode: 'X', kind: 'apply', department: 'D', reason: 'r', by: 'u', at, status: 'open' }))
      .toEqual({ creditCode: 'X', kind: 'apply', department: 'D', reason: 'r', by: 'u', at, status: 'open' });
    expect(riskChangeFromDoc({ _id: 'X:2026-01-01:s', creditCode: 'X', from: '一般', to: '高', date: '2026-01-01', source: 's', at }))
      .toEqual({ creditCode: 'X', from: '一般', to: '高', date: '2026-01-01', source: 's', at });
  });
});

describe('pool-year rules', () => {
  it('R8, R9: a March task is late only after 31 March', () => {
    expect(marchState(false, '2026-03-31', 2026)).toBe('pending');
    expect(marchState(false, '2026-04-01', 2026)).toBe('late');
    expect(marchState(true, '2026-04-01', 2026)).toBe('done');
    expect(marchReminderWeek('2026-03-07')?.key).toBe('march:2026-W1');
  });

  it('R4: an entity answered for by two units counts for each', () => {
    const rows = cCoverage(2026, [{ code: 'X', name: 'x', responsible: ['A', 'B'] }], [{ code: 'X', departments: ['A'], end: '2026-02-01', taskNo: 'T' }], []);
    expect(rows.map((r) => [r.department, r.inspected.length, r.uncovered.length])).toEqual([['A', 1, 0], ['B', 0, 1]]);
  });
});
