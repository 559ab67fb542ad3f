/**
 * Annual and special plans (R2, R6, R9, R10, R12, R13): predict the targets,
 * check the draft, submit it into its approval (department leader → each joint
 * department's leader → 联席办 → 司法局), and show plans with their history. Edits are guarded by the
 * plan's version, so two officials cannot overwrite each other silently.
 */
import { beijingDate } from '../domain/calendar';
import { itemKey, type ItemRecord } from '../domain/item';
import { JOINT_OFFICE_HOST, JUSTICE_DEPT, unitName } from '../domain/organisation';
import { checkPlan, describePlan, findDuplicates, PLAN_ROLES, type PlanCheck, type PlanDraft, type PlanSummary } from '../domain/plan';
import type { StepSpec } from '../domain/approval';
import { assignmentBasis, requiredSpecialtiesOf, teamOutlook, type TeamOutlook } from '../domain/draw';
import { sampleSize } from '../domain/sampling';
import { notEditableWords } from '../domain/status';
import type { ApprovalDoc } from '../domain/records/approval';
import type { PlanDoc } from '../domain/records/plan';
import type { PlanTargets } from '../domain/records/entity';
import type { ApprovalChange, ApprovalService } from './approvals';
import { DEFAULT_POLICY } from './policy';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

/** The plan changed under an editor (another edit landed, or it is under review again): the edit is void. */
export class EditConflict extends Refusal {}

/**
 * The plan's review chain (R13, R20): the drafting department's leader; the leader of each
 * joint department, who agrees to take part and supply officers; 联席办 (when 联席办 drafted
 * the plan itself, another 联席办 member: nobody reviews their own plan); 司法局.
 */
export const PLAN_STEPS = (department: string, jointDepartments: readonly string[] = []): StepSpec[] => [
  { role: 'leader', department, label: '部门领导审批' },
  ...jointDepartments.filter((d) => d !== department).map((d): StepSpec => ({ role: 'leader', department: d, label: `${unitName(d)}领导确认参加联合检查` })),
  { role: 'office', department: JOINT_OFFICE_HOST, label: '联席办审核（比例、频次、重复检查，R13）' },
  { role: 'justice', department: JUSTICE_DEPT, label: '司法局合法性审查（权力清单，R13）' },
];

export interface PlanView {
  plan: PlanDoc;
  approval?: ApprovalDoc;
}

export interface CheckedDraft extends PlanCheck {
  predictedTargets: number;
  /** The officer teams the draw would make (R7, R8, R8a): per department, with warnings. */
  outlook?: TeamOutlook;
  duplicates: PlanSummary[];
  items: ItemRecord[];
}

