/**
 * Each task's result state (待检查 / 待录入 / 待审核 / 已审核 / 已完结) and whether it is overdue,
 * counted in working days on the State Council's calendar (R15); a plan's progress; and the
 * daily result-deadline reminders. From the tasks' and result states' read models.
 */
import { beijingDate } from '../domain/calendar';
import { taskState, type ResultState } from '../domain/result';
import { addWorkingDays, isWorkingDay, MissingHolidayYear, type HolidayCalendar } from '../domain/workdays';
import type { ResultDoc } from '../domain/records/result';
import type { TaskDoc } from '../domain/records/task';
import type { Deps } from './context';

export interface TaskStatus {
  state: ResultState;
  /** The day the result is due ('YYYY-MM-DD'); undefined when the calendar lacks the year. */
  due?: string;
  overdue: boolean;
  /** Why `due` is missing (a year without holiday data). */
  note?: string;
}

/** A plan's tasks by state: 已审核 counts 已完结 too. */
export interface PlanProgress {
  total: number;
  reviewed: number;
  closed: number;
  pending: number;
  toEnter: number;
  toInspect: number;
  overdue: number;
}

export function resultStatus({ repos, now }: Deps, { cal, dueDays }: { cal: () => HolidayCalendar; dueDays: number }) {
  const today = () => beijingDate(now());
  return {
    /** A task's state, its due day (working days after the window) and whether it is overdue. */
    statusOf(t: Pick<TaskDoc, 'window'>, r: Pick<ResultDoc, 'status' | 'openFollowUps'> | undefined): TaskStatus {
      const state = taskState(t.window, r, today());
      try {
        const due = addWorkingDays(t.window.to, dueDays, cal());
        return { state, due, overdue: (state === '待检查' || state === '待录入') && today() > due };
      } catch (err) {
        if (err instanceof MissingHolidayYear) return { state, overdue: false, note: err.message };
        throw err;
      }
    },

    /** A plan's progress: its drawn tasks (cancelled ones left out) counted by state. */
    async planProgress(planNo: string): Promise<PlanProgress> {
      const tasks: TaskDoc[] = [];
      for (const d of await repos.draws.forPlan(planNo)) tasks.push(...(await repos.tasks.forDraw(d.drawNo)).filter((t) => t.status === 'open'));
      const unique = [...new Map(tasks.map((t) => [t.taskNo, t])).values()];
      const states = await this.statuses(unique);
      const by = (s: ResultState) => [...states.values()].filter((x) => x.state === s).length;
      return {
        total: unique.length, reviewed: by('已审核') + by('已完结'), closed: by('已完结'), pending: by('待审核'),
        toEnter: by('待录入'), toInspect: by('待检查'), overdue: [...states.values()].filter((x) => x.overdue).length,
      };
    },

    /**
     * Result deadlines (R15), for the daily job on working days: teams whose result is due in
     * 3 working days (their officers' user ids are the inspector numbers), and on Mondays each
     * lead department's overdue tasks for its leaders and 联席办. Tasks whose due day falls in
     * a year without holiday data are reported as `unknown`, never guessed.
     */
    async deadlineReminders(at: Date): Promise<{ dueSoon: { task: TaskDoc; due: string }[]; overdue: Map<string, { task: TaskDoc; due: string }[]>; unknown: string[] }> {
      const t = beijingDate(at);
      const empty = { dueSoon: [], overdue: new Map(), unknown: [] };
      if (!isWorkingDay(t, cal())) return empty;
      const year = Number(t.slice(0, 4));
      const tasks = [...await repos.tasks.forYear(year - 1), ...await repos.tasks.forYear(year)].filter((x) => x.status === 'open' && x.window.from <= t);
      const results = await repos.results.many(tasks.map((x) => x.taskNo));
      const soon = addWorkingDays(t, 3, cal());
      const monday = new Date(`${t}T00:00:00Z`).getUTCDay() === 1;
      const out = { dueSoon: [] as { task: TaskDoc; due: string }[], overdue: new Map<string, { task: TaskDoc; due: string }[]>(), unknown: [] as string[] };
      for (const task of tasks) {
        const r = results.get(task.taskNo);
        if (r && r.status !== 'draft' && r.status !== 'returned') continue;
        let due: string;
        try {
          due = addWorkingDays(task.window.to, dueDays, cal());
        } catch (err) {
          if (err instanceof MissingHolidayYear) { out.unknown.push(task.taskNo); continue; }
          throw err;
        }
        if (due === soon) out.dueSoon.push({ task, due });
        if (monday && t > due) out.overdue.set(task.lead, [...(out.overdue.get(task.lead) ?? []), { task, due }]);
      }
      return out;
    },

    /** Each task's status (one `_id` read per task). */
    async statuses(tasks: TaskDoc[]): Promise<Map<string, TaskStatus>> {
      const results = await repos.results.many(tasks.map((t) => t.taskNo));
      return new Map(tasks.map((t) => [t.taskNo, this.statusOf(t, results.get(t.taskNo))]));
    },
  };
}
