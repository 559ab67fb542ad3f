/**
 * C-pool coverage (R4) through the router on the real database: per responsible
 * unit (the proposer of the C placement, else every supervising unit), C
 * entities inspected this year (a task's result or a 备案's, year boundaries in
 * Beijing dates), planned (a drawn task not finished) and uncovered; who may see
 * what; and the coverage reminders firing once per period across two processes.
 */
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { createServices, type Services } from '../../src/app';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { cCoverage, coverageRemindersDue } from '../../src/domain/cCoverage';
import { createScheduler } from '../../bot/delivery/scheduler';
import { yearReminderJobs } from '../../bot/delivery/yearReminders';
import type { Outcome, Router } from '../../bot/router';
import { replyText, type Reply } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, saveUsers } from '../helpers/fixtures';
import type { HistoryEntry } from '../../src/domain/records/result';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-08-25T02:00:00Z') };
const now = () => new Date(clock.t);
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

const entry = (taskNo: string, source: 'task' | 'filing', departments: string[], end: string): HistoryEntry =>
  ({ taskNo, source, lead: departments[0], departments, start: end, end, categories: ['未发现问题'], round: 1 });

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
  ]);
  // 1..5: C entities of the fire brigade (imported as C); 6: supervised by two units; 7: B, proposed for C by the fire brigade.
  await addEntities(db.repos, [
    { n: 1, pool: 'C', departments: ['XFJYDD'] }, { n: 2, pool: 'C', departments: ['XFJYDD'] }, { n: 3, pool: 'C', departments: ['XFJYDD'] },
    { n: 4, pool: 'C', departments: ['XFJYDD'] }, { n: 5, pool: 'C', departments: ['XFJYDD'] },
    { n: 6, pool: 'C', departments: ['XFJYDD', 'YJGLJ'] },
    { n: 7, pool: 'B', departments: ['XFJYDD', 'YJGLJ'] },
  ]);
  // 7 becomes C on the fire brigade's proposal, confirmed by 联席办: the fire brigade alone answers for it.
  expect(all(await say('xf.official', `调库 ${code(7)} C类 多次投诉消防通道堵塞`))).toContain('已提出');
  expect(all(await say('lxb.a', `同意 TK-${code(7)}`))).toContain('同意');
  // A task's result in the year, a 备案's result on 1 January, one on 31 December of the year before.
  await db.repos.history.record(code(1), entry('XFJYDD-2026-0001', 'task', ['XFJYDD'], '2026-03-10'));
  await db.repos.history.record(code(2), entry('BA2026-0001', 'filing', ['XFJYDD'], '2026-01-01'));
  await db.repos.history.record(code(3), entry('XFJYDD-2025-0009', 'task', ['XFJYDD'], '2025-12-31'));
  // 6: inspected by 应急局 only; 7: inspected by 应急局 only (the fire brigade proposed it, so it is still uncovered).
  await db.repos.history.record(code(6), entry('YJGLJ-2026-0001', 'task', ['YJGLJ'], '2026-05-20'));
  await db.repos.history.record(code(7), entry('YJGLJ-2026-0002', 'task', ['YJGLJ'], '2026-06-20'));
  // 4: drawn in a task of the year, no result yet.
  await db.repos.tasks.createMany([{
    taskNo: 'XFJYDD-2026-0002', year: 2026, issuer: 'XFJYDD', creditCode: code(4), entityName: '万年县测试4有限公司', at: now(),
    parts: [{ drawNo: 'CQ2026-0001', planNo: 'JH2026-0001', departments: ['XFJYDD'], officers: [], items: ['XFJYDD:XF001'], window: { from: '2026-09-01', to: '2026-09-30' }, at: now().toISOString() }],
  }]);
});

afterAll(async () => {
  await db.close();
});

