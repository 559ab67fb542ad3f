/**
 * Oversight statistics (R21) as a use case: gathers the facts from the read
 * models (tasks and their results' timings, the registry's C pool) and the small
 * collections (items, the year's plans, draws and filings, approvals by `_id`),
 * computes the figures (src/domain/stats.ts) and says who may see what: 联席办,
 * 司法局 and admins the whole county, a department its own figures.
 *
 * Complaints (R22) are read through a port, `ComplaintStats`; until a complaints
 * capability provides one, every department has none.
 */
import { beijingDate } from '../domain/calendar';
import { findUnit, MEMBER_UNITS, unitName } from '../domain/organisation';
import { itemKey } from '../domain/item';
import { computeStats, monthPeriod, parsePeriod, type ComplaintCounts, type FilingFact, type Period, type PlanFact, type Stats, type TaskFact } from '../domain/stats';
import type { ApprovalDoc } from '../domain/records/approval';
import type { ApprovalService } from './approvals';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { loadHolidayCalendar } from './holidays';
import type { HolidayCalendar } from '../domain/workdays';

/** Complaints received, closed and overdue per department in a period (R22). */
export interface ComplaintStats {
  countsByDept(period: Period): Promise<Map<string, ComplaintCounts>>;
}

/** Before complaints exist: none anywhere. */
export const NO_COMPLAINTS: ComplaintStats = { countsByDept: async () => new Map() };

/** Who sees the whole county's figures (R21). */
export const OVERSIGHT_ROLES = ['office', 'justice', 'admin'] as const;

/** An approval's outcome for the statistics: returned at a department's step, refused at 联席办's or 司法局's (R13). */
function outcomeOf(a: ApprovalDoc | undefined): 'pending' | 'approved' | 'returned' | 'refused' {
  if (!a || a.status === 'pending') return 'pending';
  if (a.status === 'approved') return 'approved';
  const step = a.steps.find((s) => s.outcome === 'rejected');
  return step && (step.role === 'office' || step.role === 'justice') ? 'refused' : 'returned';
}

const day = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '' : beijingDate(new Date(ms)));

export interface StatsOptions {
  complaints?: ComplaintStats;
  calendar?: HolidayCalendar;
}

export function statsService({ repos, now, policy }: Deps, approvals: ApprovalService, opts: StatsOptions = {}) {
  let complaints = opts.complaints ?? NO_COMPLAINTS;
  let calendar = opts.calendar;
  const cal = () => (calendar ??= loadHolidayCalendar());

  /** The figures of a period, for the whole county (every department). */
  async function compute(period: Period): Promise<Stats> {
    const today = beijingDate(now());
    const year = period.year;
    const [items, plans, draws, tasks] = await Promise.all([
      repos.items.all(), repos.plans.forYear(year), repos.draws.briefForYear(year), repos.tasks.forYear(year),
    ]);
    const planApprovals = new Map((await approvals.many(plans.map((p) => p.planNo))).map((a) => [a.subject, a]));
    const planFacts: PlanFact[] = plans.map((p) => ({
      planNo: p.planNo, year: p.year, department: p.department, jointDepartments: p.jointDepartments, items: p.items,
      special: !!p.special, createdOn: beijingDate(p.createdAt), windowTo: p.window.to, status: outcomeOf(planApprovals.get(p.planNo)),
    }));
    const timings = await repos.results.timings(tasks.map((t) => t.taskNo));
    const taskFacts: TaskFact[] = tasks.map((t) => {
      const r = timings.get(t.taskNo);
      return {
        taskNo: t.taskNo, departments: t.departments, creditCode: t.creditCode, windowFrom: t.window.from, windowTo: t.window.to,
        cancelled: t.status === 'cancelled',
        result: r && { status: r.status, submittedOn: day(r.submittedAt), publishedOn: day(r.publishedAt), end: r.end ?? '' },
      };
    });
    const months: string[] = [];
    for (let m = Number(period.from.slice(5, 7)); m <= Number(period.to.slice(5, 7)); m++) months.push(monthPeriod(year, m).key);
    const filings = (await Promise.all(months.map((m) => repos.filings.forMonth(m)))).flat();
    const filingApprovals = new Map((await approvals.many(filings.map((f) => f.filingNo))).map((a) => [a.subject, a]));
    const filingFacts: FilingFact[] = filings.map((f) => {
      const o = outcomeOf(filingApprovals.get(f.filingNo));
      return { filingNo: f.filingNo, department: f.department, reason: f.reason, month: f.month, status: o === 'approved' ? 'accepted' : o };
    });
    const cEntities = (await repos.entities.find({ pool: 'C' }, Number.MAX_SAFE_INTEGER)).map((e) => ({ code: e.creditCode, departments: e.departments }));
    return computeStats({
      period, today, departments: MEMBER_UNITS.map((u) => u.code), items: items.map(itemKey), plans: planFacts,
      draws: draws.map((d) => ({ drawNo: d.drawNo, planNo: d.planNo, department: d.department, madeOn: beijingDate(d.createdAt), voided: d.status === 'voided' || d.status === 'failed' })),
      tasks: taskFacts, filings: filingFacts, cEntities, complaints: await complaints.countsByDept(period),
      calendar: cal(), dueWorkingDays: policy?.resultDueWorkingDays ?? 10,
    });
  }

  return {
    compute,
    /** Plugs in the complaints' figures (R22) once that capability exists. */
    useComplaints(port: ComplaintStats): void {
      complaints = port;
    },

    /**
     * `统计 [期间] [部门]`: the period and the department as typed, checked against who asks.
     * A department's own staff see their own figures; 联席办, 司法局 and admins any (R21).
     */
    async forCaller(caller: Caller, periodText: string, departmentText: string): Promise<{ stats: Stats; department?: string }> {
      const p = parsePeriod(periodText, beijingDate(now()));
      if (!p.ok) throw new Refusal(p.reason);
      const oversight = hasAny(caller, OVERSIGHT_ROLES);
      let department: string | undefined;
      if (departmentText) {
        const unit = findUnit(departmentText);
        if (!unit) throw new Refusal(`“${departmentText.slice(0, 20)}”不是联席会议成员单位（R19），请写成员单位名称，如“县市管局”`);
        department = unit.code;
      } else if (!oversight) department = caller.department;
      if (department && department !== caller.department && !oversight) {
        throw new Refusal(`依据规则 R21：各单位只能查看本单位（${unitName(caller.department)}）的统计；全县和其他单位的统计由联席办、司法局查看。请发送“统计 ${p.period.key}”查看本单位`, 'R21');
      }
      return { stats: await compute(p.period), department };
    },
  };
}

export type StatsService = ReturnType<typeof statsService>;
