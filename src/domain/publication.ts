/**
 * Publication of inspection results (一公开, R15), pure: an approved result is made public
 * within 20 working days of the inspection's end (企业信息公示暂行条例 第六条), counted
 * on the State Council's holiday calendar with its make-up working days. The calendar
 * and today's Beijing date are passed in.
 */
import { addWorkingDays, type HolidayCalendar } from './workdays';

/** R15: working days from the inspection's end to the last day of publication. */
export const PUBLICATION_WORKING_DAYS = 20;
/** The department is warned this many working days before its deadline. */
export const WARN_WORKING_DAYS = 5;

/**
 * `auto`: an approved result is public at once (the day it is approved is its publication day);
 * `manual`: the department publishes it with `公示 <任务编号>`.
 */
export type PublicationMode = 'auto' | 'manual';

/** A result published by the department (`公示`, manual mode), as the services see it. */
export interface Publication {
  taskNo: string;
  department: string;
  creditCode: string;
  entityName: string;
  /** The round of the result that was published. */
  round: number;
  publishedAt: Date;
  publishedBy: string;
  version: number;
}

/** The last day a result whose inspection ended on `end` may be published ('YYYY-MM-DD'). */
export function publicationDeadline(end: string, cal: HolidayCalendar): string {
  return addWorkingDays(end, PUBLICATION_WORKING_DAYS, cal);
}

/** The day the department is warned (WARN_WORKING_DAYS before the deadline): the day whose +5 working days is the deadline. */
export function isWarningDay(today: string, deadline: string, cal: HolidayCalendar): boolean {
  return addWorkingDays(today, WARN_WORKING_DAYS, cal) === deadline;
}

/** 按期公示 / 逾期公示 / 待公示 (before the deadline) / 逾期未公示. */
export type Timeliness = 'onTime' | 'late' | 'waiting' | 'overdue';

export const TIMELINESS_TEXT: Record<Timeliness, string> = {
  onTime: '按期公示',
  late: '逾期公示',
  waiting: '待公示',
  overdue: '逾期未公示',
};

export function timeliness(deadline: string, publishedOn: string | undefined, today: string): Timeliness {
  if (publishedOn) return publishedOn <= deadline ? 'onTime' : 'late';
  return today > deadline ? 'overdue' : 'waiting';
}

/** One result's publication as 公示情况 counts it. */
export interface PublicationRow {
  taskNo: string;
  department: string;
  entityName: string;
  /** The inspection's end: the result's completion date, or the task window's last day before a result is entered. */
  end: string;
  deadline: string;
  publishedOn?: string;
  state: Timeliness;
}

export interface DepartmentRate {
  department: string;
  onTime: number;
  late: number;
  overdue: number;
  waiting: number;
  /** On-time share of those whose deadline has passed or that are published, in per cent (one decimal); undefined when none. */
  rate?: number;
}

/** Per department: how many on time, late, overdue and waiting, and the on-time rate. */
export function departmentRates(rows: readonly PublicationRow[]): DepartmentRate[] {
  const by = new Map<string, DepartmentRate>();
  for (const r of rows) {
    const d = by.get(r.department) ?? { department: r.department, onTime: 0, late: 0, overdue: 0, waiting: 0 };
    d[r.state]++;
    by.set(r.department, d);
  }
  return [...by.values()].map((d) => {
    const due = d.onTime + d.late + d.overdue;
    return { ...d, rate: due ? Math.round((d.onTime / due) * 1000) / 10 : undefined };
  }).sort((a, b) => (a.department < b.department ? -1 : a.department > b.department ? 1 : 0));
}
