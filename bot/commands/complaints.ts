/**
 * Complaints in the chat (R22): 12345/12315 staff enter one (`投诉`); the department it is
 * routed to acknowledges it by card or `受理投诉`, links the 备案 it filed (`关联备案`) and
 * closes it with an outcome (`办结投诉`); a department that is not responsible sends it back
 * (`退回投诉`), and 联席办 routes or reroutes it (`分派投诉`).
 */
import { beijingDate } from '../../src/domain/calendar';
import { COMPLAINT_STATUS_LABELS, type Complaint } from '../../src/domain/complaint';
import { unitName } from '../../src/domain/organisation';
import type { UserDoc } from '../../src/domain/records/org';
import { text, type Reply } from '../types';
import { complaintCard, complaintLine, overdueText, routeNotice } from '../cards/complaint';
import type { CardAction, Command, CommandContext } from './types';

/** The card or the notice for whoever must act now. */
function tellRecipients(c: Complaint, recipients: UserDoc[], ctx: CommandContext): void {
  for (const u of recipients) {
    if (u.userId === ctx.caller.userId) continue;
    ctx.notify(u.userId, c.department ? { kind: 'card', card: complaintCard(c) } : routeNotice(c));
  }
}

/** `投诉 <代码或名称> <内容> [联系方式=…]`. */
const enter: Command = {
  names: ['投诉'],
  answerWhenAlone: true,
  usage: '投诉 <代码或名称> <内容> [联系方式=…] — 12345/12315 登记群众投诉举报，自动分派责任部门（R22）',
  roles: ['hotline', 'office'],
  async run(args, ctx) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m) return [text('请写明被投诉主体（统一社会信用代码或名称）和内容，例如：投诉 万年县华达食品有限公司 2026年5月18日在该店购买的牛奶已过期 联系方式=13800000000')];
    const contactMatch = /\s*联系(?:方式|电话)?[=＝]\s*(\S+)\s*$/.exec(m[2]);
    const content = contactMatch ? m[2].slice(0, contactMatch.index) : m[2];
    const r = await ctx.services.complaints.submitHotline(ctx.caller, m[1], content, contactMatch?.[1] ?? '');
    const c = r.complaint;
    tellRecipients(c, r.recipients, ctx);
    const where = c.department ? `已分派${unitName(c.department)}（${c.routeNote}），应于 ${c.ackDue} 前受理` : `待联席办分派（${c.routeNote}）`;
    return [text(`已登记投诉举报 ${c.complaintNo}，查询码 ${r.queryCode}（只显示这一次，请告知投诉人；凭编号和查询码可在公示网站“投诉举报”查询办理进度）。\n${where}。`)];
  },
};

const list: Command = {
  names: ['投诉列表'],
  usage: '投诉列表 [部门] — 未办结的投诉举报（联席办、司法局看全县）',
  async run(args, ctx) {
    const { department, rows } = await ctx.services.complaints.list(ctx.caller, args);
    const scope = department ? unitName(department) : '全县';
    if (rows.length === 0) return [text(`${scope}暂无未办结的投诉举报。`)];
    return [text(`${scope}未办结的投诉举报（${rows.length} 件）：\n${rows.slice(0, 50).map((r, i) => complaintLine(r.complaint, r.overdue, i)).join('\n')}\n发送“查看投诉 <编号>”查看详情。`)];
  },
};

const view: Command = {
  names: ['查看投诉'],
  usage: '查看投诉 <编号> — 一件投诉举报的内容、分派、受理、关联备案及其结果、办理结果',
  async run(args, ctx) {
    const v = await ctx.services.complaints.view(ctx.caller, args);
    const c = v.complaint;
    const lines = [
      `投诉举报 ${c.complaintNo}（${c.source === 'web' ? '公示网站' : '热线登记'}，${beijingDate(c.receivedAt)}）｜${COMPLAINT_STATUS_LABELS[c.status]}${overdueText(v.overdue)}`,
      `被投诉主体：${c.creditCode ? `${c.entityName}（${c.creditCode}）` : `${c.entityText}（不在检查对象库中）`}`,
      `事项：${c.matter || '未识别'}`,
      `内容：${c.content}`,
      ...(c.contact ? [`联系方式：${c.contact}（不公开）`] : []),
      `办理部门：${c.department ? unitName(c.department) : '待联席办分派'}（${c.routeNote}）`,
      ...(c.ackDue ? [`受理期限：${c.ackDue}${c.acknowledgedAt ? `，${beijingDate(c.acknowledgedAt)} 已受理` : ''}`] : []),
      ...(v.filing ? [`关联备案：${v.filing.filingNo}（${v.filing.plannedDate}，${v.filingApproval?.status === 'approved' ? '已备案登记' : v.filingApproval?.status === 'rejected' ? '被退回' : '审批中'}）；检查结果：${v.resultStatus ? ({ draft: '录入中', pending: '待审核', returned: '被退回', approved: '已审核通过' } as Record<string, string>)[v.resultStatus] ?? v.resultStatus : '未录入'}`] : []),
      ...(c.status === 'closed' ? [`办理结果（${beijingDate(c.closedAt!)}，已在公示网站公开，不含投诉人信息）：${c.outcome}`] : []),
    ];
    return [text(lines.join('\n'))];
  },
};

