/** Which entities two plans may share, and the duplicates 联席办 reviews (R6 frequency, R13). */
import { RISK_CLASSES, type Pool, type RiskClass } from '../pools';
import type { PlanDraft, PlanSummary, TargetFilter } from './types';

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

/** Plan states that no longer count against others. */
export const INACTIVE = new Set(['rejected', 'withdrawn', 'cancelled']);

export const departmentsOf = (p: { department: string; jointDepartments: readonly string[] }) => new Set([p.department, ...p.jointDepartments]);

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
