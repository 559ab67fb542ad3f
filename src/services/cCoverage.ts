/**
 * C-pool coverage (R4): per responsible unit, its C entities, those inspected
 * this year (a task's approved result or an approved 备案's), planned (in a
 * drawn task whose result is not approved yet) and not yet covered. The C
 * entities come from the registry's read model; each one's inspections from
 * its history (`entity_results`, one `_id` read each), its proposer from its
 * placement request (`TK-<代码>`), its open tasks from the tasks' read model.
 */
import { cCoverage, type CCoverageRow, type CEntity, type CInspection, type CPlannedTask } from '../domain/cCoverage';
import { findUnit, MEMBER_UNITS } from '../domain/organisation';
import { poolRequestNo } from './pools';
import { hasAny, Refusal, type Caller, type Deps } from './context';

/** Reads of one entity's history at once. */
const CONCURRENT_READS = 32;

async function inBatches<T, R>(xs: readonly T[], size: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i += size) out.push(...(await Promise.all(xs.slice(i, i + size).map(fn))));
  return out;
}

export function cCoverageService({ repos }: Deps) {
  /** Every department's row for the year, in the order of the member-unit list. */
  async function table(year: number): Promise<CCoverageRow[]> {
    const listed = await repos.entities.find({ pool: 'C' }, Number.MAX_SAFE_INTEGER);
    const requests = await repos.approvals.many(listed.map((e) => poolRequestNo(e.creditCode)));
    const proposer = new Map(requests.filter((a) => a.status === 'approved').map((a) => [a.subject, a.requesterDepartment]));
    const entities: CEntity[] = listed.map((e) => {
      const by = proposer.get(poolRequestNo(e.creditCode));
      return { code: e.creditCode, name: e.name, responsible: by ? [by] : e.departments };
    });
    const histories = await inBatches(entities, CONCURRENT_READS, async (e) => ({ code: e.code, entries: await repos.history.get(e.code) }));
    const inspections: CInspection[] = histories.flatMap(({ code, entries }) => entries.map((h) => ({ code, departments: h.departments, end: h.end, taskNo: h.taskNo })));
    const tasks = await repos.tasks.openFor(entities.map((e) => e.code));
    const states = await repos.results.many(tasks.map((t) => t.taskNo));
    const open: CPlannedTask[] = tasks
      .filter((t) => states.get(t.taskNo)?.status !== 'approved')
      .map((t) => ({ code: t.creditCode, year: t.year, departments: t.departments, taskNo: t.taskNo }));
    const order = new Map(MEMBER_UNITS.map((u, i) => [u.code, i]));
    return cCoverage(year, entities, inspections, open).sort((a, b) => (order.get(a.department) ?? 99) - (order.get(b.department) ?? 99));
  }

  return {
    table,

    /**
     * What the caller may see: 联席办, 司法局 and admins any department (all without one named),
     * anyone else their own department.
     */
    async forCaller(caller: Caller, year: number, department?: string): Promise<CCoverageRow[]> {
      const wide = hasAny(caller, ['office', 'justice', 'admin']);
      let dept: string | undefined;
      if (department) {
        const unit = findUnit(department);
        if (!unit) throw new Refusal(`“${department.slice(0, 20)}”不是联席会议成员单位，请写成员单位名称，如“县市管局”`);
        dept = unit.code;
      }
      if (!wide) {
        if (dept && dept !== caller.department) throw new Refusal('依据规则 R4：只能查看本单位负责的C类主体覆盖情况；全县情况请联系联席办', 'R4');
        dept = caller.department;
      }
      const rows = await table(year);
      return dept ? rows.filter((r) => r.department === dept) : rows;
    },

    /** True exactly once per reminder period across all processes (whoever gets it sends). */
    async claimReminder(key: string): Promise<boolean> {
      return (await repos.counters.next(key)) === 1;
    },
  };
}

export type CCoverageService = ReturnType<typeof cCoverageService>;