describe('C-pool coverage counting (R4)', () => {
  it('R4: counts tasks and filings of the year, not the year before, per responsible unit; planned tasks apart', async () => {
    const rows = await services.cCoverage.table(2026);
    const xf = rows.find((r) => r.department === 'XFJYDD')!;
    const yj = rows.find((r) => r.department === 'YJGLJ')!;
    expect(xf.total).toBe(7); // 1..6 and 7 (proposed by the fire brigade)
    expect(xf.inspected.map((i) => i.entity.code).sort()).toEqual([code(1), code(2)]);
    expect(xf.planned.map((p) => p.entity.code)).toEqual([code(4)]);
    expect(xf.uncovered.map((e) => e.code).sort()).toEqual([code(3), code(5), code(6), code(7)]);
    // 应急局 answers only for 6 (it supervises 7 too, but the fire brigade proposed 7).
    expect(yj.total).toBe(1);
    expect(yj.inspected.map((i) => i.entity.code)).toEqual([code(6)]);
    // The year before: only the 31 December result counts.
    const before = (await services.cCoverage.table(2025)).find((r) => r.department === 'XFJYDD')!;
    expect(before.inspected.map((i) => i.entity.code)).toEqual([code(3)]);
  });

  it('R4: a task whose result is approved is no longer planned (pure rule)', () => {
    const e = { code: 'X', name: 'x', responsible: ['A'] };
    const rows = cCoverage(2026, [e], [{ code: 'X', departments: ['A'], end: '2026-12-31', taskNo: 'T1' }], [{ code: 'X', year: 2026, departments: ['A'], taskNo: 'T1' }]);
    expect(rows[0].inspected).toHaveLength(1);
    expect(rows[0].planned).toHaveLength(0);
  });

  it('R4: C类覆盖 shows a unit its own counts and uncovered list; 联席办 the county; another unit is refused', async () => {
    const own = all(await say('xf.official', 'C类覆盖 2026'));
    expect(own).toContain('县消防救援大队：C类主体 7 户，已检查 2，已列入任务 1，尚未覆盖 4');
    expect(own).toContain(code(5));
    expect(own).toContain('xlsx');
    const county = all(await say('lxb.a', 'C类覆盖 2026'));
    expect(county).toContain('县消防救援大队');
    expect(county).toContain('县应急管理局：C类主体 1 户，已检查 1');
    expect(all(await say('xf.official', 'C类覆盖 2026 县应急管理局'))).toContain('R4');
  });

  it('R4: in WeCom the list comes as an xlsx file', async () => {
    await db.repos.org.saveUser({ ...(await db.repos.org.user('xf.official'))!, wecomUserId: 'wx-xf' });
    const out = await router.respond({ channel: 'wecom', senderId: 'wx-xf', text: 'C类覆盖' });
    const file = out.replies.find((r): r is Extract<Reply, { kind: 'file' }> => r.kind === 'file');
    expect(file?.name).toBe('2026年C类主体覆盖情况.xlsx');
  });
});

describe('C-pool coverage reminders (R4)', () => {
  it('R4: the periods: first week of a quarter, weekly from 1 November, the year-end summary', () => {
    expect(coverageRemindersDue('2026-10-03').map((d) => d.key)).toEqual(['ccov-q:2026-Q4']);
    expect(coverageRemindersDue('2026-10-08')).toEqual([]);
    expect(coverageRemindersDue('2026-11-01').map((d) => d.key)).toEqual(['ccov-w:2026-W1']);
    expect(coverageRemindersDue('2026-11-08').map((d) => d.key)).toEqual(['ccov-w:2026-W2']);
    expect(coverageRemindersDue('2026-12-31').map((d) => d.key)).toEqual(['ccov-w:2026-W9', 'ccov-s:2026']);
    expect(coverageRemindersDue('2027-01-02').map((d) => d.key)).toEqual(['ccov-q:2027-Q1', 'ccov-s:2026']);
  });

  it('R4: each reminder fires once per period across two server processes', async () => {
    const second = await connect(db.uri, db.dbName);
    try {
      const sent: { to: string; text: string }[] = [];
      const notify = async (userId: string, reply: Reply) => { sent.push({ to: userId, text: replyText(reply) }); return true; };
      const log = createLogger('warn', () => undefined);
      const one = createServices({ repos: db.repos, now, policy: DEFAULT_POLICY });
      const two = createServices({ repos: createRepos(second.models), now, policy: DEFAULT_POLICY });
      const schedulers = [
        createScheduler({ repos: db.repos, jobs: yearReminderJobs(one, notify).filter((j) => j.name === 'c-coverage.remind'), now, owner: 'p1', log }),
        createScheduler({ repos: createRepos(second.models), jobs: yearReminderJobs(two, notify).filter((j) => j.name === 'c-coverage.remind'), now, owner: 'p2', log }),
      ];
      const stepBoth = () => Promise.all(schedulers.map((s) => s.step()));
      const hours = (h: number) => { clock.t += h * 3600_000; };

      clock.t = Date.parse('2026-10-01T01:00:00Z');
      await stepBoth();
      const quarter = sent.filter((s) => s.text.includes('尚未覆盖'));
      expect(quarter.map((s) => s.to)).toEqual(['xf.official']); // 应急局 has nothing uncovered
      expect(quarter[0].text).toContain('依据规则 R4');
      expect(quarter[0].text).toContain(code(5));
      // Later the same week, both processes again: nothing more.
      hours(7); await stepBoth(); hours(7); await stepBoth();
      expect(sent).toHaveLength(1);

      // From 1 November, weekly: once in the first week, once in the second.
      clock.t = Date.parse('2026-11-01T01:00:00Z');
      await stepBoth(); hours(7); await stepBoth();
      expect(sent.filter((s) => s.text.includes('距年底'))).toHaveLength(1);
      clock.t = Date.parse('2026-11-08T01:00:00Z');
      await stepBoth(); hours(7); await stepBoth();
      expect(sent.filter((s) => s.text.includes('距年底'))).toHaveLength(2);

      // The year-end summary to every 联席办 member, once.
      clock.t = Date.parse('2026-12-31T01:00:00Z');
      await stepBoth(); hours(7); await stepBoth();
      clock.t = Date.parse('2027-01-02T01:00:00Z');
      await stepBoth();
      const summary = sent.filter((s) => s.text.includes('年终汇总'));
      expect(summary.map((s) => s.to).sort()).toEqual(['lxb.a', 'lxb.b']);
      expect(summary[0].text).toContain('2026年C类主体覆盖年终汇总');
    } finally {
      await second.close();
      clock.t = Date.parse('2026-08-25T02:00:00Z');
    }
  });
});
