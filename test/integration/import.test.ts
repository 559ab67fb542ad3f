/**
 * Importing the registries from .csv and .xlsx on the real database:
 * validation row by row, idempotent upserts, update detection with
 * an audit diff (R20), refusal of bad files with nothing written, resuming a
 * run that failed part-way, and the CLI as an operator runs it.
 */
import { runTsx } from '../helpers/run';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { cliCaller, type Caller } from '../../src/services/context';
import { importService, NEW_ENTITY_POOL_REASON, type RawRow } from '../../src/services/importer';
import { connect } from '../../store/connection';
import { createRepos, type Repos } from '../../store/repos';
import { freshDb, type TestDb } from '../helpers/db';
import { refusal } from '../helpers/refusal';
import { code } from '../helpers/fixtures';

const NOW = new Date('2026-03-02T02:00:00Z');
const admin: Caller = cliCaller('importer-test');

let dir: string;
let db: TestDb;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  db = await freshDb();
});
afterEach(async () => {
  await db.close();
});

let clock = NOW;
const service = (repos: Repos = db.repos) => importService({ repos, now: () => clock });

// ---------------------------------------------------------------------------
// Files

const ENTITY_COLUMNS = ['统一社会信用代码', '名称', '类型', '行业', '乡镇', '地址', '信用风险分类', '领域标签', '监管部门'];

function entityRow(n: number, over: Partial<Record<string, string>> = {}): string[] {
  const base: Record<string, string> = {
    统一社会信用代码: code(n), 名称: `万年县测试${n}有限公司`, 类型: '企业', 行业: '制造业', 乡镇: '陈营镇',
    地址: `万年县陈营镇${n}号`, 信用风险分类: '一般', 领域标签: '', 监管部门: '县市管局',
  };
  return ENTITY_COLUMNS.map((c) => over[c] ?? base[c]);
}

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function writeCsv(name: string, rows: string[][], opts: { bom?: boolean } = {}): string {
  const file = path.join(dir, name);
  const text = rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  writeFileSync(file, (opts.bom ? '\uFEFF' : '') + text, 'utf8');
  return file;
}

async function writeXlsx(name: string, rows: unknown[][]): Promise<string> {
  const file = path.join(dir, name);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名录');
  for (const r of rows) ws.addRow(r as ExcelJS.CellValue[]);
  await wb.xlsx.writeFile(file);
  return file;
}

const entitiesCsv = (name: string, ns: number[], over: (n: number) => Partial<Record<string, string>> = () => ({})) =>
  writeCsv(name, [ENTITY_COLUMNS, ...ns.map((n) => entityRow(n, over(n)))]);

/** Everything an import could write, to prove a refused file wrote nothing. */
async function snapshot() {
  const all = (name: string) => db.models.Entity.db.collection(name).find({}).sort({ _id: 1 }).toArray();
  return {
    entities: await all('entities'),
    inspectors: await all('inspectors'),
    items: await all('items'),
    audit: await all('audit'),
    runs: await all('import_runs'),
  };
}

/** The message of the Refusal a promise rejects with. */
const refusalMessage = async (p: Promise<unknown>): Promise<string> => (await refusal(p)).message;

// ---------------------------------------------------------------------------

