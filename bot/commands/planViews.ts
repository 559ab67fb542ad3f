/**
 * Plans read in chat: 我的计划 (a department's plans with their status and
 * progress), 计划 <编号> (one plan with its approval history) and 覆盖情况
 * (which items have no plan this year, R12).
 */
import { beijingDate } from '../../src/domain/calendar';
import { unitName } from '../../src/domain/organisation';
import { defaultPlanYear, describePlan } from '../../src/domain/plan';
import { STATUS_WORDS, statusWords } from '../../src/domain/status';
import { hasAny, Refusal } from '../../src/services/context';
import type { CoverageRow } from '../../src/services/coverage';
import { text } from '../types';
import { approvalHistory } from './approvals';
import { longList } from './format';
import { progressText } from './results';
import type { Command } from './types';

export const myPlans: Command = {
  names: ['我的计划', '本单位计划'],
  usage: '我的计划 [年度] — 本单位（牵头或联合）的抽查计划及审批状态（不写年度：今年；10月1日起为明年）',
  async run(args, ctx) {
    const day = beijingDate(ctx.services.clock());
    const given = /^\d{4}$/.test(args.trim());
    // From 1 October, next year's plans are the ones being made.
    const year = given ? Number(args.trim()) : defaultPlanYear(day);
    const other = !given && year !== Number(day.slice(0, 4)) ? `发送“我的计划 ${day.slice(0, 4)}”查看今年的。` : '';
    const views = await ctx.services.plans.mine(ctx.caller, year);
    const progresses = await Promise.all(views.map((v) => (v.approval?.status === 'approved' ? ctx.services.results.planProgress(v.plan.planNo) : undefined)));
    if (views.length === 0) return [text(`${unitName(ctx.caller.department)}${year}年还没有抽查计划。发送“新建计划”开始制定。${other}`)];
    // An approved plan's state goes on with its draw: 待抽取, 待开奖, 已抽取.
    const drawn = new Map(await Promise.all(views.filter((v) => v.approval?.status === 'approved').map(async ({ plan }) => {
      const live = (await ctx.services.draws.history(plan.planNo)).draws.map((x) => x.draw).filter((d) => d.status === 'done' || d.status === 'committed');
      const done = live.find((d) => d.status === 'done');
      const word = done ? `已抽取（${done.drawNo}）` : live.length ? `已公布抽取承诺，待开奖（${live[0].drawNo}）` : '已通过，待抽取';
      return [plan.planNo, word] as const;
    })));
    const lines = views.map(({ plan, approval }, i) => {
      const state = approval ? (approval.status === 'pending' ? statusWords(approval) : drawn.get(plan.planNo) ?? STATUS_WORDS[approval.status]) : '-';
      const lead = plan.department === ctx.caller.department ? '' : `（${unitName(plan.department)}牵头）`;
      const progress = approval?.status === 'approved' ? progresses[i] : undefined;
      return `${i + 1}. ${plan.planNo}${lead}｜${plan.pool}类｜${plan.window.from}至${plan.window.to}｜${state}${progress ? `｜${progressText(progress)}` : ''}`;
    });
    return longList(ctx, {
      title: `${unitName(ctx.caller.department)}${year}年抽查计划`, head: `${unitName(ctx.caller.department)}${year}年抽查计划：`, lines,
      columns: ['计划编号', '库', '检查期', '状态'], foot: `发送“计划 <编号>”查看详情和审批记录。${other}`,
    });
  },
};

export const showPlan: Command = {
  names: ['计划'],
  usage: '计划 <编号> — 查看计划内容、状态和审批记录',
  async run(args, ctx) {
    if (!args) throw new Refusal('请写明计划编号，例如：计划 JH2026-0001。发送“我的计划”查看本单位计划。');
    const { plan, approval, items } = await ctx.services.plans.view(args);
    const lines = [describePlan(plan, { number: plan.planNo, predictedTargets: plan.predictedTargets, items })];
    if (plan.duplicates.length) lines.push(`提示：可能与 ${plan.duplicates.join('、')} 重复（R13）`);
    if (approval) lines.push(...approvalHistory(approval));
    if (approval?.status === 'approved') lines.push(`进度：${progressText(await ctx.services.results.planProgress(plan.planNo))}`);
    lines.push(`提交：${plan.createdBy}，最后修改：${plan.updatedBy}`);
    return [text(lines.join('\n'))];
  },
};


/** Chinese lines for one department's coverage (R12). */
export function coverageLines(row: CoverageRow, year: number): string {
  const head = `${unitName(row.department)}：${row.covered}/${row.total} 项已有${year}年计划`;
  if (row.missing.length === 0) return `${head}，已全覆盖`;
  const names = row.missing.slice(0, 8).map((it) => `${it.name}（${it.itemCode}）`).join('、');
  return `${head}；未覆盖：${names}${row.missing.length > 8 ? ` 等${row.missing.length}项` : ''}`;
}

export const coverage: Command = {
  names: ['覆盖情况', '事项覆盖'],
  usage: '覆盖情况 [年度] — 各检查事项是否已有本年度计划（R12）；联席办、司法局看全县',
  async run(args, ctx) {
    const year = /^\d{4}$/.test(args.trim()) ? Number(args.trim()) : Number(beijingDate(ctx.services.clock()).slice(0, 4));
    const rows = await ctx.services.coverage.table(year);
    const countyWide = hasAny(ctx.caller, ['office', 'justice', 'admin']);
    const shown = countyWide ? rows : rows.filter((r) => r.department === ctx.caller.department);
    if (shown.length === 0) return [text(countyWide ? '尚未导入任何检查事项清单（R9）。' : `${unitName(ctx.caller.department)}尚未导入检查事项清单（R9）。`)];
    const total = shown.reduce((n, r) => n + r.total, 0);
    const covered = shown.reduce((n, r) => n + r.covered, 0);
    const head = `依据规则 R12：每个检查事项每年至少制定一个抽查计划。${year}年${countyWide ? '全县' : ''}已覆盖 ${covered}/${total} 项。`;
    return longList(ctx, { title: `${year}年检查事项覆盖情况`, head, lines: shown.map((r) => coverageLines(r, year)), columns: ['部门及未覆盖事项'] });
  },
};
