import type { CalendarConfig } from '../../src/domain/calendar';
import {
  decideFiling, FILING_REASON_LABELS, parseFilingReason, R11_REASONS, R2_REASONS, type FilingReason,
} from '../../src/domain/filing';

describe('filing reasons (R2, R11)', () => {
  it('R11: the seven quiet-period reasons, and R2 adds transfer from elsewhere', () => {
    expect(R11_REASONS.map((r) => FILING_REASON_LABELS[r])).toEqual(['安全生产', '生态环境保护', '应急消防', '职业健康', '突发事件', '投诉举报', '上级交办']);
    expect(R2_REASONS.map((r) => FILING_REASON_LABELS[r])).toEqual(['投诉举报', '上级交办', '外地移送']);
  });

  it('R11: generous Chinese aliases are understood', () => {
    const cases: [string, FilingReason][] = [
      ['安全生产', 'safety'], ['生产安全事故隐患', 'safety'], ['危化品检查', 'safety'],
      ['生态环境保护', 'environment'], ['环保', 'environment'], ['排污问题', 'environment'],
      ['应急消防', 'fire'], ['消防', 'fire'], ['火灾隐患', 'fire'],
      ['职业健康', 'occupational_health'], ['职业病防治', 'occupational_health'],
      ['突发事件', 'emergency'], ['应急', 'emergency'], ['突发疫情处置', 'emergency'],
      ['投诉', 'complaint'], ['举报', 'complaint'], ['12345热线转来', 'complaint'], ['群众反映噪音', 'complaint'],
      ['上级交办', 'assignment'], ['交办', 'assignment'], ['省局督办', 'assignment'],
      ['外地移送', 'transfer'], ['移送', 'transfer'], ['异地移送案件', 'transfer'],
      ['complaint', 'complaint'], [' 投 诉 举 报 ', 'complaint'],
    ];
    for (const [text, reason] of cases) expect([text, parseFilingReason(text)]).toEqual([text, { ok: true, value: reason }]);
  });

  it('R2: the source of a check comes before its subject ("消防安全投诉" is a complaint)', () => {
    expect(parseFilingReason('消防安全投诉')).toEqual({ ok: true, value: 'complaint' });
    expect(parseFilingReason('上级交办的环保检查')).toEqual({ ok: true, value: 'assignment' });
  });

  it('R11: routine checks, food safety and free text are not reasons; the re-ask lists them', () => {
    for (const text of ['例行检查', '日常巡查', '食品安全', '', 'constructor']) {
      const r = parseFilingReason(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain('可选：安全生产、生态环境保护、应急消防');
    }
  });
});

describe('decideFiling: what an out-of-draw inspection needs (R2, R10, R11)', () => {
  it('R10: a B entity inside its window (June) needs no filing', () => {
    const d = decideFiling({ pool: 'B', day: '2026-06-15', reason: '例行检查' });
    expect(d.kind).toBe('not_needed');
    expect(d.message).toContain('依据规则 R10');
    expect(d.message).toContain('6月、9月');
    expect(decideFiling({ pool: 'B', day: '2026-09-30', reason: '消防' }).kind).toBe('not_needed');
  });

  it('R10: a C entity needs no filing at any time', () => {
    for (const day of ['2026-01-05', '2026-06-15', '2026-10-10']) {
      const d = decideFiling({ pool: 'C', day, reason: '例行检查' });
      expect(d).toEqual({ kind: 'not_needed', message: expect.stringContaining('不受企业安静期限制') });
      expect(d.message).toContain('R10');
    }
  });

  it('R11: a B entity in October for fire safety is accepted and must be filed', () => {
    const d = decideFiling({ pool: 'B', day: '2026-10-12', reason: '消防' });
    expect(d).toMatchObject({ kind: 'needed', rules: ['R11'], reason: 'fire' });
    expect(d.message).toContain('依据规则 R11');
    expect(d.message).toContain('联席办和司法局备案');
  });

  it('R11: every one of the seven reasons is accepted for a B entity in the quiet period', () => {
    for (const reason of R11_REASONS) {
      expect(decideFiling({ pool: 'B', day: '2026-03-02', reason }).kind).toBe('needed');
    }
  });

  it('R11: a B entity in October for a routine check is refused, listing the accepted reasons', () => {
    const d = decideFiling({ pool: 'B', day: '2026-10-12', reason: '例行检查' });
    expect(d).toMatchObject({ kind: 'refused', rule: 'R11' });
    expect(d.message).toContain('依据规则 R11');
    expect(d.message).toContain('企业安静期');
    expect(d.message).toContain('安全生产、生态环境保护、应急消防、职业健康、突发事件、投诉举报、上级交办');
    expect(d.message).toContain('“例行检查”不在其列');
  });

  it('R11: a transfer from elsewhere is not among the seven, so a B entity in the quiet period is refused', () => {
    expect(decideFiling({ pool: 'B', day: '2026-11-02', reason: '外地移送' })).toMatchObject({ kind: 'refused', rule: 'R11' });
  });

  it('R2: an A entity in the quiet period on a complaint is accepted; the form is filed (R2, R11)', () => {
    const d = decideFiling({ pool: 'A', day: '2026-10-12', reason: '投诉举报' });
    expect(d).toMatchObject({ kind: 'needed', rules: ['R2', 'R11'], reason: 'complaint' });
    expect(d.message).toContain('检查表须报联席办和司法局备案');
  });

  it('R2: an A entity in June is still restricted: a complaint, an assignment or a transfer is filed', () => {
    for (const reason of ['举报', '上级交办', '外地移送']) {
      expect(decideFiling({ pool: 'A', day: '2026-06-10', reason })).toMatchObject({ kind: 'needed', rules: ['R2'] });
    }
  });

  it('R2: an A entity for safety production is refused, even though R11 allows it for others', () => {
    for (const day of ['2026-06-10', '2026-10-12']) {
      const d = decideFiling({ pool: 'A', day, reason: '安全生产' });
      expect(d).toMatchObject({ kind: 'refused', rule: 'R2' });
      expect(d.message).toContain('只可因投诉举报、上级交办、外地移送开展检查');
    }
  });

  it('R2: an A entity in June for a routine check is refused under R2', () => {
    expect(decideFiling({ pool: 'A', day: '2026-06-10', reason: '例行检查' })).toMatchObject({ kind: 'refused', rule: 'R2' });
  });

  it('R11 and R2: an A entity in the quiet period for a routine check or a transfer is refused under R11, naming what A allows', () => {
    for (const reason of ['例行检查', '外地移送']) {
      const d = decideFiling({ pool: 'A', day: '2026-10-12', reason });
      expect(d).toMatchObject({ kind: 'refused', rule: 'R11' });
      expect(d.message).toContain('另依 R2 仅限投诉举报、上级交办');
    }
  });

  it('R10: the county’s own months decide what is the quiet period', () => {
    const calendar: CalendarConfig = { defaults: { A: [6], B: [6, 9] }, years: { 2026: { B: [6, 10] } } };
    expect(decideFiling({ pool: 'B', day: '2026-10-12', reason: '例行检查' }, calendar).kind).toBe('not_needed');
    expect(decideFiling({ pool: 'B', day: '2026-09-12', reason: '例行检查' }, calendar)).toMatchObject({ kind: 'refused', rule: 'R11' });
  });

  it('a malformed day is a programming error', () => {
    expect(() => decideFiling({ pool: 'B', day: '10月12日', reason: '消防' })).toThrow();
  });
});
