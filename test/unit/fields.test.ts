/** The field parsers every registry row goes through: text, lists, dates, yes/no, closed sets. */
import { date, list, oneOf, text, yesNo, MAX_CELL_CHARS } from '../../src/domain/fields';
import { POOL_ALIASES, RISK_ALIASES } from '../../src/domain/pools';
import { reasonOf, TEN_MB } from '../helpers/domain';

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