describe('importing market entities', () => {
  it('R1: imports a CSV (BOM, header aliases); new entities go to pool B with provenance', async () => {
    const file = writeCsv('entities.csv', [
      ['信用代码', ' 主体名称 ', 'KIND', '所属行业', '乡镇', '住所', 'RiskClass', '重点领域', '主管部门'],
      entityRow(1, { 信用风险分类: '高', 领域标签: '食品、旅游业', 监管部门: '市管局、县卫健委' }),
      entityRow(2, { 类型: '个体户' }),
      ['', '', '', '', '', '', '', '', ''],
      entityRow(3),
    ], { bom: true });
    const r = await service().importFile(admin, 'entities', file);
    expect(r).toMatchObject({ imported: 3, updated: 0, unchanged: 0, rejected: [] });
    expect(await db.repos.entities.count({})).toBe(3);
    const e1 = await db.repos.entities.get(code(1));
    expect(e1).toMatchObject({
      name: '万年县测试1有限公司', kind: '企业', riskClass: '高', sectorTags: ['食品', '旅游业'], departments: ['SCJGJ', 'WJW'],
      pool: 'B', poolPlacedBy: admin.userId, poolReason: NEW_ENTITY_POOL_REASON, poolPlacedAt: NOW, pendingPool: '',
      createdAt: NOW, updatedAt: NOW, updatedBy: admin.userId,
    });
    expect(e1?.rowHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await db.repos.entities.get(code(2)))?.kind).toBe('个体工商户');

    const run = await db.repos.importRuns.get(r.runId);
    expect(run).toMatchObject({ kind: 'entities', file: 'entities.csv', actor: admin.userId, channel: 'cli', status: 'done', imported: 3, lastCommittedRow: 5 });
    const [entry] = await db.repos.audit.forTarget(`import:${r.runId}`);
    expect(entry).toMatchObject({ action: 'import.entities', actor: admin.userId, channel: 'cli' });
    expect(entry.note).toContain('entities.csv');
    expect(entry.note).toContain('新增3条');
    // Inserts are not audited one by one: they carry createdAt/updatedBy.
    expect(await db.repos.audit.forTarget(`entity:${code(1)}`)).toEqual([]);
  });

  it('reads .xlsx: rich text, numbers, formulas and header case are turned into text', async () => {
    const file = await writeXlsx('entities.xlsx', [
      ['统一社会信用代码', 'NAME', '类型', '行业', '乡镇', '地址', '风险等级', '领域标签', '监管部门'],
      [code(11), { richText: [{ text: '万年县' }, { font: { bold: true }, text: '富强' }, { text: '米业有限公司' }] }, '企业', { formula: '"制"&"造业"', result: '制造业' }, '石镇镇', 88, '低', '', '县市管局'],
      [{ formula: `"${code(12)}"`, result: code(12) }, '万年县测试12有限公司', '合作社', '农业', '梓埠镇', '梓埠镇', 'C', '', 'NYNCJ'],
    ]);
    const r = await service().importFile(admin, 'entities', file);
    expect(r).toMatchObject({ imported: 2, updated: 0, unchanged: 0, rejected: [] });
    expect(await db.repos.entities.get(code(11))).toMatchObject({ name: '万年县富强米业有限公司', industry: '制造业', address: '88', riskClass: '低' });
    expect(await db.repos.entities.get(code(12))).toMatchObject({ kind: '农民专业合作社', riskClass: '较高', departments: ['NYNCJ'] });
  });

  it('keeps Chinese text intact across read-buffer boundaries (streamed xlsx, inline and shared strings)', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => entityRow(200 + i, { 名称: `万年县${'赣'.repeat(i % 37)}测试${i}有限公司`, 地址: `江西省上饶市万年县陈营镇${'路'.repeat(i % 53)}${i}号` }));
    for (const useSharedStrings of [false, true]) {
      const file = path.join(dir, `cjk-${useSharedStrings}.xlsx`);
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings });
      const ws = wb.addWorksheet('名录');
      ws.addRow(ENTITY_COLUMNS).commit();
      for (const r of rows) ws.addRow(r).commit();
      ws.commit();
      await wb.commit();
      const r = await service().importFile(admin, 'entities', file);
      expect(r.rejected).toEqual([]);
      expect(r.imported + r.unchanged).toBe(rows.length);
    }
    const stored = await db.repos.entities.find({}, 3000);
    const byCode = new Map(stored.map((e) => [e.creditCode, e]));
    for (const r of rows) {
      expect(byCode.get(r[0])).toMatchObject({ name: r[1], address: r[5] });
    }
  });

  it('is idempotent: the same file twice gives imported 0, updated 0, unchanged N (CSV and xlsx)', async () => {
    const csv = entitiesCsv('twice.csv', [1, 2, 3, 4]);
    const first = await service().importFile(admin, 'entities', csv);
    expect(first).toMatchObject({ imported: 4, updated: 0, unchanged: 0 });
    const before = await snapshot();
    clock = new Date('2026-03-03T02:00:00Z');
    try {
      const second = await service().importFile(admin, 'entities', csv);
      expect(second).toMatchObject({ imported: 0, updated: 0, unchanged: 4, rejected: [] });
      const after = await snapshot();
      expect(after.entities).toEqual(before.entities); // not even updatedAt moves
      expect(after.audit).toHaveLength(before.audit.length + 1); // the run only

      const xlsx = await writeXlsx('twice.xlsx', [ENTITY_COLUMNS, ...[1, 2, 3, 4].map((n) => entityRow(n))]);
      const third = await service().importFile(admin, 'entities', xlsx);
      expect(third).toMatchObject({ imported: 0, updated: 0, unchanged: 4, rejected: [] });
    } finally {
      clock = NOW;
    }
  });

  it('R20: detects an update, audits it with a diff, and never touches the pool (R1/R5)', async () => {
    await service().importFile(admin, 'entities', entitiesCsv('v1.csv', [1, 2, 3]));
    // 联席办 puts entity 2 in A meanwhile.
    expect(await db.repos.entities.place(code(2), 'B', 'A', 'zhao.office', NOW, '重点招商引资项目')).toBe(true);
    clock = new Date('2026-04-01T02:00:00Z');
    try {
      const office: Caller = { userId: 'zhao.office', name: '赵联席', department: 'SCJGJ', roles: ['office'], channel: 'wecom' };
      const v2 = entitiesCsv('v2.csv', [1, 2, 3, 4], (n) => (n === 2 ? { 名称: '万年县青云旅游发展有限公司', 信用风险分类: '低' } : {}));
      const r = await service().importFile(office, 'entities', v2);
      expect(r).toMatchObject({ imported: 1, updated: 1, unchanged: 2, rejected: [] });
      const e2 = await db.repos.entities.get(code(2));
      expect(e2).toMatchObject({
        name: '万年县青云旅游发展有限公司', riskClass: '低', pool: 'A', poolPlacedBy: 'zhao.office', poolReason: '重点招商引资项目',
        createdAt: NOW, updatedAt: clock, updatedBy: 'zhao.office',
      });
      const [audit] = await db.repos.audit.forTarget(`entity:${code(2)}`);
      expect(audit).toMatchObject({ action: 'entity.update', actor: 'zhao.office', channel: 'wecom', at: clock });
      expect(audit.changes).toEqual([
        { field: 'name', from: JSON.stringify('万年县测试2有限公司'), to: JSON.stringify('万年县青云旅游发展有限公司') },
        { field: 'riskClass', from: JSON.stringify('一般'), to: JSON.stringify('低') },
      ]);
      expect(audit.note).toContain('第3行');
      // Unchanged records got no audit entry; the new one keeps B (R1).
      expect(await db.repos.audit.forTarget(`entity:${code(1)}`)).toEqual([]);
      expect((await db.repos.entities.get(code(4)))?.pool).toBe('B');
      // And importing v2 again changes nothing.
      expect(await service().importFile(office, 'entities', v2)).toMatchObject({ imported: 0, updated: 0, unchanged: 4 });
    } finally {
      clock = NOW;
    }
  });

  it('R20: a stored record whose digest is stale but whose fields match is counted unchanged, without an audit entry', async () => {
    await service().importFile(admin, 'entities', entitiesCsv('a.csv', [1]));
    await db.models.Entity.collection.updateOne({ _id: code(1) as never }, { $set: { rowHash: 'legacy' } });
    const r = await service().importFile(admin, 'entities', entitiesCsv('a.csv', [1]));
    expect(r).toMatchObject({ imported: 0, updated: 0, unchanged: 1 });
    expect((await db.repos.entities.get(code(1)))?.rowHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await db.repos.audit.forTarget(`entity:${code(1)}`)).toEqual([]);
  });

  it('never overwrites a record someone changed between read and write', async () => {
    await service().importFile(admin, 'entities', entitiesCsv('c1.csv', [1, 2]));
    // A real concurrent writer: right after the importer reads the stored records, someone else changes one.
    const writer = db.repos.entities.writer;
    const racing = {
      ...db.repos,
      entities: {
        ...db.repos.entities,
        writer: {
          ...writer,
          async getMany(ids: string[]) {
            const docs = await writer.getMany(ids);
            await db.models.Entity.collection.updateOne({ _id: code(1) as never }, { $set: { name: '他人刚改的名称', rowHash: 'other' } });
            return docs;
          },
        },
      },
    } as Repos;
    const r = await service(racing).importFile(admin, 'entities', entitiesCsv('c2.csv', [1, 2], (n) => ({ 地址: `新地址${n}` })));
    expect(r.updated).toBe(1);
    expect(r.rejected).toEqual([{ row: 2, reason: '该记录刚被他人修改，请重新导入' }]);
    expect((await db.repos.entities.get(code(1)))?.name).toBe('他人刚改的名称');
    expect((await db.repos.entities.get(code(2)))?.address).toBe('新地址2');
  });
});

