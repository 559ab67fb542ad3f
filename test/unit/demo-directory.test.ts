/**
 * The demo county's directory (pure): every inspector on duty is one person, platform ids
 * and mobiles are unique, and name + unit is unique, so the directory sync (WeCom, then
 * DingTalk linked by name and unit) and 关联检查人员 find exactly one person each.
 */
import { findUnit, MEMBER_UNITS } from '../../src/domain/organisation';
import { demoDirectory, generateDemoData } from '../../src/services/demo';
import { demoDirectorySource } from '../../src/services/demo/directory';

describe.each([[60, 'wannian-demo'], [300, 'wannian-demo'], [1200, 'another-seed']])('the demo directory with %i inspectors (seed %s)', (inspectors, seed) => {
  const data = generateDemoData(100, inspectors, seed, '2026-03-02');
  const dir = demoDirectory(data);
  const unitOfDept = new Map(dir.departments.map((d) => [d.id, findUnit(d.name)?.code ?? (d.name === '市场监管综合执法大队' ? 'SCJGJ' : undefined)]));

  it('holds every inspector on duty once, with the same name, unit and mobile as the inspector row, and nobody off duty', () => {
    const onDuty = data.inspectors.filter((i) => i.active === '是');
    const people = dir.people.filter((p) => p.inspectorNo);
    expect(people.map((p) => p.inspectorNo).sort()).toEqual(onDuty.map((i) => i.inspectorNo).sort());
    for (const p of people) {
      const row = onDuty.find((i) => i.inspectorNo === p.inspectorNo)!;
      expect([p.name, unitOfDept.get(p.departmentId), p.mobile]).toEqual([row.name, findUnit(row.department)!.code, row.mobile]);
    }
  });

  it('platform ids and mobiles are unique, and so is name + unit; every department is a unit or the mapped sub-department', () => {
    for (const key of ['wecomUserId', 'dingtalkUserId', 'mobile'] as const) expect(new Set(dir.people.map((p) => p[key])).size).toBe(dir.people.length);
    expect(new Set(dir.people.map((p) => `${p.name}|${unitOfDept.get(p.departmentId)}`)).size).toBe(dir.people.length);
    for (const p of dir.people) expect(unitOfDept.get(p.departmentId)).toBeDefined();
    for (const u of MEMBER_UNITS) {
      expect(dir.people.some((p) => unitOfDept.get(p.departmentId) === u.code && p.roles.includes('leader'))).toBe(true);
      expect(dir.people.some((p) => unitOfDept.get(p.departmentId) === u.code && p.roles.includes('official'))).toBe(true);
    }
    expect(dir.people.some((p) => p.departmentId === dir.departments.find((d) => d.name === '市场监管综合执法大队')!.id)).toBe(true);
  });

  it('a platform source lists everyone as active, under that platform id and their department name', async () => {
    const { people } = await demoDirectorySource(dir, 'dingtalk').fetch();
    expect(people.map((p) => p.platformId)).toEqual(dir.people.map((p) => p.dingtalkUserId));
    expect(people.every((p) => p.active && p.departments.length === 1)).toBe(true);
  });
});
