/**
 * Exports for the national and provincial systems (一公开, R15; columns in docs/exports.md):
 * - `gsxt`: 国家企业信用信息公示系统's 双随机抽查结果, the published results' notice columns;
 * - `jgxw`: 互联网+监管 系统's 行政检查行为, one row per result and inspecting department, with
 *   the officers' certificate numbers (the receiving system requires them: for officials only);
 * - `jiangxi`: the provincial 双随机 platform's workbook: plans, draws, tasks and results.
 * Each export is a list of sheets (a header row and string rows); writeExport writes xlsx, or
 * CSV (UTF-8 with BOM, one file per sheet).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beijingDate, beijingTime } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import type { PublicationMode } from '../domain/publication';
import type { HolidayCalendar } from '../domain/workdays';
import type { Repos } from '../../store/repos';
import type { ResultDoc } from '../domain/records/result';
import { Refusal } from './context';
import { publicityService } from './publicity';
import { publicResults } from './publicResults';

export const EXPORT_TARGETS = ['gsxt', 'jgxw', 'jiangxi'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export interface Sheet {
  name: string;
  columns: string[];
  rows: string[][];
}

/** The columns of each sheet, in order (docs/exports.md describes each). */
export const GSXT_COLUMNS = ['抽查计划编号', '抽查计划名称', '抽查任务编号', '抽查任务名称', '抽查类型', '检查机关', '检查完成日期', '市场主体名称', '统一社会信用代码', '检查结果', '备注'];
export const JGXW_COLUMNS = ['检查行为名称', '检查行为编号', '实施机构', '监管事项目录编码', '检查事项名称', '行政相对人名称', '行政相对人编码', '检查时间', '检查方式', '检查结果', '检查人员', '执法证号', '报送时间'];
export const JIANGXI_COLUMNS = {
  抽查计划: ['计划编号', '年度', '牵头部门', '联合部门', '对象库', '抽查范围', '抽查事项', '抽取比例或数量', '检查开始日期', '检查结束日期', '专项理由', '提交日期', '审批通过日期'],
  抽取记录: ['抽取编号', '计划编号', '牵头部门', '参与部门', '对象库', '主体总数', '抽取数量', '快照摘要', '种子承诺值', '人员名录摘要', '公布摘要', '种子', '公开值', '状态', '承诺时间', '作废原因'],
  抽查任务: ['任务编号', '年度', '牵头部门', '参与部门', '抽查计划编号', '抽取编号', '市场主体名称', '统一社会信用代码', '检查开始日期', '检查结束日期', '检查人员', '状态'],
  检查结果: [...GSXT_COLUMNS, '公示日期', '公示期限'],
} as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface ExportRange {
  from: string;
  to: string;
}