describe('bad rows are reported with their row number; the good ones are imported', () => {
  it('R1: bad check character, unknown department (R19), duplicates in one file, blank rows, data without a header', async () => {
    const badCheck = code(5).slice(0, 17) + (code(5)[17] === '0' ? '1' : '0');
    const file = writeCsv('mixed.csv', [
      [...ENTITY_COLUMNS, ''],
      entityRow(1), // row 2
      entityRow(2, { 统一社会信用代码: badCheck }), // row 3
      entityRow(3, { 监管部门: '县宇宙局' }), // row 4
      [], // row 5: blank, skipped silently
      entityRow(1, { 名称: '重复的一行' }), // row 6
      [...entityRow(6), '多余'], // row 7
      entityRow(7, { 类型: '外星企业' }), // row 8
      entityRow(8, { 统一社会信用代码: code(1).toLowerCase() }), // row 9: same code in lower case
    ]);
    const r = await service().importFile(admin, 'entities', file);
    expect(r.imported).toBe(1);
    expect(r.rejected.map((x) => x.row)).toEqual([3, 4, 6, 7, 8, 9]);
    const reason = (row: number) => r.rejected.find((x) => x.row === row)!.reason;
    expect(reason(3)).toContain('校验位错误');
    expect(reason(4)).toContain('县宇宙局');
    expect(reason(4)).toContain('R19');
    expect(reason(6)).toContain('与第2行重复');
    expect(reason(7)).toContain('第10列有内容但没有表头');
    expect(reason(8)).toContain('外星企业');
    expect(reason(9)).toContain('与第2行重复');
    expect((await db.repos.entities.get(code(1)))?.name).toBe('万年县测试1有限公司');
    expect(await db.repos.entities.count({})).toBe(1);
    const run = await db.repos.importRuns.get(r.runId);
    expect(run).toMatchObject({ status: 'done', imported: 1, rejected: 6, lastCommittedRow: 9 });
  });

  it('a 10 MB cell is rejected at row level, in CSV and in xlsx, without a crash', async () => {
    await service().importFile(admin, 'entities', entitiesCsv('base.csv', [1]));
    const huge = '长'.repeat(10 * 1024 * 1024);
    const csv = writeCsv('huge.csv', [ENTITY_COLUMNS, entityRow(2), entityRow(3, { 名称: huge }), entityRow(4)]);
    const r1 = await service().importFile(admin, 'entities', csv);
    expect(r1).toMatchObject({ imported: 2, updated: 0, unchanged: 0 });
    expect(r1.rejected).toEqual([{ row: 3, reason: expect.stringContaining('“名称”过长') }]);
    expect(r1.rejected[0].reason.length).toBeLessThan(400);

    const xlsx = await writeXlsx('huge.xlsx', [ENTITY_COLUMNS, entityRow(5), entityRow(6, { 地址: huge }), entityRow(1)]);
    const r2 = await service().importFile(admin, 'entities', xlsx);
    expect(r2).toMatchObject({ imported: 1, updated: 0, unchanged: 1 });
    expect(r2.rejected).toEqual([{ row: 3, reason: expect.stringContaining('“地址”过长') }]);
    expect(await db.repos.entities.count({})).toBe(4);
  });
});

