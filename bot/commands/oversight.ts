/**
 * Oversight in chat (R21): 统计 (a period's figures; 联席办 and 司法局 the whole
 * county, a department its own), 督查通报 (a draft circular, then a short
 * conversation to edit and submit it), 修改通报 and 通报 <编号>.
 */
import { findUnit, unitName } from '../../src/domain/organisation';
import { percent, ratesOf, type DeptStats, type Stats } from '../../src/domain/stats';
import type { Circular } from '../../src/domain/circular';
import { OVERSIGHT_ROLES } from '../../src/services/stats';
import { CIRCULAR_ROLES } from '../../src/services/circulars';
import { XLSX_TYPE, statsXlsx } from '../../src/services/statsWorkbook';
import { Refusal } from '../../src/services/context';
import { text, type Reply } from '../types';
import { announceChange } from './approvals';
import type { Command, CommandContext, Flow } from './types';

const name = (d: string) => (d === 'county' ? '全县' : unitName(d));

/** One department's (or the county's) figures, a line per topic. */
export function statsLines(s: DeptStats): string[] {
  const r = ratesOf(s);
  const reasons = Object.entries(s.filingReasons).map(([k, v]) => `${k} ${v.accepted}/${v.refused}`).join('、');
  return [
    `事项覆盖（R12）：${s.itemsCovered}/${s.items} 项，${percent(r.coverage)}`,
    `抽查计划：${s.plans} 个（3月31日前录入 ${s.plansByMarch}）；审查通过 ${s.plansApproved}、退回 ${s.plansReturned}、未通过 ${s.plansRefused}、审批中 ${s.plansPending}（R13）`,
    `抽取：${s.draws} 次，检查时段结束前 ${s.drawsInWindow} 次`,
    `抽查任务：${s.tasks} 件，已审核 ${s.tasksDone}，逾期未录入 ${s.tasksOverdue}`,
    `结果录入：${s.resultsEntered} 件，按时 ${s.resultsEnteredOnTime}（${percent(r.onTimeEntry)}）；20个工作日内公示 ${s.resultsPublishedOnTime}/${s.resultsDuePublic}（${percent(r.onTimePublic)}，R15）`,
    `安静期备案（R11、R2）：${s.filings} 件，通过 ${s.filingsAccepted}、未通过 ${s.filingsRefused}、退回 ${s.filingsReturned}、审批中 ${s.filingsPending}${reasons ? `；按事由（通过/未通过）：${reasons}` : ''}`,
    `C类对象覆盖（R4）：${s.cCovered}/${s.cEntities} 户，${percent(r.cCoverage)}`,
    `联合检查：${s.jointTasks} 件${s.department === 'county' ? `，减少入企 ${s.visitsSaved} 次（一集中）` : ''}`,
    `投诉举报（R22）：受理 ${s.complaintsReceived}，办结 ${s.complaintsClosed}，逾期 ${s.complaintsOverdue}`,
  ];
}

async function xlsxReply(ctx: CommandContext, stats: Stats, department?: string): Promise<Reply[]> {
  if (ctx.caller.channel === 'shell') return [];
  const fileName = `统计_${stats.period.key}${department ? `_${unitName(department)}` : ''}.xlsx`;
  const fileId = await ctx.services.lists.storeFile(fileName, XLSX_TYPE, await statsXlsx(stats, department));
  return [{ kind: 'file', fileId, name: fileName }];
}

export const statsCommand: Command = {
  names: ['统计'],
  usage: '统计 [年度|2026Q3|2026-09] [部门] — 计划、抽取、任务、结果公示、备案、C类覆盖、联合检查、投诉的统计（联席办、司法局看全县，各单位看本单位，R21）',
  async run(args, ctx) {
    const words = args.split(/\s+/).filter(Boolean);
    if (words.length > 2) throw new Refusal('格式：统计 [期间] [部门]，例如：统计 2026Q3 县市管局');
    let [periodText, deptText] = [words[0] ?? '', words[1] ?? ''];
    if (words.length === 1 && findUnit(words[0])) [periodText, deptText] = ['', words[0]];
    const { stats, department } = await ctx.services.stats.forCaller(ctx.caller, periodText, deptText);
    const p = stats.period;
    const head = `${p.label}统计（${p.from} 至 ${p.to}，截至 ${stats.today}）`;
    const notes = stats.notes.map((n) => `注：${n}`);
    if (department) {
      const row = stats.departments.find((d) => d.department === department)!;
      return [text([`${head}｜${name(department)}`, ...statsLines(row).map((l) => `· ${l}`), ...notes].join('\n')), ...(await xlsxReply(ctx, stats, department))];
    }
    const rows = stats.departments.map((d) => {
      const r = ratesOf(d);
      return `${name(d.department)}：覆盖 ${percent(r.coverage)}，按时公示 ${percent(r.onTimePublic)}，任务 ${d.tasks}（逾期 ${d.tasksOverdue}），C类 ${percent(r.cCoverage)}`;
    });
    const tail = ctx.caller.channel === 'shell' ? '各项明细：npm run cli -- stats ' + p.key + ' --out 统计.xlsx' : '各单位明细见 xlsx 文件。';
    return [text([`${head}｜全县`, ...statsLines(stats.county).map((l) => `· ${l}`), '', '各单位：', ...rows, ...notes, tail].join('\n')), ...(await xlsxReply(ctx, stats))];
  },
};

