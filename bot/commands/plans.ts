/**
 * Plans in chat: 新建计划 starts the plan conversation (./planFlow), 修改计划
 * re-opens a returned plan in it; 我的计划, 计划 <编号> and 覆盖情况 are the
 * views (./planViews).
 */
import { unitName } from '../../src/domain/organisation';
import { PLAN_ROLES } from '../../src/domain/plan';
import { notEditableWords } from '../../src/domain/status';
import { Refusal } from '../../src/services/context';
import { returnedBecause } from './format';
import { planFlow, type PlanDraftState } from './planFlow';
import { coverage, coverageLines, myPlans, showPlan } from './planViews';
import type { Command } from './types';

export { planFlow, coverageLines };

export const newPlan: Command = {
  names: ['新建计划', '制定计划', '新增计划'],
  usage: '新建计划 — 逐项填写年度抽查计划，提交部门领导、联席办、司法局审批',
  roles: PLAN_ROLES,
  async run(_args, ctx) {
    ctx.services.plans.mayPlan(ctx.caller);
    return planFlow.start({}, ctx, [`开始新建${unitName(ctx.caller.department)}的抽查计划，逐项填写，随时可发送“改 <项目>”修改、“取消”放弃。`]);
  },
};

export const editPlan: Command = {
  names: ['修改计划'],
  usage: '修改计划 <编号> — 修改被退回的计划后重新提交',
  roles: PLAN_ROLES,
  async run(args, ctx) {
    if (!args) throw new Refusal('请写明计划编号，例如：修改计划 JH2026-0001');
    const { plan, approval } = await ctx.services.plans.view(args);
    if (plan.department !== ctx.caller.department) throw new Refusal(`计划 ${plan.planNo} 属于${unitName(plan.department)}，只能由该单位修改。`);
    if (approval && approval.status !== 'rejected') throw new Refusal(`计划 ${plan.planNo} ${notEditableWords(approval.status)}，不能修改；只有被退回的计划可以修改后重新提交。`);
    const d: PlanDraftState = {
      year: plan.year, pool: plan.pool, jointDepartments: plan.jointDepartments, filter: plan.filter, items: plan.items, sampling: plan.sampling,
      window: plan.window, special: plan.special, editOf: plan.planNo, editVersion: plan.version,
    };
    return planFlow.start(d, ctx, [`修改计划 ${plan.planNo}：`, returnedBecause(approval)]);
  },
};

export const planCommands: Command[] = [newPlan, editPlan, myPlans, showPlan, coverage];