describe('bad files are refused whole, with nothing written and stored data untouched', () => {
  async function expectRefusedUntouched(file: string, pattern: RegExp): Promise<string> {
    const before = await snapshot();
    const message = await refusalMessage(service().importFile(admin, 'entities', file));
    expect(message).toMatch(pattern);
    expect(await snapshot()).toEqual(before);
    return message;
  }

  beforeEach(async () => {
    await service().importFile(admin, 'entities', entitiesCsv('stored.csv', [1, 2, 3]));
  });

  it('wrong headers: names the missing columns and lists the expected ones', async () => {
    const msg = await expectRefusedUntouched(
      writeCsv('noname.csv', [['统一社会信用代码', '地址', '信用风险分类'], [code(9), 'x', '低']]),
      /表头不符合市场主体名录模板：缺少必填列“名称”“类型”/,
    );
    expect(msg).toContain('应有的列：统一社会信用代码（必填）、名称（必填）、类型（必填）、行业');
    expect(msg).toContain('未写入任何数据');
    await expectRefusedUntouched(writeCsv('unknown.csv', [[...ENTITY_COLUMNS, '法人代表'], [...entityRow(9), '张三']]), /无法识别的列“法人代表”/);
    await expectRefusedUntouched(writeCsv('dup.csv', [[...ENTITY_COLUMNS, '企业名称'], [...entityRow(9), 'x']]), /重复的列“企业名称”（与第2列重复）/);
    // A data row where the header should be.
    await expectRefusedUntouched(writeCsv('headless.csv', [entityRow(9), entityRow(10)]), /缺少必填列/);
  });

  it('malformed or corrupt files: not a zip, truncated zip, damaged zip data, unclosed CSV quote', async () => {
    const good = await writeXlsx('good.xlsx', [ENTITY_COLUMNS, ...Array.from({ length: 300 }, (_, i) => entityRow(100 + i))]);
    const bytes = readFileSync(good);
    const notZip = path.join(dir, 'notzip.xlsx');
    writeFileSync(notZip, 'this is not a spreadsheet\n');
    await expectRefusedUntouched(notZip, /不是有效的Excel（.xlsx）文件或已损坏（不是zip格式）/);
    const truncated = path.join(dir, 'truncated.xlsx');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefusedUntouched(truncated, /不是有效的Excel|已损坏/);
    // Damaged compressed data inside the zip (exceljs alone would wait forever here).
    const damaged = Buffer.from(bytes);
    for (let i = 2000; i < 2400 && i < damaged.length; i++) damaged[i] = 0x41;
    const damagedFile = path.join(dir, 'damaged.xlsx');
    writeFileSync(damagedFile, damaged);
    await expectRefusedUntouched(damagedFile, /已损坏/);
    const quote = path.join(dir, 'quote.csv');
    writeFileSync(quote, `${ENTITY_COLUMNS.join(',')}\r\n${entityRow(9).join(',')}\r\n"${code(10)},未闭合\r\n`);
    await expectRefusedUntouched(quote, /未闭合的引号/);
  });

  it('empty file, header only, blank sheet, wrong extension, old .xls, missing file', async () => {
    const empty = path.join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await expectRefusedUntouched(empty, /是空的/);
    const emptyXlsx = path.join(dir, 'empty.xlsx');
    writeFileSync(emptyXlsx, '');
    await expectRefusedUntouched(emptyXlsx, /是空的/);
    await expectRefusedUntouched(writeCsv('header.csv', [ENTITY_COLUMNS, [], []]), /没有数据行/);
    await expectRefusedUntouched(await writeXlsx('header.xlsx', [ENTITY_COLUMNS]), /没有数据行/);
    await expectRefusedUntouched(await writeXlsx('blank.xlsx', []), /没有内容/);
    const blanks = path.join(dir, 'blanks.csv');
    writeFileSync(blanks, '\r\n\r\n,,\r\n');
    await expectRefusedUntouched(blanks, /没有内容/);
    const txt = path.join(dir, 'list.txt');
    writeFileSync(txt, 'x');
    await expectRefusedUntouched(txt, /只支持.xlsx和.csv/);
    const xls = path.join(dir, 'old.xls');
    writeFileSync(xls, 'x');
    await expectRefusedUntouched(xls, /另存为.xlsx/);
    await expectRefusedUntouched(path.join(dir, 'nowhere.csv'), /找不到文件/);
  });

  it('a CSV saved in GBK is refused with a hint to save as UTF-8', async () => {
    const gbk = path.join(dir, 'gbk.csv');
    // "统一社会信用代码,名称,类型,信用风险分类" saved as GBK (as Excel's plain "CSV" does on Chinese Windows).
    const header = 'cd b3 d2 bb c9 e7 bb e1 d0 c5 d3 c3 b4 fa c2 eb 2c c3 fb b3 c6 2c c0 e0 d0 cd 2c d0 c5 d3 c3 b7 e7 cf d5 b7 d6 c0 e0';
    writeFileSync(gbk, Buffer.concat([Buffer.from(header.replace(/ /g, ''), 'hex'), Buffer.from(`\r\n${code(9)},x,企业,低\r\n`)]));
    await expectRefusedUntouched(gbk, /不是UTF-8编码.*CSV UTF-8/);
  });

  it('only 联席办 or an administrator may import', async () => {
    const official: Caller = { userId: 'li', name: '李经办', department: 'SCJGJ', roles: ['official'], channel: 'wecom' };
    const before = await snapshot();
    expect(await refusalMessage(service().importFile(official, 'entities', entitiesCsv('x.csv', [9])))).toContain('只有联席办或系统管理员');
    expect(await snapshot()).toEqual(before);
  });
});

