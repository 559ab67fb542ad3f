/**
 * Chat text → typed values, in one place (bot/commands/parse.ts): the form only;
 * whether a value is allowed is the domain's to say (test/unit/plan-rules.test.ts).
 */
import { parseFilter, parseMonth, parsePlannedDay, parseWindow, parseYear, splitList } from '../../bot/commands/parse';

describe('parse', () => {
  it('R12: a plan year is four digits, 今年 or 明年 — a past year parses (the domain refuses it)', () => {
    expect(parseYear('2026年度', '2026-05-01')).toEqual({ ok: true, value: 2026 });
    expect(parseYear('明年', '2026-05-01')).toEqual({ ok: true, value: 2027 });
    expect(parseYear('2020', '2026-05-01')).toEqual({ ok: true, value: 2020 });
    expect(parseYear('二〇二六', '2026-05-01')).toMatchObject({ ok: false, reason: expect.stringContaining('请输入四位数字') });
  });

  it('R6, R13: a target filter reads every dimension and the risk aliases; an unknown key is named', () => {
    expect(parseFilter('乡镇=陈营镇、石镇镇 风险=高风险,较高 排除近12个月已检查')).toEqual({
      ok: true, value: { industries: [], townships: ['陈营镇', '石镇镇'], riskClasses: ['高', '较高'], sectorTags: [], skipInspectedWithinMonths: 12 },
    });
    expect(parseFilter('全部')).toEqual({ ok: true, value: { industries: [], townships: [], riskClasses: [], sectorTags: [] } });
    expect(parseFilter('颜色=红')).toMatchObject({ ok: false, reason: expect.stringContaining('“颜色”不是可用的条件') });
    expect(parseFilter('风险=极高')).toMatchObject({ ok: false, reason: expect.stringContaining('风险等级“极高”无法识别') });
  });

  it('R10: a window is a month or two days of the plan year; a day that does not exist is named', () => {
    expect(parseWindow('2月', 2028)).toEqual({ ok: true, value: { from: '2028-02-01', to: '2028-02-29' } });
    expect(parseWindow('9月1日至9月30日', 2026)).toEqual({ ok: true, value: { from: '2026-09-01', to: '2026-09-30' } });
    expect(parseWindow('2026-06-31 至 2026-07-02', 2026)).toMatchObject({ ok: false, reason: '日期“2026-06-31”不存在，请核对' });
    expect(parseWindow('2026-09-30 至 2026-09-01', 2026)).toMatchObject({ ok: false, reason: expect.stringContaining('晚于结束日期') });
  });

  it('R11: a planned day is a date, a month-day of this year, 今天 or 明天', () => {
    expect(parsePlannedDay('10月12日', '2026-05-01')).toEqual({ ok: true, value: '2026-10-12' });
    expect(parsePlannedDay('明天', '2026-12-31')).toEqual({ ok: true, value: '2027-01-01' });
    expect(parsePlannedDay('下周', '2026-05-01')).toMatchObject({ ok: false, reason: expect.stringContaining('这不是日期') });
  });

  it('a month and a list', () => {
    expect(parseMonth('2026年10月', '2026')).toBe('2026-10');
    expect(parseMonth('10月', '2027')).toBe('2027-10');
    expect(parseMonth('13月', '2026')).toBe(false);
    expect(parseMonth('县市管局', '2026')).toBeUndefined();
    expect(splitList('王伟、余涛凯, 李明；赵 钱')).toEqual(['王伟', '余涛凯', '李明', '赵', '钱']);
  });
});
