/**
 * `审计 <编号或代码>` (R20, R21): for 联席办 and 司法局, every recorded action on a plan, draw,
 * task, result, filing, complaint or entity — when (Beijing time), who, through which channel,
 * what — oldest first. A long trail comes as an xlsx as well.
 */
import type { Trail } from '../../src/services/auditTrail';
import { text, type Reply } from '../types';
import type { Command, CommandContext } from './types';

/** Rows shown in the chat; the whole trail goes in the xlsx when longer. */
const SHOWN = 40;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function trailLines(t: Trail, limit = SHOWN): string[] {
  const rows = t.lines.slice(-limit).map((l, i, shown) => `${t.lines.length - shown.length + i + 1}. ${l.when}｜${l.who}｜${l.channel}｜${l.action}${l.note ? `：${l.note}` : ''}`);
  return rows;
}

async function workbook(t: Trail): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('审计记录');
  ws.addRow([`${t.kind} ${t.subject} 的审计记录（北京时间）`]);
  ws.addRow(['序号', '时间', '操作人', '渠道', '操作', '对象', '说明']);
  t.lines.forEach((l, i) => ws.addRow([i + 1, l.when, l.who, l.channel, l.action, l.target, l.note]));
  ws.columns.forEach((c, i) => { c.width = [6, 18, 30, 10, 18, 30, 60][i] ?? 12; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function xlsxReply(t: Trail, ctx: CommandContext): Promise<Reply[]> {
  if (t.lines.length <= SHOWN) return [];
  const name = `审计记录-${t.subject.replace(/[（）()，,\s/\\:*?"<>|]+/g, '_').slice(0, 60)}.xlsx`;
  const fileId = await ctx.services.lists.storeFile(name, XLSX, await workbook(t));
  return [{ kind: 'file', fileId, name }];
}

const audit: Command = {
  names: ['审计'],
  usage: '审计 <编号或代码> — 计划、抽取、任务、结果、备案、投诉举报或主体的全部操作记录：谁、何时、经哪个渠道（联席办、司法局，R20）',
  roles: ['office', 'justice'],
  async run(args, ctx) {
    const t = await ctx.services.auditTrail.trail(ctx.caller, args);
    if (t.lines.length === 0) return [text(`${t.kind} ${t.subject} 暂无操作记录。`)];
    const head = `${t.kind} ${t.subject} 的操作记录（共 ${t.lines.length} 条${t.truncated ? '，仅含最近500条' : ''}，北京时间，时间｜操作人｜渠道｜操作）：`;
    const more = t.lines.length > SHOWN ? `\n（只显示最近 ${SHOWN} 条，全部记录见附件 xlsx）` : '';
    return [text(`${head}\n${trailLines(t).join('\n')}${more}`), ...(await xlsxReply(t, ctx))];
  },
};

export const auditCommands: Command[] = [audit];
