/**
 * R16 (results shared and recognised across departments): what a department about to check an
 * entity should know — another department's approved inspections of it in the last months —
 * for one entity (备案's preview, from the entity's history: one `_id` read) and for every
 * entity a plan targets (新建计划's preview, from the read models of entities, tasks and
 * result states in memory: no query per entity). Filings' own results are in the entity
 * history only, so the plan note counts drawn tasks.
 */
import { beijingDate } from '../domain/calendar';
import type { PlanDraft } from '../domain/plan';
import { inspectedByOthers, monthsBefore, type RecognisedInspection } from '../domain/result';
import type { HistoryEntry } from '../domain/records/result';
import type { Deps } from './context';

/** How far back another department's inspection is recognised (R16), in months. */
export const RECOGNITION_MONTHS = 12;

export function resultRecognition({ repos, now }: Deps) {
  const today = () => beijingDate(now());
  return {
    /**
     * R16: another department's approved inspections of the entity in the last `months` months
     * (default 12), for a department about to plan or file a check of it.
     */
    async recentByOthers(creditCode: string, department: string, months = RECOGNITION_MONTHS): Promise<HistoryEntry[]> {
      const since = monthsBefore(today(), months);
      return (await repos.history.get(creditCode)).filter((e) => e.end >= since && e.departments.some((d) => d !== department));
    },

    /**
     * R16: the entities a plan draft targets that departments outside the plan inspected in the
     * last `months` months with an approved result (one per entity, the latest first).
     */
    async planTargetsInspectedByOthers(draft: Pick<PlanDraft, 'pool' | 'filter' | 'department' | 'jointDepartments'>, months = RECOGNITION_MONTHS): Promise<RecognisedInspection[]> {
      const at = now();
      const skip = draft.filter.skipInspectedWithinMonths;
      const ours = [draft.department, ...draft.jointDepartments];
      const targets = await repos.entities.targetSummaries({
        pool: draft.pool, filter: draft.filter, departments: draft.pool === 'A' ? [] : ours,
        inspectedSince: skip ? new Date(at.getTime() - skip * 30.4375 * 86400_000) : undefined,
      });
      const tasks = await repos.tasks.openFor(targets.map((t) => t.creditCode));
      const states = await repos.results.many(tasks.map((t) => t.taskNo));
      return inspectedByOthers(tasks, (n) => states.get(n)?.status === 'approved', ours, monthsBefore(beijingDate(at), months));
    },
  };
}
