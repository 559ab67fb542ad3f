/** The inspection item list (R9): a row parsed and checked. */
import { parseItemRow, type ItemRecord } from '../../src/domain/item';
import { reasonOf, TEN_MB } from '../helpers/domain';

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
