/** parseEntityRow (R1, R6, R19): a market-entity row from the base database, cleaned and checked. */
import { parseEntityRow, type EntityRecord } from '../../src/domain/entity';
import { code, reasonOf, TEN_MB } from '../helpers/domain';

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
