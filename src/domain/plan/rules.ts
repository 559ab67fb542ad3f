/**
 * The plan rules that the chat, the services and the checks all ask: who may
 * make a plan, who may make an A-pool plan (R2), for which year (R12), and by
 * when it is an annual rather than a special plan (R12). Each is written here
 * once; "today" is passed in.
 */
import { yearlyDeadline, yearlyDeadlineWords } from '../calendar';
import { JOINT_OFFICE_HOST, JOINT_OFFICE_NAME, type Role } from '../organisation';
import type { Actor, Pool } from '../pools';
import type { Problem } from './types';

/** Who may make a plan: a member unit's officials and leaders, and 联席办. */
export const PLAN_ROLES: readonly Role[] = ['official', 'leader', 'office'];

export function mayMakePlans(actor: Pick<Actor, 'roles'>): boolean {
  return actor.roles.some((r) => PLAN_ROLES.includes(r));
}

/** R2: the A pool's inspections are organised by 联席办 alone; B and C by each member unit (R3, R4). */
export function mayPlanPool(actor: Pick<Actor, 'roles' | 'department'>, pool: Pool): boolean {
  return pool !== 'A' || (actor.roles.includes('office') && actor.department === JOINT_OFFICE_HOST);
}

/** R2's refusal for an A-pool plan by anyone but 联席办. */
export const A_POOL_PLAN_REFUSAL = `依据规则 R2：A类联合监管库的抽查由${JOINT_OFFICE_NAME}统一组织，本单位不能制定`;

/** R2: an A-pool plan samples at most 10% (per-mille). */
export const A_MAX_PERMILLE = 100;

/** R12: the last day a year's plans are entered as annual plans ('YYYY-03-31'). */
export const planDeadline = (year: number): string => yearlyDeadline(year);

/** "2026年3月31日". */
export const planDeadlineWords = (year: number): string => `${year}年${yearlyDeadlineWords(year)}`;

/** R12: after the deadline a plan for that year is a special (专项) plan with a reason. */
export function isLatePlan(year: number, today: string): boolean {
  return today > planDeadline(year);
}

/** R12: the problem with a late plan that has no special reason. */
export function latePlanProblem(year: number): Problem {
  return {
    rule: 'R12', field: 'special',
    message: `依据规则 R12：${year}年度抽查计划应于${yearlyDeadlineWords(year)}前录入，现已逾期；如确需开展，请标记为专项计划并写明理由`,
  };
}

/** A plan is made for this year or next, never for a past year (R12). */
export function planYearProblem(year: number, today: string): Problem | undefined {
  const thisYear = Number(today.slice(0, 4));
  if (year < thisYear) {
    return { rule: 'R12', field: 'year', message: `依据规则 R12：不能为已过去的年度（${year}年）制定计划，请填 ${thisYear} 或 ${thisYear + 1}` };
  }
  if (year > thisYear + 1) return { rule: 'input', field: 'year', message: `只能制定今年或明年的计划，请填 ${thisYear} 或 ${thisYear + 1}` };
  return undefined;
}

/** From 1 October the year to plan for is the next one: this year's A and B windows (R10) are over or nearly so. */
export const defaultPlanYear = (day: string): number => Number(day.slice(0, 4)) + (day.slice(5) >= '10-01' ? 1 : 0);
