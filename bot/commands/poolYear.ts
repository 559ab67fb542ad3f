/**
 * The pools' year in chat: C-pool coverage (R4, `C类覆盖`), the yearly pool
 * adjustment led by 联席办 (R5: `调库方案`, `不予调整`, `确认调库`), applications
 * and recommendations for the A pool (`申请入A`, `推荐入A`) and an entity's pool
 * history (`调库记录`).
 */
import ExcelJS from 'exceljs';
import { beijingDate } from '../../src/domain/calendar';
import { unitName } from '../../src/domain/organisation';
import type { CCoverageRow } from '../../src/domain/cCoverage';
import { text, type Reply } from '../types';
import type { Command, CommandContext } from './types';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const thisYear = (ctx: CommandContext) => Number(beijingDate(ctx.services.clock()).slice(0, 4));

/** A workbook of one sheet: headers, then rows. */
export async function workbook(sheet: string, headers: string[], rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet.slice(0, 31).replace(/[*?:\\/[\]]/g, ' '));
  ws.addRow(headers).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A file for the caller: a file message on WeCom, a signed link on DingTalk; in the terminal only its name. */
async function fileReply(ctx: CommandContext, name: string, data: Buffer): Promise<{ reply?: Reply; note: string }> {
  if (ctx.caller.channel === 'shell') return { note: `在企业微信或钉钉中，名单另以 xlsx 文件“${name}”发给您。` };
  const fileId = await ctx.services.lists.storeFile(name, XLSX, data);
  return { reply: { kind: 'file', fileId, name }, note: `名单另以 xlsx 文件“${name}”发给您${ctx.caller.channel === 'dingtalk' ? '（下载链接）' : ''}。` };
}

/** One department's coverage line. */
export function cCoverageLine(r: CCoverageRow): string {
  return `${unitName(r.department)}：C类主体 ${r.total} 户，已检查 ${r.inspected.length}，已列入任务 ${r.planned.length}，尚未覆盖 ${r.uncovered.length}`;
}

/** The uncovered (and planned) entities of the rows, one row each, for the xlsx. */
export function cCoverageRows(rows: CCoverageRow[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const r of rows) {
    for (const e of r.uncovered) out.push([out.length + 1, unitName(r.department), e.code, e.name, '尚未覆盖', '']);
    for (const p of r.planned) out.push([out.length + 1, unitName(r.department), p.entity.code, p.entity.name, '已列入任务，未完成', p.taskNo]);
    for (const i of r.inspected) out.push([out.length + 1, unitName(r.department), i.entity.code, i.entity.name, `已检查（${i.end}）`, i.taskNo]);
  }
  return out;
}
export const C_COVERAGE_HEADERS = ['序号', '负责单位', '统一社会信用代码', '名称', '状态', '任务或备案编号'];

const cCoverage: Command = {
  names: ['C类覆盖', 'C类覆盖情况'],
  usage: 'C类覆盖 [年度] [部门] — C类主体本年度是否都已检查（R4）：已检查、已列入任务、尚未覆盖，名单为 xlsx',
  async run(args, ctx) {
    const words = args.split(/\s+/).filter(Boolean);
    const yearWord = words.find((w) => /^\d{4}年?$/.test(w));
    const year = yearWord ? Number(yearWord.slice(0, 4)) : thisYear(ctx);
    const dept = words.filter((w) => w !== yearWord).join('');
    const rows = await ctx.services.cCoverage.forCaller(ctx.caller, year, dept || undefined);
    if (rows.length === 0) return [text(`依据规则 R4：${year}年${dept ? `${dept}` : ''}没有负责的C类重点监管主体。`)];
    const total = rows.reduce((n, r) => n + r.total, 0);
    const uncovered = rows.reduce((n, r) => n + r.uncovered.length, 0);
    const lines = [`依据规则 R4：C类主体每年至少检查一次（由提出单位检查）。${year}年共 ${total} 户次，尚未覆盖 ${uncovered}。`, ...rows.map(cCoverageLine)];
    if (rows.length === 1) {
      const r = rows[0];
      const list = r.uncovered.slice(0, 20).map((e, i) => `${i + 1}. ${e.name}（${e.code}）`);
      if (list.length) lines.push('尚未覆盖：', ...list, ...(r.uncovered.length > 20 ? [`……共 ${r.uncovered.length} 户，见 xlsx`] : []));
    }
    if (uncovered > 0) lines.push('请为尚未覆盖的主体安排检查：发送“新建计划”制定C类计划，年底前完成（R4）。');
    const file = await fileReply(ctx, `${year}年C类主体覆盖情况.xlsx`, await workbook(`${year}年C类覆盖`, C_COVERAGE_HEADERS, cCoverageRows(rows)));
    lines.push(file.note);
    return [text(lines.join('\n')), ...(file.reply ? [file.reply] : [])];
  },
};

export const poolYearCommands: Command[] = [cCoverage];