async function acknowledged(no: string, ctx: CommandContext): Promise<{ replies: Reply[]; outcome: string }> {
  const r = await ctx.services.complaints.acknowledge(ctx.caller, no);
  const c = r.complaint;
  if (r.already) return { replies: [text(`投诉举报 ${c.complaintNo} 已受理（${COMPLAINT_STATUS_LABELS[c.status]}），无需再次受理。`)], outcome: '已受理' };
  const next = c.creditCode
    ? `需要检查的，发送“备案 ${c.creditCode} 事由=投诉举报 …”（R11、R2 允许安静期内因投诉举报检查），再发送“关联备案 ${c.complaintNo} <备案编号>”；`
    : '';
  return {
    replies: [text(`已受理投诉举报 ${c.complaintNo}${r.onTime ? '' : `（已超过受理期限 ${c.ackDue}）`}。${next}办理完毕后发送“办结投诉 ${c.complaintNo} <办理结果>”。`)],
    outcome: `已受理（${ctx.caller.name}）`,
  };
}

const acknowledge: Command = {
  names: ['受理投诉'],
  usage: '受理投诉 <编号> — 部门受理分派来的投诉举报（1个工作日内，R22）',
  async run(args, ctx) {
    if (!args.trim()) return [text('请写明投诉举报编号，例如：受理投诉 TS2026-0001')];
    return (await acknowledged(args.trim(), ctx)).replies;
  },
};

const decline: Command = {
  names: ['退回投诉'],
  usage: '退回投诉 <编号> <理由> — 不属本单位职责的投诉举报退回联席办改派',
  async run(args, ctx) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(args.trim());
    if (!m) return [text('请写明编号和理由，例如：退回投诉 TS2026-0001 该事项属县住建局职责')];
    const r = await ctx.services.complaints.decline(ctx.caller, m[1], m[2]);
    tellRecipients(r.complaint, r.recipients, ctx);
    return [text(`已将投诉举报 ${r.complaint.complaintNo} 退回联席办改派。`)];
  },
};

const route: Command = {
  names: ['分派投诉', '改派投诉'],
  usage: '分派投诉 <编号> <部门> [理由] — 联席办分派或改派投诉举报',
  roles: ['office'],
  async run(args, ctx) {
    const m = /^(\S+)\s+(\S+)\s*([\s\S]*)$/.exec(args.trim());
    if (!m) return [text('请写明编号和部门，例如：分派投诉 TS2026-0001 县住建局 属建筑施工问题')];
    const r = await ctx.services.complaints.route(ctx.caller, m[1], m[2], m[3]);
    tellRecipients(r.complaint, r.recipients, ctx);
    return [text(`已将投诉举报 ${r.complaint.complaintNo} 分派${unitName(r.complaint.department)}，应于 ${r.complaint.ackDue} 前受理；已通知该单位经办人和领导（${r.recipients.length}人）。`)];
  },
};

const link: Command = {
  names: ['关联备案'],
  usage: '关联备案 <投诉编号> <备案编号> — 投诉举报由该备案（事由：投诉举报）检查办理',
  async run(args, ctx) {
    const m = /^(\S+)\s+(\S+)$/.exec(args.trim());
    if (!m) return [text('请写明投诉编号和备案编号，例如：关联备案 TS2026-0001 BA2026-0003')];
    const r = await ctx.services.complaints.linkFiling(ctx.caller, m[1], m[2]);
    return [text(`投诉举报 ${r.complaint.complaintNo} 已关联备案 ${r.filing.filingNo}（${r.filing.plannedDate} 检查 ${r.filing.entityName}）。检查结果审核通过后，发送“办结投诉 ${r.complaint.complaintNo} <办理结果>”。`)];
  },
};

const close: Command = {
  names: ['办结投诉'],
  usage: '办结投诉 <编号> <办理结果> — 办结并在公示网站公开结果（不含投诉人信息）',
  async run(args, ctx) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(args.trim());
    if (!m) return [text('请写明编号和办理结果，例如：办结投诉 TS2026-0001 经检查反映属实，已责令改正')];
    const c = await ctx.services.complaints.close(ctx.caller, m[1], m[2]);
    return [text(`投诉举报 ${c.complaintNo} 已办结，办理结果已在公示网站“投诉举报”公开（不含投诉人信息）。`)];
  },
};

export const complaintCommands: Command[] = [enter, list, view, acknowledge, decline, route, link, close];

export const complaintActions: CardAction[] = [{
  action: 'cp.ack',
  run: (no, ctx) => acknowledged(no, ctx),
}];
