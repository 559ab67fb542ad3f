/**
 * Annual double-random plans (年度抽查计划), pure: the checks a draft must pass
 * before it goes to approval (R2, R6, R9, R10, R12), the duplicate detection
 * 联席办 reviews (R13), the sampling arithmetic the draw reuses, and the Chinese
 * words for plans. No I/O, no clock: "today" and everything else is passed in.
 *
 * Ratios are integers in per-mille (‰) throughout, so 2.5% is 25 and nothing is
 * ever rounded by floating point.
 */
import { describeWindows, R10_CALENDAR, windowFits, windows, type CalendarConfig } from './calendar';
import { bad, lookup, ok, short, type Parsed } from './fields';
import { itemKey, type ItemRecord } from './item';
import { JOINT_OFFICE_HOST, JOINT_OFFICE_NAME, unitName } from './organisation';
import { POOL_LABELS, RISK_ALIASES, RISK_CLASSES, type Actor, type Pool, type RiskClass } from './pools';

// ---------------------------------------------------------------------------
// Types

/** Which entities of the pool a plan targets; an empty array means "no restriction". */
export interface TargetFilter {
  industries: string[];
  townships: string[];
  riskClasses: RiskClass[];
  sectorTags: string[];
  /** Leave out entities inspected within this many months (e.g. 12). */
  skipInspectedWithinMonths?: number;
}

/** A ratio in integer per-mille (50 = 5%), or a fixed number of entities. */
export type Sampling = { ratioPermille: number } | { count: number };

export interface PlanDraft {
  year: number;
  /** The department that makes and leads the plan (its code, e.g. 'SCJGJ'). */
  department: string;
  pool: Pool;
  filter: TargetFilter;
  /** Item keys 'DEPT:itemCode' (see itemKey). */
  items: string[];
  sampling: Sampling;
  /** Inclusive Beijing dates 'YYYY-MM-DD'. */
  window: { from: string; to: string };
  /** Other departments inspecting jointly; never the plan's own department. */
  jointDepartments: string[];
  /** A special (专项) plan, entered outside the annual round (R12). */
  special?: { reason: string };
}

/** Another plan of the same year, as checkPlan and findDuplicates need it. */
export interface PlanSummary {
  number: string;
  department: string;
  jointDepartments: string[];
  pool: Pool;
  items: string[];
  filter: TargetFilter;
  window: { from: string; to: string };
  status: string;
}

export interface Problem {
  /** The rule it rests on ('R6'), or 'input' for plain input mistakes. */
  rule: string;
  message: string;
  field?: keyof PlanDraft;
}

export interface ClassPolicy {
  /** Lowest sampling ratio, per-mille (1–1000). */
  minPermille: number;
  /** Highest sampling ratio, per-mille (1–1000); C-pool plans are exempt (R4). */
  maxPermille: number;
  /** How many plans of one department may cover this class in one year. */
  maxPerYear: number;
}

export type RiskPolicy = Record<RiskClass, ClassPolicy>;

export interface PlanContext {
  actor: Actor;
  /** The Beijing date today, 'YYYY-MM-DD'. */
  today: string;
  /** The items that exist: the lists of the plan's department and its joint departments. */
  items: readonly ItemRecord[];
  /** How many entities the filter matches now (n). */
  predictedTargets: number;
  /** The year's other plans that were not rejected. */
  others: readonly PlanSummary[];
  /** Defaults to DEFAULT_RISK_POLICY. */
  policy?: RiskPolicy;
  /** Defaults to R10_CALENDAR. */
  calendar?: CalendarConfig;
  /** When re-checking a stored plan: its own number, so it is not compared with itself. */
  planNumber?: string;
}

export interface PlanCheck {
  problems: Problem[];
  warnings: Problem[];
}

// ---------------------------------------------------------------------------
// Sampling arithmetic and words

/** Integers only: how many of n entities a sampling draws (ratio rounds up, a count is capped at n). */
export function sampleSize(n: number, sampling: Sampling): number {
  if (n <= 0) return 0;
  if ('count' in sampling) return Math.min(sampling.count, n);
  return Math.floor((n * sampling.ratioPermille + 999) / 1000);
}

/** 50 → "5%", 25 → "2.5%", 1000 → "100%". */
export function formatPermille(permille: number): string {
  const whole = Math.floor(permille / 10);
  const tenth = permille % 10;
  return tenth ? `${whole}.${tenth}%` : `${whole}%`;
}

/** "比例 5%" or "抽取 20 户". */
export function formatSampling(s: Sampling): string {
  return 'count' in s ? `抽取 ${s.count} 户` : `比例 ${formatPermille(s.ratioPermille)}`;
}