describe('a run that fails part-way', () => {
  async function* rows(from: number, to: number, failAt?: number): AsyncGenerator<RawRow> {
    const [, ...fields] = ['', 'creditCode', 'name', 'kind', 'industry', 'township', 'address', 'riskClass', 'sectorTags', 'departments'];
    for (let row = from; row <= to; row++) {
      if (row === failAt) throw new Error('simulated: stream broken');
      const cells = Object.fromEntries(fields.map((f, i) => [f, entityRow(row)[i]]));
      yield { row, cells };
    }
  }

  it('is marked failed, says the last committed row, and resumes with fromRow without duplicates', async () => {
    const progress: number[] = [];
    const msg = await refusalMessage(service().importRows(admin, 'entities', rows(2, 5601, 2502), { source: 'big.csv', onProgress: (n) => progress.push(n) }));
    const runs = await db.models.ImportRun.collection.find({}).toArray();
    expect(runs).toHaveLength(1);
    const last = runs[0].lastCommittedRow as number;
    // Every batch read before the failure is written whole; nothing after it.
    expect(last).toBeGreaterThanOrEqual(2001);
    expect(last).toBeLessThan(2502);
    expect(runs[0]).toMatchObject({ status: 'failed', imported: last - 1 });
    expect(runs[0].error).toContain('读取数据失败（simulated: stream broken）');
    expect(await db.repos.entities.count({})).toBe(last - 1);
    expect(msg).toContain('导入中断');
    expect(msg).toContain(`已完整写入至第${last}行`);
    expect(msg).toContain(`--from-row ${last + 1}`);

    // Resume: rows before fromRow are read (and count for duplicates) but not written again.
    const file = writeCsv('big.csv', [ENTITY_COLUMNS, ...Array.from({ length: 5600 }, (_, i) => entityRow(i + 2)), entityRow(100, { 名称: 'dup' })]);
    const resumed = await service().importFile(admin, 'entities', file, { fromRow: last + 1, onProgress: (n) => progress.push(n) });
    expect(resumed).toMatchObject({ imported: 5601 - last, updated: 0, unchanged: 0 });
    expect(resumed.rejected).toEqual([{ row: 5602, reason: expect.stringContaining('与第100行重复') }]);
    expect(progress).toContain(5000);
    expect(await db.repos.entities.count({})).toBe(5600);
    // And the whole file again is a no-op.
    expect(await service().importFile(admin, 'entities', file)).toMatchObject({ imported: 0, updated: 0, unchanged: 5600 });
  });

  it('a database that goes away mid-import: refused with the row to resume from; the rerun completes it', async () => {
    const file = entitiesCsv('dbfail.csv', Array.from({ length: 6000 }, (_, i) => i + 1));
    const second = await connect(process.env.TEST_MONGODB_URI!, db.dbName);
    const msg = await refusalMessage(service(createRepos(second.models)).importFile(admin, 'entities', file, {
      onProgress: (n) => { if (n === 5000) void second.conn.close(true); },
    }));
    expect(msg).toMatch(/^导入中断：数据库写入失败（.+）。已完整写入至第(\d+)行；请处理后用 --from-row (\d+) 从第\2行继续/);
    const last = Number(/已完整写入至第(\d+)行/.exec(msg)![1]);
    expect(last).toBeGreaterThan(1000);
    expect(await db.repos.entities.count({})).toBeGreaterThanOrEqual(last - 1);
    const resumed = await service().importFile(admin, 'entities', file, { fromRow: last + 1 });
    expect(resumed.rejected).toEqual([]);
    expect(resumed.imported + resumed.unchanged).toBe(6001 - last);
    expect(await db.repos.entities.count({})).toBe(6000);
  });

  it('a bad fromRow is refused', async () => {
    expect(await refusalMessage(service().importFile(admin, 'entities', entitiesCsv('f.csv', [1]), { fromRow: 0 }))).toContain('起始行');
  });
});

