/**
 * Handling what was found (R14) in chat: 待处置 lists my department's follow-ups, 接收移送
 * (or the card's 接收) accepts a transfer, 复查 closes one or extends its deadline once.
 */
import { unitName } from '../../src/domain/organisation';
import type { FollowUpDoc } from '../../src/domain/records/result';
import { text, type Reply } from '../types';
import { followUpLine, statusText } from './resultText';
import type { CardAction, Command, CommandContext } from './types';

/** "<任务编号> <序号> [其余]". */
function taskAndNo(args: string): { taskNo: string; n: string; rest: string } | undefined {
  const m = /^(\S+)\s+(\d+)\s*(.*)$/.exec(args.trim());
  return m ? { taskNo: m[1], n: m[2], rest: m[3] } : undefined;
}

async function accepted(f: FollowUpDoc, ctx: CommandContext): Promise<Reply[]> {
  for (const u of await ctx.services.users.inDepartment(f.department, ['official', 'leader'])) {
    ctx.notify(u.userId, text(`${unitName(f.owner)}已接收移送的问题：${f.taskNo} 第${f.n}项（${f.entityName}：${f.problem}），由其处理（R14）。`));
  }
  return [text(`已接收 ${f.taskNo} 第${f.n}项（${f.entityName}：${f.problem}），现由${unitName(f.owner)}处理；处理后发送“复查 ${f.taskNo} ${f.n} <日期> <情况>”办结。`)];
}

export const toHandle: Command = {
  names: ['待处置'],
  usage: '待处置 — 本单位待接收的移送和待复查的问题（R14）',
  async run(_args, ctx) {
    const list = await ctx.services.results.toHandle(ctx.caller);
    if (list.length === 0) return [text(`${unitName(ctx.caller.department)}暂无待处置的问题。`)];
    const shown = list.slice(0, Math.max(ctx.pageSize, 20));
    return [text(`${unitName(ctx.caller.department)}待处置（${list.length} 项）：\n${shown.map(followUpLine).join('\n')}\n`
      + '发送“接收移送 <任务编号> <序号>”接收移送；“复查 <任务编号> <序号> <日期> <情况>”复查办结；“复查 <任务编号> <序号> 延期 <新期限> <理由>”延期一次。')];
  },
};

export const acceptTransfer: Command = {
  names: ['接收移送'],
  usage: '接收移送 <任务编号> <序号> — 接收其他部门移送的问题（R14）',
  async run(args, ctx) {
    const a = taskAndNo(args);
    if (!a) return [text('请写明任务编号和序号，例如：接收移送 县消防大队抽查〔2026〕1号 1（发送“待处置”查看）')];
    return accepted(await ctx.services.results.accept(ctx.caller, a.taskNo, a.n), ctx);
  },
};

export const reviewFollowUp: Command = {
  names: ['复查'],
  usage: '复查 <任务编号> <序号> <日期> <情况> — 记录复查并办结；或 复查 <任务编号> <序号> 延期 <新期限> <理由>（仅一次）',
  async run(args, ctx) {
    const a = taskAndNo(args);
    if (!a) return [text('请写明任务编号、序号、复查日期和情况，例如：复查 县财政局抽查〔2026〕1号 1 2026-10-16 已整改到位')];
    const f = await ctx.services.results.review(ctx.caller, a.taskNo, a.n, a.rest);
    if (f.status !== 'closed') return [text(`${f.taskNo} 第${f.n}项的改正期限已延至 ${f.due}（理由：${f.extensionReason}），仅可延期一次。`)];
    const r = await ctx.services.results.view(f.taskNo);
    return [text(`${f.taskNo} 第${f.n}项已复查办结（${f.review?.outcome}）。该任务检查结果：${statusText(r.status)}。`)];
  },
};

export const followUpActions: CardAction[] = [{
  action: 'fu.accept',
  async run(id, ctx) {
    const m = /^(.+)\/(\d+)$/.exec(id);
    if (!m) return { replies: [text('这个按钮已失效，请发送“待处置”查看。')], outcome: '已失效' };
    const f = await ctx.services.results.accept(ctx.caller, m[1], m[2]);
    return { replies: await accepted(f, ctx), outcome: `已接收（${ctx.caller.name}）` };
  },
}];
