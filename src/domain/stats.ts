/**
 * Oversight statistics (R21), pure: how each member unit carries the programme
 * out over a year, a quarter or a month, from facts the service gathers from the
 * read models (plans, draws, tasks with their results' timings, filings, C-pool
 * entities, complaints). Time (`today`) and the holiday calendar are passed in.
 *
 * A joint task counts for every department taking part; the county's figures
 * count it once.
 */
import { addWorkingDays, MissingHolidayYear, type HolidayCalendar } from './workdays';
import { isLatePlan } from './plan/rules';

export interface Period {
  kind: 'year' | 'quarter' | 'month';
  year: number;
  /** First and last Beijing day of the period, 'YYYY-MM-DD'. */
  from: string;
  to: string;
  /** Words for a user: "2026年度", "2026年第三季度", "2026年9月". */
  label: string;
  /** Compact form: "2026", "2026Q3", "2026-09". */
  key: string;
}

const QUARTER_WORDS = ['一', '二', '三', '四'];
const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function yearPeriod(year: number): Period {
  return { kind: 'year', year, from: `${year}-01-01`, to: `${year}-12-31`, label: `${year}年度`, key: String(year) };
}

export function quarterPeriod(year: number, q: number): Period {
  const m1 = (q - 1) * 3 + 1;
  return {
    kind: 'quarter', year, from: `${year}-${pad(m1)}-01`, to: `${year}-${pad(m1 + 2)}-${lastDay(year, m1 + 2)}`,
    label: `${year}年第${QUARTER_WORDS[q - 1]}季度`, key: `${year}Q${q}`,
  };
}