describe('importing inspectors and items', () => {
  const INSPECTOR_COLUMNS = ['人员编号', '姓名', '部门', '人员类别', '执法证号', '执法证有效期至', '执法资格', '业务专长', '联合检查人员库', '联合库更新日期', '在岗', '回避主体'];

  it('R7/R8/R8a: certificate expiry (Excel dates), experts, joint pool flags and conflicts are stored', async () => {
    const file = await writeXlsx('inspectors.xlsx', [
      INSPECTOR_COLUMNS,
      ['SC001', '王执法', '县市管局', '行政执法类公务员', 'JX-001', new Date(Date.UTC(2027, 11, 31)), '行政执法证', '食品、特种设备', '是', '2026/3/15', '是', `${code(1)}、${code(2)}`],
      [1002, '刘专家', 'SCJGJ', '专家', '', '', '', '计量', '否', '', '', ''],
      ['SC003', '张日常', '县市管局', '日常监管人员', '', '', '', '', '', '', '否', ''],
      ['SC004', '无证', '县市管局', '公务员', '', '', '', '', '', '', '', ''],
      ['SC005', '专家带证', '县市管局', '专家', 'JX-9', '2027-01-01', '', '', '', '', '', ''],
      ['SC006', '回避错', '县市管局', '公务员', 'JX-6', '2027-01-01', '', '', '', '', '', '91361129ABC'],
      ['SC007', '错部门', '县宇宙局', '公务员', 'JX-7', '2027-01-01', '', '', '', '', '', ''],
      ['SC008', '日期错', '县市管局', '公务员', 'JX-8', '明年', '', '', '', '', '', ''],
    ]);
    const r = await service().importFile(admin, 'inspectors', file);
    expect(r.imported).toBe(3);
    expect(r.rejected.map((x) => x.row)).toEqual([5, 6, 7, 8, 9]);
    expect(r.rejected[0].reason).toContain('R8a');
    expect(r.rejected[1].reason).toContain('R7');
    expect(r.rejected[2].reason).toContain('回避主体');
    expect(r.rejected[3].reason).toContain('R19');
    expect(r.rejected[4].reason).toContain('执法证有效期至');

    expect(await db.repos.inspectors.get('SC001')).toMatchObject({
      name: '王执法', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'JX-001', certificateExpiry: '2027-12-31',
      qualification: '行政执法证', specialties: ['食品', '特种设备'], jointPool: true, jointPoolUpdatedOn: '2026-03-15', active: true,
      conflicts: [code(1), code(2)], updatedBy: admin.userId,
    });
    const expert = await db.repos.inspectors.get('1002');
    expect(expert).toMatchObject({ kind: 'expert', certificateNo: '', jointPool: false, active: true });
    expect(expert).not.toHaveProperty('certificateExpiry'); // absent, not null
    expect(await db.repos.inspectors.get('SC003')).toMatchObject({ kind: 'daily_supervision', active: false });
  });

  it('R9: item pools, power-list code and the A joint list are stored; an update that removes a date unsets it', async () => {
    const ITEM_COLUMNS = ['事项编码', '部门', '事项名称', '检查依据', '权力清单编码', '适用库', 'A类联合清单', '备案日期', '所需专长'];
    const v1 = writeCsv('items.csv', [
      ITEM_COLUMNS,
      ['XF-001', '县消防救援大队', '消防安全检查', '《中华人民共和国消防法》第五十三条', '36112900XF001', 'A、B、C', '是', '2026-03-20', '消防'],
      ['SP-001', '县市管局', '食品生产经营检查', '《食品安全法》第一百一十条', '36112900SC001', 'BC', '否', '', '食品'],
      ['SP-002', '县市管局', '无权力清单', '某法', '', '', '', '', ''],
      ['SP-003', '县市管局', 'A清单缺A库', '某法', '36112900SC003', 'B', '是', '', ''],
      ['XF-001', '县市管局', '同编码不同部门', '某法', '36112900SC004', '', '', '', ''],
      ['SP-001', '市管局', '同部门重复编码', '某法', '36112900SC005', '', '', '', ''],
    ]);
    const r = await service().importFile(admin, 'items', v1);
    expect(r.imported).toBe(3);
    expect(r.rejected.map((x) => x.row)).toEqual([4, 5, 7]);
    expect(r.rejected[0].reason).toContain('R9');
    expect(r.rejected[1].reason).toContain('适用库须包含A（R9）');
    expect(r.rejected[2].reason).toContain('县市管局事项编码“SP-001”与第3行重复');
    const xf = (await db.repos.items.byDepartment('XFJYDD'))[0];
    expect(xf).toMatchObject({ itemCode: 'XF-001', department: 'XFJYDD', powerListCode: '36112900XF001', pools: ['A', 'B', 'C'], jointListA: true, jointListFiledOn: '2026-03-20', specialty: '消防' });
    const sc = await db.repos.items.byDepartment('SCJGJ');
    expect(sc.map((i) => [i.itemCode, i.pools])).toEqual([['SP-001', ['B', 'C']], ['XF-001', ['B', 'C']]]);

    const v2 = writeCsv('items2.csv', [
      ITEM_COLUMNS,
      ['XF-001', '县消防救援大队', '消防安全检查', '《中华人民共和国消防法》第五十三条', '36112900XF001', 'B、C', '否', '', '消防'],
    ]);
    const r2 = await service().importFile(admin, 'items', v2);
    expect(r2).toMatchObject({ imported: 0, updated: 1, unchanged: 0 });
    const doc = await db.models.Item.collection.findOne({ _id: 'XFJYDD:XF-001' as never });
    expect(doc).toMatchObject({ pools: ['B', 'C'], jointListA: false });
    expect(doc).not.toHaveProperty('jointListFiledOn');
    const [audit] = await db.repos.audit.forTarget('item:XFJYDD:XF-001');
    expect(audit.changes.map((c) => c.field)).toEqual(['jointListA', 'jointListFiledOn', 'pools']);
    expect(audit.changes[1]).toEqual({ field: 'jointListFiledOn', from: JSON.stringify('2026-03-20'), to: '' });
  });
});

