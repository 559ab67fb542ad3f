/**
 * Annual double-random plans (年度抽查计划), pure. One concept per file under
 * ./plan: the draft's shapes (types), the risk policy (R6), target overlap and
 * duplicates (R13), who may plan what and by when (rules: R2, R12), the checks a
 * draft must pass, and its description in words. The sampling arithmetic the
 * draw shares is ./sampling. No I/O, no clock: "today" is passed in.
 */
export type { PlanCheck, PlanContext, PlanDraft, PlanSummary, Problem, TargetFilter } from './plan/types';
export { DEFAULT_RISK_POLICY, describeClassPolicy, parseRiskPolicy, type ClassPolicy, type RiskPolicy } from './plan/riskPolicy';
export { coveredClasses, findDuplicates, targetsOverlap } from './plan/overlap';
export {
  A_MAX_PERMILLE, defaultPlanYear, isLatePlan, latePlanProblem, mayMakePlans, mayPlanPool, planDeadline, planDeadlineWords,
  planYearProblem, PLAN_ROLES, A_POOL_PLAN_REFUSAL,
} from './plan/rules';
export { checkPlan } from './plan/checks';
export { describeFilter, describePlan } from './plan/describe';
export { effectivePermille, formatPermille, formatSampling, sampleSize, type Sampling } from './sampling';
