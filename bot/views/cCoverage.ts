/** C-pool coverage (R4) as lines and an xlsx: for the 'C类覆盖' command and the reminders alike. */
import type { CCoverageRow } from '../../src/domain/cCoverage';
import { unitName } from '../../src/domain/organisation';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A workbook of one sheet: headers, then rows. */
export async function workbook(sheet: string, headers: string[], rows: (string | number)[][]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet.slice(0, 31).replace(/[*?:\\/[\]]/g, ' '));
  ws.addRow(headers).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
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
