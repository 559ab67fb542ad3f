import type { CalendarConfig } from '../../src/domain/calendar';
import type { ItemRecord } from '../../src/domain/item';
import {
  checkPlan, DEFAULT_RISK_POLICY, describePlan, effectivePermille, findDuplicates, formatPermille, formatSampling,
  parseRiskPolicy, sampleSize, targetsOverlap,
  type PlanContext, type PlanDraft, type PlanSummary, type Problem, type RiskPolicy,
} from '../../src/domain/plan';
import type { Actor, Pool } from '../../src/domain/pools';
import { parseRatio } from '../../bot/commands/parse';

const item = (department: string, itemCode: string, pools: Pool[], jointListA = false): ItemRecord => ({
  itemCode, department, name: `${department}事项${itemCode}`, legalBasis: '依据', powerListCode: `P-${itemCode}`,
  pools, jointListA, specialty: '',
});
const ITEMS: ItemRecord[] = [
  item('SCJGJ', 'FOOD01', ['A', 'B', 'C'], true),
  item('SCJGJ', 'PRICE02', ['B', 'C']),
  item('SCJGJ', 'SPEC03', ['C']),
  item('SCJGJ', 'LABEL04', ['A', 'B']),
  item('XFJYDD', 'FIRE01', ['A', 'B', 'C'], true),
  item('XFJYDD', 'FIRE02', ['B', 'C']),
];

const official: Actor = { userId: 'scj.official', department: 'SCJGJ', roles: ['official'] };
const office: Actor = { userId: 'lxb.office', department: 'SCJGJ', roles: ['office'] };
const fireOfficial: Actor = { userId: 'xf.official', department: 'XFJYDD', roles: ['official'] };

const noFilter = { industries: [], townships: [], riskClasses: [], sectorTags: [] };

/** A B-pool plan that passes every check. */
function bDraft(over: Partial<PlanDraft> = {}): PlanDraft {
  return {
    year: 2026, department: 'SCJGJ', pool: 'B',
    filter: { ...noFilter, riskClasses: ['较高'] },
    items: ['SCJGJ:FOOD01'], sampling: { ratioPermille: 150 },
    window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [],
    ...over,
  };
}
/** An A-pool plan by 联席办 that passes every check. */
function aDraft(over: Partial<PlanDraft> = {}): PlanDraft {
  return bDraft({
    pool: 'A', filter: { ...noFilter, riskClasses: ['低'] }, items: ['SCJGJ:FOOD01', 'XFJYDD:FIRE01'],
    sampling: { ratioPermille: 50 }, window: { from: '2026-06-01', to: '2026-06-30' }, jointDepartments: ['XFJYDD'],
    ...over,
  });
}
function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return { actor: official, today: '2026-03-10', items: ITEMS, predictedTargets: 200, others: [], ...over };
}
function summary(number: string, over: Partial<PlanSummary> = {}): PlanSummary {
  const d = bDraft();
  return {
    number, department: d.department, jointDepartments: [], pool: d.pool, items: d.items,
    filter: d.filter, window: d.window, status: 'approved', ...over,
  };
}
const rules = (ps: Problem[]) => ps.map((p) => p.rule);
const only = (ps: Problem[], rule: string) => ps.filter((p) => p.rule === rule);

