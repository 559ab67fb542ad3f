/**
 * The newcomers' trials, automated with the demo county, in the real
 * `npm run chat` process (piped) switching users (切换): a quiet-period filing
 * for a fire-safety complaint approved by leader, 联席办 and 司法局; a B plan
 * approved, drawn, exported and verified with the CLI; and 联席办's own A plan
 * through its whole chain, a plan returned once showing both rounds, fairness
 * warnings and an impossible team at the preview, and an edited export caught.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTsx } from '../helpers/run';
import { demoService } from '../../src/services/demo';
import { cliCaller } from '../../src/services/context';
import { certificateValidOn, isEnforcementOfficer } from '../../src/domain/inspector';
import { MEMBER_UNITS, unitName } from '../../src/domain/organisation';
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

it('R2, R13, R20: 联席办\'s A plan passes its whole chain; a returned plan shows both rounds; the preview warns about unfair teams and refuses impossible ones; an edited export fails draw verify', async () => {
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() + 1;
  const chat = (as: string, lines: string[], env: Record<string, string> = {}) =>
    runTsx('bot/channels/shell/main.ts', ['--as', as], { dbName: db.dbName, input: `${lines.join('\n')}\n`, env });
  const planNos = (out: string) => [...out.matchAll(/计划 (JH\d{4}-\d{4}) 已提交/g)].map((m) => m[1]);

  // 联席办 drafts an A plan with a unit that has officers in the joint pool (R8) and an item needing no specialty:
  // 县市管局 leader → that unit's leader → the other 联席办 member → 司法局.
  const lastDay = `${year}-06-30`;
  const pooledOfficers = async (d: string) => (await db.repos.inspectors.byDepartment(d, { activeOnly: true }))
    .filter((i) => i.jointPool && isEnforcementOfficer(i) && certificateValidOn(i, lastDay));
  const pooled = async (d: string) => (await pooledOfficers(d)).length;
  let joint = '';
  for (const u of MEMBER_UNITS.filter((m) => !['SCJGJ', 'SFJ'].includes(m.code))) if (!joint && (await pooled(u.code)) >= 2) joint = u.code;
  expect(joint).not.toBe('');
  const scjOfficers = await pooledOfficers('SCJGJ');
  expect(scjOfficers.length).toBeGreaterThanOrEqual(2);
  const listed = [...(await db.repos.items.byDepartment('SCJGJ')), ...(await db.repos.items.byDepartment(joint))]
    .filter((i) => i.pools.includes('A') && i.jointListA)
    .sort((x, y) => (x.department === y.department ? x.itemCode.localeCompare(y.itemCode) : x.department === 'SCJGJ' ? -1 : 1));
  const item = listed.findIndex((i) => i.department === 'SCJGJ' && (!i.specialty || scjOfficers.some((o) => o.specialties.includes(i.specialty)))) + 1;
  expect(item).toBeGreaterThan(0);
  const drafted = await chat('lxb.office', ['新建计划', String(year), 'A', unitName(joint), '风险=低', String(item), '5%', '6月', '提交']);
  expect(drafted.out).toContain(`部门领导 → ${unitName(joint)}领导 → 联席办 → 司法局`);
  const [a] = planNos(drafted.out);
  expect(a).toMatch(/^JH\d{4}-\d{4}$/);
  const chain = await chat('lxb.office', [
    '切换 scj.leader', `点 ap.yes:${a}#0`, `切换 ${joint === 'XFJYDD' ? 'xf' : joint === 'YJGLJ' ? 'yj' : joint.toLowerCase()}.leader`, `点 ap.yes:${a}#1`,
    '切换 lxb.office', `点 ap.yes:${a}#2`, '切换 lxb.office2', `点 ap.yes:${a}#2`, '切换 sfj.justice', `点 ap.yes:${a}#3`,
    '切换 lxb.office', `抽取 ${a}`,
  ]);
  expect(chain.out).toContain('依据规则 R20'); // the drafter cannot review their own plan
  expect(chain.out).toContain(`抽查计划 ${a}，审批全部完成`);
  expect(chain.out).toContain('【抽取承诺】');
  expect((await db.repos.approvals.get(a))?.steps.map((s) => s.by)).toEqual(['scj.leader', expect.stringMatching(/\.leader$/), 'lxb.office2', 'sfj.justice']);

  // A C plan of 县市管局, returned once and submitted again, shows both rounds; the preview warns when the load is above the limit.
  const sepDay = `${year}-09-30`;
  const scjAll = (await db.repos.inspectors.byDepartment('SCJGJ', { activeOnly: true })).filter((i) => isEnforcementOfficer(i) && certificateValidOn(i, sepDay));
  const scjB = (await db.repos.items.byDepartment('SCJGJ')).filter((i) => i.pools.includes('C')).sort((x, y) => x.itemCode.localeCompare(y.itemCode));
  const bItem = scjB.findIndex((i) => !i.specialty || scjAll.some((o) => o.specialties.includes(i.specialty))) + 1;
  expect(bItem).toBeGreaterThan(0);
  const b1 = await chat('scj.official', ['新建计划', String(year), 'C', '无', '风险=高,较高', String(bItem), '30%', '9月', '提交'], { MAX_TASKS_PER_OFFICER: '1' });
  expect(b1.out).toContain('超过每个检查期 1 户的上限');
  const [b] = planNos(b1.out);
  expect(b).toMatch(/^JH\d{4}-\d{4}$/);
  const rounds = await chat('scj.official', [
    '切换 scj.leader', `退回 ${b} 请改在10月检查`, '切换 scj.official', `修改计划 ${b}`, '改 时段', '10月', '提交',
    '切换 scj.leader', `同意 ${b} 可以`, `计划 ${b}`,
  ]);
  expect(rounds.out).toContain('第1轮：');
  expect(rounds.out).toContain('意见：请改在10月检查');
  expect(rounds.out).toContain('第2轮（本轮）：');
  expect(rounds.out).toContain('意见：可以');

  // An item needing a specialty nobody in 县消防 has: refused at the preview, not at the draw.
  await db.repos.items.writer.insertNew([{
    _id: 'XFJYDD:XF999', itemCode: 'XF999', department: 'XFJYDD', name: '核辐射安全检查', legalBasis: '依据', powerListCode: '36112900XF999',
    pools: ['A', 'B', 'C'], jointListA: false, specialty: '核辐射', rowHash: 'x', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test',
  }] as never);
  const choices = (await db.repos.items.byDepartment('XFJYDD')).filter((i) => i.pools.includes('B')).sort((x, y) => x.itemCode.localeCompare(y.itemCode));
  const n = choices.findIndex((i) => i.itemCode === 'XF999') + 1;
  const impossible = await chat('xf.official', ['新建计划', String(year), 'B', '无', '风险=较高', String(n), '15%', '9月', '提交', '取消']);
  expect(impossible.out).toContain('依据规则 R7：县消防救援大队没有具备“核辐射”专长的有效执法证人员或专家');
  expect(impossible.out).toContain('计划未提交');

  // The A draw's record, exported and its plan number edited, fails draw verify.
  const file = path.join(os.tmpdir(), `draw-a-${db.dbName}.json`);
  expect((await runTsx('src/cli/main.ts', ['draw', 'export', `${a}-1`, '--out', file], { dbName: db.dbName })).code).toBe(0);
  const record = JSON.parse(readFileSync(file, 'utf8')) as { planNo: string };
  writeFileSync(file, JSON.stringify({ ...record, planNo: `${record.planNo.slice(0, -1)}9` }));
  const edited = await runTsx('src/cli/main.ts', ['draw', 'verify', file]);
  expect(edited.code).toBe(1);
  expect(edited.out).toContain('公布摘要不一致');
  expect(edited.out).toContain('计划编号');
}, 240_000);