/** The effective ratio of a sampling over n entities, per-mille, rounded to the nearest (integers only). */
export function effectivePermille(n: number, s: Sampling): number {
  if ('ratioPermille' in s) return s.ratioPermille;
  if (n <= 0) return 0;
  const drawn = Math.min(s.count, n);
  return Math.floor((drawn * 2000 + n) / (2 * n));
}

const RATIO_EXAMPLE = '请写比例或户数，如“5%”“2.5%”或“20户”';

const CN_DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

/** Chinese numerals up to 9999 ("五", "十五", "二十", "一百", "三百零五") → integer. */
function chineseInt(s: string): number | undefined {
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let digit: number | undefined;
  const units: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  for (const ch of s) {
    const d = lookup(CN_DIGITS, ch);
    if (d !== undefined) {
      if (digit !== undefined && digit !== 0) return undefined;
      digit = d;
      continue;
    }
    const u = lookup(units, ch);
    if (u === undefined) return undefined;
    total += (digit ?? (u === 10 && total === 0 ? 1 : NaN)) * u;
    if (Number.isNaN(total)) return undefined;
    digit = undefined;
  }
  return total + (digit ?? 0);
}

/** A decimal written as digits ("2.5") or Chinese ("二点五"): integer part and fraction digits. */
function decimalParts(s: string): { int: number; frac: string } | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (m) return { int: Number(m[1]), frac: m[2] ?? '' };
  const [intText, fracText] = s.split('点');
  const int = chineseInt(intText || '零');
  if (int === undefined) return undefined;
  if (fracText === undefined) return { int, frac: '' };
  let frac = '';
  for (const ch of fracText) {
    const d = lookup(CN_DIGITS, ch);
    if (d === undefined) return undefined;
    frac += String(d);
  }
  return frac ? { int, frac } : undefined;
}

/** Scale a decimal to an integer number of 1/10^places units; undefined if it has finer digits. */
function scaled(parts: { int: number; frac: string }, places: number): number | undefined {
  const frac = parts.frac.replace(/0+$/, '');
  if (frac.length > places) return undefined;
  return parts.int * 10 ** places + Number(frac.padEnd(places, '0') || '0');
}

/**
 * A sampling typed in chat: "5%", "5％", "2.5%", "5" (per cent), "0.05" (a
 * fraction), "百分之五", "千分之五", or a count "20户" / "20家" / "抽取20户".
 * Anything else gets a Chinese re-ask with an example.
 */