describe('sampling arithmetic and words', () => {
  it('R6: sampleSize rounds a ratio up in integers and caps a count at n', () => {
    expect(sampleSize(200, { ratioPermille: 50 })).toBe(10);
    expect(sampleSize(201, { ratioPermille: 50 })).toBe(11);
    expect(sampleSize(3, { ratioPermille: 10 })).toBe(1);
    expect(sampleSize(0, { ratioPermille: 50 })).toBe(0);
    expect(sampleSize(15, { count: 20 })).toBe(15);
    expect(sampleSize(200, { count: 20 })).toBe(20);
    // Floating point would give Math.ceil(3000 * 0.017) = 52; exactly it is 51.
    expect(sampleSize(3000, { ratioPermille: 17 })).toBe(51);
    expect(sampleSize(1000, { ratioPermille: 1000 })).toBe(1000);
  });

  it('R6: effective ratio of a count, per-mille, integers only', () => {
    expect(effectivePermille(200, { count: 20 })).toBe(100);
    expect(effectivePermille(3, { count: 1 })).toBe(333);
    expect(effectivePermille(10, { count: 50 })).toBe(1000);
    expect(effectivePermille(200, { ratioPermille: 25 })).toBe(25);
  });

  it('formats ratios and counts in Chinese', () => {
    expect(formatPermille(50)).toBe('5%');
    expect(formatPermille(25)).toBe('2.5%');
    expect(formatPermille(1000)).toBe('100%');
    expect(formatSampling({ ratioPermille: 50 })).toBe('比例 5%');
    expect(formatSampling({ count: 20 })).toBe('抽取 20 户');
  });

  it('parseRatio: per cent, fractions, Chinese numerals and counts', () => {
    const cases: [string, object][] = [
      ['5%', { ratioPermille: 50 }], ['5％', { ratioPermille: 50 }], ['2.5%', { ratioPermille: 25 }],
      ['5', { ratioPermille: 50 }], ['0.05', { ratioPermille: 50 }], [' 10 % ', { ratioPermille: 100 }],
      ['百分之五', { ratioPermille: 50 }], ['百分之十五', { ratioPermille: 150 }], ['百分之二点五', { ratioPermille: 25 }],
      ['百分之2.5', { ratioPermille: 25 }], ['千分之五', { ratioPermille: 5 }], ['100%', { ratioPermille: 1000 }],
      ['５％', { ratioPermille: 50 }], ['比例5%', { ratioPermille: 50 }],
      ['20户', { count: 20 }], ['20家', { count: 20 }], ['抽取20户', { count: 20 }], ['二十户', { count: 20 }],
      ['一百零五家', { count: 105 }],
    ];
    for (const [text, value] of cases) expect([text, parseRatio(text)]).toEqual([text, { ok: true, value }]);
  });

  it('parseRatio: free text, zero, over 100% and false precision get a re-ask with an example', () => {
    for (const text of ['多抽一些', '', '0%', '150%', '2.55%', '0户', 'constructor', '五成']) {
      const r = parseRatio(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/如“5%”|0\.1%|100%|1 户/);
    }
    const r = parseRatio('多抽一些');
    if (!r.ok) expect(r.reason).toContain('如“5%”“2.5%”或“20户”');
  });

  it('describePlan summarises a plan in Chinese', () => {
    const text = describePlan(aDraft({ special: { reason: '节前食品安全' } }), { number: 'JH2026-001', predictedTargets: 200, items: ITEMS });
    expect(text).toContain('计划 JH2026-001：2026年度专项抽查计划（A类联合监管库）');
    expect(text).toContain('牵头：县市管局；联合：县消防救援大队');
    expect(text).toContain('风险等级低');
    expect(text).toContain('行业不限');
    expect(text).toContain('事项：SCJGJ事项FOOD01、XFJYDD事项FIRE01');
    expect(text).toContain('抽取：比例 5%（预计 200 户中抽取 10 户）');
    expect(text).toContain('时段：2026-06-01 至 2026-06-30');
    expect(text).toContain('专项理由：节前食品安全');
    expect(describePlan(bDraft({ filter: { ...noFilter, skipInspectedWithinMonths: 12 } }))).toContain('排除近12个月已检查的主体');
  });
});

describe('checkPlan: a well-formed plan passes', () => {
  it('R3: a B-pool plan of the department’s own, in its window, inside the policy, has no problems', () => {
    expect(checkPlan(bDraft(), ctx())).toEqual({ problems: [], warnings: [] });
  });

  it('R2: an A-pool plan by 联席办, joint, ≤ 10%, from the A joint list, in June, has no problems', () => {
    expect(checkPlan(aDraft(), ctx({ actor: office }))).toEqual({ problems: [], warnings: [] });
  });

  it('R4: a C-pool plan covering every class at 100% passes (full coverage is exempt from the ratio ceiling)', () => {
    const d = bDraft({ pool: 'C', filter: noFilter, items: ['SCJGJ:SPEC03'], sampling: { ratioPermille: 1000 }, window: { from: '2026-02-01', to: '2026-11-30' } });
    expect(checkPlan(d, ctx({ today: '2026-01-20' })).problems).toEqual([]);
  });
});

