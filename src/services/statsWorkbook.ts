/** The statistics as an xlsx: one row per department and the county, and the filings by reason. */
import { unitName } from '../domain/organisation';
import { ratesOf, type DeptStats, type Stats } from '../domain/stats';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const COLUMNS: { header: string; value: (s: DeptStats) => number | string | undefined; width?: number }[] = [
  { header: '单位', value: (s) => (s.department === 'county' ? '全县' : unitName(s.department)), width: 20 },
  { header: '抽查事项数', value: (s) => s.items },
  { header: '已有计划的事项数（R12）', value: (s) => s.itemsCovered },
  { header: '事项覆盖率', value: (s) => ratesOf(s).coverage },
  { header: '抽查计划数', value: (s) => s.plans },
  { header: '3月31日前录入', value: (s) => s.plansByMarch },
  { header: '审查通过（R13）', value: (s) => s.plansApproved },
  { header: '退回', value: (s) => s.plansReturned },
  { header: '未通过', value: (s) => s.plansRefused },
  { header: '审批中', value: (s) => s.plansPending },
  { header: '抽取次数', value: (s) => s.draws },
  { header: '时段内抽取', value: (s) => s.drawsInWindow },
  { header: '抽查任务', value: (s) => s.tasks },
  { header: '已审核', value: (s) => s.tasksDone },
  { header: '逾期未录入', value: (s) => s.tasksOverdue },
  { header: '已录入结果', value: (s) => s.resultsEntered },
  { header: '按时录入', value: (s) => s.resultsEnteredOnTime },
  { header: '按时录入率', value: (s) => ratesOf(s).onTimeEntry },
  { header: '应公示结果（R15）', value: (s) => s.resultsDuePublic },
  { header: '20个工作日内公示', value: (s) => s.resultsPublishedOnTime },
  { header: '按时公示率', value: (s) => ratesOf(s).onTimePublic },
  { header: '安静期备案（R11）', value: (s) => s.filings },
  { header: '备案通过', value: (s) => s.filingsAccepted },
  { header: '备案未通过', value: (s) => s.filingsRefused },
  { header: '备案退回', value: (s) => s.filingsReturned },
  { header: '备案审批中', value: (s) => s.filingsPending },
  { header: 'C类对象（R4）', value: (s) => s.cEntities },
  { header: 'C类已检查', value: (s) => s.cCovered },
  { header: 'C类覆盖率', value: (s) => ratesOf(s).cCoverage },
  { header: '联合检查任务', value: (s) => s.jointTasks },
  { header: '减少入企次数', value: (s) => (s.department === 'county' ? s.visitsSaved : undefined) },
  { header: '投诉举报受理（R22）', value: (s) => s.complaintsReceived },
  { header: '投诉办结', value: (s) => s.complaintsClosed },
  { header: '投诉逾期', value: (s) => s.complaintsOverdue },
];

const RATE_HEADERS = new Set(['事项覆盖率', '按时录入率', '按时公示率', 'C类覆盖率']);

/** The workbook's bytes; `department` limits the rows to one department (and no county row). */
export async function statsXlsx(stats: Stats, department?: string): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(`统计 ${stats.period.key}`);
  ws.columns = COLUMNS.map((c) => ({ header: c.header, width: c.width ?? Math.max(10, c.header.length * 2 + 2) }));
  ws.getRow(1).font = { bold: true };
  const rows = department ? stats.departments.filter((d) => d.department === department) : [...stats.departments, stats.county];
  for (const s of rows) ws.addRow(COLUMNS.map((c) => c.value(s) ?? ''));
  COLUMNS.forEach((c, i) => { if (RATE_HEADERS.has(c.header)) ws.getColumn(i + 1).numFmt = '0.0%'; });
  ws.views = [{ state: 'frozen', xSplit: 1, ySplit: 1 }];
  const reasons = wb.addWorksheet('备案事由');
  reasons.columns = [{ header: '单位', width: 20 }, { header: '事由', width: 24 }, { header: '通过', width: 8 }, { header: '未通过', width: 8 }, { header: '其他（退回、审批中）', width: 20 }];
  reasons.getRow(1).font = { bold: true };
  for (const s of rows) {
    for (const [reason, n] of Object.entries(s.filingReasons)) {
      reasons.addRow([s.department === 'county' ? '全县' : unitName(s.department), reason, n.accepted, n.refused, n.other]);
    }
  }
  const info = wb.addWorksheet('说明');
  info.addRow([`统计期间：${stats.period.label}（${stats.period.from} 至 ${stats.period.to}），统计日：${stats.today}（北京时间）`]);
  info.addRow(['联合检查任务计入每个参加单位；全县合计每件任务只计一次。']);
  for (const n of stats.notes) info.addRow([n]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
