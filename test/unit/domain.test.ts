/**
 * The pure domain: parsing registry rows, field parsers, pool rules, the
 * organisation of the joint meeting, audit diffs, inspector rules, and the
 * logger's redaction.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { diff } from '../../src/domain/audit';
import { creditCodeCheckChar } from '../../src/domain/creditCode';
import { parseEntityRow, type EntityRecord } from '../../src/domain/entity';
import { date, list, oneOf, text, yesNo, MAX_CELL_CHARS } from '../../src/domain/fields';
import { certificateValidOn, isEnforcementOfficer, parseInspectorRow, type InspectorRecord } from '../../src/domain/inspector';
import { parseItemRow, type ItemRecord } from '../../src/domain/item';
import {
  findUnit, JOINT_OFFICE_HOST, JUSTICE_DEPT, MEMBER_UNITS, roleHomeDepartment, ROLES, unitName, type Role,
} from '../../src/domain/organisation';
import { decideConfirmation, decidePlacement, POOL_ALIASES, RISK_ALIASES, type Actor, type Pool } from '../../src/domain/pools';
import { createLogger, redactUri } from '../../src/logger';

const ROOT = path.resolve(__dirname, '..', '..');
const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

function code(n: number): string {
  const first17 = `91361129${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

function reasonOf(r: { ok: true } | { ok: false; reason: string }): string {
  if (r.ok) throw new Error('expected a refusal, got a value');
  return r.reason;
}

// ---------------------------------------------------------------- entities

type EntityCells = Partial<Record<keyof EntityRecord, string>>;
const goodEntity: EntityCells = {
  creditCode: ` ${code(1).toLowerCase()} `,
  name: ' 万年县华达食品有限公司 ',
  kind: '有限责任公司',
  industry: '制造业',
  township: '陈营镇',
  address: '万年县陈营镇工业园',
  riskClass: '较高',
  sectorTags: '食品安全、安全生产；食品安全',
  departments: '市管局、县应急管理局，SCJGJ',
};

describe('parseEntityRow (R1, R6, R19)', () => {
  it('parses a good row: normalised code, canonical kind and risk, lists, department codes', () => {
    const r = parseEntityRow(goodEntity);
    expect(r).toEqual({
      ok: true,
      value: {
        creditCode: code(1),
        name: '万年县华达食品有限公司',
        kind: '企业',
        industry: '制造业',
        township: '陈营镇',
        address: '万年县陈营镇工业园',
        riskClass: '较高',
        sectorTags: ['食品安全', '安全生产'],
        departments: ['SCJGJ', 'YJGLJ'],
      },
    });
  });

  it('accepts the national A-D credit-risk letters and the other kinds', () => {
    const r = parseEntityRow({ ...goodEntity, riskClass: 'd', kind: '个体户', industry: '', township: '', address: '', sectorTags: '', departments: '' });
    expect(r.ok && r.value).toMatchObject({ riskClass: '高', kind: '个体工商户', sectorTags: [], departments: [] });
    expect(parseEntityRow({ ...goodEntity, kind: '合作社' }).ok && true).toBe(true);
  });

  it.each<[string, EntityCells, string]>([
    ['a wrong check character', { creditCode: code(1).slice(0, 17) + (code(1)[17] === '0' ? '1' : '0') }, '校验位错误'],
    ['a short code', { creditCode: '9136112' }, '应为18位'],
    ['a missing code', { creditCode: '' }, '应为18位'],
    ['an empty name', { name: '  ' }, '“名称”不能为空'],
    ['a 201-character name', { name: '华'.repeat(201) }, '“名称”过长（201字，最多200字）'],
    ['an unknown kind', { kind: '外资机构' }, '“类型”的值“外资机构”无法识别'],
    ['an empty kind', { kind: '' }, '“类型”不能为空'],
    ['a kind that is an Object property name', { kind: 'constructor' }, '“类型”的值“constructor”无法识别'],
    ['a kind named __proto__', { kind: '__proto__' }, '无法识别'],
    ['an empty risk class', { riskClass: '' }, '“信用风险分类”不能为空'],
    ['an unknown risk class', { riskClass: '超高' }, '“信用风险分类”的值“超高”无法识别'],
    ['a risk class named toString', { riskClass: 'toString' }, '无法识别'],
    ['a long address', { address: '路'.repeat(301) }, '“地址”过长'],
    ['a long industry', { industry: '业'.repeat(101) }, '“行业”过长'],
    ['a long township', { township: '镇'.repeat(51) }, '“乡镇”过长'],
  ])('refuses %s with its Chinese reason', (_what, patch, reason) => {
    expect(reasonOf(parseEntityRow({ ...goodEntity, ...patch }))).toContain(reason);
  });

  it('R19: refuses a department outside the joint meeting', () => {
    const reason = reasonOf(parseEntityRow({ ...goodEntity, departments: '县市管局、县宣传部' }));
    expect(reason).toContain('县宣传部');
    expect(reason).toContain('R19');
  });

  it('refuses 10 MB in any text cell, quickly, with a short message', () => {
    const started = Date.now();
    for (const field of ['creditCode', 'name', 'kind', 'industry', 'township', 'address', 'riskClass', 'sectorTags', 'departments'] as const) {
      const reason = reasonOf(parseEntityRow({ ...goodEntity, [field]: TEN_MB }));
      expect(reason.length).toBeLessThan(200);
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

// ---------------------------------------------------------------- inspectors

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

// ---------------------------------------------------------------- items

type ItemCells = Partial<Record<keyof ItemRecord, string>>;
const goodItem: ItemCells = {
  itemCode: 'XF-001',
  department: '消防救援大队',
  name: '消防安全检查',
  legalBasis: '《中华人民共和国消防法》第五十三条',
  powerListCode: '36112900XF001',
  pools: 'BC',
  jointListA: '否',
  jointListFiledOn: '',
  specialty: '消防',
};

describe('parseItemRow (R9)', () => {
  it('parses a good item', () => {
    expect(parseItemRow(goodItem)).toEqual({
      ok: true,
      value: {
        itemCode: 'XF-001', department: 'XFJYDD', name: '消防安全检查', legalBasis: '《中华人民共和国消防法》第五十三条',
        powerListCode: '36112900XF001', pools: ['B', 'C'], jointListA: false, jointListFiledOn: undefined, specialty: '消防',
      },
    });
  });

  it('reads pools written in several ways, defaulting to B and C', () => {
    const pools = (p: string) => { const r = parseItemRow({ ...goodItem, pools: p }); return r.ok ? r.value.pools : reasonOf(r); };
    expect(pools('')).toEqual(['B', 'C']);
    expect(pools('ABC')).toEqual(['A', 'B', 'C']);
    expect(pools('bc')).toEqual(['B', 'C']);
    expect(pools('C类、A类库')).toEqual(['A', 'C']);
    expect(pools('重点监管库,一般监管库')).toEqual(['B', 'C']);
  });

  it('R9: needs a power-list code', () => {
    const reason = reasonOf(parseItemRow({ ...goodItem, powerListCode: ' ' }));
    expect(reason).toContain('权力清单编码');
    expect(reason).toContain('R9');
  });

  it('R9: an item on the A joint list must apply to pool A', () => {
    const reason = reasonOf(parseItemRow({ ...goodItem, jointListA: '是', pools: 'B、C' }));
    expect(reason).toContain('R9');
    expect(reason).toContain('A');
    expect(reasonOf(parseItemRow({ ...goodItem, jointListA: '是', pools: '' }))).toContain('R9');
    const ok = parseItemRow({ ...goodItem, jointListA: '是', pools: 'A', jointListFiledOn: '2026.03.20' });
    expect(ok.ok && ok.value).toMatchObject({ jointListA: true, pools: ['A'], jointListFiledOn: '2026-03-20' });
  });

  it.each<[string, ItemCells, string]>([
    ['an empty code', { itemCode: '' }, '“事项编码”不能为空'],
    ['a code with spaces', { itemCode: 'XF 001' }, '事项编码“XF 001”只能由字母、数字、-、_组成'],
    ['an empty name', { name: '' }, '“事项名称”不能为空'],
    ['no legal basis', { legalBasis: '' }, '“检查依据”不能为空'],
    ['an unknown pool', { pools: 'B、D' }, '适用库“D”无法识别'],
    ['a pool named constructor', { pools: 'constructor' }, '适用库“constructor”无法识别'],
    ['a pool named toString', { pools: 'toString' }, '无法识别'],
    ['a joint-list flag that is neither', { jointListA: '待定' }, '“A类联合清单”应填“是”或“否”'],
    ['a bad filing date', { jointListFiledOn: '2026-02-30' }, '“备案日期”不是有效日期'],
  ])('refuses %s with its Chinese reason', (_what, patch, reason) => {
    expect(reasonOf(parseItemRow({ ...goodItem, ...patch }))).toContain(reason);
  });

  it('R19: refuses an unknown department', () => {
    expect(reasonOf(parseItemRow({ ...goodItem, department: '县烟草局' }))).toContain('R19');
  });

  it('refuses 10 MB in any cell', () => {
    for (const field of Object.keys(goodItem) as (keyof ItemRecord)[]) {
      expect(reasonOf(parseItemRow({ ...goodItem, [field]: TEN_MB })).length).toBeLessThan(200);
    }
  });
});

// ---------------------------------------------------------------- fields

describe('field parsers', () => {
  it.each(['2026-03-31', '2026/03/31', '2026/3/31', '2026.03.31', '2026.3.31', '2026年3月31日', '2026年03月31日', '2026-3-31', '20260331', ' 2026-03-31 '])(
    'reads the date %j as 2026-03-31',
    (raw) => {
      expect(date('日期', raw)).toEqual({ ok: true, value: '2026-03-31' });
    },
  );

  it.each(['2026-02-30', '2026-13-01', '31/03/2026', '2026年3月', 'tomorrow', '2026-03-31T10:00'])('refuses the date %j', (raw) => {
    expect(reasonOf(date('截止日期', raw))).toContain('“截止日期”不是有效日期');
  });

  it('an empty date is undefined unless required', () => {
    expect(date('日期', '')).toEqual({ ok: true, value: undefined });
    expect(date('日期', undefined)).toEqual({ ok: true, value: undefined });
    expect(reasonOf(date('检查日期', ' ', { required: true }))).toContain('“检查日期”不能为空');
  });

  it('refuses a 10 MB date or yes/no quickly', () => {
    const started = Date.now();
    expect(reasonOf(date('日期', TEN_MB)).length).toBeLessThan(100);
    expect(reasonOf(yesNo('在岗', TEN_MB, true)).length).toBeLessThan(100);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reads yes and no', () => {
    for (const v of ['是', 'Y', 'yes', 'TRUE', '1', '√', '在岗']) expect(yesNo('x', v, false)).toEqual({ ok: true, value: true });
    for (const v of ['否', 'n', 'No', 'false', '0', '×', '离岗']) expect(yesNo('x', v, true)).toEqual({ ok: true, value: false });
    expect(yesNo('x', '', true)).toEqual({ ok: true, value: true });
    expect(yesNo('x', undefined, false)).toEqual({ ok: true, value: false });
    expect(reasonOf(yesNo('联合库', '可能', false))).toBe('“联合库”应填“是”或“否”，不能是“可能”');
  });

  it('splits lists on Chinese and Latin separators, dropping blanks and repeats', () => {
    expect(list('甲、乙；丙,丁，戊;己|庚\n辛\r\n、、 甲 ')).toEqual(['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛']);
    expect(list('')).toEqual([]);
    expect(list(undefined)).toEqual([]);
  });

  it('text trims, requires and limits', () => {
    expect(text('名称', '  a ')).toEqual({ ok: true, value: 'a' });
    expect(reasonOf(text('名称', '', { required: true }))).toBe('“名称”不能为空');
    expect(text('备注', 'x'.repeat(MAX_CELL_CHARS)).ok).toBe(true);
    expect(reasonOf(text('备注', 'x'.repeat(MAX_CELL_CHARS + 1)))).toContain('过长');
  });

  it('oneOf accepts only the listed aliases, never Object properties', () => {
    expect(oneOf('库', 'a类', POOL_ALIASES)).toEqual({ ok: true, value: 'A' });
    expect(oneOf('风险', '', RISK_ALIASES, { fallback: '一般' })).toEqual({ ok: true, value: '一般' });
    for (const v of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
      expect(oneOf('库', v, POOL_ALIASES).ok).toBe(false);
      // Code that indexes the tables directly (chat commands) is safe too.
      expect(POOL_ALIASES[v]).toBeUndefined();
      expect(RISK_ALIASES[v]).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------- pools

const actor = (roles: Role[], department = 'YJGLJ'): Actor => ({ userId: `u-${roles.join('-')}`, department, roles });

describe('decidePlacement / decideConfirmation (R1, R5)', () => {
  const office = actor(['office'], 'SCJGJ');

  it('R1, R20: only 联席办 proposes pool A; another 联席办 member confirms it', () => {
    expect(decidePlacement(office, 'A', 'B')).toEqual({ ok: true, effective: false, pending: 'A' });
    expect(decidePlacement(office, 'A', 'C')).toEqual({ ok: true, effective: false, pending: 'A' });
    for (const roles of [['official'], ['leader'], ['justice'], ['admin'], ['inspector'], ['official', 'leader', 'admin']] as Role[][]) {
      const d = decidePlacement(actor(roles, roles.includes('justice') ? 'SFJ' : 'SCJGJ'), 'A', 'B');
      expect(d).toMatchObject({ ok: false, rule: 'R1' });
      if (!d.ok) expect(d.message).toContain('R1');
    }
  });

  it('R1: a member unit (official or leader) proposes C; it is pending, not effective', () => {
    expect(decidePlacement(actor(['official']), 'C', 'B')).toEqual({ ok: true, effective: false, pending: 'C' });
    expect(decidePlacement(actor(['leader']), 'C', 'A')).toEqual({ ok: true, effective: false, pending: 'C' });
    expect(decidePlacement(office, 'C', 'B')).toEqual({ ok: true, effective: false, pending: 'C' });
  });

  it('R1: roles that are not a member unit\'s official, leader or 联席办 cannot propose C', () => {
    for (const roles of [['inspector'], ['justice'], ['admin'], []] as Role[][]) {
      expect(decidePlacement(actor(roles), 'C', 'B')).toMatchObject({ ok: false, rule: 'R1' });
    }
  });

  it('R5, R20: moving to B is a pool adjustment that only 联席办 proposes (another member confirms)', () => {
    expect(decidePlacement(office, 'B', 'A')).toEqual({ ok: true, effective: false, pending: 'B' });
    expect(decidePlacement(office, 'B', 'C')).toEqual({ ok: true, effective: false, pending: 'B' });
    for (const roles of [['official'], ['leader'], ['admin']] as Role[][]) {
      const d = decidePlacement(actor(roles), 'B', 'C');
      expect(d).toMatchObject({ ok: false, rule: 'R5' });
      if (!d.ok) expect(d.message).toContain('R5');
    }
  });

  it('refuses a move to the pool the entity is already in', () => {
    for (const p of ['A', 'B', 'C'] as Pool[]) expect(decidePlacement(office, p, p).ok).toBe(false);
  });

  it('R1: only 联席办 confirms a proposed C placement', () => {
    expect(decideConfirmation(office)).toEqual({ ok: true });
    for (const roles of [['official'], ['leader'], ['justice'], ['admin'], ['inspector']] as Role[][]) {
      const d = decideConfirmation(actor(roles));
      expect(d).toMatchObject({ ok: false, rule: 'R1' });
    }
  });
});

// ---------------------------------------------------------------- organisation

/** The member units as the seed's attachment lists them. */
function attachmentUnits(): string[] {
  const dirs = [path.join(ROOT, '..', 'shared', 'seeds'), path.join(ROOT, 'docs', 'seeds'), '/work/shared/seeds'];
  const dir = dirs.find((d) => existsSync(d));
  if (!dir) throw new Error(`seed document not found in ${dirs.join(', ')}`);
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

// ---------------------------------------------------------------- audit

describe('audit diff (R20)', () => {
  it('R20: lists the fields that changed, sorted, as JSON text', () => {
    expect(diff({ name: '甲', roles: ['official'], active: true }, { name: '甲', roles: ['official', 'leader'], active: false })).toEqual([
      { field: 'active', from: 'true', to: 'false' },
      { field: 'roles', from: '["official"]', to: '["official","leader"]' },
    ]);
  });

  it('a new record lists every field from nothing; unchanged lists nothing', () => {
    expect(diff(undefined, { b: 1, a: 'x' })).toEqual([
      { field: 'a', from: '', to: '"x"' },
      { field: 'b', from: '', to: '1' },
    ]);
    expect(diff({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toEqual([]);
  });

  it('a removed field goes to empty; undefined counts as absent', () => {
    expect(diff({ wecomUserId: 'zs', name: 'n' }, { wecomUserId: undefined, name: 'n' })).toEqual([{ field: 'wecomUserId', from: '"zs"', to: '' }]);
    expect(diff({ x: undefined }, {})).toEqual([]);
  });
});

// ---------------------------------------------------------------- logger

describe('logger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'debug') => {
    const lines: string[] = [];
    return { lines, log: createLogger(level, (l) => lines.push(l)) };
  };

  it('never prints a value under a secret-looking key, at any depth', () => {
    const { lines, log } = capture();
    log.info('config', {
      token: 'TOKEN-VALUE-1',
      secret: 'SECRET-VALUE-2',
      aesKey: 'AESKEY-VALUE-3',
      encodingAESKey: 'AESKEY-VALUE-4',
      corpSecret: 'SECRET-VALUE-5',
      accessToken: 'TOKEN-VALUE-6',
      password: 'PASSWORD-VALUE-7',
      wecom: { token: 'TOKEN-VALUE-8', agentId: 1000002 },
      robots: [{ name: 'r', secret: 'SECRET-VALUE-9' }],
      user: 'zhangsan',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    const parsed = JSON.parse(lines[0]);
    expect(parsed).toMatchObject({ level: 'info', msg: 'config', user: 'zhangsan', wecom: { agentId: 1000002 }, robots: [{ name: 'r' }] });
    expect(parsed.token).toBe('[redacted]');
  });

  it('removes credentials from any URI it prints', () => {
    const { lines, log } = capture();
    log.warn('cannot connect', { uri: 'mongodb://admin:Pa55word@db.example.gov.cn:27017/supervision', err: 'failed mongodb://u:Other9@h/' });
    expect(lines[0]).not.toContain('Pa55word');
    expect(lines[0]).not.toContain('Other9');
    expect(lines[0]).toContain('db.example.gov.cn:27017');
  });

  it('removes credentials from the query strings of the platforms\' API URLs', () => {
    const { lines, log } = capture();
    log.info('POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=AT-VALUE-1&debug=1', {
      url: 'https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww123&corpsecret=CS-VALUE-2',
      robot: 'https://oapi.dingtalk.com/robot/send?access_token=AT-VALUE-3&timestamp=1&sign=SG-VALUE-4',
      callback: '/wecom/callback?msg_signature=SG-VALUE-5&timestamp=1&nonce=n',
    });
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    expect(lines[0]).toContain('corpid=ww123');
    expect(lines[0]).toContain('debug=1');
    expect(lines[0]).toContain('timestamp=1');
  });

  it('redacts sign and signature but not words that merely contain them (signal, design, keyword)', () => {
    const { lines, log } = capture();
    log.info('process ended https://h/x?sign=SG-VALUE-1&signal=SIGTERM&keyword=食品', {
      signal: 'SIGTERM', design: 'card', keyword: '食品', sign: 'SG-VALUE-2', msgSignature: 'SG-VALUE-3', msg_signature: 'SG-VALUE-4', apiKey: 'K-VALUE-5',
    });
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    const parsed = JSON.parse(lines[0]);
    expect(parsed).toMatchObject({ signal: 'SIGTERM', design: 'card', keyword: '食品', sign: '[redacted]', msgSignature: '[redacted]' });
    expect(parsed.msg).toContain('signal=SIGTERM');
    expect(parsed.msg).toContain('keyword=食品');
  });

  it('prints one JSON line per call, and only at or above its level', () => {
    const { lines, log } = capture('warn');
    log.debug('d'); log.info('i'); log.warn('w', { note: 'two\nlines' }); log.error('e');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain('\n');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['w', 'e']);
  });

  it('a field cannot overwrite the time, level or message', () => {
    const { lines, log } = capture();
    log.error('real message', { msg: 'fake', level: 'debug', t: 'then' });
    const parsed = JSON.parse(lines[0]);
    expect(parsed.msg).toBe('real message');
    expect(parsed.level).toBe('error');
    expect(parsed.t).not.toBe('then');
  });

  it('prints an Error by its message, not as {}', () => {
    const { lines, log } = capture();
    log.error('failed', { err: new Error('boom at mongodb://u:pw123@h/') });
    expect(lines[0]).toContain('boom');
    expect(lines[0]).not.toContain('pw123');
  });

  it('survives a circular field', () => {
    const { lines, log } = capture();
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => log.info('loop', { a })).not.toThrow();
    expect(lines[0]).toContain('"name":"a"');
  });

  it('redactUri removes user and password, keeps the rest', () => {
    expect(redactUri('mongodb://user:p%40ss@db.example.gov.cn:27017/sup?authSource=admin')).toBe('mongodb://***@db.example.gov.cn:27017/sup?authSource=admin');
    expect(redactUri('mongodb+srv://u:pw@cluster0.example.net/')).toBe('mongodb+srv://***@cluster0.example.net/');
    expect(redactUri('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
    expect(redactUri('mongodb://h1:1,h2:2/?replicaSet=rs')).toBe('mongodb://h1:1,h2:2/?replicaSet=rs');
    // An unescaped @ in the password must not leave its tail behind.
    expect(redactUri('mongodb://u:p@ss@host/')).toBe('mongodb://***@host/');
    expect(redactUri('a mongodb://u:one@h/ and mongodb://v:two@k/')).toBe('a mongodb://***@h/ and mongodb://***@k/');
  });
});
