/** The C joint arrangement's pure rules (R4) and its stored form. */
import { arrangedParts, confirmationSteps, creditCodeOfRequest, proposeLead, withRulingLead, type CJointArrangement } from '../../src/domain/cJoint';
import type { TaskPart } from '../../src/domain/task';
import { fromDoc, toDoc } from '../../store/repos/cJoint';

const at = new Date('2026-04-20T02:00:00Z');
const arrangement = (over: Partial<CJointArrangement> = {}): CJointArrangement => ({
  creditCode: '91361129000000500F', entityName: '华达化工', lead: 'YJGLJ', participants: ['XFJYDD'], basis: 'items', basisNote: '事项最多',
  proposedBy: 'xf.official', proposedByName: '吴海涛', proposedDepartment: 'XFJYDD', proposedAt: at, status: 'agreed', round: 1, version: 2, updatedAt: at,
  ...over,
});
const part = (departments: string[], window: TaskPart['window'], drawNo = 'D'): TaskPart =>
  ({ drawNo, planNo: 'P', departments, officers: [], items: [], window, at: at.toISOString() });

describe('R4: the lead by the documented rule', () => {
  it('R4: the proposing unit leads when it supervises the entity', () => {
    const r = proposeLead({ departments: ['YJGLJ', 'XFJYDD'], proposingUnit: 'XFJYDD', itemCounts: { YJGLJ: 5, XFJYDD: 1 } });
    expect(r).toMatchObject({ ok: true, lead: 'XFJYDD', participants: ['YJGLJ'], basis: 'proposer' });
  });

  it('R4: else most C items, a tie going to the department listed first', () => {
    expect(proposeLead({ departments: ['XFJYDD', 'YJGLJ', 'SCJGJ'], proposingUnit: 'WJW', itemCounts: { XFJYDD: 1, YJGLJ: 3, SCJGJ: 2 } }))
      .toMatchObject({ ok: true, lead: 'YJGLJ', participants: ['XFJYDD', 'SCJGJ'], basis: 'items' });
    const tie = proposeLead({ departments: ['SCJGJ', 'XFJYDD'], itemCounts: { SCJGJ: 2, XFJYDD: 2 } });
    expect(tie).toMatchObject({ ok: true, lead: 'SCJGJ' });
    expect(tie.ok && tie.basisNote).toContain('事项数相同时按监管部门登记顺序');
  });

  it('R4: one department has nothing to agree', () => {
    expect(proposeLead({ departments: ['XFJYDD', 'XFJYDD'], itemCounts: {} })).toMatchObject({ ok: false, rule: 'R4' });
  });

  it('R4: one leader step per department, lead first', () => {
    expect(confirmationSteps({ lead: 'YJGLJ', participants: ['XFJYDD'] }).map((s) => [s.role, s.department])).toEqual([['leader', 'YJGLJ'], ['leader', 'XFJYDD']]);
    expect(creditCodeOfRequest('LH-91361129000000500F-CD')).toEqual({ creditCode: '91361129000000500F', ruling: true });
    expect(creditCodeOfRequest('TK-91361129000000500F')).toBeUndefined();
  });
});

describe('R4: 联席办 naming the lead in its ruling', () => {
  it('R4: one of the arrangement\'s departments, by short or full name; another unit is refused', () => {
    expect(withRulingLead(arrangement(), '维持 牵头=县消防大队')).toMatchObject({ ok: true, arrangement: { lead: 'XFJYDD', participants: ['YJGLJ'] } });
    expect(withRulingLead(arrangement(), '牵头：县消防救援大队')).toMatchObject({ ok: true, arrangement: { lead: 'XFJYDD' } });
    expect(withRulingLead(arrangement(), '同意')).toMatchObject({ ok: true, arrangement: { lead: 'YJGLJ' } });
    expect(withRulingLead(arrangement(), '牵头=县财政局')).toMatchObject({ ok: false, rule: 'R4' });
  });
});

describe('R4: a C draw joining the task of an arranged entity', () => {
  const june = { from: '2026-06-01', to: '2026-06-30' };
  const aug = { from: '2026-08-01', to: '2026-08-31' };
  const task = { year: 2026, status: 'open' as const, departments: ['XFJYDD'], window: june, parts: [part(['XFJYDD'], june, 'XF')] };

  it('R4: the lead\'s part goes first and takes the task\'s window when the windows do not overlap', () => {
    const parts = arrangedParts(arrangement(), task, part(['YJGLJ'], aug, 'YJ'), 2026);
    expect(parts?.map((p) => [p.drawNo, p.window])).toEqual([['YJ', june], ['XF', june]]);
  });

  it('R4: not in force, another year, an outside department or a department already there: the ordinary rule decides', () => {
    expect(arrangedParts(arrangement({ status: 'confirming' }), task, part(['YJGLJ'], aug), 2026)).toBeUndefined();
    expect(arrangedParts(arrangement(), task, part(['YJGLJ'], aug), 2027)).toBeUndefined();
    expect(arrangedParts(arrangement(), task, part(['SCJGJ'], aug), 2026)).toBeUndefined();
    expect(arrangedParts(arrangement(), task, part(['XFJYDD'], june), 2026)).toBeUndefined();
    expect(arrangedParts(undefined, task, part(['YJGLJ'], june), 2026)).toBeUndefined();
  });
});

describe('the stored arrangement (fromDoc)', () => {
  it('reads back what was written, the disagreement and the ruling included', () => {
    const a = arrangement({
      status: 'decided', disagreement: { department: 'XFJYDD', by: 'xf.leader', byName: '蔡建国', comment: '人手不足', at },
      decidedBy: 'lxb.office', decidedByName: '程丽华', decidedAt: at,
    });
    expect(fromDoc(toDoc(a))).toEqual(a);
    expect(toDoc(a)).toMatchObject({ _id: a.creditCode, disagreeDepartment: 'XFJYDD', decidedBy: 'lxb.office' });
    const plain = arrangement();
    expect(fromDoc(toDoc(plain))).toEqual(plain);
    expect(Object.keys(toDoc(plain))).not.toContain('disagreeDepartment');
  });
});
