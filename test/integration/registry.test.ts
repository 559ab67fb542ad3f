/**
 * Looking things up on the real database: the pools (R1, R6), one entity, a
 * department's inspectors (R7) and item lists (R9).
 */
import type { Role } from '../../src/domain/organisation';
import type { Caller } from '../../src/services/context';
import { lookupService, type LookupService } from '../../src/services/lookup';
import { freshDb, type TestDb } from '../helpers/db';
import { refusal } from '../helpers/refusal';
import { addEntities, code } from '../helpers/fixtures';

let db: TestDb;
let registry: LookupService;

const caller = (roles: Role[], department = 'SCJGJ'): Caller =>
  ({ userId: `u.${department}.${roles.join('.') || 'none'}`, name: 'x', department, roles, channel: 'wecom' });
const official = caller(['official']);
const noRoles = caller([]);


const stamp = { rowHash: 'h', createdAt: new Date('2026-01-05T00:00:00Z'), updatedAt: new Date('2026-01-05T00:00:00Z'), updatedBy: 'test' };

beforeAll(async () => {
  db = await freshDb();
  registry = lookupService({ repos: db.repos, now: () => new Date('2026-03-02T02:00:00Z') });
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', pool: 'C', industry: '制造业', township: '陈营镇', riskClass: '高' },
    { n: 2, name: '万年县华达汽车维修店', kind: '个体工商户', pool: 'B', industry: '交通运输业', township: '石镇镇', riskClass: '一般' },
    { n: 3, name: '万年县青云旅游发展有限公司', pool: 'A', industry: '文化旅游', township: '青云镇', riskClass: '低' },
    { n: 4, name: '万年县(新)科技有限公司', pool: 'A', industry: '制造业', township: '陈营镇', riskClass: '低' },
    // Twelve ordinary B entities in 陈营镇, manufacturing.
    ...Array.from({ length: 12 }, (_, i) => ({ n: 100 + i, pool: 'B' as const, industry: '制造业', township: '陈营镇', riskClass: '一般' as const })),
  ]);
  await db.repos.inspectors.writer.insertNew([
    { _id: 'SC001', name: '王执法', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'JX-001', certificateExpiry: '2027-12-31', qualification: '', specialties: ['食品'], jointPool: true, active: true, conflicts: [], ...stamp },
    { _id: 'SC002', name: '李执法', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'JX-002', certificateExpiry: '2027-12-31', qualification: '', specialties: [], jointPool: false, active: true, conflicts: [], ...stamp },
    { _id: 'XF001', name: '陈消防', department: 'XFJYDD', kind: 'civil_servant', certificateNo: 'JX-101', certificateExpiry: '2027-01-01', qualification: '', specialties: ['消防'], jointPool: false, active: true, conflicts: [], ...stamp },
  ]);
  await db.repos.items.writer.insertNew([
    { _id: 'XFJYDD:XF-001', itemCode: 'XF-001', department: 'XFJYDD', name: '消防安全检查', legalBasis: '《消防法》第五十三条', powerListCode: '36112900XF001', pools: ['A', 'B', 'C'], jointListA: true, jointListFiledOn: '2026-03-20', specialty: '消防', ...stamp },
    { _id: 'SCJGJ:SC-001', itemCode: 'SC-001', department: 'SCJGJ', name: '食品生产经营检查', legalBasis: '《食品安全法》第一百一十条', powerListCode: '36112900SC001', pools: ['B', 'C'], jointListA: false, specialty: '食品', ...stamp },
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('queryPool (R1, R6)', () => {
  it('R1: counts every pool and lists the first rows in code order', async () => {
    const r = await registry.queryPool(official, {}, 5);
    expect(r.byPool).toEqual({ A: 2, B: 13, C: 1 });
    expect(r.total).toBe(16);
    expect(r.rows).toHaveLength(5);
    const codes = r.rows.map((e) => e.creditCode);
    expect(codes).toEqual([...codes].sort());
  });

  it('R1: one pool: its total, its rows only, and the counts of all pools', async () => {
    const r = await registry.queryPool(official, { pool: 'A' }, 10);
    expect(r.total).toBe(2);
    expect(r.byPool).toEqual({ A: 2, B: 13, C: 1 });
    expect(r.rows.map((e) => e.creditCode).sort()).toEqual([code(3), code(4)].sort());
    expect(r.rows.every((e) => e.pool === 'A')).toBe(true);
  });

  it('R1, R6: filters by industry, township, risk class and keyword, alone and together', async () => {
    expect((await registry.queryPool(official, { industry: '制造业' }, 50)).byPool).toEqual({ A: 1, B: 12, C: 1 });
    expect((await registry.queryPool(official, { township: '青云镇' }, 50)).byPool).toEqual({ A: 1, B: 0, C: 0 });
    expect((await registry.queryPool(official, { riskClass: '低' }, 50)).total).toBe(2);
    expect((await registry.queryPool(official, { riskClass: '高' }, 50)).rows.map((e) => e.creditCode)).toEqual([code(1)]);
    const kw = await registry.queryPool(official, { keyword: '华达' }, 50);
    expect(kw.byPool).toEqual({ A: 0, B: 1, C: 1 });
    const both = await registry.queryPool(official, { pool: 'B', township: '陈营镇', industry: '制造业', riskClass: '一般' }, 3);
    expect(both.total).toBe(12);
    expect(both.rows).toHaveLength(3);
    expect(both.rows.every((e) => e.pool === 'B' && e.township === '陈营镇')).toBe(true);
  });

  it('treats keyword characters literally, and a filter that matches nothing gives zeros', async () => {
    expect((await registry.queryPool(official, { keyword: '(新)' }, 10)).rows.map((e) => e.creditCode)).toEqual([code(4)]);
    const none = await registry.queryPool(official, { keyword: '.*' }, 10);
    expect(none).toEqual({ total: 0, byPool: { A: 0, B: 0, C: 0 }, rows: [] });
    expect((await registry.queryPool(official, { township: '不存在镇' }, 10)).total).toBe(0);
  });

  it('never lists more than asked, even for a limit of 0 or less', async () => {
    expect((await registry.queryPool(official, {}, 1)).rows).toHaveLength(1);
    expect((await registry.queryPool(official, {}, 0)).rows.length).toBeLessThanOrEqual(1);
    expect((await registry.queryPool(official, {}, -5)).rows.length).toBeLessThanOrEqual(1);
  });

  it('refuses a user without a query role', async () => {
    expect((await refusal(registry.queryPool(noRoles, {}, 5))).message).toContain('权限');
  });
});

describe('lookup (R1)', () => {
  it('by a valid code: the entity, whatever the case and spaces', async () => {
    const r = await registry.lookup(official, ` ${code(2).toLowerCase()} `, 5);
    expect(r.kind).toBe('one');
    if (r.kind === 'one') expect(r.entity).toMatchObject({ creditCode: code(2), name: '万年县华达汽车维修店', pool: 'B' });
  });

  it('by a code with a wrong check character: a refusal citing the code format (GB 32100-2015), not a rule, that names the right character', async () => {
    const wrong = code(2).slice(0, 17) + (code(2)[17] === '0' ? '1' : '0');
    const r = await refusal(registry.lookup(official, wrong, 5));
    expect(r.rule).toBeUndefined();
    expect(r.message).toContain('GB 32100-2015');
    expect(r.message).toContain('校验位');
    expect(r.message).toContain(`应为“${code(2)[17]}”`);
  });

  it('by an unknown valid code: none', async () => {
    expect(await registry.lookup(official, code(99_999), 5)).toEqual({ kind: 'none' });
  });

  it('by part of the name: one, many (with the total), or none', async () => {
    const one = await registry.lookup(official, '青云', 5);
    expect(one.kind === 'one' && one.entity.creditCode).toBe(code(3));
    const many = await registry.lookup(official, '华达', 5);
    expect(many.kind).toBe('many');
    if (many.kind === 'many') {
      expect(many.total).toBe(2);
      expect(many.rows.map((e) => e.creditCode).sort()).toEqual([code(1), code(2)]);
    }
    const lots = await registry.lookup(official, '测试', 5);
    expect(lots.kind).toBe('many');
    if (lots.kind === 'many') {
      expect(lots.total).toBe(12);
      expect(lots.rows).toHaveLength(5);
    }
    expect(await registry.lookup(official, '不存在的公司', 5)).toEqual({ kind: 'none' });
  });

  it('refuses an empty or overlong query, and a user without a query role', async () => {
    expect((await refusal(registry.lookup(official, '  ', 5))).message).toContain('统一社会信用代码');
    await refusal(registry.lookup(official, '华'.repeat(51), 5));
    await refusal(registry.lookup(noRoles, code(2), 5));
  });
});

describe('inspectors (R7)', () => {
  const names = (list: { inspectorNo: string }[]) => list.map((i) => i.inspectorNo);

  it('R7: a member unit sees its own department only', async () => {
    expect(names(await registry.inspectors(official, 'SCJGJ'))).toEqual(['SC001', 'SC002']);
    expect(names(await registry.inspectors(caller(['leader'], 'XFJYDD'), '县消防救援大队'))).toEqual(['XF001']);
    expect(names(await registry.inspectors(caller(['inspector'], 'XFJYDD'), 'XFJYDD'))).toEqual(['XF001']);
    const r = await refusal(registry.inspectors(official, 'XFJYDD'));
    expect(r.message).toContain('本单位');
    expect(r.message).toContain('R7');
    await refusal(registry.inspectors(caller(['official', 'leader'], 'XFJYDD'), '县市管局'));
  });

  it('R7: 联席办, 司法局 and admins see every department', async () => {
    for (const c of [caller(['office']), caller(['justice'], 'SFJ'), caller(['admin'], 'YJGLJ')]) {
      expect(names(await registry.inspectors(c, 'XFJYDD'))).toEqual(['XF001']);
      expect(names(await registry.inspectors(c, '市管局'))).toEqual(['SC001', 'SC002']);
      expect(await registry.inspectors(c, 'YJGLJ')).toEqual([]);
    }
  });

  it('refuses a user without query roles, even for their own department, and an unknown department (R19)', async () => {
    expect((await refusal(registry.inspectors(noRoles, 'SCJGJ'))).message).toContain('权限');
    expect((await refusal(registry.inspectors(caller(['office']), '县宣传部'))).message).toContain('R19');
  });
});

describe('items (R9)', () => {
  it('R9: any registered role reads any department\'s list', async () => {
    for (const roles of [['official'], ['leader'], ['inspector'], ['office'], ['justice'], ['admin']] as Role[][]) {
      const c = caller(roles, roles[0] === 'justice' ? 'SFJ' : 'YJGLJ');
      expect((await registry.items(c, 'XFJYDD')).map((i) => i.itemCode)).toEqual(['XF-001']);
      expect((await registry.items(c, '县市管局')).map((i) => i.itemCode)).toEqual(['SC-001']);
    }
    const [item] = await registry.items(official, 'XFJYDD');
    expect(item).toMatchObject({ powerListCode: '36112900XF001', pools: ['A', 'B', 'C'], jointListA: true });
  });

  it('refuses a user without roles, and a department outside the joint meeting (R19)', async () => {
    await refusal(registry.items(noRoles, 'XFJYDD'));
    expect((await refusal(registry.items(official, '县烟草局'))).message).toContain('R19');
  });
});
