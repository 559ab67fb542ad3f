/**
 * The rules that had several homes now have one each: the yearly deadline and
 * R12's late plans, R2's A-pool planner, who may plan, the plan year, an active
 * officer, the status words, Beijing day arithmetic.
 */
import { addDays, inYearlyDeadlineMonth, isCalendarDay, lastDayOfMonth, yearlyDeadline, yearlyDeadlineWords } from '../../src/domain/calendar';
import { isActiveOfficerOn, type InspectorRecord } from '../../src/domain/inspector';
import {
  checkPlan, defaultPlanYear, isLatePlan, latePlanProblem, mayMakePlans, mayPlanPool, planDeadline, planDeadlineWords, planYearProblem,
} from '../../src/domain/plan';
import { FILING_STATUS_WORDS, notEditableWords, statusWords, STATUS_WORDS } from '../../src/domain/status';
import { RULE_IDS, isRuleId } from '../../src/domain/rules';
import type { Step } from '../../src/domain/approval';

describe('one home per rule', () => {
  it('R8, R9, R12: the yearly deadline is 31 March, in days and in words; reminders go out in its month', () => {
    expect(yearlyDeadline(2026)).toBe('2026-03-31');
    expect(yearlyDeadlineWords(2026)).toBe('3月31日');
    expect(planDeadline(2027)).toBe('2027-03-31');
    expect(planDeadlineWords(2027)).toBe('2027年3月31日');
    expect(inYearlyDeadlineMonth('2026-03-01')).toBe(true);
    expect(inYearlyDeadlineMonth('2026-04-01')).toBe(false);
  });

  it('R12: a plan entered after 31 March of its year is late; next year\'s plan is not', () => {
    expect(isLatePlan(2026, '2026-03-31')).toBe(false);
    expect(isLatePlan(2026, '2026-04-01')).toBe(true);
    expect(isLatePlan(2027, '2026-11-01')).toBe(false);
    expect(latePlanProblem(2026)).toMatchObject({ rule: 'R12', field: 'special', message: expect.stringContaining('应于3月31日前录入') });
  });

  it('R12: plans are made for this year or next; a past year is R12, a far year an input mistake', () => {
    expect(planYearProblem(2025, '2026-05-01')).toMatchObject({ rule: 'R12', message: expect.stringContaining('不能为已过去的年度（2025年）') });
    expect(planYearProblem(2028, '2026-05-01')).toMatchObject({ rule: 'input' });
    expect(planYearProblem(2026, '2026-05-01')).toBeUndefined();
    expect(planYearProblem(2027, '2026-05-01')).toBeUndefined();
    expect(defaultPlanYear('2026-09-30')).toBe(2026);
    expect(defaultPlanYear('2026-10-01')).toBe(2027);
  });

  it('R2: only 联席办 (the office role in its host department) plans for the A pool; anyone who may plan, for B and C', () => {
    const office = { roles: ['office'] as const, department: 'SCJGJ' };
    const official = { roles: ['official'] as const, department: 'XFJYDD' };
    expect(mayPlanPool(office, 'A')).toBe(true);
    expect(mayPlanPool(official, 'A')).toBe(false);
    expect(mayPlanPool({ roles: ['office'], department: 'XFJYDD' }, 'A')).toBe(false);
    expect(mayPlanPool(official, 'B')).toBe(true);
    expect(mayMakePlans(official)).toBe(true);
    expect(mayMakePlans({ roles: ['justice', 'inspector'] })).toBe(false);
  });

  it('R12: checkPlan asks the same functions (its R12 problem is latePlanProblem)', () => {
    const r = checkPlan({
      year: 2026, department: 'XFJYDD', pool: 'C', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] }, items: [],
      sampling: { count: 1 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [],
    }, { actor: { userId: 'u', department: 'XFJYDD', roles: ['official'] }, today: '2026-05-01', items: [], predictedTargets: 5, others: [] });
    expect(r.problems).toContainEqual(latePlanProblem(2026));
  });

  it('R7, R8a: an active officer is in post, an enforcement officer and holds a certificate valid that day', () => {
    const p = { kind: 'civil_servant', certificateNo: 'JX-1', certificateExpiry: '2026-06-30', active: true } as Pick<InspectorRecord, 'kind' | 'certificateNo' | 'certificateExpiry' | 'active'>;
    expect(isActiveOfficerOn(p, '2026-06-30')).toBe(true);
    expect(isActiveOfficerOn(p, '2026-07-01')).toBe(false);
    expect(isActiveOfficerOn({ ...p, active: false }, '2026-06-01')).toBe(false);
    expect(isActiveOfficerOn({ ...p, kind: 'expert' }, '2026-06-01')).toBe(false);
    expect(isActiveOfficerOn({ ...p, certificateNo: '' }, '2026-06-01')).toBe(false);
  });

  it('one status vocabulary: 审批中 with its step, 已通过 / 已备案, 已退回; what cannot be edited and why', () => {
    const steps = [{ label: '部门领导审批' }, { label: '联席办审核' }] as Step[];
    expect(statusWords({ status: 'pending', current: 1, steps })).toBe('审批中（第2/2步：联席办审核）');
    expect(statusWords({ status: 'approved', current: 2, steps })).toBe(STATUS_WORDS.approved);
    expect(statusWords({ status: 'approved', current: 2, steps }, FILING_STATUS_WORDS)).toBe('已备案');
    expect(statusWords(undefined)).toBe('未送审');
    expect(notEditableWords('pending')).toBe('正在审批中');
    expect(notEditableWords('approved')).toBe('已审批通过');
  });

  it('Beijing days: one calendar module adds days across months and years and knows which days exist', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-13-01')).toBe(false);
    expect(lastDayOfMonth(2026, 2)).toBe('2026-02-28');
    expect(lastDayOfMonth(2026, 12)).toBe('2026-12-31');
  });

  it('rule ids are R1–R22 with R8a, and nothing else', () => {
    expect(RULE_IDS).toHaveLength(23);
    expect(isRuleId('R8a')).toBe(true);
    expect(isRuleId('R23')).toBe(false);
    expect(isRuleId('input')).toBe(false);
  });
});
