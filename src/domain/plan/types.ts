/** The shapes of an annual plan as the plan rules see them: the draft, its targets, other plans, problems. */
import type { CalendarConfig } from '../calendar';
import type { ItemRecord } from '../item';
import type { Actor, Pool, RiskClass } from '../pools';
import type { ProblemRule } from '../rules';
import type { Sampling } from '../sampling';
import type { RiskPolicy } from './riskPolicy';

/** Which entities of the pool a plan targets; an empty array means "no restriction". */
export interface TargetFilter {
  industries: string[];
  townships: string[];
  riskClasses: RiskClass[];
  sectorTags: string[];
  /** Leave out entities inspected within this many months (e.g. 12). */
  skipInspectedWithinMonths?: number;
}

export interface PlanDraft {
  year: number;
  /** The department that makes and leads the plan (its code, e.g. 'SCJGJ'). */
  department: string;
  pool: Pool;
  filter: TargetFilter;
  /** Item keys 'DEPT:itemCode' (see itemKey). */
  items: string[];
  sampling: Sampling;
  /** Inclusive Beijing dates 'YYYY-MM-DD'. */
  window: { from: string; to: string };
  /** Other departments inspecting jointly; never the plan's own department. */
  jointDepartments: string[];
  /** A special (专项) plan, entered outside the annual round (R12). */
  special?: { reason: string };
}

/** Another plan of the same year, as checkPlan and findDuplicates need it. */
export interface PlanSummary {
  number: string;
  department: string;
  jointDepartments: string[];
  pool: Pool;
  items: string[];
  filter: TargetFilter;
  window: { from: string; to: string };
  status: string;
}

export interface Problem {
  /** The rule it rests on ('R6'), or 'input' for plain input mistakes. */
  rule: ProblemRule;
  message: string;
  field?: keyof PlanDraft;
}

export interface PlanContext {
  actor: Actor;
  /** The Beijing date today, 'YYYY-MM-DD'. */
  today: string;
  /** The items that exist: the lists of the plan's department and its joint departments. */
  items: readonly ItemRecord[];
  /** How many entities the filter matches now (n). */
  predictedTargets: number;
  /** The year's other plans that were not rejected. */
  others: readonly PlanSummary[];
  /** Defaults to DEFAULT_RISK_POLICY. */
  policy?: RiskPolicy;
  /** Defaults to R10_CALENDAR. */
  calendar?: CalendarConfig;
  /** When re-checking a stored plan: its own number, so it is not compared with itself. */
  planNumber?: string;
}

export interface PlanCheck {
  problems: Problem[];
  warnings: Problem[];
}
