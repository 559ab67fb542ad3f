/**
 * Exports for the national and provincial systems on the real database: each export's
 * columns (docs/exports.md), what each row holds, the date range, xlsx and CSV (UTF-8 with
 * BOM), and the CLI as an operator runs it.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { exportService, GSXT_COLUMNS, JGXW_COLUMNS, JIANGXI_COLUMNS, writeExport } from '../../src/services/exports';
import type { ResultDoc } from '../../src/domain/records/result';
import type { TaskDoc } from '../../src/domain/records/task';
import { publicCounty, type PublicCounty } from '../helpers/publicCounty';
import { runTsx } from '../helpers/run';

let clock = new Date('2026-08-20T02:00:00Z'); // plans are drawn before their window; exports run later
const now = () => clock;
let county: PublicCounty;
let tasks: TaskDoc[];
let dir: string;

async function result(t: TaskDoc, end: string, status: ResultDoc['status'], categories = ['未发现问题']): Promise<void> {
  const when = new Date(`${end}T08:00:00Z`);
  await county.db.repos.results.create({
    taskNo: t.taskNo, source: 'task', lead: t.lead, departments: t.departments, creditCode: t.creditCode, entityName: t.entityName, window: t.window,
    status, form: { start: end, end, methods: ['实地检查', '书面检查'], categories }, parts: {}, earlier: [], correctionReason: '', round: 1,
    submittedBy: 'scj.official', submittedAt: when, approvedAt: status === 'approved' ? when : undefined, openFollowUps: 0, createdAt: when, updatedAt: when, version: 1,
  });
}

beforeAll(async () => {
  county = await publicCounty(now);
  tasks = await county.db.repos.tasks.forDraw(county.drawNo);
  await result(tasks[0], '2026-09-10', 'approved', ['发现问题已责令改正']);
  await result(tasks[1], '2026-09-25', 'approved');
  await result(tasks[2], '2026-09-12', 'pending'); // not approved: in no export
  dir = await mkdtemp(path.join(os.tmpdir(), 'exports-'));
  clock = new Date('2026-11-20T02:00:00Z');
});

afterAll(async () => {
  await county?.db.close();
});

const svc = () => exportService(county.db.repos, { now });
const range = { from: '2026-09-01', to: '2026-09-20' };

async function readXlsx(file: string): Promise<Map<string, string[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out = new Map<string, string[][]>();
  wb.eachSheet((ws) => {
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    out.set(ws.name, rows);
  });
  return out;
}

describe('gsxt: 国家企业信用信息公示系统 双随机抽查结果', () => {
  it('R15: the national result columns, one row per published result completed in the range', async () => {
    const [sheet] = await svc().sheets('gsxt', range);
    expect(sheet.columns).toEqual(['抽查计划编号', '抽查计划名称', '抽查任务编号', '抽查任务名称', '抽查类型', '检查机关', '检查完成日期', '市场主体名称', '统一社会信用代码', '检查结果', '备注']);
    expect(sheet.rows).toEqual([[county.planNo, `${county.planNo}抽查计划`, tasks[0].taskNo, `${tasks[0].entityName}检查`, '双随机抽查', '县市管局', '2026-09-10', tasks[0].entityName, tasks[0].creditCode, '发现问题已责令改正', '']]);
    const file = path.join(dir, 'gsxt.xlsx');
    await writeExport([sheet], file);
    const book = await readXlsx(file);
    expect(book.get('双随机抽查结果')).toEqual([GSXT_COLUMNS, sheet.rows[0]]);
  });

  it('the CLI writes CSV as UTF-8 with a BOM, and refuses a bad range in Chinese', async () => {
    const out = path.join(dir, 'gsxt.csv');
    const r = await runTsx('src/cli/main.ts', ['export', 'gsxt', '--from', '2026-09-01', '--to', '2026-09-30', '--out', out], { dbName: county.db.dbName });
    expect(r.code).toBe(0);
    expect(r.out).toContain('双随机抽查结果 2 行');
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]).toBe(GSXT_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => l.split(',')[2]).sort()).toEqual([tasks[0].taskNo, tasks[1].taskNo].sort());
    const bad = await runTsx('src/cli/main.ts', ['export', 'gsxt', '--from', '2026-10-01', '--to', '2026-09-01'], { dbName: county.db.dbName });
    expect(bad.code).not.toBe(0);
    expect(bad.out + bad.err).toContain('开始日期 2026-10-01 晚于结束日期 2026-09-01');
  });
});

describe('jgxw: 互联网+监管 系统 行政检查行为', () => {
  it('the inspection-act columns, with the officers and their certificate numbers (for officials only)', async () => {
    const [sheet] = await svc().sheets('jgxw', range);
    expect(sheet.columns).toEqual(JGXW_COLUMNS);
    expect(sheet.columns).toEqual(['检查行为名称', '检查行为编号', '实施机构', '监管事项目录编码', '检查事项名称', '行政相对人名称', '行政相对人编码', '检查时间', '检查方式', '检查结果', '检查人员', '执法证号', '报送时间']);
    expect(sheet.rows).toHaveLength(1);
    const row = Object.fromEntries(sheet.columns.map((c, i) => [c, sheet.rows[0][i]]));
    const team = tasks[0].parts.flatMap((p) => p.officers);
    expect(row).toMatchObject({
      检查行为名称: `${tasks[0].entityName}双随机抽查`, 检查行为编号: tasks[0].taskNo, 实施机构: '县市管局', 监管事项目录编码: '361129-JC-001', 检查事项名称: '食品经营许可事项检查',
      行政相对人名称: tasks[0].entityName, 行政相对人编码: tasks[0].creditCode, 检查时间: '2026-09-10', 检查方式: '实地检查、书面检查', 检查结果: '发现问题已责令改正',
      检查人员: team.map((o) => o.name).join('、'), 执法证号: team.map((o) => `JX-${o.inspectorNo}`).join('、'), 报送时间: '2026-11-20 10:00',
    });
  });
});

describe('jiangxi: 省双随机平台 workbook', () => {
  it('plans, draws, tasks and results, each sheet with its columns, in one workbook', async () => {
    const sheets = await svc().sheets('jiangxi', { from: '2026-08-01', to: '2026-09-30' });
    expect(sheets.map((s) => s.name)).toEqual(['抽查计划', '抽取记录', '抽查任务', '检查结果']);
    for (const s of sheets) expect(s.columns).toEqual(JIANGXI_COLUMNS[s.name as keyof typeof JIANGXI_COLUMNS]);
    const [plans, draws, taskSheet, results] = sheets;
    expect(plans.rows.map((r) => r[0]).sort()).toEqual([county.planNo, county.voidedPlanNo].sort());
    const drawn = draws.rows.find((r) => r[0] === county.drawNo)!;
    const record = (await county.services.draws.get(county.drawNo)).record!;
    expect(drawn.slice(5, 12)).toEqual([String(record.n), String(record.k), record.snapshotDigest, record.seedCommitment, record.rosterDigest, record.announcementDigest, record.seed]);
    expect(draws.rows.find((r) => r[0] === county.voidedDrawNo)?.[15]).toBe(county.voidReason);
    expect(taskSheet.rows.map((r) => r[0])).toEqual(expect.arrayContaining(tasks.map((t) => t.taskNo)));
    expect(JSON.stringify(taskSheet.rows)).not.toMatch(/JX-SC-/); // certificate numbers only in jgxw
    expect(results.rows.map((r) => r[2]).sort()).toEqual([tasks[0].taskNo, tasks[1].taskNo].sort());
    const first = results.rows.find((r) => r[2] === tasks[0].taskNo)!;
    // Published at approval; 20 working days after 10 Sep: 11, 14–18, 20 (make-up Sunday), 21–24, 28–30 Sep, 8–10 Oct (10 Oct make-up Saturday), 12–14 Oct.
    expect(first.slice(11)).toEqual(['2026-09-10', '2026-10-14']);
    const file = path.join(dir, 'jiangxi.xlsx');
    await writeExport(sheets, file);
    const book = await readXlsx(file);
    expect([...book.keys()]).toEqual(['抽查计划', '抽取记录', '抽查任务', '检查结果']);
    expect(book.get('检查结果')?.[0]).toEqual([...JIANGXI_COLUMNS.检查结果]);
    const csv = await writeExport(sheets, path.join(dir, 'jiangxi.csv'));
    expect(csv.map((f) => path.basename(f))).toEqual(['jiangxi-抽查计划.csv', 'jiangxi-抽取记录.csv', 'jiangxi-抽查任务.csv', 'jiangxi-检查结果.csv']);
  });

  it('an unknown target is refused with the valid ones', async () => {
    await expect(svc().sheets('national', range)).rejects.toThrow('可选：gsxt');
  });
});