export function parseRatio(text: string): Parsed<Sampling> {
  const t = text.trim().replace(/\s+/g, '').replace(/％/g, '%')
    .replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (!t) return bad(`抽取比例不能为空，${RATIO_EXAMPLE}`);
  const count = /^(?:抽取|抽查|抽)?(.+?)(?:户|家|个)(?:主体|企业)?$/.exec(t);
  if (count) {
    const n = chineseInt(count[1]);
    if (n === undefined) return bad(`“${short(text)}”不是有效的户数，${RATIO_EXAMPLE}`);
    if (n < 1) return bad(`抽取户数至少为 1 户，${RATIO_EXAMPLE}`);
    return ok({ count: n });
  }
  let permille: number | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(?:比例)?(.+)%$/.exec(t)) || (m = /^(?:比例)?百分之(.+)$/.exec(t))) {
    const parts = decimalParts(m[1]);
    permille = parts && scaled(parts, 1);
    if (parts && permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  } else if ((m = /^(?:比例)?千分之(.+)$/.exec(t))) {
    const parts = decimalParts(m[1]);
    permille = parts && scaled(parts, 0);
    if (parts && permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  } else if ((m = /^(?:比例)?(\d+(?:\.\d+)?)$/.exec(t))) {
    const parts = decimalParts(m[1])!;
    // "0.05" is a fraction (5%); "5" or "2.5" is per cent.
    permille = parts.int === 0 ? scaled(parts, 3) : scaled(parts, 1);
    if (permille === undefined) return bad(`比例最多精确到 0.1%，${RATIO_EXAMPLE}`);
  }
  if (permille === undefined) return bad(`没看懂“${short(text)}”，${RATIO_EXAMPLE}`);
  if (permille < 1) return bad(`比例须大于 0，${RATIO_EXAMPLE}`);
  if (permille > 1000) return bad(`比例不能超过 100%，${RATIO_EXAMPLE}`);
  return ok({ ratioPermille: permille });
}

// ---------------------------------------------------------------------------
// Risk policy (R6)

/**
 * Defaults rising with risk (R6: "sampling ratio and frequency rise with risk").
 * The county configures its own (parseRiskPolicy); the published provincial
 * example quoted in R6 is high 30%, higher 10%, general 2%, low 1%, which these
 * ranges contain as their lower bounds.
 */
export const DEFAULT_RISK_POLICY: RiskPolicy = Object.freeze({
  低: Object.freeze({ minPermille: 10, maxPermille: 50, maxPerYear: 1 }),
  一般: Object.freeze({ minPermille: 20, maxPermille: 100, maxPerYear: 1 }),
  较高: Object.freeze({ minPermille: 100, maxPermille: 300, maxPerYear: 2 }),
  高: Object.freeze({ minPermille: 300, maxPermille: 1000, maxPerYear: 4 }),
});

const POLICY_FIELDS = ['minPermille', 'maxPermille', 'maxPerYear'] as const;
const POLICY_EXAMPLE = '示例：{"高":{"minPermille":300,"maxPermille":1000,"maxPerYear":4}}（比例以千分数表示，300 即 30%）';

/**
 * A risk policy from configuration (a JSON string or a parsed object). Classes
 * may be named by any risk alias ("高", "高风险", "D"); a class or field left out
 * keeps the base policy's value. Ratios are 1–1000‰ with min ≤ max, frequency
 * 1–366 a year, and both must not fall as risk rises (R6).
 */
export function parseRiskPolicy(raw: unknown, base: RiskPolicy = DEFAULT_RISK_POLICY): Parsed<RiskPolicy> {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return bad(`风险分级抽查策略不是有效的 JSON。${POLICY_EXAMPLE}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(`风险分级抽查策略应是一个按风险等级分项的对象。${POLICY_EXAMPLE}`);
  }
  const policy = Object.fromEntries(RISK_CLASSES.map((c) => [c, { ...base[c] }])) as RiskPolicy;
  for (const [key, entry] of Object.entries(value)) {
    const cls = lookup(RISK_ALIASES, key.trim());
    if (!cls) return bad(`风险等级“${short(key)}”无法识别，可选：${RISK_CLASSES.join('、')}`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return bad(`风险等级“${cls}”的设置应是对象。${POLICY_EXAMPLE}`);
    }
    for (const [field, v] of Object.entries(entry)) {
      if (!(POLICY_FIELDS as readonly string[]).includes(field)) {
        return bad(`风险等级“${cls}”的设置项“${short(field)}”无法识别，可选：${POLICY_FIELDS.join('、')}`);
      }
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        return bad(`风险等级“${cls}”的${field}须为整数（比例以千分数表示，如 50 即 5%）`);
      }
      policy[cls][field as (typeof POLICY_FIELDS)[number]] = v;
    }
  }
  for (const cls of RISK_CLASSES) {
    const p = policy[cls];
    if (p.minPermille < 1 || p.maxPermille > 1000 || p.minPermille > p.maxPermille) {
      return bad(`风险等级“${cls}”的比例范围须在 1‰ 至 1000‰ 之间且下限不大于上限，现为 ${p.minPermille}‰–${p.maxPermille}‰`);
    }
    if (p.maxPerYear < 1 || p.maxPerYear > 366) {
      return bad(`风险等级“${cls}”的年度频次须在 1 至 366 之间，现为 ${p.maxPerYear}`);
    }
  }
  for (let i = 1; i < RISK_CLASSES.length; i++) {
    const lo = policy[RISK_CLASSES[i - 1]];
    const hi = policy[RISK_CLASSES[i]];
    for (const field of POLICY_FIELDS) {
      if (hi[field] < lo[field]) {
        return bad(`依据规则 R6：抽查比例和频次应随风险升高而提高，但“${RISK_CLASSES[i]}”的${field}（${hi[field]}）低于“${RISK_CLASSES[i - 1]}”（${lo[field]}）`);
      }
    }
  }
  return ok(policy);
}

/** "1%–5%，每年至多 1 次". */
export function describeClassPolicy(p: ClassPolicy): string {
  return `${formatPermille(p.minPermille)}–${formatPermille(p.maxPermille)}，每年至多 ${p.maxPerYear} 次`;
}

// ---------------------------------------------------------------------------
// Target overlap and duplicates (R13)

/** The risk classes a filter covers: all four when it names none. */
export function coveredClasses(filter: TargetFilter): RiskClass[] {
  return filter.riskClasses.length ? RISK_CLASSES.filter((c) => filter.riskClasses.includes(c)) : [...RISK_CLASSES];
}

const dimensionMeets = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === 0 || b.length === 0 || a.some((x) => b.includes(x));

/** May two plans hit the same entity? Same pool and every filter dimension intersects (empty = all). */
export function targetsOverlap(a: { pool: Pool; filter: TargetFilter }, b: { pool: Pool; filter: TargetFilter }): boolean {
  return a.pool === b.pool
    && dimensionMeets(a.filter.industries, b.filter.industries)
    && dimensionMeets(a.filter.townships, b.filter.townships)
    && dimensionMeets(a.filter.riskClasses, b.filter.riskClasses)
    && dimensionMeets(a.filter.sectorTags, b.filter.sectorTags);
}

const INACTIVE = new Set(['rejected', 'withdrawn', 'cancelled']);

const departmentsOf = (p: { department: string; jointDepartments: readonly string[] }) => new Set([p.department, ...p.jointDepartments]);

/**
 * The other plans this draft may duplicate (R13): overlapping departments
 * (lead ∪ joint), at least one shared item, overlapping targets and
 * overlapping windows.
 */
export function findDuplicates(draft: PlanDraft, others: readonly PlanSummary[]): PlanSummary[] {
  const depts = departmentsOf(draft);
  const items = new Set(draft.items);
  return others.filter((o) => !INACTIVE.has(o.status)
    && [...departmentsOf(o)].some((d) => depts.has(d))
    && o.items.some((i) => items.has(i))
    && targetsOverlap(draft, o)
    && draft.window.from <= o.window.to && o.window.from <= draft.window.to);
}

// ---------------------------------------------------------------------------
// The checks

const A_MAX_PERMILLE = 100;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

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
    if (!ctx.actor.roles.includes('office') || ctx.actor.department !== JOINT_OFFICE_HOST || draft.department !== JOINT_OFFICE_HOST) {
      problems.push({ rule: 'R2', field: 'pool', message: `依据规则 R2：A类联合监管库的抽查由${JOINT_OFFICE_NAME}统一组织，本单位不能制定；请向${JOINT_OFFICE_NAME}提出联合检查事项，或改为B类、C类计划` });
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
  if (!validDay(from) || !validDay(to)) {
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
  const thisYear = Number(ctx.today.slice(0, 4));
  if (draft.year < thisYear) {
    problems.push({ rule: 'R12', field: 'year', message: `依据规则 R12：不能为已过去的年度（${draft.year}年）制定计划，请填 ${thisYear} 年或以后` });
  } else if (draft.year > thisYear + 1) {
    problems.push({ rule: 'input', field: 'year', message: `只能制定今年或明年的计划，请填 ${thisYear} 或 ${thisYear + 1}` });
  } else if (ctx.today > `${draft.year}-03-31` && !draft.special?.reason.trim()) {
    problems.push({ rule: 'R12', field: 'special', message: `依据规则 R12：${draft.year}年度抽查计划应于3月31日前录入，现已逾期；如确需开展，请标记为专项计划并写明理由` });
  }

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

// ---------------------------------------------------------------------------
// Words

export function describeFilter(f: TargetFilter): string {
  const dim = (label: string, v: readonly string[]) => `${label}${v.length ? v.join('、') : '不限'}`;
  const parts = [dim('行业', f.industries), dim('乡镇', f.townships), dim('风险等级', f.riskClasses), dim('领域', f.sectorTags)];
  if (f.skipInspectedWithinMonths) parts.push(`排除近${f.skipInspectedWithinMonths}个月已检查的主体`);
  return parts.join('；');
}

/**
 * A plan in a few Chinese lines, for confirmation and cards. Item names come
 * from `items` when given, else the keys are shown.
 */
export function describePlan(
  draft: PlanDraft,
  opts: { number?: string; predictedTargets?: number; items?: readonly ItemRecord[] } = {},
): string {
  const names = new Map((opts.items ?? []).map((i) => [itemKey(i), i.name]));
  const title = `${opts.number ? `计划 ${opts.number}：` : ''}${draft.year}年度${draft.special ? '专项' : ''}抽查计划（${POOL_LABELS[draft.pool]}）`;
  const joint = draft.jointDepartments.length ? `；联合：${draft.jointDepartments.map(unitName).join('、')}` : '';
  const n = opts.predictedTargets;
  const predicted = n === undefined ? '' : `（预计 ${n} 户中抽取 ${sampleSize(n, draft.sampling)} 户）`;
  const lines = [
    title,
    `牵头：${unitName(draft.department)}${joint}`,
    `对象：${describeFilter(draft.filter)}`,
    `事项：${draft.items.map((k) => names.get(k) ?? k).join('、') || '（未选）'}`,
    `抽取：${formatSampling(draft.sampling)}${predicted}`,
    `时段：${draft.window.from} 至 ${draft.window.to}`,
  ];
  if (draft.special) lines.push(`专项理由：${draft.special.reason}`);
  return lines.join('\n');
}
