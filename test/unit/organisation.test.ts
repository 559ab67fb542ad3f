/** The joint meeting (R19): its 30 member units, their names and the roles' home departments. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findUnit, JOINT_OFFICE_HOST, JUSTICE_DEPT, MEMBER_UNITS, roleHomeDepartment, ROLES, unitName } from '../../src/domain/organisation';

const ROOT = path.resolve(__dirname, '..', '..');

/** The member units as the source document's attachment lists them (a copy is kept in docs/seeds). */
function attachmentUnits(): string[] {
  const dir = path.join(ROOT, 'docs', 'seeds');
  if (!existsSync(dir)) throw new Error(`the source document is missing from ${dir}`);
  const file = readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => path.join(dir, f))
    .find((f) => readFileSync(f, 'utf8').includes('成员单位名单'));
  if (!file) throw new Error(`no seed in ${dir} has the member-unit attachment`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const heading = lines.lastIndexOf('成员单位名单');
  expect(heading).toBeGreaterThan(0);
  const line = lines.slice(heading + 1).find((l) => l.includes('、'));
  if (!line) throw new Error('the attachment has no list line');
  return line.split('、').map((s) => s.trim()).filter(Boolean);
}

describe('the joint meeting (R19)', () => {
  it('R19: has exactly 30 member units, named exactly as the seed attachment writes them, in its order', () => {
    const seed = attachmentUnits();
    expect(seed).toHaveLength(30);
    expect(MEMBER_UNITS).toHaveLength(30);
    expect(MEMBER_UNITS.map((u) => u.name)).toEqual(seed);
    expect(new Set(MEMBER_UNITS.map((u) => u.code)).size).toBe(30);
    for (const u of MEMBER_UNITS) expect(u.code).toMatch(/^[A-Z]+$/);
  });

  it('R19: 联席办 sits in 县市管局; legality review (R13) in 县司法局', () => {
    expect(unitName(JOINT_OFFICE_HOST)).toBe('县市管局');
    expect(unitName(JUSTICE_DEPT)).toBe('县司法局');
    expect(roleHomeDepartment('office')).toBe(JOINT_OFFICE_HOST);
    expect(roleHomeDepartment('justice')).toBe(JUSTICE_DEPT);
    for (const r of ROLES.filter((x) => x !== 'office' && x !== 'justice')) expect(roleHomeDepartment(r)).toBeUndefined();
  });

  it('R19: findUnit resolves codes, full names, names without 县, and the formal names', () => {
    const codeOf = (t: string) => findUnit(t)?.code;
    expect(codeOf('SCJGJ')).toBe('SCJGJ');
    expect(codeOf('scjgj')).toBe('SCJGJ');
    expect(codeOf('县市管局')).toBe('SCJGJ');
    expect(codeOf(' 市管局 ')).toBe('SCJGJ');
    expect(codeOf('司法局')).toBe('SFJ');
    expect(codeOf('消防救援大队')).toBe('XFJYDD');
    expect(codeOf('委统战部')).toBe('TZB');
    // The seed itself calls the convener 县市场监督管理局; lists often prefix the county.
    expect(codeOf('县市场监督管理局')).toBe('SCJGJ');
    expect(codeOf('市场监督管理局')).toBe('SCJGJ');
    expect(codeOf('万年县市场监督管理局')).toBe('SCJGJ');
    expect(codeOf('万年县司法局')).toBe('SFJ');
    expect(codeOf('万年县应急管理局')).toBe('YJGLJ');
    for (const u of MEMBER_UNITS) expect(codeOf(u.name)).toBe(u.code);
  });

  it('R19: findUnit refuses anything else', () => {
    for (const t of ['', '  ', '县', '县宣传部', '市场', 'constructor', '__proto__', '县市管局、县司法局', '万年县']) {
      expect(findUnit(t)).toBeUndefined();
    }
  });
});
