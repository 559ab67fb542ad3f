/**
 * Item coverage (R12): every department makes at least one plan a year for
 * every supervision item. A plan covers its items whether it leads or joins;
 * a returned (rejected) plan covers nothing.
 */
import { itemKey } from '../domain/item';
import { MEMBER_UNITS } from '../domain/organisation';
import type { ItemDoc } from '../domain/records/directory';
import type { ApprovalService } from './approvals';
import type { Deps } from './context';

export interface CoverageRow {
  department: string;
  total: number;
  covered: number;
  missing: ItemDoc[];
}

export function coverageService({ repos }: Deps, approvals: ApprovalService) {
  return {
    /** True exactly once per year across all processes: whoever gets it sends the March reminder (R12). */
    async claimYearlyReminder(year: number): Promise<boolean> {
      return (await repos.counters.next(`coverage-remind:${year}`)) === 1;
    },

    /** One row per department that has items, in the order of the member-unit list. */
    async table(year: number): Promise<CoverageRow[]> {
      const [items, plans] = await Promise.all([repos.items.all(), repos.plans.forYear(year)]);
      const rejected = new Set((await approvals.many(plans.map((p) => p.planNo))).filter((a) => a.status === 'rejected').map((a) => a.subject));
      const covered = new Set(plans.filter((p) => !rejected.has(p.planNo)).flatMap((p) => p.items));
      const order = new Map(MEMBER_UNITS.map((u, i) => [u.code, i]));
      const byDept = new Map<string, ItemDoc[]>();
      for (const it of items) byDept.set(it.department, [...(byDept.get(it.department) ?? []), it]);
      return [...byDept.entries()]
        .sort(([a], [b]) => (order.get(a) ?? 99) - (order.get(b) ?? 99))
        .map(([department, list]) => {
          const missing = list.filter((it) => !covered.has(itemKey(it)));
          return { department, total: list.length, covered: list.length - missing.length, missing };
        });
    },
  };
}

export type CoverageService = ReturnType<typeof coverageService>;
