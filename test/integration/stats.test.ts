/**
 * Oversight statistics (R21) on the real database, from a known history
 * (test/helpers/oversightHistory.ts): every figure for a quarter, the year and a
 * month, who may see what in chat (统计), the complaints port (R22), and the CLI's
 * xlsx (`npm run cli -- stats`).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Services } from '../../src/app';
import { monthPeriod, quarterPeriod, yearPeriod, type DeptStats } from '../../src/domain/stats';
import type { Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { freshDb, type TestDb } from '../helpers/db';
import { createRepos } from '../../store/repos';
import { gzipSync } from 'node:zlib';
import { testCounty } from '../helpers/county';
import { saveUsers } from '../helpers/fixtures';
import { TODAY, writeHistory } from '../helpers/oversightHistory';
import { runTsx } from '../helpers/run';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date(`${TODAY}T02:00:00Z`);
const say = async (userId: string, t: string) => (await router.respond({ channel: 'shell', senderId: userId, text: t })).replies.map(replyText).join('\n');

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await writeHistory(db.repos);
  await saveUsers(services, [
    { userId: 'lxb', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'sfj', name: '王司法', department: '县司法局', roles: ['justice'] },
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
  ]);
});

afterAll(async () => {
  await db.close();
});

const pick = (s: DeptStats, keys: (keyof DeptStats)[]) => Object.fromEntries(keys.map((k) => [k, s[k]]));
const TASK_KEYS: (keyof DeptStats)[] = ['tasks', 'tasksDone', 'tasksOverdue', 'resultsEntered', 'resultsEnteredOnTime', 'resultsDuePublic', 'resultsPublishedOnTime', 'jointTasks', 'visitsSaved'];
const PLAN_KEYS: (keyof DeptStats)[] = ['items', 'itemsCovered', 'plans', 'plansByMarch', 'plansApproved', 'plansReturned', 'plansRefused', 'plansPending', 'draws', 'drawsInWindow'];

describe('statistics from a known history', () => {
  it('a quarter: tasks ending in it, results entered on time and made public within 20 working days (R15), joint tasks and visits saved (一集中)', async () => {
    const s = await services.stats.compute(quarterPeriod(2026, 3));
    const d = (code: string) => s.departments.find((x) => x.department === code)!;
    expect(s.departments).toHaveLength(30);
    expect(pick(d('XFJYDD'), TASK_KEYS)).toEqual({ tasks: 1, tasksDone: 1, tasksOverdue: 0, resultsEntered: 1, resultsEnteredOnTime: 1, resultsDuePublic: 1, resultsPublishedOnTime: 1, jointTasks: 1, visitsSaved: 0 });
    expect(pick(d('YJGLJ'), TASK_KEYS)).toEqual({ tasks: 1, tasksDone: 1, tasksOverdue: 0, resultsEntered: 1, resultsEnteredOnTime: 1, resultsDuePublic: 1, resultsPublishedOnTime: 1, jointTasks: 1, visitsSaved: 0 });
    // 财政局: T2 entered after its due day and made public late; T3 never entered (overdue); the cancelled T4 is not counted.
    expect(pick(d('CZJ'), TASK_KEYS)).toEqual({ tasks: 2, tasksDone: 1, tasksOverdue: 1, resultsEntered: 1, resultsEnteredOnTime: 0, resultsDuePublic: 2, resultsPublishedOnTime: 0, jointTasks: 0, visitsSaved: 0 });
    // The county counts the joint task once, and the visit it saved.
    expect(pick(s.county, TASK_KEYS)).toEqual({ tasks: 3, tasksDone: 2, tasksOverdue: 1, resultsEntered: 2, resultsEnteredOnTime: 1, resultsDuePublic: 3, resultsPublishedOnTime: 1, jointTasks: 1, visitsSaved: 1 });
    // Draws made in the quarter: the voided one is left out.
    expect(pick(s.county, ['draws', 'drawsInWindow'])).toEqual({ draws: 1, drawsInWindow: 1 });
    expect(s.notes).toEqual([]);
  });

  it('R12 and R13: item coverage by the year’s plans (a refused plan covers nothing), plans entered by 31 March, approved, returned and refused', async () => {
    const s = await services.stats.compute(yearPeriod(2026));
    const d = (code: string) => s.departments.find((x) => x.department === code)!;
    expect(pick(d('XFJYDD'), PLAN_KEYS)).toEqual({ items: 2, itemsCovered: 2, plans: 1, plansByMarch: 1, plansApproved: 1, plansReturned: 0, plansRefused: 0, plansPending: 0, draws: 1, drawsInWindow: 1 });
    // 财政局: CZ002's only plan was refused by 联席办 (R13), so it is not covered; the draw came after the window ended.
    expect(pick(d('CZJ'), PLAN_KEYS)).toEqual({ items: 2, itemsCovered: 1, plans: 2, plansByMarch: 1, plansApproved: 1, plansReturned: 0, plansRefused: 1, plansPending: 0, draws: 1, drawsInWindow: 0 });
    // 应急局: a plan returned by its own leader, and one made in October.
    expect(pick(d('YJGLJ'), PLAN_KEYS)).toEqual({ items: 1, itemsCovered: 1, plans: 2, plansByMarch: 1, plansApproved: 1, plansReturned: 1, plansRefused: 0, plansPending: 0, draws: 1, drawsInWindow: 1 });
    expect(pick(s.county, PLAN_KEYS)).toEqual({ items: 5, itemsCovered: 4, plans: 5, plansByMarch: 3, plansApproved: 3, plansReturned: 1, plansRefused: 1, plansPending: 0, draws: 3, drawsInWindow: 2 });
    // The year adds T5 (entered on time, waiting for review; its R15 deadline not yet passed).
    expect(pick(d('YJGLJ'), TASK_KEYS)).toEqual({ tasks: 2, tasksDone: 1, tasksOverdue: 0, resultsEntered: 2, resultsEnteredOnTime: 2, resultsDuePublic: 1, resultsPublishedOnTime: 1, jointTasks: 1, visitsSaved: 0 });
  });

  it('R11, R2: quiet-period filings accepted and refused, by reason; R4: C-pool entities inspected at least once in the year', async () => {
    const year = await services.stats.compute(yearPeriod(2026));
    const d = (code: string) => year.departments.find((x) => x.department === code)!;
    expect(pick(d('CZJ'), ['filings', 'filingsAccepted', 'filingsRefused', 'filingsReturned', 'filingsPending', 'filingReasons'])).toEqual({
      filings: 2, filingsAccepted: 0, filingsRefused: 1, filingsReturned: 0, filingsPending: 1, filingReasons: { 投诉举报: { accepted: 0, refused: 1, other: 1 } },
    });
    expect(d('XFJYDD').filingReasons).toEqual({ 消防安全: { accepted: 1, refused: 0, other: 0 } });
    expect(pick(year.county, ['filings', 'filingsAccepted', 'filingsRefused', 'filingsPending'])).toEqual({ filings: 3, filingsAccepted: 1, filingsRefused: 1, filingsPending: 1 });
    // C1 (消防) by the joint task, C2 (应急) by T5; C3 (财政局) never.
    expect([d('XFJYDD'), d('YJGLJ'), d('CZJ'), year.county].map((x) => [x.cCovered, x.cEntities])).toEqual([[1, 1], [1, 1], [0, 1], [2, 3]]);
    // A month: only August's draw and filing.
    const aug = await services.stats.compute(monthPeriod(2026, 8));
    expect(pick(aug.county, ['draws', 'filings', 'filingsAccepted', 'tasks'])).toEqual({ draws: 1, filings: 1, filingsAccepted: 1, tasks: 0 });
  });

  it('R22: complaints come through the port; without one every department has none', async () => {
    expect((await services.stats.compute(yearPeriod(2026))).county.complaintsReceived).toBe(0);
    services.stats.useComplaints({ countsByDept: async (p) => new Map(p.key === '2026' ? [['CZJ', { received: 3, closed: 1, overdue: 1 }]] : []) });
    try {
      const s = await services.stats.compute(yearPeriod(2026));
      expect(pick(s.departments.find((x) => x.department === 'CZJ')!, ['complaintsReceived', 'complaintsClosed', 'complaintsOverdue'])).toEqual({ complaintsReceived: 3, complaintsClosed: 1, complaintsOverdue: 1 });
      expect(s.county.complaintsReceived).toBe(3);
    } finally {
      services.stats.useComplaints({ countsByDept: async () => new Map() });
    }
  });
});

describe('results’ timing in the read model', () => {
  it('a state from a snapshot written before timings were kept is read once by _id and kept', async () => {
    const own = await freshDb();
    try {
      const day = (d: string) => new Date(`${d}T02:00:00Z`);
      await own.models.Result.collection.insertOne({
        _id: 'T9' as never, status: 'approved', openFollowUps: 0, submittedAt: day('2026-10-09'), approvedAt: day('2026-10-16'),
        form: JSON.stringify({ start: '2026-09-10', end: '2026-09-12', methods: [], categories: [] }), earlier: '[]', parts: '{}',
      });
      // The snapshot an older release wrote: status and open follow-ups only.
      const snap = own.models.Result.db.collection('result_state_snapshot');
      await snap.insertOne({ _id: 'g1:0' as never, gen: 'g1', rows: gzipSync(Buffer.from(JSON.stringify([{ taskNo: 'T9', status: 'approved', openFollowUps: 0 }]))) });
      await snap.insertOne({ _id: 'meta' as never, gen: 'g1', upTo: 0, chunks: 1, at: new Date() });
      const repos = createRepos(own.models);
      expect((await repos.results.many(['T9'])).get('T9')).toEqual({ status: 'approved', openFollowUps: 0 });
      const t = (await repos.results.timings(['T9'])).get('T9');
      expect(t).toMatchObject({ status: 'approved', submittedAt: day('2026-10-09').getTime(), publishedAt: day('2026-10-16').getTime(), end: '2026-09-12', timed: true });
      expect((await repos.results.many(['T9'])).get('T9')).toMatchObject({ timed: true });
    } finally {
      await own.close();
    }
  });
});

describe('统计 in chat', () => {
  it('R21: 联席办 and 司法局 see the county and every department', async () => {
    const county = await say('lxb', '统计 2026Q3');
    expect(county).toContain('2026年第三季度统计（2026-07-01 至 2026-09-30，截至 2026-12-15）｜全县');
    expect(county).toContain('抽查任务：3 件，已审核 2，逾期未录入 1');
    expect(county).toContain('县财政局：覆盖 50%，按时公示 0%，任务 2（逾期 1），C类 0%');
    expect(await say('sfj', '统计 2026年第三季度 县财政局')).toContain('2026年第三季度统计（2026-07-01 至 2026-09-30，截至 2026-12-15）｜县财政局');
  });

  it('R21: a department sees its own figures only', async () => {
    const own = await say('cz.official', '统计 2026Q3');
    expect(own).toContain('｜县财政局');
    expect(own).toContain('安静期备案（R11、R2）：1 件，通过 0、未通过 1');
    expect(own).not.toContain('全县');
    const other = await say('cz.official', '统计 2026Q3 县消防救援大队');
    expect(other).toContain('依据规则 R21：各单位只能查看本单位（县财政局）的统计');
    expect(other).toContain('统计 2026Q3');
  });

  it('a period it cannot read is answered with the forms it takes', async () => {
    expect(await say('lxb', '统计 明年')).toContain('“明年”不是统计期间，请写年度（如 年度、2026）、季度（如 2026Q3）或月份（如 2026-09）');
    expect(await say('lxb', '统计 2026-13')).toContain('不是统计期间');
    expect(await say('lxb', '统计 2026Q3 县气象站')).toContain('“县气象站”不是联席会议成员单位');
  });
});

describe('npm run cli -- stats', () => {
  it('writes the figures as xlsx: a row per department and the county', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'stats-')), '统计.xlsx');
    const r = await runTsx('src/cli/main.ts', ['stats', '2026Q3', '--out', out], { dbName: db.dbName, env: { TZ: 'UTC' } });
    expect({ code: r.code, err: r.err.split('\n').filter((l) => l && !/schema/.test(l)) }).toEqual({ code: 0, err: [] });
    expect(r.out).toContain('2026年第三季度统计已写入');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.getWorksheet('统计 2026Q3')!;
    expect(ws.rowCount).toBe(32);
    const header = (ws.getRow(1).values as string[]).slice(1);
    const row = (name: string) => {
      for (let i = 2; i <= ws.rowCount; i++) if (ws.getRow(i).getCell(1).value === name) return ws.getRow(i);
      throw new Error(`no row ${name}`);
    };
    const cell = (name: string, h: string) => row(name).getCell(header.indexOf(h) + 1).value;
    expect(cell('县财政局', '逾期未录入')).toBe(1);
    expect(cell('全县', '抽查任务')).toBe(3);
    expect(cell('全县', '减少入企次数')).toBe(1);
    expect(cell('县消防救援大队', '按时公示率')).toBe(1);
  }, 60_000);
});