describe('R2: A-pool plans', () => {
  it('R2: only 联席办 (role office in 县市管局) makes an A-pool plan', () => {
    for (const actor of [official, fireOfficial, { ...office, department: 'XFJYDD' }]) {
      const r = checkPlan(aDraft({ department: actor.department }), ctx({ actor }));
      expect(only(r.problems, 'R2')).toHaveLength(1);
      expect(only(r.problems, 'R2')[0]).toMatchObject({ field: 'pool' });
      expect(only(r.problems, 'R2')[0].message).toContain('依据规则 R2：A类联合监管库的抽查由联席办统一组织');
    }
  });

  it('R2: an A-pool ratio above 10% is refused; exactly 10% is allowed', () => {
    const over = checkPlan(aDraft({ sampling: { ratioPermille: 101 } }), ctx({ actor: office }));
    expect(only(over.problems, 'R2').map((p) => p.message)).toEqual([expect.stringContaining('不超过 10%')]);
    expect(only(over.problems, 'R2')[0].field).toBe('sampling');
    // 低's policy range is 1%–5%; use a policy that allows 10% to isolate R2.
    const policy: RiskPolicy = { ...DEFAULT_RISK_POLICY, 低: { minPermille: 10, maxPermille: 200, maxPerYear: 1 } };
    expect(checkPlan(aDraft({ sampling: { ratioPermille: 100 } }), ctx({ actor: office, policy })).problems).toEqual([]);
  });

  it('R2: a count is judged by its effective ratio over the predicted targets, in integers', () => {
    const policy: RiskPolicy = { ...DEFAULT_RISK_POLICY, 低: { minPermille: 10, maxPermille: 200, maxPerYear: 1 } };
    expect(only(checkPlan(aDraft({ sampling: { count: 20 } }), ctx({ actor: office, policy })).problems, 'R2')).toEqual([]);
    const r = checkPlan(aDraft({ sampling: { count: 21 } }), ctx({ actor: office, policy }));
    expect(only(r.problems, 'R2')[0].message).toContain('抽取 21 户（占 200 户的约 10.5%）');
  });

  it('R2: an A-pool plan must be joint', () => {
    const r = checkPlan(aDraft({ jointDepartments: [], items: ['SCJGJ:FOOD01'] }), ctx({ actor: office }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R2', field: 'jointDepartments', message: expect.stringContaining('至少添加一个联合部门') })]);
  });
});

describe('R3/R4: a department plans for itself', () => {
  it('R3: an official cannot make a B-pool plan for another department', () => {
    const r = checkPlan(bDraft({ department: 'XFJYDD', items: ['XFJYDD:FIRE01'] }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R3', field: 'department' })]);
    expect(r.problems[0].message).toContain('不能为县消防救援大队制定计划');
  });

  it('R4: the same holds for C-pool plans', () => {
    const r = checkPlan(bDraft({ pool: 'C', department: 'XFJYDD', items: ['XFJYDD:FIRE01'] }), ctx());
    expect(rules(r.problems)).toContain('R4');
  });

  it('joint departments never include the plan’s own department', () => {
    const r = checkPlan(bDraft({ jointDepartments: ['SCJGJ'] }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'input', field: 'jointDepartments' })]);
  });
});

describe('R9: only listed items', () => {
  it('R9: an item not on the department’s list is refused (nothing outside a list)', () => {
    const r = checkPlan(bDraft({ items: ['SCJGJ:FOOD01', 'SCJGJ:NOPE99'] }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R9', field: 'items' })]);
    expect(r.problems[0].message).toContain('“NOPE99”不在县市管局的检查事项清单上，清单之外无检查');
  });

  it('R9: an item of a department that is neither the lead nor joint is refused; joining makes it valid', () => {
    const alone = checkPlan(bDraft({ items: ['SCJGJ:FOOD01', 'XFJYDD:FIRE02'] }), ctx());
    expect(rules(alone.problems)).toEqual(['R9']);
    expect(alone.problems[0].message).toContain('不属于本计划牵头或联合部门');
    const joint = checkPlan(bDraft({ items: ['SCJGJ:FOOD01', 'XFJYDD:FIRE02'], jointDepartments: ['XFJYDD'] }), ctx());
    expect(joint.problems).toEqual([]);
  });

  it('R9: a malformed key is refused, not guessed', () => {
    expect(rules(checkPlan(bDraft({ items: ['FOOD01'] }), ctx()).problems)).toEqual(['R9']);
  });

  it('R9: an item must apply to the plan’s pool', () => {
    const r = checkPlan(bDraft({ items: ['SCJGJ:SPEC03'] }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R9', message: expect.stringContaining('不适用于B类一般监管库') })]);
  });

  it('R9: an A-pool plan uses only items on the A joint list', () => {
    const r = checkPlan(aDraft({ items: ['SCJGJ:LABEL04', 'XFJYDD:FIRE01'] }), ctx({ actor: office }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R9', message: expect.stringContaining('不在该清单上') })]);
  });

  it('R9: a plan with no items is refused', () => {
    expect(checkPlan(bDraft({ items: [] }), ctx()).problems).toEqual([expect.objectContaining({ rule: 'R9', field: 'items' })]);
  });
});

describe('R10: the window fits the pool', () => {
  it('R10: a B-pool plan in July is refused, naming June and September', () => {
    const r = checkPlan(bDraft({ window: { from: '2026-07-01', to: '2026-07-20' } }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R10', field: 'window' })]);
    expect(r.problems[0].message).toContain('B类一般监管库2026年的检查期为6月、9月');
  });

  it('R10: a B-pool window may not span the quiet July and August', () => {
    expect(rules(checkPlan(bDraft({ window: { from: '2026-06-15', to: '2026-09-15' } }), ctx()).problems)).toEqual(['R10']);
  });

  it('R10: an A-pool plan in September is refused; June only', () => {
    const r = checkPlan(aDraft({ window: { from: '2026-09-01', to: '2026-09-30' } }), ctx({ actor: office }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R10', message: expect.stringContaining('检查期为6月') })]);
  });

  it('R10: the window lies in the plan’s year', () => {
    const r = checkPlan(bDraft({ window: { from: '2027-06-01', to: '2027-06-30' } }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R10', message: expect.stringContaining('计划年度（2026年）之内') })]);
  });

  it('R10: a C-pool plan may run any time of its year', () => {
    const d = bDraft({ pool: 'C', items: ['SCJGJ:SPEC03'], window: { from: '2026-04-01', to: '2026-12-31' } });
    expect(only(checkPlan(d, ctx()).problems, 'R10')).toEqual([]);
  });

  it('R10: the county’s own months for the year are used', () => {
    const calendar: CalendarConfig = { defaults: { A: [6], B: [6, 9] }, years: { 2026: { B: [6, 10] } } };
    const october = bDraft({ window: { from: '2026-10-08', to: '2026-10-30' } });
    expect(checkPlan(october, ctx({ calendar })).problems).toEqual([]);
    const r = checkPlan(bDraft(), ctx({ calendar }));
    expect(r.problems[0].message).toContain('6月、10月');
  });

  it('invalid, reversed or past windows are input problems', () => {
    expect(checkPlan(bDraft({ window: { from: '2026-09-31', to: '2026-09-30' } }), ctx()).problems)
      .toEqual([expect.objectContaining({ rule: 'input', field: 'window' })]);
    expect(checkPlan(bDraft({ window: { from: '2026-09-20', to: '2026-09-10' } }), ctx()).problems[0].message).toContain('晚于结束日期');
    const late = checkPlan(bDraft({ window: { from: '2026-06-01', to: '2026-06-30' }, special: { reason: '补充' } }), ctx({ today: '2026-07-02' }));
    expect(late.problems).toEqual([expect.objectContaining({ rule: 'input', message: expect.stringContaining('已过') })]);
  });
});

describe('R12: plans entered by 31 March; later ones are special', () => {
  it('R12: on 31 March an ordinary plan is still accepted', () => {
    expect(checkPlan(bDraft(), ctx({ today: '2026-03-31' })).problems).toEqual([]);
  });

  it('R12: after 31 March a plan must be marked special with a reason', () => {
    const r = checkPlan(bDraft(), ctx({ today: '2026-04-01' }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R12', field: 'special' })]);
    expect(r.problems[0].message).toContain('应于3月31日前录入');
    expect(rules(checkPlan(bDraft({ special: { reason: '  ' } }), ctx({ today: '2026-04-01' })).problems)).toEqual(['R12']);
    expect(checkPlan(bDraft({ special: { reason: '上级部署的节前专项检查' } }), ctx({ today: '2026-04-01' })).problems).toEqual([]);
  });

  it('R12: a plan for a past year is refused', () => {
    const r = checkPlan(bDraft({ year: 2025, window: { from: '2025-09-01', to: '2025-09-30' } }), ctx({ today: '2026-01-05' }));
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'R12', field: 'year' })]));
  });

  it('R12: next year’s plan may be entered now, not one further ahead', () => {
    const next = bDraft({ year: 2027, window: { from: '2027-09-01', to: '2027-09-30' } });
    expect(checkPlan(next, ctx({ today: '2026-11-20' })).problems).toEqual([]);
    const far = bDraft({ year: 2028, window: { from: '2028-09-01', to: '2028-09-30' } });
    expect(checkPlan(far, ctx({ today: '2026-11-20' })).problems).toEqual([expect.objectContaining({ rule: 'input', field: 'year' })]);
  });
});

describe('R6: ratio and frequency by risk class', () => {
  it('R6: a ratio below the covered class’s minimum is refused', () => {
    const r = checkPlan(bDraft({ sampling: { ratioPermille: 50 } }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R6', field: 'sampling' })]);
    expect(r.problems[0].message).toContain('风险等级“较高”的抽查比例应在 10%–30% 之间');
  });

  it('R6: a ratio above the covered class’s maximum is refused', () => {
    expect(rules(checkPlan(bDraft({ sampling: { ratioPermille: 400 } }), ctx()).problems)).toEqual(['R6']);
  });

  it('R6: every covered class must accept the ratio; several classes use the intersection', () => {
    const both = bDraft({ filter: { ...noFilter, riskClasses: ['低', '一般'] }, sampling: { ratioPermille: 30 } });
    expect(checkPlan(both, ctx()).problems).toEqual([]);
    const r = checkPlan({ ...both, sampling: { ratioPermille: 60 } }, ctx());
    expect(r.problems[0].message).toContain('应在 2%–5% 之间');
  });

  it('R6: classes whose ranges do not intersect are refused with advice to split the plan by class', () => {
    const r = checkPlan(bDraft({ filter: noFilter }), ctx());
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R6', field: 'filter' })]);
    expect(r.problems[0].message).toContain('没有交集');
    expect(r.problems[0].message).toContain('请按风险等级拆分为多个计划');
  });

  it('R6: a count is judged by its effective ratio over the predicted targets', () => {
    expect(checkPlan(bDraft({ sampling: { count: 20 } }), ctx()).problems).toEqual([]); // 20 of 200 = 10%
    const r = checkPlan(bDraft({ sampling: { count: 19 } }), ctx()); // 9.5%
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R6', message: expect.stringContaining('约 9.5%') })]);
  });

  it('R6 and R4: a C-pool plan is held to the minimum but not the maximum', () => {
    const c = (permille: number) => bDraft({ pool: 'C', filter: { ...noFilter, riskClasses: ['低'] }, items: ['SCJGJ:SPEC03'], sampling: { ratioPermille: permille } });
    expect(checkPlan(c(1000), ctx()).problems).toEqual([]);
    expect(rules(checkPlan(c(5), ctx()).problems)).toEqual(['R6']);
  });

  it('R6 and R2: an A-pool plan covering the high class cannot reach its minimum within 10%', () => {
    const r = checkPlan(aDraft({ filter: { ...noFilter, riskClasses: ['高'] } }), ctx({ actor: office }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R6', message: expect.stringContaining('R2 规定A类不超过 10%') })]);
  });

  it('R6: frequency — this department’s plans covering a class in a year may not exceed its maximum', () => {
    const others = [summary('JH-1', { window: { from: '2026-06-01', to: '2026-06-30' } }), summary('JH-2', { window: { from: '2026-06-01', to: '2026-06-30' }, items: ['SCJGJ:PRICE02'] })];
    const r = checkPlan(bDraft(), ctx({ others }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'R6', field: 'filter' })]);
    expect(r.problems[0].message).toContain('风险等级“较高”的对象每年至多抽查 2 次');
    expect(r.problems[0].message).toContain('JH-1、JH-2');
  });

  it('R6: frequency counts only this department’s plans that can hit the same entities, and not rejected ones', () => {
    const others = [
      summary('JH-1'),
      summary('XF-1', { department: 'XFJYDD', items: ['XFJYDD:FIRE01'] }),
      summary('JH-3', { filter: { ...noFilter, riskClasses: ['较高'], townships: ['石镇镇'] } }),
      summary('JH-4', { pool: 'C' }),
      summary('JH-5', { filter: { ...noFilter, riskClasses: ['高'] } }),
      summary('JH-6', { status: 'rejected' }),
    ];
    const d = bDraft({ filter: { ...noFilter, riskClasses: ['较高'], townships: ['陈营镇'] }, window: { from: '2026-06-01', to: '2026-06-30' } });
    expect(checkPlan(d, ctx({ others })).problems).toEqual([]);
  });

  it('R6: a re-checked stored plan is not counted against itself', () => {
    const others = [summary('JH-1'), summary('JH-2')];
    expect(rules(checkPlan(bDraft(), ctx({ others })).problems)).toEqual(['R6']);
    expect(checkPlan(bDraft(), ctx({ others, planNumber: 'JH-2' })).problems).toEqual([]);
  });

  it('R6: the county’s own policy replaces the defaults', () => {
    const policy = parseRiskPolicy({ 较高: { minPermille: 30 } });
    expect(policy.ok).toBe(true);
    if (policy.ok) expect(checkPlan(bDraft({ sampling: { ratioPermille: 50 } }), ctx({ policy: policy.value })).problems).toEqual([]);
  });
});

describe('R6: the risk policy is configurable', () => {
  it('R6: defaults rise with risk and contain the provincial example (1%, 2%, 10%, 30%)', () => {
    expect(DEFAULT_RISK_POLICY.低).toEqual({ minPermille: 10, maxPermille: 50, maxPerYear: 1 });
    expect(DEFAULT_RISK_POLICY.一般).toEqual({ minPermille: 20, maxPermille: 100, maxPerYear: 1 });
    expect(DEFAULT_RISK_POLICY.较高).toEqual({ minPermille: 100, maxPermille: 300, maxPerYear: 2 });
    expect(DEFAULT_RISK_POLICY.高).toEqual({ minPermille: 300, maxPermille: 1000, maxPerYear: 4 });
    expect(parseRiskPolicy({})).toEqual({ ok: true, value: DEFAULT_RISK_POLICY });
  });

  it('R6: a JSON policy with class aliases, merged over the defaults', () => {
    const r = parseRiskPolicy('{"高风险":{"minPermille":300,"maxPermille":1000,"maxPerYear":6},"低":{"maxPermille":20}}');
    expect(r).toEqual({
      ok: true,
      value: { ...DEFAULT_RISK_POLICY, 高: { minPermille: 300, maxPermille: 1000, maxPerYear: 6 }, 低: { minPermille: 10, maxPermille: 20, maxPerYear: 1 } },
    });
  });

  it('R6: bad configuration gets a Chinese reason', () => {
    const reasons: [unknown, string][] = [
      ['{oops', '不是有效的 JSON'],
      [[1, 2], '按风险等级分项的对象'],
      [{ 极高: {} }, '风险等级“极高”无法识别'],
      [{ 高: 5 }, '应是对象'],
      [{ 高: { ratio: 5 } }, '设置项“ratio”无法识别'],
      [{ 高: { minPermille: 2.5 } }, '须为整数'],
      [{ 低: { minPermille: 60 } }, '下限不大于上限'],
      [{ 高: { maxPermille: 1200 } }, '1‰ 至 1000‰'],
      [{ 高: { maxPerYear: 0 } }, '年度频次'],
      [{ 一般: { maxPerYear: 5 } }, '依据规则 R6：抽查比例和频次应随风险升高而提高'],
      [{ constructor: {} }, '无法识别'],
    ];
    for (const [raw, text] of reasons) {
      const r = parseRiskPolicy(raw);
      expect(r.ok).toBe(false);
      if (!r.ok) expect([raw, r.reason]).toEqual([raw, expect.stringContaining(text)]);
    }
  });
});

describe('R13: duplicates are flagged to the 联席办 reviewer', () => {
  const june = { from: '2026-06-01', to: '2026-06-30' };

  it('R13: same department, a shared item, overlapping targets and windows is a duplicate', () => {
    const others = [summary('JH-1', { items: ['SCJGJ:FOOD01', 'SCJGJ:PRICE02'] })];
    expect(findDuplicates(bDraft(), others).map((o) => o.number)).toEqual(['JH-1']);
  });

  it('R13: overlapping departments through a joint plan count too', () => {
    const xf = summary('XF-1', { department: 'XFJYDD', jointDepartments: ['SCJGJ'], items: ['SCJGJ:FOOD01', 'XFJYDD:FIRE02'] });
    expect(findDuplicates(bDraft(), [xf]).map((o) => o.number)).toEqual(['XF-1']);
    const mine = bDraft({ jointDepartments: ['XFJYDD'], items: ['XFJYDD:FIRE02'] });
    const xfAlone = summary('XF-2', { department: 'XFJYDD', items: ['XFJYDD:FIRE02'] });
    expect(findDuplicates(mine, [xfAlone]).map((o) => o.number)).toEqual(['XF-2']);
  });

  it('R13: no shared item, another pool, disjoint targets or windows, other departments, or a rejected plan: no duplicate', () => {
    const others = [
      summary('N-items', { items: ['SCJGJ:PRICE02'] }),
      summary('N-pool', { pool: 'C' }),
      summary('N-township', { filter: { ...noFilter, riskClasses: ['较高'], townships: ['石镇镇'] } }),
      summary('N-risk', { filter: { ...noFilter, riskClasses: ['高'] } }),
      summary('N-window', { window: june }),
      summary('N-dept', { department: 'XFJYDD', items: ['SCJGJ:FOOD01'] }),
      summary('N-rejected', { status: 'rejected' }),
    ];
    const d = bDraft({ filter: { ...noFilter, riskClasses: ['较高'], townships: ['陈营镇'] } });
    expect(findDuplicates(d, others)).toEqual([]);
  });

  it('R13: empty filter dimensions mean "all" and overlap everything', () => {
    expect(targetsOverlap({ pool: 'B', filter: noFilter }, { pool: 'B', filter: { ...noFilter, industries: ['餐饮'] } })).toBe(true);
    expect(targetsOverlap({ pool: 'B', filter: { ...noFilter, industries: ['零售'] } }, { pool: 'B', filter: { ...noFilter, industries: ['餐饮'] } })).toBe(false);
    const d = bDraft({ window: { from: '2026-09-20', to: '2026-09-30' } });
    expect(findDuplicates(d, [summary('JH-1', { filter: noFilter, window: { from: '2026-09-01', to: '2026-09-20' } })])).toHaveLength(1);
  });

  it('R13: a duplicate is a warning naming the overlapping plans, not a refusal', () => {
    const others = [summary('JH-1'), summary('XF-1', { department: 'XFJYDD', jointDepartments: ['SCJGJ'] })];
    const policy = parseRiskPolicy({ 较高: { maxPerYear: 3 }, 高: { maxPerYear: 3 } });
    if (!policy.ok) throw new Error(policy.reason);
    const r = checkPlan(bDraft(), ctx({ others, policy: policy.value }));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([expect.objectContaining({ rule: 'R13' })]);
    expect(r.warnings[0].message).toContain('JH-1、XF-1');
    expect(r.warnings[0].message).toContain('已提示联席办审核');
  });
});

describe('sanity of the sampling and the targets', () => {
  it('a ratio outside 1–1000‰ or not an integer is an input problem', () => {
    for (const ratioPermille of [0, 1001, 2.5, -5]) {
      expect(checkPlan(bDraft({ sampling: { ratioPermille } }), ctx()).problems)
        .toEqual([expect.objectContaining({ rule: 'input', field: 'sampling' })]);
    }
  });

  it('a count below 1 is an input problem', () => {
    expect(checkPlan(bDraft({ sampling: { count: 0 } }), ctx()).problems)
      .toEqual([expect.objectContaining({ rule: 'input', field: 'sampling', message: expect.stringContaining('如“20户”') })]);
  });

  it('no matching targets is a problem that says to widen the filter', () => {
    const r = checkPlan(bDraft(), ctx({ predictedTargets: 0 }));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'input', field: 'filter', message: expect.stringContaining('没有匹配的检查对象') })]);
  });
});