export function planService(deps: Deps, approvals: ApprovalService) {
  const { repos, now } = deps;
  const policy = () => deps.policy ?? DEFAULT_POLICY;

  /** Who may make a plan (PLAN_ROLES): the department's officials and leaders; 联席办 (R2). */
  function mayPlan(caller: Caller): void {
    requireRole(caller, PLAN_ROLES, '制定抽查计划', { who: '成员单位经办人、部门领导或联席办' });
  }

  function targets(draft: PlanDraft, at: Date): PlanTargets {
    const months = draft.filter.skipInspectedWithinMonths;
    const since = months ? new Date(at.getTime() - months * 30.4375 * 86400_000) : undefined;
    return {
      pool: draft.pool,
      filter: draft.filter,
      // A-pool plans are joint across the county (R2); B and C target what the plan's departments supervise.
      departments: draft.pool === 'A' ? [] : [draft.department, ...draft.jointDepartments],
      inspectedSince: since,
    };
  }

  const summary = (p: PlanDoc, a?: ApprovalDoc): PlanSummary => ({
    number: p.planNo, department: p.department, jointDepartments: p.jointDepartments, pool: p.pool,
    items: p.items, filter: p.filter, window: p.window, status: a?.status ?? 'pending',
  });

  async function othersOf(year: number): Promise<PlanSummary[]> {
    const plans = await repos.plans.forYear(year);
    const states = new Map((await approvals.many(plans.map((p) => p.planNo))).map((a) => [a.subject, a]));
    return plans.map((p) => summary(p, states.get(p.planNo)));
  }

  /** The items a plan may list: its departments' lists (R9). */
  async function itemsFor(draft: Pick<PlanDraft, 'department' | 'jointDepartments'>): Promise<ItemRecord[]> {
    const lists = await Promise.all([draft.department, ...draft.jointDepartments].map((d) => repos.items.byDepartment(d)));
    return lists.flat();
  }

  async function check(caller: Caller, draft: PlanDraft, planNo?: string): Promise<CheckedDraft> {
    const at = now();
    const [predictedTargets, others, items] = await Promise.all([
      repos.entities.countTargets(targets(draft, at)), othersOf(draft.year), itemsFor(draft),
    ]);
    const result = checkPlan(draft, {
      actor: caller, today: beijingDate(at), items, predictedTargets, others, policy: policy().riskPolicy, calendar: policy().calendar, planNumber: planNo,
    });
    const duplicates = findDuplicates(draft, others.filter((o) => o.number !== planNo));
    const outlook = await teams(draft, items, predictedTargets);
    // Teams that cannot be formed at all are refused now, not discovered at 开奖.
    const impossible = (outlook?.impossible ?? []).map((x) => ({ rule: x.rule, field: 'items' as const, message: `依据规则 ${x.rule}：${x.message}` }));
    return { ...result, problems: [...result.problems, ...impossible], predictedTargets, duplicates, items, outlook };
  }

  /** What the officer draw would look like for this draft, from the current directory. */
  async function teams(draft: PlanDraft, items: ItemRecord[], predictedTargets: number): Promise<TeamOutlook | undefined> {
    if (!draft.window?.to || !draft.sampling || draft.items.length === 0) return undefined;
    const departments = [...new Set([draft.department, ...draft.jointDepartments])];
    const rosters = await Promise.all(departments.map((d) => repos.inspectors.byDepartment(d, { activeOnly: true })));
    const basis = assignmentBasis({
      pool: draft.pool, departments, inspectors: rosters.flat(), windowLastDay: draft.window.to,
      requiredSpecialties: requiredSpecialtiesOf(items.filter((i) => draft.items.includes(itemKey(i)))),
    });
    return teamOutlook(basis, sampleSize(predictedTargets, draft.sampling), policy().maxTasksPerOfficer);
  }

  function approvalRequest(caller: Caller, plan: PlanDoc, items: ItemRecord[]) {
    const byKey = new Map(items.map((i) => [itemKey(i), i]));
    return {
      kind: 'plan' as const,
      subject: plan.planNo,
      title: `${unitName(plan.department)} ${plan.year}年${plan.special ? '专项' : ''}抽查计划（${plan.pool}类）`,
      requester: caller,
      steps: PLAN_STEPS(plan.department, plan.jointDepartments),
      fields: [
        { label: '计划', value: describePlan(plan, { predictedTargets: plan.predictedTargets, items }).split('\n').slice(1).join('；') },
        // What 司法局 checks (R13): each item's power-list code.
        { label: '权力清单', value: plan.items.map((k) => `${byKey.get(k)?.name ?? k}：${byKey.get(k)?.powerListCode || '缺失'}`).join('；') },
      ],
      flags: plan.duplicates.length ? [`可能与计划 ${plan.duplicates.join('、')} 重复（同部门、同事项、对象和时段重叠，R13），请联席办核查`] : [],
    };
  }

  return {
    mayPlan,
    targets,
    itemsFor,
    check,

    /**
     * Submits a new plan, or a returned plan edited (`edit` = its number and the version the
     * editor started from). Refuses with every problem listed; nothing is written then.
     */
    async submit(caller: Caller, draft: PlanDraft, edit?: { planNo: string; version: number }): Promise<{ plan: PlanDoc; change: ApprovalChange; check: CheckedDraft }> {
      mayPlan(caller);
      if (draft.department !== caller.department) throw new Refusal(`只能为本单位（${unitName(caller.department)}）制定计划`);
      const checked = await check(caller, draft, edit?.planNo);
      if (checked.problems.length) {
        throw new Refusal(`计划未提交，请先修改：\n${checked.problems.map((p, i) => `${i + 1}. ${p.message}`).join('\n')}`, checked.problems[0].rule === 'input' ? undefined : checked.problems[0].rule);
      }
      // R20: every step needs someone to decide it; refused before anything is written.
      await approvals.ensureStaffed(PLAN_STEPS(draft.department, draft.jointDepartments), caller);
      const at = now();
      if (!edit) {
        const seq = await repos.counters.next(`plan:${draft.year}`);
        const plan: PlanDoc = {
          ...draft, planNo: `JH${draft.year}-${String(seq).padStart(4, '0')}`, predictedTargets: checked.predictedTargets,
          duplicates: checked.duplicates.map((d) => d.number), createdBy: caller.userId, createdAt: at, updatedBy: caller.userId, updatedAt: at, version: 1,
        };
        await repos.plans.create(plan);
        await repos.audit.append({ at, actor: caller.userId, channel: caller.channel, action: 'plan.submit', target: `plan:${plan.planNo}`, changes: [], note: describePlan(plan) });
        const change = await approvals.open(approvalRequest(caller, plan, checked.items));
        return { plan, change, check: checked };
      }
      const before = await repos.plans.get(edit.planNo);
      if (!before) throw new Refusal(`没有编号为 ${edit.planNo} 的计划`);
      const ap = await approvals.get(edit.planNo);
      if (ap && ap.status !== 'rejected') throw new EditConflict(`计划 ${edit.planNo} ${notEditableWords(ap.status)}，不能修改；只有被退回的计划可以修改后重新提交`);
      const plan: PlanDoc = {
        ...before, ...draft, planNo: edit.planNo, predictedTargets: checked.predictedTargets, duplicates: checked.duplicates.map((d) => d.number),
        updatedBy: caller.userId, updatedAt: at, version: edit.version + 1,
      };
      if (!draft.special) delete plan.special;
      if (!(await repos.plans.update(plan, edit.version))) {
        const now2 = await repos.plans.get(edit.planNo);
        throw new EditConflict(`计划 ${edit.planNo} 已被 ${now2?.updatedBy ?? '他人'} 修改，您的修改没有保存，以免覆盖对方。请发送“计划 ${edit.planNo}”查看最新内容后再改`);
      }
      await repos.audit.append({ at, actor: caller.userId, channel: caller.channel, action: 'plan.resubmit', target: `plan:${plan.planNo}`, changes: [], note: describePlan(plan) });
      const change = await approvals.reopen(approvalRequest(caller, plan, checked.items));
      return { plan, change, check: checked };
    },

    /** A plan and its approval, for anyone (plans are public within the government). */
    async view(planNo: string): Promise<PlanView & { items: ItemRecord[] }> {
      const plan = await repos.plans.get(planNo.trim().toUpperCase());
      if (!plan) throw new Refusal(`没有编号为“${planNo.trim().slice(0, 30)}”的计划，请核对编号（发送“我的计划”可查看本单位计划）`);
      return { plan, approval: await approvals.get(plan.planNo), items: await itemsFor(plan) };
    },

    /** The caller's department's plans (lead or joint) in a year. */
    async mine(caller: Caller, year: number): Promise<PlanView[]> {
      const plans = await repos.plans.forDepartment(year, caller.department);
      const states = new Map((await approvals.many(plans.map((p) => p.planNo))).map((a) => [a.subject, a]));
      return plans.map((plan) => ({ plan, approval: states.get(plan.planNo) }));
    },
  };
}

export type PlanService = ReturnType<typeof planService>;