const FLOW = 'circular';
const EDIT_HELP = '可回复：改 标题 <新标题>｜改 阈值 <百分数>｜改 要求 <工作要求>｜补充 <问题部分补充的一段话>｜预览｜提交（送审）｜稍后（结束对话，草稿保留，可发送“修改通报 编号”继续）';

function preview(ctx: CommandContext, c: Circular): Reply {
  return text(`督查通报 ${c.circularNo}（${c.status === 'returned' ? '被退回，修改后重新提交' : '草稿'}）：\n\n${ctx.services.circulars.text(c)}\n\n${EDIT_HELP}`);
}

export const circularFlow: Flow = {
  name: FLOW,
  label: '督查通报',
  async answer(input, state, ctx) {
    const no = String(state.data.circularNo);
    const stay = (replies: Reply[]) => ({ replies, next: state });
    const m = /^(改|修改)\s*(标题|阈值|要求|工作要求)\s*[:：]?\s*([\s\S]*)$/.exec(input.trim());
    const add = /^补充\s*[:：]?\s*([\s\S]*)$/.exec(input.trim());
    try {
      if (m) {
        const field = m[2] === '标题' ? 'title' : m[2] === '阈值' ? 'threshold' : 'requirements';
        const value = m[3].trim();
        const c = await ctx.services.circulars.edit(ctx.caller, no, field === 'threshold'
          ? { field, value: Number(value.replace(/[%％]$/, '')) }
          : { field, value });
        return stay([text(`已修改${m[2]}。`), preview(ctx, c)]);
      }
      if (add) {
        const c = await ctx.services.circulars.edit(ctx.caller, no, { field: 'remarks', value: add[1] });
        return stay([text(add[1].trim() ? '已补充。' : '已删除补充的内容。'), preview(ctx, c)]);
      }
      if (input.trim() === '稍后' || input.trim() === '结束') return { replies: [text(`督查通报 ${no} 的草稿已保存，未送审。需要时发送“修改通报 ${no}”继续修改、提交。`)] };
      if (input.trim() === '预览') return stay([preview(ctx, await ctx.services.circulars.get(no))]);
      if (input.trim() === '提交' || input.trim() === '送审') {
        const change = await ctx.services.circulars.submit(ctx.caller, no);
        announceChange(change, ctx);
        const who = change.deciders.map((u) => u.name).join('、');
        return { replies: [text(`督查通报 ${no} 已提交审核（${change.approval.steps[0].label}${who ? `：${who}` : ''}）。审核通过后编号并发送各成员单位工作群（正文、统计表 xlsx、图表）。`)] };
      }
    } catch (err) {
      if (err instanceof Refusal) return stay([text(err.message)]);
      throw err;
    }
    return stay([text(`没有看懂“${input.slice(0, 10)}”。${EDIT_HELP}`)]);
  },
};

export const circularCommands: Command[] = [
  {
    names: ['督查通报'],
    usage: '督查通报 <期间> — 起草督查通报（如 督查通报 2026Q3），修改后送另一位联席办人员或司法局审核，通过后发各成员单位工作群（联席办、司法局，R21）',
    roles: [...CIRCULAR_ROLES],
    async run(args, ctx) {
      const c = await ctx.services.circulars.draft(ctx.caller, args);
      ctx.begin(FLOW, { step: 'edit', data: { circularNo: c.circularNo } });
      return [text(`已起草督查通报 ${c.circularNo}（${c.periodLabel}，数据截至 ${c.stats.today}）。`), preview(ctx, c)];
    },
  },
  {
    names: ['修改通报'],
    usage: '修改通报 <编号> — 继续修改草稿或被退回的督查通报（含季度自动起草的）',
    roles: [...CIRCULAR_ROLES],
    async run(args, ctx) {
      if (!args.trim()) throw new Refusal('请写明通报编号，例如：修改通报 TB2026-0001');
      const c = await ctx.services.circulars.editable(ctx.caller, args);
      ctx.begin(FLOW, { step: 'edit', data: { circularNo: c.circularNo } });
      return [preview(ctx, c)];
    },
  },
  {
    names: ['通报'],
    usage: '通报 <编号> — 查看一份督查通报及其审核、发送情况',
    roles: [...OVERSIGHT_ROLES],
    async run(args, ctx) {
      if (!args.trim()) throw new Refusal('请写明通报编号，例如：通报 TB2026-0001');
      const c = await ctx.services.circulars.get(args);
      const status = { draft: '草稿', pending: '审核中', returned: '被退回', approved: '已审核，待发送', sent: `已发送（${c.sentTo.length}个单位）` }[c.status];
      return [text(`督查通报 ${c.circularNo}${c.docNo ? `（${c.docNo}）` : ''}，${status}，起草人：${c.authorName}\n\n${ctx.services.circulars.text(c)}`)];
    },
  },
];

export const oversightCommands: Command[] = [statsCommand, ...circularCommands];
