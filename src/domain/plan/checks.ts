/**
 * Everything a draft must satisfy before it goes to approval (R2, R6, R9, R10,
 * R12) and the duplicates 联席办 reviews (R13). No clock: "today" is passed in.
 */
import { describeWindows, isCalendarDay, R10_CALENDAR, windowFits, windows } from '../calendar';
import { short } from '../fields';
import { itemKey } from '../item';
import { JOINT_OFFICE_HOST, JOINT_OFFICE_NAME, unitName } from '../organisation';
import { POOL_LABELS } from '../pools';
import { effectivePermille, formatPermille, type Sampling } from '../sampling';
import { coveredClasses, departmentsOf, findDuplicates, INACTIVE, targetsOverlap } from './overlap';
import { DEFAULT_RISK_POLICY } from './riskPolicy';
import { A_MAX_PERMILLE, A_POOL_PLAN_REFUSAL, isLatePlan, latePlanProblem, mayPlanPool, planYearProblem } from './rules';
import type { PlanCheck, PlanContext, PlanDraft, Problem } from './types';

/** Is the sampling's (effective) ratio ≤ limit‰ over n? Integers only. */
const atMost = (n: number, s: Sampling, limit: number) =>
  'ratioPermille' in s ? s.ratioPermille <= limit : Math.min(s.count, n) * 1000 <= limit * n;
/** Is the sampling's (effective) ratio ≥ limit‰ over n? Integers only. */
const atLeast = (n: number, s: Sampling, limit: number) =>
  'ratioPermille' in s ? s.ratioPermille >= limit : Math.min(s.count, n) * 1000 >= limit * n;

function describeRatio(n: number, s: Sampling): string {
  return 'ratioPermille' in s ? `比例 ${formatPermille(s.ratioPermille)}` : `抽取 ${s.count} 户（占 ${n} 户的约 ${formatPermille(effectivePermille(n, s))}）`;
}

/**
 * Everything a draft must satisfy before it is submitted. `problems` block
 * submission; `warnings` go with it to the 联席办 reviewer (R13 duplicates).
 */
