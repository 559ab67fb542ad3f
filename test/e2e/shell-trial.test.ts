/**
 * Issue 4's newcomer trial, automated: with the demo county, a fire-brigade
 * official files a quiet-period exception for a fire-safety complaint and gets
 * it approved in `npm run chat`, switching users (切换) between official,
 * leader, 联席办 and 司法局 — the real shell process, piped, on the real database.
 */
import { runTsx } from '../helpers/run';
import { demoService } from '../../src/services/demo';
import { cliCaller } from '../../src/services/context';
import { certificateValidOn, isEnforcementOfficer } from '../../src/domain/inspector';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;

beforeAll(async () => {
  db = await freshDb();
  await demoService({ repos: db.repos, now: () => new Date() }).fill(cliCaller('trial'), { entities: 2000, inspectors: 200 });
}, 120_000);

afterAll(async () => {
  await db?.close();
});

it('R11: a quiet-period fire-safety complaint check is filed and approved in one shell session, switching users', async () => {
  // A date in B's quiet period (R10), from tomorrow on.
  let t = Date.now() + 8 * 3600_000 + 86400_000;
  while ([5, 8].includes(new Date(t).getUTCMonth())) t += 86400_000;
  const planned = new Date(t).toISOString().slice(0, 10);
  const [entity] = await db.repos.entities.find({ pool: 'B', department: 'XFJYDD' }, 1);
  const officers = (await db.repos.inspectors.byDepartment('XFJYDD', { activeOnly: true }))
    .filter((i) => isEnforcementOfficer(i) && certificateValidOn(i, planned) && !i.conflicts.includes(entity.creditCode))
    .slice(0, 2);
  expect(officers).toHaveLength(2);

  const script = [
    '备案', entity.creditCode, '消防安全投诉', planned, officers.map((o) => o.name).join('、'), '群众举报疏散通道堵塞', '提交',
    '切换 xf.leader', '待办', `点 ap.yes:{NO}#0`,
    '切换 lxb.office', `点 ap.yes:{NO}#1`,
    '切换 sfj.justice', '同意 {NO} 已登记',
    '切换 xf.official', '查看备案 {NO}',
  ];
  // The filing number is the first of the year; the shell reads the lines as typed.
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
  const no = `BA${year}-0001`;
  const r = await runTsx('bot/channels/shell/main.ts', ['--as', 'xf.official'], { dbName: db.dbName, input: `${script.join('\n').replaceAll('{NO}', no)}\n` });
  expect(r.code).toBe(0);
  expect(r.out).toContain(`备案 ${no} 已提交（R11）`);
  expect(r.out).toContain('（已切换为 占建军（xf.leader））');
  expect(r.out).toContain(`已同意：备案 ${no}，已送县市管局联席办`);
  expect(r.out).toContain(`已同意：备案 ${no}，审批全部完成`);
  expect(r.out).toMatch(/状态：已通过/);
  const approval = await db.repos.approvals.get(no);
  expect(approval?.status).toBe('approved');
  expect(approval?.steps.map((s) => s.by)).toEqual(['xf.leader', 'lxb.office', 'sfj.justice']);
}, 120_000);
