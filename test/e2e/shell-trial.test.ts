/**
 * The newcomers' trials of issues 4 and 5, automated with the demo county, in
 * the real `npm run chat` process (piped) switching users (切换): a quiet-period
 * filing for a fire-safety complaint approved by leader, 联席办 and 司法局; and a
 * B plan approved, drawn, exported and verified with the CLI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

it('R13, R2–R4: a B plan is approved and drawn in the shell; the exported record verifies with the CLI, a tampered one does not', async () => {
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() + 1; // next year's June window is ahead
  const no = `JH${year}-0001`;
  const script = [
    '新建计划', String(year), 'B', '无', '风险=一般', '1', '5%', '6月', '提交',
    '切换 xf.leader', `点 ap.yes:${no}#0`, '切换 lxb.office', `点 ap.yes:${no}#1`, '切换 sfj.justice', `点 ap.yes:${no}#2`,
    '切换 xf.official', `抽取 ${no}`, `核验 ${no}-1`,
  ];
  const chat = await runTsx('bot/channels/shell/main.ts', ['--as', 'xf.official'], { dbName: db.dbName, input: `${script.join('\n')}\n` });
  expect(chat.code).toBe(0);
  expect(chat.out).toContain(`抽查计划 ${no}，审批全部完成`);
  expect(chat.out).toContain('【抽取承诺】');
  expect(chat.out.indexOf('【抽取承诺】')).toBeLessThan(chat.out.indexOf('【抽取结果】'));
  expect(chat.out).toContain('核验通过');

  const file = path.join(os.tmpdir(), `draw-${db.dbName}.json`);
  const exported = await runTsx('src/cli/main.ts', ['draw', 'export', `${no}-1`, '--out', file], { dbName: db.dbName });
  expect(exported.code).toBe(0);
  const verified = await runTsx('src/cli/main.ts', ['draw', 'verify', file]);
  expect([verified.code, verified.out]).toEqual([0, expect.stringContaining('一致')]);
  const record = JSON.parse(readFileSync(file, 'utf8')) as { seed: string };
  writeFileSync(file, JSON.stringify({ ...record, seed: record.seed.replace(/^./, (c) => (c === '0' ? '1' : '0')) }));
  const tampered = await runTsx('src/cli/main.ts', ['draw', 'verify', file]);
  expect(tampered.code).toBe(1);
  expect(tampered.out).toContain('不一致');
}, 120_000);