export function checkPlan(draft: PlanDraft, ctx: PlanContext): PlanCheck {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const policy = ctx.policy ?? DEFAULT_RISK_POLICY;
  const cal = ctx.calendar ?? R10_CALENDAR;
  const n = ctx.predictedTargets;
  const s = draft.sampling;
  const others = ctx.others.filter((o) => o.number !== ctx.planNumber && !INACTIVE.has(o.status));
  const isA = draft.pool === 'A';

  // Sanity of the sampling and of the targets.
  let samplingOk = true;
  if ('ratioPermille' in s) {
    if (!Number.isInteger(s.ratioPermille) || s.ratioPermille < 1 || s.ratioPermille > 1000) {
      samplingOk = false;
      problems.push({ rule: 'input', field: 'sampling', message: '抽取比例须在 0.1% 至 100% 之间，请重新填写，如“5%”' });
    }
  } else if (!Number.isInteger(s.count) || s.count < 1) {
    samplingOk = false;
    problems.push({ rule: 'input', field: 'sampling', message: '抽取户数须为不少于 1 的整数，请重新填写，如“20户”' });
  }
  if (n <= 0) {
    problems.push({ rule: 'input', field: 'filter', message: '按当前条件没有匹配的检查对象，请放宽行业、乡镇、风险等级或领域条件' });
  }

  // The plan's own department and joint departments.
  if (draft.department !== ctx.actor.department && !isA) {
    problems.push({
      rule: draft.pool === 'B' ? 'R3' : 'R4', field: 'department',
      message: `依据规则 ${draft.pool === 'B' ? 'R3' : 'R4'}：各成员单位制定本单位的抽查计划，您属于${unitName(ctx.actor.department)}，不能为${unitName(draft.department)}制定计划`,
    });
  }
  if (draft.jointDepartments.includes(draft.department)) {
    problems.push({ rule: 'input', field: 'jointDepartments', message: `联合部门中不必再填本单位（${unitName(draft.department)}），请只填其他部门` });
  }

  // R2: A-pool plans.
  if (isA) {
    if (!mayPlanPool(ctx.actor, 'A') || draft.department !== JOINT_OFFICE_HOST) {
      problems.push({ rule: 'R2', field: 'pool', message: `${A_POOL_PLAN_REFUSAL}；请向${JOINT_OFFICE_NAME}提出联合检查事项，或改为B类、C类计划` });
    }
    if (samplingOk && ('ratioPermille' in s || n > 0) && !atMost(n, s, A_MAX_PERMILLE)) {
      problems.push({ rule: 'R2', field: 'sampling', message: `依据规则 R2：A类联合监管库抽查比例不超过 10%，本计划${describeRatio(n, s)}，请调低` });
    }
    if (draft.jointDepartments.length === 0) {
      problems.push({ rule: 'R2', field: 'jointDepartments', message: '依据规则 R2：A类联合监管库须多部门联合检查（进一次门、查多项事），请至少添加一个联合部门' });
    }
  }

  // R9: only listed items.
  const keys = [...new Set(draft.items)];
  if (keys.length === 0) {
    problems.push({ rule: 'R9', field: 'items', message: '依据规则 R9：请至少从本单位检查事项清单中选择一个检查事项' });
  }
  const depts = departmentsOf(draft);
  const known = new Map(ctx.items.map((i) => [itemKey(i), i]));
  for (const key of keys) {
    const sep = key.indexOf(':');
    const dept = sep > 0 ? key.slice(0, sep) : '';
    const code = sep > 0 ? key.slice(sep + 1) : key;
    const item = known.get(key);
    if (!dept || !depts.has(dept)) {
      const owner = dept ? `${unitName(dept)}的` : '';
      problems.push({ rule: 'R9', field: 'items', message: `依据规则 R9：${owner}事项“${short(code)}”不属于本计划牵头或联合部门的检查事项清单；请选本单位清单上的事项，或先把该部门加为联合部门` });
    } else if (!item) {
      problems.push({ rule: 'R9', field: 'items', message: `依据规则 R9：事项“${short(code)}”不在${unitName(dept)}的检查事项清单上，清单之外无检查；请从清单中选择` });
    } else if (!item.pools.includes(draft.pool)) {
      problems.push({ rule: 'R9', field: 'items', message: `依据规则 R9：事项“${item.name}”（${item.itemCode}）不适用于${POOL_LABELS[draft.pool]}（适用：${item.pools.join('、') || '无'}类），请换用适用的事项` });
    } else if (isA && !item.jointListA) {
      problems.push({ rule: 'R9', field: 'items', message: `依据规则 R9：A类联合监管库只查A类联合检查事项清单上的事项，“${item.name}”（${item.itemCode}）不在该清单上` });
    }
  }

  // R10: the window fits the pool and lies in the plan's year.
  const { from, to } = draft.window;
  if (!isCalendarDay(from) || !isCalendarDay(to)) {
    problems.push({ rule: 'input', field: 'window', message: '检查时段的日期无效，请写成“2026-09-01 至 2026-09-30”' });
  } else if (from > to) {
    problems.push({ rule: 'input', field: 'window', message: `检查时段的开始日期（${from}）晚于结束日期（${to}），请更正` });
  } else {
    const inYear = from.startsWith(`${draft.year}-`) && to.startsWith(`${draft.year}-`);
    if (!inYear) {
      problems.push({ rule: 'R10', field: 'window', message: `依据规则 R10：检查时段须在计划年度（${draft.year}年）之内，现为 ${from} 至 ${to}` });
    } else if (!windowFits(draft.pool, from, to, cal)) {
      const first = windows(draft.pool, draft.year, cal)[0];
      problems.push({
        rule: 'R10', field: 'window',
        message: `依据规则 R10：${POOL_LABELS[draft.pool]}${draft.year}年的检查期为${describeWindows(draft.pool, draft.year, cal)}，其余时间为企业安静期；检查时段须落在其中一个月内，如 ${first.from} 至 ${first.to}`,
      });
    }
    if (to < ctx.today) {
      problems.push({ rule: 'input', field: 'window', message: `检查时段（至 ${to}）已过，请选择今天（${ctx.today}）以后的时段` });
    }
  }

  // R12: plans for the year are entered by 31 March; later ones are special plans with a reason.
  const yearProblem = planYearProblem(draft.year, ctx.today);
  if (yearProblem) problems.push(yearProblem);
  else if (isLatePlan(draft.year, ctx.today) && !draft.special?.reason.trim()) problems.push(latePlanProblem(draft.year));

  // R6: ratio within every covered class's range; frequency per class.
  const classes = coveredClasses(draft.filter);
  if (samplingOk && n > 0) {
    const exemptMax = draft.pool === 'C';
    const lo = Math.max(...classes.map((c) => policy[c].minPermille));
    let hi = exemptMax ? 1000 : Math.min(...classes.map((c) => policy[c].maxPermille));
    if (isA) hi = Math.min(hi, A_MAX_PERMILLE);
    const ranges = classes.map((c) => `${c} ${formatPermille(policy[c].minPermille)}–${formatPermille(exemptMax ? 1000 : policy[c].maxPermille)}`).join('，');
    if (lo > hi) {
      problems.push({
        rule: 'R6', field: 'filter',
        message: `依据规则 R6：所覆盖风险等级的抽查比例范围没有交集（${ranges}${isA ? '，且 R2 规定A类不超过 10%' : ''}），一个比例无法同时满足；请按风险等级拆分为多个计划${isA ? '，或去掉高风险等级' : ''}`,
      });
    } else if (!atLeast(n, s, lo) || !atMost(n, s, hi)) {
      problems.push({
        rule: 'R6', field: 'sampling',
        message: `依据规则 R6：${classes.length === 4 ? '全部风险等级' : `风险等级“${classes.join('、')}”`}的抽查比例应在 ${formatPermille(lo)}–${formatPermille(hi)} 之间（${ranges}），本计划${describeRatio(n, s)}，请调整`,
      });
    }
  }
  for (const c of classes) {
    const same = others.filter((o) => o.department === draft.department
      && targetsOverlap(draft, o) && coveredClasses(o.filter).includes(c));
    if (same.length + 1 > policy[c].maxPerYear) {
      problems.push({
        rule: 'R6', field: 'filter',
        message: `依据规则 R6：风险等级“${c}”的对象每年至多抽查 ${policy[c].maxPerYear} 次，本单位今年已有计划 ${same.map((o) => o.number).join('、')} 覆盖；请合并到已有计划，或去掉该风险等级`,
      });
    }
  }

  // R13: duplicates go to the 联席办 reviewer as a warning.
  const dups = findDuplicates(draft, others);
  if (dups.length) {
    warnings.push({
      rule: 'R13',
      message: `依据规则 R13：本计划与 ${dups.map((o) => o.number).join('、')} 在部门、检查事项、对象和时段上重叠，可能重复检查；已提示${JOINT_OFFICE_NAME}审核，建议合并为联合检查`,
    });
  }

  return { problems, warnings };
}