export function monthPeriod(year: number, month: number): Period {
  return { kind: 'month', year, from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${lastDay(year, month)}`, label: `${year}年${month}月`, key: `${year}-${pad(month)}` };
}

/** The quarter before the one `today` falls in (the quarterly circular's period). */
export function previousQuarter(today: string): Period {
  const y = Number(today.slice(0, 4));
  const q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  return q === 1 ? quarterPeriod(y - 1, 4) : quarterPeriod(y, q - 1);
}

/**
 * A period as officials type it: 年度 / 本年 (this year), 2026 / 2026年 / 2026年度,
 * 2026Q3 / 2026年第三季度 / 2026年3季度, 2026-09 / 2026年9月. Full-width digits are read too.
 */
export function parsePeriod(word: string, today: string): { ok: true; period: Period } | { ok: false; reason: string } {
  const w = word.normalize('NFKC').trim().replace(/\s+/g, '');
  const thisYear = Number(today.slice(0, 4));
  const bad = { ok: false as const, reason: `“${word.slice(0, 20)}”不是统计期间，请写年度（如 年度、${thisYear}）、季度（如 ${thisYear}Q3）或月份（如 ${thisYear}-09）` };
  if (w === '' || w === '年度' || w === '本年' || w === '本年度') return { ok: true, period: yearPeriod(thisYear) };
  let m = /^(\d{4})(?:年度?)?$/.exec(w);
  if (m) return { ok: true, period: yearPeriod(Number(m[1])) };
  m = /^(\d{4})(?:[Qq]|年第?)([1-4一二三四])(?:季度)?$/.exec(w);
  if (m && (/[Qq]/.test(w) || w.endsWith('季度'))) {
    const q = /\d/.test(m[2]) ? Number(m[2]) : QUARTER_WORDS.indexOf(m[2]) + 1;
    return { ok: true, period: quarterPeriod(Number(m[1]), q) };
  }
  m = /^(\d{4})(?:-|年)(\d{1,2})月?$/.exec(w);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { ok: true, period: monthPeriod(Number(m[1]), Number(m[2])) };
  return bad;
}

export const inPeriod = (day: string, p: Pick<Period, 'from' | 'to'>) => day >= p.from && day <= p.to;

/** A plan as the statistics see it; status from its approval (退回 at a department step, 否决 at 联席办 or 司法局). */
export interface PlanFact {
  planNo: string;
  year: number;
  department: string;
  jointDepartments: string[];
  items: string[];
  special: boolean;
  createdOn: string;
  windowTo: string;
  status: 'pending' | 'approved' | 'returned' | 'refused';
}

export interface DrawFact {
  drawNo: string;
  planNo: string;
  department: string;
  madeOn: string;
  voided: boolean;
}

/** A task and its result's timing. */
export interface TaskFact {
  taskNo: string;
  departments: string[];
  creditCode: string;
  windowFrom: string;
  windowTo: string;
  cancelled: boolean;
  result?: {
    status: 'draft' | 'pending' | 'returned' | 'approved';
    /** Beijing day first submitted for review ('' when never). */
    submittedOn: string;
    /** Beijing day first approved, i.e. made public (R15); '' when not yet. */
    publishedOn: string;
    /** The inspection's last day as entered ('' when not yet entered). */
    end: string;
  };
}

export interface FilingFact {
  filingNo: string;
  department: string;
  reason: string;
  month: string;
  status: 'pending' | 'accepted' | 'returned' | 'refused';
}

export interface ComplaintCounts {
  received: number;
  closed: number;
  overdue: number;
}

export interface StatsInput {
  period: Period;
  today: string;
  /** Member units in list order. */
  departments: string[];
  /** Every department's items, as `department:itemCode`. */
  items: string[];
  /** Plans of the period's year. */
  plans: PlanFact[];
  draws: DrawFact[];
  tasks: TaskFact[];
  filings: FilingFact[];
  /** C-pool entities with their supervising departments (R4). */
  cEntities: { code: string; departments: readonly string[] }[];
  complaints: Map<string, ComplaintCounts>;
  calendar: HolidayCalendar;
  /** Results are due this many working days after the task's window (the county's policy). */
  dueWorkingDays: number;
  /** R15: made public within this many working days of the inspection. */
  publishWorkingDays?: number;
}

export interface DeptStats {
  department: string;
  items: number;
  itemsCovered: number;
  plans: number;
  plansByMarch: number;
  plansApproved: number;
  plansReturned: number;
  plansRefused: number;
  plansPending: number;
  draws: number;
  drawsInWindow: number;
  tasks: number;
  tasksDone: number;
  tasksOverdue: number;
  /** Overdue and never entered (a returned result was entered, and is overdue again until entered anew). */
  overdueNeverEntered: number;
  resultsEntered: number;
  resultsEnteredOnTime: number;
  /** Results whose R15 deadline has passed or that are public: the denominator of the on-time rate. */
  resultsDuePublic: number;
  resultsPublishedOnTime: number;
  filings: number;
  filingsAccepted: number;
  filingsRefused: number;
  filingsReturned: number;
  filingsPending: number;
  /** Reason → [accepted, refused] counts. */
  filingReasons: Record<string, { accepted: number; refused: number; other: number }>;
  cEntities: number;
  cCovered: number;
  jointTasks: number;
  visitsSaved: number;
  complaintsReceived: number;
  complaintsClosed: number;
  complaintsOverdue: number;
}

export interface Stats {
  period: Period;
  today: string;
  county: DeptStats;
  departments: DeptStats[];
  /** A year whose holiday arrangement is missing: due dates could not be counted. */
  notes: string[];
}

function empty(department: string): DeptStats {
  return {
    department, items: 0, itemsCovered: 0, plans: 0, plansByMarch: 0, plansApproved: 0, plansReturned: 0, plansRefused: 0, plansPending: 0,
    draws: 0, drawsInWindow: 0, tasks: 0, tasksDone: 0, tasksOverdue: 0, overdueNeverEntered: 0, resultsEntered: 0, resultsEnteredOnTime: 0,
    resultsDuePublic: 0, resultsPublishedOnTime: 0, filings: 0, filingsAccepted: 0, filingsRefused: 0, filingsReturned: 0, filingsPending: 0,
    filingReasons: {}, cEntities: 0, cCovered: 0, jointTasks: 0, visitsSaved: 0, complaintsReceived: 0, complaintsClosed: 0, complaintsOverdue: 0,
  };
}

/** R15: results public within 20 working days of their creation. */
export const PUBLISH_WORKING_DAYS = 20;

export function computeStats(input: StatsInput): Stats {
  const { period, today } = input;
  const notes = new Set<string>();
  const publishDays = input.publishWorkingDays ?? PUBLISH_WORKING_DAYS;
  const rows = new Map(input.departments.map((d) => [d, empty(d)]));
  const county = empty('county');
  const row = (d: string) => {
    let r = rows.get(d);
    if (!r) rows.set(d, (r = empty(d)));
    return r;
  };
  // Tasks share a few window ends: each deadline is counted once.
  const deadlines = new Map<string, string | undefined>();
  const after = (day: string, n: number): string | undefined => {
    const key = `${day}+${n}`;
    if (deadlines.has(key)) return deadlines.get(key);
    const d = workingDaysAfter(day, n);
    deadlines.set(key, d);
    return d;
  };
  const workingDaysAfter = (day: string, n: number): string | undefined => {
    try {
      return addWorkingDays(day, n, input.calendar);
    } catch (err) {
      if (err instanceof MissingHolidayYear) {
        notes.add(err.message);
        return undefined;
      }
      throw err;
    }
  };

  // R12: items covered by the year's plans (a returned or refused plan covers nothing).
  const covered = new Set(input.plans.filter((p) => p.year === period.year && p.status !== 'returned' && p.status !== 'refused').flatMap((p) => p.items));
  for (const key of input.items) {
    const d = key.slice(0, key.indexOf(':'));
    const hit = covered.has(key) ? 1 : 0;
    for (const r of [row(d), county]) { r.items++; r.itemsCovered += hit; }
  }

  // Plans: of the year for a year; made in the period otherwise. R12: the year's plans by 31 March; R13: reviews.
  const plans = input.plans.filter((p) => (period.kind === 'year' ? p.year === period.year : inPeriod(p.createdOn, period)));
  for (const p of plans) {
    for (const r of [row(p.department), county]) {
      r.plans++;
      if (!p.special && !isLatePlan(p.year, p.createdOn)) r.plansByMarch++;
      if (p.status === 'approved') r.plansApproved++;
      else if (p.status === 'returned') r.plansReturned++;
      else if (p.status === 'refused') r.plansRefused++;
      else r.plansPending++;
    }
  }

  // Draws made in the period, and whether before their plan's window ended.
  const windowEnd = new Map(input.plans.map((p) => [p.planNo, p.windowTo]));
  for (const dr of input.draws) {
    if (dr.voided || !inPeriod(dr.madeOn, period)) continue;
    const end = windowEnd.get(dr.planNo);
    for (const r of [row(dr.department), county]) {
      r.draws++;
      if (end && dr.madeOn <= end) r.drawsInWindow++;
    }
  }

  // Tasks whose window ends in the period; their results' timing (R15).
  const cTasked = new Set<string>();
  for (const t of input.tasks) {
    if (t.cancelled) continue;
    if (t.windowTo.slice(0, 4) === String(period.year)) cTasked.add(t.creditCode);
    if (!inPeriod(t.windowTo, period)) continue;
    const res = t.result;
    const due = after(t.windowTo, input.dueWorkingDays);
    const entered = !!res?.submittedOn;
    const done = res?.status === 'approved' || !!res?.publishedOn;
    const overdue = !done && !(res && res.status === 'pending') && due !== undefined && today > due;
    const publishDue = after(res?.end || t.windowTo, publishDays);
    const public_ = !!res?.publishedOn;
    const duePublic = public_ || (publishDue !== undefined && today > publishDue);
    const onTimePublic = public_ && publishDue !== undefined && res!.publishedOn <= publishDue;
    const joint = t.departments.length > 1;
    const apply = (r: DeptStats, isCounty: boolean) => {
      r.tasks++;
      if (done) r.tasksDone++;
      if (overdue) r.tasksOverdue++;
      if (overdue && !entered) r.overdueNeverEntered++;
      if (entered) {
        r.resultsEntered++;
        if (due !== undefined && res!.submittedOn <= due) r.resultsEnteredOnTime++;
      }
      if (duePublic) r.resultsDuePublic++;
      if (onTimePublic) r.resultsPublishedOnTime++;
      if (joint) {
        r.jointTasks++;
        // 一集中: d departments in one visit instead of d; the county counts the d − 1 saved, each department its share.
        if (isCounty) r.visitsSaved += t.departments.length - 1;
      }
    };
    for (const d of t.departments) apply(row(d), false);
    apply(county, true);
  }

  // Quiet-period filings (R11, R2) by department and reason.
  for (const f of input.filings) {
    if (!inPeriod(`${f.month}-01`, period)) continue;
    for (const r of [row(f.department), county]) {
      r.filings++;
      const by = (r.filingReasons[f.reason] ??= { accepted: 0, refused: 0, other: 0 });
      if (f.status === 'accepted') { r.filingsAccepted++; by.accepted++; } else if (f.status === 'refused') { r.filingsRefused++; by.refused++; } else {
        if (f.status === 'returned') r.filingsReturned++;
        else r.filingsPending++;
        by.other++;
      }
    }
  }

  // R4: every C entity inspected at least once in the year (a task of the year, any department).
  for (const e of input.cEntities) {
    const hit = cTasked.has(e.code) ? 1 : 0;
    county.cEntities++;
    county.cCovered += hit;
    for (const d of e.departments) { const r = row(d); r.cEntities++; r.cCovered += hit; }
  }

  for (const [d, c] of input.complaints) {
    for (const r of [row(d), county]) {
      r.complaintsReceived += c.received;
      r.complaintsClosed += c.closed;
      r.complaintsOverdue += c.overdue;
    }
  }

  const order = new Map(input.departments.map((d, i) => [d, i]));
  const departments = [...rows.values()].sort((a, b) => (order.get(a.department) ?? 999) - (order.get(b.department) ?? 999));
  return { period, today, county, departments, notes: [...notes] };
}

/** A rate in [0, 1], or undefined when there is nothing to measure. */
export const rate = (n: number, of: number): number | undefined => (of > 0 ? n / of : undefined);

/** The rates a ranking and a chart use. */
export function ratesOf(s: DeptStats) {
  return {
    coverage: rate(s.itemsCovered, s.items),
    onTimeEntry: rate(s.resultsEnteredOnTime, s.resultsEntered + s.overdueNeverEntered),
    onTimePublic: rate(s.resultsPublishedOnTime, s.resultsDuePublic),
    cCoverage: rate(s.cCovered, s.cEntities),
  };
}

/** The mean of the rates a department has (undefined when it has none): what a circular ranks by. */
export function scoreOf(s: DeptStats): number | undefined {
  const xs = Object.values(ratesOf(s)).filter((x): x is number => x !== undefined);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** What a department missed, in words for a circular (each with its rule). */
export function shortfalls(s: DeptStats): string[] {
  const out: string[] = [];
  if (s.items > s.itemsCovered) out.push(`${s.items - s.itemsCovered}项抽查事项未制定抽查计划（R12）`);
  if (s.plansRefused) out.push(`${s.plansRefused}个计划审查未通过（R13）`);
  if (s.tasksOverdue) out.push(`${s.tasksOverdue}件检查结果逾期未录入（R15）`);
  const late = s.resultsDuePublic - s.resultsPublishedOnTime;
  if (late > 0) out.push(`${late}件检查结果未在20个工作日内公示（R15）`);
  if (s.cEntities > s.cCovered) out.push(`${s.cEntities - s.cCovered}户C类重点监管对象未检查（R4）`);
  if (s.filingsRefused) out.push(`${s.filingsRefused}件安静期检查备案未获通过（R11、R2）`);
  if (s.complaintsOverdue) out.push(`${s.complaintsOverdue}件投诉举报逾期未办结（R22）`);
  return out;
}

export const percent = (x: number | undefined): string => (x === undefined ? '—' : `${Math.round(x * 1000) / 10}%`);
