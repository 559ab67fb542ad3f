/** The inspector directory (R7, R8, R8a): a row parsed and checked, and who may be drawn on a day. */
import { certificateValidOn, isEnforcementOfficer, parseInspectorRow, type InspectorRecord } from '../../src/domain/inspector';
import { code, reasonOf, TEN_MB } from '../helpers/domain';

type InspectorCells = Partial<Record<keyof InspectorRecord, string>>;
const goodOfficer: InspectorCells = {
  inspectorNo: 'SC-001',
  name: '王执法',
  department: '县市管局',
  kind: '行政执法类公务员',
  certificateNo: '赣JX-36112900001',
  certificateExpiry: '2027/12/31',
  qualification: '行政执法证',
  specialties: '食品、特种设备',
  jointPool: '是',
  jointPoolUpdatedOn: '2026年3月15日',
  active: '',
  conflicts: `${code(5)}；${code(6).toLowerCase()}`,
};

describe('parseInspectorRow (R7, R8, R8a)', () => {
  it('parses a good enforcement officer', () => {
    const r = parseInspectorRow(goodOfficer);
    expect(r).toEqual({
      ok: true,
      value: {
        inspectorNo: 'SC-001', name: '王执法', department: 'SCJGJ', kind: 'civil_servant',
        certificateNo: '赣JX-36112900001', certificateExpiry: '2027-12-31', qualification: '行政执法证',
        specialties: ['食品', '特种设备'], jointPool: true, jointPoolUpdatedOn: '2026-03-15', active: true,
        conflicts: [code(5), code(6)],
      },
    });
  });

  it('R7: an expert may join without a certificate and never counts as an officer', () => {
    const r = parseInspectorRow({ ...goodOfficer, kind: '专家', certificateNo: '', certificateExpiry: '' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.kind).toBe('expert');
      expect(isEnforcementOfficer(r.value)).toBe(false);
    }
  });

  it('R7: an expert cannot carry an enforcement certificate', () => {
    const reason = reasonOf(parseInspectorRow({ ...goodOfficer, kind: '专家学者' }));
    expect(reason).toContain('R7');
    expect(reason).toContain('专家');
  });

  it.each([['行政执法类公务员', '行政执法类公务员'], ['执法资格人员', '具有执法资格的工作人员']])(
    'R8a: a %s needs a certificate number and expiry',
    (kind, label) => {
      for (const patch of [{ certificateNo: '' }, { certificateExpiry: '' }, { certificateNo: '  ', certificateExpiry: '' }]) {
        const reason = reasonOf(parseInspectorRow({ ...goodOfficer, kind, ...patch }));
        expect(reason).toContain('R8a');
        expect(reason).toContain(label);
      }
    },
  );

  it('daily-supervision staff may have no certificate, and then are not officers', () => {
    const r = parseInspectorRow({ ...goodOfficer, kind: '日常监管', certificateNo: '', certificateExpiry: '' });
    expect(r.ok && isEnforcementOfficer(r.value)).toBe(false);
    const withCert = parseInspectorRow({ ...goodOfficer, kind: '日常监管人员' });
    expect(withCert.ok && isEnforcementOfficer(withCert.value)).toBe(true);
  });

  it.each<[string, InspectorCells, string]>([
    ['an empty number', { inspectorNo: '' }, '“人员编号”不能为空'],
    ['an empty name', { name: '' }, '“姓名”不能为空'],
    ['an unknown kind', { kind: '临时工' }, '“人员类别”的值“临时工”无法识别'],
    ['a kind named hasOwnProperty', { kind: 'hasOwnProperty' }, '无法识别'],
    ['a bad expiry date', { certificateExpiry: '2027-13-01' }, '“执法证有效期至”不是有效日期'],
    ['a joint-pool flag that is neither yes nor no', { jointPool: '也许' }, '“联合检查人员库”应填“是”或“否”'],
    ['an on-duty flag that is neither yes nor no', { active: '请假' }, '“在岗”应填“是”或“否”'],
    ['a bad joint-pool date', { jointPoolUpdatedOn: '三月底' }, '“联合库更新日期”不是有效日期'],
    ['a conflict entity with a bad code', { conflicts: `${code(5)}、91361129000000000X` }, '回避主体：统一社会信用代码'],
  ])('refuses %s with its Chinese reason', (_what, patch, reason) => {
    expect(reasonOf(parseInspectorRow({ ...goodOfficer, ...patch }))).toContain(reason);
  });

  it('R19: refuses an unknown department', () => {
    const reason = reasonOf(parseInspectorRow({ ...goodOfficer, department: '县教育局' }));
    expect(reason).toContain('县教育局');
    expect(reason).toContain('R19');
  });

  it('reads on-duty flags and refuses 10 MB in any cell', () => {
    const off = parseInspectorRow({ ...goodOfficer, active: '离岗', jointPool: 'N' });
    expect(off.ok && [off.value.active, off.value.jointPool]).toEqual([false, false]);
    for (const field of Object.keys(goodOfficer) as (keyof InspectorRecord)[]) {
      const r = parseInspectorRow({ ...goodOfficer, [field]: TEN_MB });
      expect(reasonOf(r).length).toBeLessThan(200);
    }
  });
});

describe('isEnforcementOfficer / certificateValidOn (R8a)', () => {
  const officer = { kind: 'civil_servant' as const, certificateNo: 'JX-1', certificateExpiry: '2026-06-30' };

  it('R7, R8a: only a non-expert with a certificate is an officer', () => {
    expect(isEnforcementOfficer(officer)).toBe(true);
    expect(isEnforcementOfficer({ ...officer, certificateNo: '' })).toBe(false);
    expect(isEnforcementOfficer({ kind: 'expert', certificateNo: 'JX-9' })).toBe(false);
    expect(isEnforcementOfficer({ kind: 'qualified_staff', certificateNo: 'JX-2' })).toBe(true);
  });

  it('R8a: a certificate is valid up to and including its expiry day', () => {
    expect(certificateValidOn(officer, '2026-01-01')).toBe(true);
    expect(certificateValidOn(officer, '2026-06-30')).toBe(true);
    expect(certificateValidOn(officer, '2026-07-01')).toBe(false);
    expect(certificateValidOn({ ...officer, certificateExpiry: undefined }, '2026-01-01')).toBe(false);
    expect(certificateValidOn({ ...officer, certificateNo: '' }, '2026-01-01')).toBe(false);
  });
});