describe('the CLI', () => {
  const cli = (args: string[], dbName: string) => runTsx('src/cli/main.ts', args, { dbName });

  it('`import entities <file> --json` prints the summary as JSON; a refusal exits 1 with a Chinese message', async () => {
    const file = writeCsv('cli.csv', [ENTITY_COLUMNS, entityRow(1), entityRow(2, { 监管部门: '县宇宙局' }), entityRow(3)]);
    const r = await cli(['import', 'entities', file, '--json'], db.dbName);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ imported: 2, updated: 0, unchanged: 0, rejected: [{ row: 3, reason: expect.stringContaining('县宇宙局') }] });
    expect(Object.keys(json).slice(0, 4)).toEqual(['imported', 'updated', 'unchanged', 'rejected']);
    expect(await db.repos.entities.count({})).toBe(2);
    expect((await db.repos.entities.get(code(1)))?.updatedBy).toMatch(/^cli:/);

    const text = await cli(['import', 'entities', file], db.dbName);
    expect(text.code).toBe(0);
    expect(text.out).toContain('新增 0 条，更新 0 条，未变 2 条，拒绝 1 行');
    expect(text.out).toContain('第3行：');

    const bad = await cli(['import', 'entities', writeCsv('cli-bad.csv', [['名称'], ['x']]), '--json'], db.dbName);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toContain('缺少必填列“统一社会信用代码”');
  }, 90_000);
});
