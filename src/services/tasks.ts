/**
 * Inspection tasks as users ask for them: my tasks (an inspector's own, or the
 * department's), one task by number, the year's joint tasks (一集中) and the
 * names of a task's items. Drawing, joining and voiding tasks is the draw's
 * (services/draws.ts).
 */
import { beijingDate } from '../domain/calendar';
import type { TaskDoc } from '../domain/records/task';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { inspectorOfUser } from './inspectorLinks';

export function taskService({ repos, now }: Deps) {
  return {
    /**
     * The caller's open tasks — of a year, or (no year) all not yet past: an
     * inspector's own (the user linked to the inspector), otherwise the department's.
     */
    async mine(caller: Caller, year?: number): Promise<{ mode: 'officer' | 'department'; tasks: TaskDoc[] }> {
      const when = year ? { year } : { endingFrom: beijingDate(now()) };
      const me = await inspectorOfUser(repos, caller.userId);
      if (me) return { mode: 'officer', tasks: await repos.tasks.forOfficer(me, when) };
      return { mode: 'department', tasks: await repos.tasks.forDepartment(caller.department, when) };
    },

    async task(taskNo: string): Promise<TaskDoc> {
      const t = await repos.tasks.get(taskNo.trim());
      if (!t) throw new Refusal(`没有编号为“${taskNo.trim().slice(0, 40)}”的检查任务`);
      return t;
    },

    /** Joint inspections of a year (一集中) and the visits they saved: for 联席办, 司法局 and administrators. */
    async joint(caller: Caller, year: number): Promise<{ tasks: TaskDoc[]; open: number; visitsSaved: number }> {
      if (!hasAny(caller, ['office', 'justice', 'admin'])) throw new Refusal('联合检查情况由联席办查看（R2、R3）');
      const all = (await repos.tasks.forYear(year)).filter((t) => t.status === 'open');
      const joint = all.filter((t) => t.departments.length > 1);
      // One visit instead of one per department: a task of d departments saves d − 1 visits, whether
      // the departments drew it together (a joint plan) or their separate draws were merged.
      const visitsSaved = all.reduce((n, t) => n + Math.max(0, t.departments.length - 1), 0);
      return { tasks: joint, open: all.length, visitsSaved };
    },

    /** Item names for a task's form. */
    itemNames: (keys: string[]): Promise<Map<string, string>> => repos.items.names(keys),
  };
}

export type TaskService = ReturnType<typeof taskService>;