export function exportService(repos: Repos, opts: { now: () => Date; mode?: PublicationMode; calendar?: HolidayCalendar }) {
  const publicity = publicityService(repos);
  const results = publicResults(repos, { mode: opts.mode, calendar: opts.calendar });

  function years(r: ExportRange): number[] {
    if (!DAY.test(r.from) || !DAY.test(r.to)) throw new Refusal(`日期应写成 YYYY-MM-DD（北京时间），例如 --from ${beijingDate(opts.now()).slice(0, 4)}-01-01`);
    if (r.from > r.to) throw new Refusal(`开始日期 ${r.from} 晚于结束日期 ${r.to}`);
    const out: number[] = [];
    for (let y = Number(r.from.slice(0, 4)); y <= Number(r.to.slice(0, 4)); y++) out.push(y);
    if (out.length > 5) throw new Refusal('一次最多导出5个年度，请缩短日期范围');
    return out;
  }
  const inRange = (day: string, r: ExportRange) => day !== '' && day >= r.from && day <= r.to;

  /** Published result notices whose inspection was completed in the range. */
  async function notices(r: ExportRange) {
    const out = [];
    for (const y of years(r)) out.push(...(await results.list(y)));
    return out.filter((n) => inRange(n.rows[0]?.completedOn ?? '', r));
  }

  async function gsxt(r: ExportRange): Promise<Sheet[]> {
    const rows = (await notices(r)).flatMap((n) => n.rows.map((x) => [x.planNo, x.planName, x.taskNo, x.taskName, x.kind, x.authority, x.completedOn, x.entityName, x.creditCode, x.result, x.remark]));
    return [{ name: '双随机抽查结果', columns: GSXT_COLUMNS, rows }];
  }

  /** Approved results (the current version) completed in the range, one row per inspecting department. */
  async function jgxw(r: ExportRange): Promise<Sheet[]> {
    const sent = beijingTime(opts.now());
    const items = new Map((await repos.items.all()).map((i) => [`${i.department}:${i.itemCode}`, i]));
    const rows: string[][] = [];
    for (const y of years(r)) {
      const tasks = await repos.tasks.forYear(y);
      const states = await repos.results.many(tasks.map((t) => t.taskNo));
      for (const t of tasks) {
        if (states.get(t.taskNo)?.status !== 'approved') continue;
        const res: ResultDoc | undefined = await repos.results.get(t.taskNo);
        if (!res?.form || !inRange(res.form.end, r)) continue;
        const officers = [...new Map(t.parts.flatMap((p) => p.officers).map((o) => [o.inspectorNo, o])).values()];
        for (const d of t.departments) {
          const mine = officers.filter((o) => o.department === d);
          const certs = await Promise.all(mine.map(async (o) => (await repos.inspectors.get(o.inspectorNo))?.certificateNo || '（无执法证）'));
          const keys = t.items.filter((k) => k.startsWith(`${d}:`));
          rows.push([
            `${t.entityName}双随机${t.departments.length > 1 ? '联合' : ''}抽查`,
            t.departments.length > 1 ? `${t.taskNo}-${d}` : t.taskNo,
            unitName(d),
            keys.map((k) => items.get(k)?.powerListCode ?? '').filter(Boolean).join('、'),
            keys.map((k) => items.get(k)?.name ?? k).join('、'),
            t.entityName,
            t.creditCode,
            res.form.start === res.form.end ? res.form.start : `${res.form.start}至${res.form.end}`,
            res.form.methods.join('、'),
            res.form.categories.join('、'),
            mine.map((o) => o.name).join('、'),
            certs.join('、'),
            sent,
          ]);
        }
      }
    }
    return [{ name: '行政检查行为', columns: JGXW_COLUMNS, rows }];
  }

  async function jiangxi(r: ExportRange): Promise<Sheet[]> {
    const plans: string[][] = [];
    const draws: string[][] = [];
    const tasks: string[][] = [];
    for (const y of years(r)) {
      for (const p of await publicity.plans(y)) {
        if (!inRange(p.approvedOn, r)) continue;
        plans.push([p.planNo, String(p.year), p.department, p.jointDepartments.join('、'), p.pool, p.scope, p.items.join('、'), p.sampling, p.window.from, p.window.to, p.special, p.submittedOn, p.approvedOn]);
      }
      for (const b of await publicity.draws(y)) {
        if (!inRange(b.createdAt.slice(0, 10), r)) continue;
        const d = await publicity.draw(b.drawNo);
        draws.push([b.drawNo, b.planNo, b.department, b.departments.join('、'), b.pool, String(b.n), String(b.k), b.snapshotDigest, b.seedCommitment, b.rosterDigest, b.announcementDigest,
          d?.seed ?? '', d?.publicValue ?? '', b.statusText, b.createdAt, b.voidReason]);
      }
      for (const t of await repos.tasks.forYear(y)) {
        if (!inRange(beijingDate(t.createdAt), r)) continue;
        const officers = [...new Map(t.parts.flatMap((p) => p.officers).map((o) => [o.inspectorNo, o])).values()];
        tasks.push([t.taskNo, String(t.year), unitName(t.lead), t.departments.map(unitName).join('、'), t.planNos.join('、'), t.drawNos.join('、'), t.entityName, t.creditCode,
          t.window.from, t.window.to, officers.map((o) => `${o.name}（${unitName(o.department)}${o.leader ? '，组长' : ''}）`).join('、'), t.status === 'cancelled' ? `已撤销：${t.cancelReason}` : '有效']);
      }
    }
    const resultRows = (await notices(r)).flatMap((n) => n.rows.map((x) => [x.planNo, x.planName, x.taskNo, x.taskName, x.kind, x.authority, x.completedOn, x.entityName, x.creditCode, x.result, x.remark, n.publishedOn, n.deadline]));
    return [
      { name: '抽查计划', columns: [...JIANGXI_COLUMNS.抽查计划], rows: plans },
      { name: '抽取记录', columns: [...JIANGXI_COLUMNS.抽取记录], rows: draws },
      { name: '抽查任务', columns: [...JIANGXI_COLUMNS.抽查任务], rows: tasks },
      { name: '检查结果', columns: [...JIANGXI_COLUMNS.检查结果], rows: resultRows },
    ];
  }

  return {
    async sheets(target: string, r: ExportRange): Promise<Sheet[]> {
      if (target === 'gsxt') return gsxt(r);
      if (target === 'jgxw') return jgxw(r);
      if (target === 'jiangxi') return jiangxi(r);
      throw new Refusal(`没有“${target.slice(0, 20)}”这种导出，可选：gsxt（国家企业信用信息公示系统）、jgxw（互联网+监管 行政检查行为）、jiangxi（省双随机平台）`);
    },
  };
}

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One sheet as CSV text: UTF-8 with a byte-order mark (Excel reads Chinese correctly), CRLF lines. */
export function toCsv(s: Sheet): string {
  return `\uFEFF${[s.columns, ...s.rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/**
 * Writes the sheets to `out`: a workbook when it ends in .xlsx, CSV when it ends in .csv (one
 * sheet: that file; several: "<name>-<sheet>.csv" each). Returns the files written.
 */
export async function writeExport(sheets: Sheet[], out: string): Promise<string[]> {
  const ext = path.extname(out).toLowerCase();
  if (ext === '.csv') {
    if (sheets.length === 1) {
      await writeFile(out, toCsv(sheets[0]), 'utf8');
      return [out];
    }
    const files: string[] = [];
    for (const s of sheets) {
      const f = `${out.slice(0, -ext.length)}-${s.name}.csv`;
      await writeFile(f, toCsv(s), 'utf8');
      files.push(f);
    }
    return files;
  }
  if (ext !== '.xlsx') throw new Refusal(`输出文件须以 .xlsx 或 .csv 结尾：${path.basename(out)}`);
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    ws.addRow(s.columns).font = { bold: true };
    for (const row of s.rows) ws.addRow(row);
    ws.columns.forEach((c, i) => { c.width = Math.min(40, Math.max(10, s.columns[i].length * 2 + 2)); });
  }
  await wb.xlsx.writeFile(out);
  return [out];
}
