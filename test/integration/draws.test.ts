/**
 * The draw through the router every channel uses, on the real database:
 * who may draw and when (R2, R3, R10, R13), once per plan, commitment before
 * result, the seed matching its commitment, verification in chat and by the CLI,
 * a failed assignment (R8a) that writes nothing, joint tasks across departments
 * (一集中), task numbers per department and year, and voiding by 联席办.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Services } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import { announcementDigest, verifyDraw, type DrawRecord } from '../../src/domain/draw';
import type { Pool } from '../../src/domain/pools';
import { PLAN_STEPS } from '../../src/services/plans';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { Announcer, Announcement } from '../../bot/delivery/announcer';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';
import { runTsx } from '../helpers/run';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-05-20T02:00:00Z') };
const now = () => new Date(clock.t);
const setDay = (day: string) => { clock.t = Date.parse(`${day}T02:00:00Z`); };

/** Pinned "cryptographic" bytes, different for every draw. */
let seedCounter = 0;
const random = (n: number) => createHash('sha256').update(`test seed ${seedCounter++}`).digest().subarray(0, n);

/** What the group chats were sent, in order. */
const posted: { department: string; title: string; markdown: string; file?: Announcement['file'] }[] = [];
const announcer = {
  channelsOf: () => ({ wecom: true, dingtalk: false }),
  async announce(department: string, a: Announcement) {
    posted.push({ department, ...a });
    return 1;
  },
} as unknown as Announcer;

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const inspector = (no: string, department: string, over: Record<string, unknown> = {}) => inspectorDoc(no, `人员${no}`, department, { jointPool: true, ...over });
const item = (department: string, itemCode: string, name: string) => itemDoc(department, itemCode, name);

let planSeq = 0;
/** A plan written straight through the repos, approved (R13) unless told otherwise. */
async function plan(p: { department: string; pool: Pool; items: string[]; sampling: PlanDoc['sampling']; window: PlanDoc['window']; joint?: string[] }, status: 'approved' | 'pending' = 'approved'): Promise<string> {
  const planNo = `JH2026-${String(++planSeq).padStart(4, '0')}`;
  const at = now();
  await db.repos.plans.create({
    planNo, year: 2026, department: p.department, pool: p.pool, filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: p.items, sampling: p.sampling, window: p.window, jointDepartments: p.joint ?? [], predictedTargets: 0, duplicates: [],
    createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  });
  await db.repos.approvals.create({
    ...createApproval('plan', planNo, 'test', PLAN_STEPS(p.department), at), status, current: status === 'approved' ? 3 : 0,
    title: planNo, requesterDepartment: p.department, fields: [], flags: [],
  });
  return planNo;
}

const drawNoOf = (s: string) => /JH\d{4}-\d{4}-\d+/.exec(s)?.[0] ?? '';

const SEPT = { from: '2026-09-01', to: '2026-09-30' };
const B_SHARED = Array.from({ length: 20 }, (_, i) => code(100 + i)); // supervised by 县消防 and 县应急局

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now, { deps: { random }, router: { announcer } }));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
    { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
    // The inspector's user id is the inspector number: that is how a user finds their tasks.
    { userId: 'XF-001', name: '人员XF-001', department: '县消防救援大队', roles: ['inspector'] },
  ]);
  await db.repos.inspectors.writer.insertNew([
    ...['XF-001', 'XF-002', 'XF-003', 'XF-004'].map((n) => inspector(n, 'XFJYDD')),
    ...['YJ-001', 'YJ-002', 'YJ-003', 'YJ-004'].map((n) => inspector(n, 'YJGLJ')),
    ...['SC-001', 'SC-002', 'SC-003'].map((n) => inspector(n, 'SCJGJ')),
    inspector('CZ-001', 'CZJ'),
    inspector('CZ-002', 'CZJ', { certificateExpiry: '2026-06-30' }), // expired before the window ends (R8a)
  ] as never);
  await db.repos.items.writer.insertNew([
    item('XFJYDD', 'XF001', '消防安全检查'), item('YJGLJ', 'YJ001', '安全生产检查'), item('SCJGJ', 'SC001', '食品经营检查'), item('CZJ', 'CZ001', '会计信息质量检查'),
  ] as never);
  await addEntities(db.repos, [
    ...Array.from({ length: 20 }, (_, i) => ({ n: 100 + i, pool: 'B' as const, departments: ['XFJYDD', 'YJGLJ'] })),
    ...Array.from({ length: 20 }, (_, i) => ({ n: 200 + i, pool: 'A' as const, departments: ['SCJGJ'] })),
    ...Array.from({ length: 3 }, (_, i) => ({ n: 300 + i, pool: 'B' as const, departments: ['CZJ'] })),
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('who may draw, and when', () => {
  it('R13: a plan that has not passed its reviews is refused, and nothing is drawn', async () => {
    const no = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 3 }, window: SEPT }, 'pending');
    const r = all(await say('xf.official', `抽取 ${no}`));
    expect(r).toContain('依据规则 R13');
    expect(r).toContain('审批中');
    expect(await db.repos.draws.forPlan(no)).toHaveLength(0);
  });

  it('R2: an A-pool plan is drawn by 联席办 only; R3: a B plan only by its own department', async () => {
    const a = await plan({ department: 'SCJGJ', pool: 'A', items: ['SCJGJ:SC001', 'YJGLJ:YJ001'], sampling: { ratioPermille: 100 }, window: { from: '2026-06-01', to: '2026-06-30' }, joint: ['YJGLJ'] });
    expect(all(await say('scj.official', `抽取 ${a}`))).toContain('依据规则 R2');
    const b = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 3 }, window: SEPT });
    expect(all(await say('yj.official', `抽取 ${b}`))).toContain('依据规则 R3');
    expect(all(await say('lxb.office', `抽取 ${b}`))).toContain('依据规则 R3');
    const ok = all(await say('lxb.office', `抽取 ${a}`));
    expect(ok).toContain('20 户中抽中 2 户');
    // Joint by construction: every team has an officer of each department, from the joint pool (R2, R8).
    const d = await services.draws.get(drawNoOf(ok));
    for (const team of d.record!.assignment) expect(new Set(team.officers.map((o) => o.department))).toEqual(new Set(['SCJGJ', 'YJGLJ']));
    // For A, every participating department's group gets the commitment first, then the result.
    expect(posted.filter((p) => p.title.includes(a)).map((p) => `${p.title.slice(0, 4)} ${p.department}`)).toEqual(
      ['抽取承诺 SCJGJ', '抽取承诺 YJGLJ', '抽取结果 SCJGJ', '抽取结果 YJGLJ']);
  });

  it('R10: after the window has ended the plan can no longer be drawn', async () => {
    const a = await plan({ department: 'SCJGJ', pool: 'A', items: ['SCJGJ:SC001'], sampling: { ratioPermille: 100 }, window: { from: '2026-06-01', to: '2026-06-30' }, joint: ['YJGLJ'] });
    setDay('2026-07-01');
    try {
      const r = all(await say('lxb.office', `抽取 ${a}`));
      expect(r).toContain('依据规则 R10');
      expect(r).toContain('2026-06-30');
      expect(await db.repos.draws.forPlan(a)).toHaveLength(0);
    } finally {
      setDay('2026-05-20');
    }
  });
});

describe('a B plan drawn by its department', () => {
  let planNo = '';
  let drawNo = '';
  let out: Outcome;
  const before = { posted: 0 };

  beforeAll(async () => {
    planNo = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 5 }, window: SEPT });
    before.posted = posted.length;
    out = await say('xf.official', `抽取 ${planNo} 0618`);
    drawNo = drawNoOf(all(out));
  });

  it('posts the commitment to the group chat before the result, and the result with the full list as xlsx', async () => {
    expect(drawNo).toBe(`${planNo}-1`);
    const mine = posted.slice(before.posted);
    expect(mine.map((p) => p.title)).toEqual([`抽取承诺 ${planNo}`, `抽取结果 ${drawNo}`]);
    expect(mine.every((p) => p.department === 'XFJYDD')).toBe(true);
    expect(mine[0].markdown).toContain('种子承诺值');
    expect(mine[0].markdown).not.toMatch(/种子：/);
    expect(mine[1].file?.name).toBe(`${drawNo}抽取结果.xlsx`);
    expect(mine[1].file?.data.subarray(0, 2).toString()).toBe('PK');
    const replies = out.replies.map(replyText);
    expect(replies[0]).toContain('【抽取承诺】');
    expect(replies[1]).toContain('【抽取结果】');
  });

  it('the published seed hashes to the commitment posted before it; the public value makes the effective seed', async () => {
    const commitment = /种子承诺值：([0-9a-f]{64})/.exec(posted[before.posted].markdown)![1];
    const seed = /种子：([0-9a-f]{64})/.exec(posted[before.posted + 1].markdown)![1];
    expect(sha(seed)).toBe(commitment);
    const d = await services.draws.get(drawNo);
    expect(d.record!.publicValue).toBe('0618');
    expect(d.record!.effectiveSeed).toBe(sha(`${seed}:0618`));
    expect(d.record!.snapshot).toEqual([...B_SHARED].sort());
  });

  it('a plan is drawn once: a second 抽取 is refused and shows the existing draw', async () => {
    const r = all(await say('xf.official', `抽取 ${planNo}`));
    expect(r).toContain('只抽取一次');
    expect(r).toContain(drawNo);
    expect(await db.repos.draws.forPlan(planNo)).toHaveLength(1);
  });

  it('makes one task per entity, numbered 县消防大队抽查〔2026〕N号, and tells each registered officer privately', async () => {
    const tasks = await db.repos.tasks.forDraw(drawNo);
    expect(tasks.map((t) => t.taskNo).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `县消防大队抽查〔2026〕${n}号`).sort());
    for (const t of tasks) expect(t.officers.length).toBeGreaterThanOrEqual(2);
    const xf1 = tasks.filter((t) => t.officers.includes('XF-001'));
    expect(xf1.length).toBeGreaterThan(0);
    const notice = out.notices.filter((n) => n.userId === 'XF-001').map((n) => replyText(n.reply)).join('\n');
    for (const t of xf1) expect(notice).toContain(t.taskNo);
    expect(out.notices.every((n) => n.userId === 'XF-001')).toBe(true); // the other officers have no user
    const mine = all(await say('XF-001', '我的任务'));
    for (const t of xf1) expect(mine).toContain(t.taskNo);
    expect(all(await say('XF-001', '我的任务 2026'))).toContain(xf1[0].taskNo);
    expect(all(await say('XF-001', '我的任务 2027'))).toContain('暂无2027年检查任务');
  });

  it('核验 recomputes the stored draw and finds it matching', async () => {
    expect(all(await say('yj.official', `核验 ${drawNo}`))).toContain('核验通过');
  });

  it('CLI: draw export writes the public record; draw verify matches it, and reports the first difference of a tampered copy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draw-'));
    const file = path.join(dir, 'record.json');
    const exp = await runTsx('src/cli/main.ts', ['draw', 'export', drawNo, '--out', file], { dbName: db.dbName });
    expect({ code: exp.code, err: exp.code ? exp.err : '' }).toEqual({ code: 0, err: '' });
    const ok = await runTsx('src/cli/main.ts', ['draw', 'verify', file]);
    expect(ok.out).toContain('一致');
    expect(ok.code).toBe(0);
    const record = JSON.parse(readFileSync(file, 'utf8')) as DrawRecord;
    const outsider = record.snapshot.find((c) => !record.selection.includes(c))!;
    const tampered = { ...record, selection: [outsider, ...record.selection.slice(1)] };
    const bad = path.join(dir, 'tampered.json');
    writeFileSync(bad, JSON.stringify(tampered));
    const r = await runTsx('src/cli/main.ts', ['draw', 'verify', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`第1个抽中主体不一致：记录为${outsider}，重算为${record.selection[0]}`);

    // Every announced field is bound by the announcement digest: an edited plan number or filter is caught.
    for (const [edit, label] of [[{ planNo: 'JH2026-9999' }, '计划编号'], [{ filter: '全部主体' }, '筛选条件'], [{ announcedAt: '2026-01-01T00:00:00.000Z' }, '公布时间']] as const) {
      const f = path.join(dir, `edited-${label}.json`);
      writeFileSync(f, JSON.stringify({ ...record, ...edit }));
      const e = await runTsx('src/cli/main.ts', ['draw', 'verify', f]);
      expect(e.code).toBe(1);
      expect(e.out).toContain('公布摘要不一致');
      expect(e.out).toContain(label);
    }
    // Edited and its digest recomputed: the digest posted with the commitment (--digest) still tells.
    const forged = { ...record, planNo: 'JH2026-9999' };
    forged.announcementDigest = announcementDigest(forged);
    const f = path.join(dir, 'forged.json');
    writeFileSync(f, JSON.stringify(forged));
    const e = await runTsx('src/cli/main.ts', ['draw', 'verify', f, '--digest', record.announcementDigest]);
    expect(e.code).toBe(1);
    expect(e.out).toContain('公布摘要与事先公布的不一致');
    const good = await runTsx('src/cli/main.ts', ['draw', 'verify', file, '--digest', record.announcementDigest]);
    expect(good.out).toContain('与所给的一致');
  });

  it('the commitment posted before the draw carries the announcement digest, the Beijing time and each department\'s officers, slots and highest load', () => {
    const commitment = posted.map((p) => p.markdown).find((t) => t.includes('先公布以下承诺'));
    expect(commitment).toMatch(/公布摘要：[0-9a-f]{64}/);
    expect(commitment).toContain('（北京时间）');
    expect(commitment).toContain('检查人员（按人员名录）：');
    expect(commitment).toMatch(/- 县\S+：可派执法人员 \d+ 名，每户派 \d 名.*；每人最多约 \d+ 户/);
  });
});

describe('R8a: a draw whose officers cannot be assigned', () => {
  it('names the entity and the constraint, and leaves nothing written or posted but the audit entry', async () => {
    const no = await plan({ department: 'CZJ', pool: 'B', items: ['CZJ:CZ001'], sampling: { count: 2 }, window: SEPT });
    const postedBefore = posted.length;
    const out = await say('cz.official', `抽取 ${no}`);
    const r = all(out);
    expect(r).toMatch(new RegExp(`主体 (${[300, 301, 302].map(code).join('|')})：县财政局有效执法证人员不足2人（R8a）`));
    expect(r).toContain('没有公布或保存任何抽取结果');
    expect(out.notices).toHaveLength(0);
    expect(posted.length).toBe(postedBefore);
    expect(await db.repos.draws.forPlan(no)).toHaveLength(0);
    expect(await db.repos.tasks.forDepartment('CZJ', { year: 2026 })).toHaveLength(0);
    const audit = await db.repos.audit.forTarget(`plan:${no}`);
    expect(audit.map((a) => a.action)).toContain('draw.failed');
    expect(audit.find((a) => a.action === 'draw.failed')?.note).toMatch(/种子=[0-9a-f]{64}/);
  });
});

describe('一集中: an entity drawn by two departments for overlapping windows is one joint task', () => {
  let xfDraw = '';
  let yjDraw = '';

  beforeAll(async () => {
    // 县消防's September plan above drew 5 of the 20 shared entities; 县应急局 now draws all 20 in mid-September.
    const xfPlan = (await db.repos.plans.forDepartment(2026, 'XFJYDD')).find((p) => p.sampling && 'count' in p.sampling && p.sampling.count === 5)!;
    xfDraw = (await db.repos.draws.forPlan(xfPlan.planNo)).find((d) => d.status === 'done')!.drawNo;
    const yjPlan = await plan({ department: 'YJGLJ', pool: 'B', items: ['YJGLJ:YJ001'], sampling: { count: 20 }, window: { from: '2026-09-10', to: '2026-10-20' } });
    yjDraw = drawNoOf(all(await say('yj.official', `抽取 ${yjPlan}`)));
  });

  it('joins the five entities 县消防 drew into its tasks: one visit, one form with both items, 县消防 leading (first draw)', async () => {
    const xfTasks = await db.repos.tasks.forDraw(xfDraw);
    expect(xfTasks).toHaveLength(5);
    for (const t of xfTasks) {
      expect(t.departments).toEqual(['XFJYDD', 'YJGLJ']);
      expect(t.lead).toBe('XFJYDD');
      expect(t.items).toEqual(['XFJYDD:XF001', 'YJGLJ:YJ001']);
      expect(t.window).toEqual({ from: '2026-09-10', to: '2026-09-30' });
      expect(t.drawNos).toEqual([xfDraw, yjDraw]);
      expect(t.officers.some((o) => o.startsWith('XF-')) && t.officers.some((o) => o.startsWith('YJ-'))).toBe(true);
    }
    const yjTasks = await db.repos.tasks.forDraw(yjDraw);
    expect(yjTasks).toHaveLength(20);
    expect(yjTasks.filter((t) => t.issuer === 'YJGLJ').map((t) => t.taskNo).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `县应急局抽查〔2026〕${i + 1}号`).sort());
  });

  it('联席办 sees the joint inspections and the visits saved', async () => {
    const r = all(await say('lxb.office', '联合检查 2026'));
    expect(r).toContain('联合检查 7 个'); // the 5 above and the A plan's 2 (joint by construction, R2)
    // d departments in one visit save d − 1 visits: 5 merged tasks of two departments and the A plan's 2 of two.
    expect(r).toContain('减少上门 7 次');
    expect(r).toContain('参加部门数 − 1');
    expect(all(await say('xf.official', '联合检查'))).toContain('联席办');
  });

  it('task numbers stay unique per department and year across plans', async () => {
    const second = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 2 }, window: { from: '2026-06-01', to: '2026-06-30' } });
    const d = drawNoOf(all(await say('xf.official', `抽取 ${second}`)));
    const nos = (await db.repos.tasks.forYear(2026)).filter((t) => t.issuer === 'XFJYDD').map((t) => t.taskNo);
    expect(new Set(nos).size).toBe(nos.length);
    expect((await db.repos.tasks.forDraw(d)).map((t) => t.taskNo).sort()).toEqual(['县消防大队抽查〔2026〕6号', '县消防大队抽查〔2026〕7号']);
  });

  it('作废抽取: 联席办 only and with a reason; the draw stays visible as voided, its tasks are cancelled or lose its part, and the plan can be drawn again', async () => {
    expect(all(await say('xf.official', `作废抽取 ${xfDraw} 名录有误`))).toContain('只有联席办');
    expect(all(await say('lxb.office', `作废抽取 ${xfDraw}`))).toContain('请写明作废理由');
    const voided = await say('lxb.office', `作废抽取 ${xfDraw} 人员名录导入有误`);
    const r = all(voided);
    expect(r).toContain('已作废');
    // The departments are told in person too (a group robot may not be set): the draw's own, and the joint partner's.
    for (const who of ['xf.official', 'yj.official']) {
      const told = voided.notices.filter((n) => n.userId === who).map((n) => replyText(n.reply)).join('\n');
      expect(told).toContain(`抽取 ${xfDraw}`);
      expect(told).toContain('人员名录导入有误');
    }
    expect(all(await say('lxb.office', `作废抽取 ${xfDraw} 再来一次`))).toContain('已于');
    // The joint tasks keep 县应急局's part, which now leads.
    for (const t of await db.repos.tasks.forDraw(xfDraw)) {
      expect(t.status).toBe('open');
      expect(t.departments).toEqual(['YJGLJ']);
      expect(t.lead).toBe('YJGLJ');
      expect(t.drawNos).toEqual([yjDraw]);
    }
    expect(all(await say('yj.official', `核验 ${xfDraw}`))).toContain('已作废');

    const planNo = xfDraw.replace(/-\d+$/, '');
    const again = all(await say('xf.official', `抽取 ${planNo}`));
    const redraw = drawNoOf(again);
    expect(redraw).toBe(`${planNo}-2`);
    const history = all(await say('xf.official', `抽取记录 ${planNo}`));
    expect(history).toContain(`${xfDraw}｜`);
    expect(history).toContain('已作废');
    expect(history).toContain('人员名录导入有误');
    expect(history).toContain(`${redraw}｜`);
    expect(history).toContain(`替代 ${xfDraw}`);
    expect((await db.repos.draws.get(redraw))?.supersedes).toBe(xfDraw);
    const audit = await db.repos.audit.forTarget(`draw:${xfDraw}`);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['draw.done', 'draw.void']));
  });

  it('a task cancelled by a void stays visible, marked cancelled', async () => {
    const only = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 1 }, window: { from: '2026-06-01', to: '2026-06-30' } });
    const d = drawNoOf(all(await say('xf.official', `抽取 ${only}`)));
    const [t] = await db.repos.tasks.forDraw(d);
    const voided = await say('lxb.office', `作废抽取 ${d} 重复计划`);
    const after = await db.repos.tasks.get(t.taskNo);
    expect(after?.status).toBe('cancelled');
    // The cancelled task's officers who use the bot are told not to go.
    const onTeam = t.parts[0].officers.some((o) => o.inspectorNo === 'XF-001');
    const toOfficer = voided.notices.filter((n) => n.userId === 'XF-001').map((n) => replyText(n.reply)).join();
    expect(toOfficer.includes(`已取消，请勿上门：${t.taskNo}`)).toBe(onTeam);
    expect(voided.notices.filter((n) => n.userId === 'xf.official').map((n) => replyText(n.reply)).join()).toContain(`取消任务 1 个：${t.taskNo}`);
    expect(all(await say('xf.official', `任务 ${t.taskNo}`))).toContain('已取消');
  });
});

describe('two steps for a meeting: 抽取 <计划编号> 待公开值, then 开奖 <抽取编号> <公开值> (docs/draw.md §7.2)', () => {
  const NOV = { from: '2026-11-01', to: '2026-11-30' };
  let planNo = '';
  let drawNo = '';
  let commitOut: Outcome;
  let commitment = '';
  const before = { posted: 0 };

  beforeAll(async () => {
    planNo = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 3 }, window: NOV });
    before.posted = posted.length;
    commitOut = await say('xf.official', `抽取 ${planNo} 待公开值`);
    drawNo = drawNoOf(all(commitOut));
  });

  it('a commitment waiting for 开奖 is in the department\'s 待办', async () => {
    const todo = all(await say('xf.official', '待办'));
    expect(todo).toContain(`抽取 ${drawNo}（计划 ${planNo}）已公布承诺`);
    expect(todo).toContain(`开奖 ${drawNo} <公开值>`);
    expect(all(await say('yj.official', '待办'))).not.toContain(drawNo);
  });

  it('一公开: the commitment alone is posted, before any selection exists; the seed stays secret (抽取记录, 核验, export) until 开奖', async () => {
    expect(drawNo).toBe(`${planNo}-1`);
    const mine = posted.slice(before.posted);
    expect(mine.map((p) => `${p.title} ${p.department}`)).toEqual([`抽取承诺 ${planNo} XFJYDD`]);
    commitment = /种子承诺值：([0-9a-f]{64})/.exec(mine[0].markdown)![1];
    expect(mine[0].markdown).toContain(`开奖 ${drawNo} <公开值>`);
    expect(mine[0].markdown).not.toMatch(/种子：/);
    expect(all(commitOut)).toContain(`开奖 ${drawNo} <公开值>`);
    expect(commitOut.notices).toHaveLength(0);

    const d = (await services.draws.get(drawNo))!;
    expect(d.status).toBe('committed');
    expect(d.record).toBeUndefined();
    expect(d.seedCommitment).toBe(commitment);
    expect(await db.repos.tasks.forDraw(drawNo)).toHaveLength(0);
    // The seed is in the database, sealed, and matches the commitment; no read but the seal's returns it.
    const seed = (await db.repos.draws.sealed(drawNo))!.seed;
    expect(sha(seed)).toBe(commitment);
    expect(JSON.stringify(d)).not.toContain(seed);
    expect(JSON.stringify(await db.repos.draws.forPlan(planNo))).not.toContain(seed);
    const history = all(await say('yj.official', `抽取记录 ${planNo}`));
    expect(history).toContain('待开奖');
    expect(history).not.toContain(seed);
    const check = all(await say('yj.official', `核验 ${drawNo}`));
    expect(check).toContain('尚未开奖');
    expect(check).not.toContain(seed);
    const exp = await runTsx('src/cli/main.ts', ['draw', 'export', drawNo], { dbName: db.dbName });
    expect(exp.code).toBe(1);
    expect(exp.err).toContain('尚未开奖');
    expect(exp.out + exp.err).not.toContain(seed);
    expect((await db.repos.audit.forTarget(`draw:${drawNo}`)).map((a) => a.action)).toEqual(['draw.commit']);
  });

  it('once per plan: while the draw is committed another 抽取 of the plan is refused, in either form', async () => {
    for (const cmd of [`抽取 ${planNo}`, `抽取 ${planNo} 0618`, `抽取 ${planNo} 两步`]) {
      const r = all(await say('xf.official', cmd));
      expect(r).toContain('尚未开奖');
      expect(r).toContain(`开奖 ${drawNo} <公开值>`);
    }
    expect(await db.repos.draws.forPlan(planNo)).toHaveLength(1);
  });

  it('R3: only the plan\'s own department may 开奖; the public value is required', async () => {
    expect(all(await say('yj.official', `开奖 ${drawNo} 7315`))).toContain('依据规则 R3');
    expect(all(await say('lxb.office', `开奖 ${drawNo} 7315`))).toContain('依据规则 R3');
    expect(all(await say('xf.official', `开奖 ${drawNo}`))).toContain('请写明会上读出的公开值');
    expect((await services.draws.get(drawNo)).status).toBe('committed');
  });

  it('开奖 draws with effectiveSeed = SHA-256(seed:公开值), posts the result with the seed, makes the tasks, and the record verifies', async () => {
    const postedBefore = posted.length;
    const out = await say('xf.official', `开奖 ${drawNo} 7315`);
    expect(all(out)).toContain('【抽取结果】');
    const mine = posted.slice(postedBefore);
    expect(mine.map((p) => `${p.title} ${p.department}`)).toEqual([`抽取结果 ${drawNo} XFJYDD`]);
    expect(mine[0].file?.name).toBe(`${drawNo}抽取结果.xlsx`);
    const seed = /种子：([0-9a-f]{64})/.exec(mine[0].markdown)![1];
    expect(sha(seed)).toBe(commitment);
    const d = await services.draws.get(drawNo);
    expect(d.status).toBe('done');
    expect(d.record!.seed).toBe(seed);
    expect(d.record!.publicValue).toBe('7315');
    expect(d.record!.effectiveSeed).toBe(sha(`${seed}:7315`));
    expect(d.record!.seedCommitment).toBe(commitment);
    expect(verifyDraw(d.record!, { announced: { seedCommitment: commitment, snapshotDigest: d.snapshotDigest, n: d.n, k: d.k } })).toEqual({ ok: true });
    expect(all(await say('yj.official', `核验 ${drawNo}`))).toContain('核验通过');
    const tasks = await db.repos.tasks.forDraw(drawNo);
    expect(tasks).toHaveLength(3);
    expect(tasks.map((t) => t.creditCode).sort()).toEqual([...d.record!.selection].sort());
    for (const t of tasks) expect(t.entityName).not.toBe('');
    expect((await db.repos.audit.forTarget(`draw:${drawNo}`)).map((a) => a.action)).toEqual(['draw.commit', 'draw.done']);
  });

  it('a second 开奖 changes nothing and says it was already drawn', async () => {
    // Its own two-step draw, committed and revealed here: the test does not lean on the one above.
    const own = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001'], sampling: { count: 3 }, window: { from: '2026-10-01', to: '2026-10-31' } });
    const drawNo = drawNoOf(all(await say('xf.official', `抽取 ${own} 待公开值`)));
    expect(all(await say('xf.official', `开奖 ${drawNo} 7315`))).toContain('【抽取结果】');
    const was = await services.draws.get(drawNo);
    const tasksBefore = (await db.repos.tasks.forDraw(drawNo)).map((t) => t.taskNo).sort();
    const postedBefore = posted.length;
    const out = await say('xf.official', `开奖 ${drawNo} 9999`);
    expect(all(out)).toContain('已开奖');
    expect(out.notices).toHaveLength(0);
    expect(posted.length).toBe(postedBefore);
    expect(await services.draws.get(drawNo)).toEqual(was);
    expect((await db.repos.tasks.forDraw(drawNo)).map((t) => t.taskNo).sort()).toEqual(tasksBefore);
  });
});

describe('R8a at 开奖: a two-step draw whose officers cannot be assigned fails in public', () => {
  it('posts the failure with its seed, names the entity and the constraint, writes no tasks, and the plan can be drawn again', async () => {
    const no = await plan({ department: 'CZJ', pool: 'B', items: ['CZJ:CZ001'], sampling: { count: 2 }, window: { from: '2026-11-01', to: '2026-11-30' } });
    const drawNo = drawNoOf(all(await say('cz.official', `抽取 ${no} 公开值待定`)));
    expect(drawNo).toBe(`${no}-1`);
    const commitment = (await services.draws.get(drawNo)).seedCommitment;
    // The roster was frozen with the commitment: an officer added now does not take part in this draw.
    await db.repos.inspectors.writer.insertNew([inspector('CZ-003', 'CZJ')] as never);

    const postedBefore = posted.length;
    const out = await say('cz.official', `开奖 ${drawNo} 2468`);
    const r = all(out);
    expect(r).toMatch(new RegExp(`主体 (${[300, 301, 302].map(code).join('|')})：县财政局有效执法证人员不足2人（R8a）`));
    expect(r).toContain('不生成任何检查任务');
    expect(out.notices).toHaveLength(0);
    const mine = posted.slice(postedBefore);
    expect(mine.map((p) => `${p.title} ${p.department}`)).toEqual([`抽取未完成 ${drawNo} CZJ`]);
    const seed = /种子：([0-9a-f]{64})/.exec(mine[0].markdown)![1];
    expect(sha(seed)).toBe(commitment);
    expect(mine[0].markdown).toContain(`有效种子：${sha(`${seed}:2468`)}`);
    expect(mine[0].markdown).toContain('（R8a）');

    const d = await services.draws.get(drawNo);
    expect(d.status).toBe('failed');
    expect(d.seed).toBe(seed);
    expect(d.failure?.rule).toBe('R8a');
    expect(await db.repos.tasks.forDraw(drawNo)).toHaveLength(0);
    expect(await db.repos.draws.sealed(drawNo)).toBeUndefined();
    const history = all(await say('cz.official', `抽取记录 ${no}`));
    expect(history).toContain('开奖未完成');
    expect(history).toContain(seed);
    expect(all(await say('cz.official', `核验 ${drawNo}`))).toContain('与事先公布的承诺值一致');
    expect(all(await say('cz.official', `开奖 ${drawNo} 1357`))).toContain('已开奖');
    expect((await db.repos.audit.forTarget(`draw:${drawNo}`)).find((a) => a.action === 'draw.failed')?.note).toContain(`种子=${seed}`);

    // Drawn again, now with the new officer on the roster.
    const again = all(await say('cz.official', `抽取 ${no}`));
    expect(drawNoOf(again)).toBe(`${no}-2`);
    expect(again).toContain('3 户中抽中 2 户');
    expect((await services.draws.get(`${no}-2`)).supersedes).toBe(drawNo);
    expect(await db.repos.tasks.forDraw(`${no}-2`)).toHaveLength(2);
  });
});

describe('R2: a two-step A draw is committed and revealed by 联席办 only; a committed draw may be voided', () => {
  it('refuses the department, lets 联席办 void the committed draw (its seed then published), and draw again in two steps', async () => {
    const a = await plan({ department: 'SCJGJ', pool: 'A', items: ['SCJGJ:SC001', 'YJGLJ:YJ001'], sampling: { ratioPermille: 100 }, window: { from: '2026-10-01', to: '2026-10-31' }, joint: ['YJGLJ'] });
    expect(all(await say('scj.official', `抽取 ${a} 待公开值`))).toContain('依据规则 R2');
    const first = drawNoOf(all(await say('lxb.office', `抽取 ${a} 待公开值`)));
    expect(posted.filter((p) => p.title === `抽取承诺 ${a}`).map((p) => p.department)).toEqual(['SCJGJ', 'YJGLJ']);
    expect(all(await say('scj.official', `开奖 ${first} 11`))).toContain('依据规则 R2');

    const seed = (await db.repos.draws.sealed(first))!.seed;
    expect(all(await say('lxb.office', `作废抽取 ${first} 会议改期`))).toContain('已作废');
    const voided = await services.draws.get(first);
    expect(voided.status).toBe('voided');
    expect(voided.seed).toBe(seed);
    expect(posted.find((p) => p.title === `抽取作废 ${first}`)?.markdown).toContain(`种子 ${seed}`);
    expect(all(await say('lxb.office', `开奖 ${first} 11`))).toContain('作废（理由：会议改期），不能开奖');
    expect(all(await say('lxb.office', `抽取记录 ${a}`))).toContain('作废前未开奖');

    const second = drawNoOf(all(await say('lxb.office', `抽取 ${a} 两步`)));
    expect(second).toBe(`${a}-2`);
    const r = all(await say('lxb.office', `开奖 ${second} 42`));
    expect(r).toContain('20 户中抽中 2 户');
    const d = await services.draws.get(second);
    expect(d.supersedes).toBe(first);
    for (const team of d.record!.assignment) expect(new Set(team.officers.map((o) => o.department))).toEqual(new Set(['SCJGJ', 'YJGLJ']));
    expect(posted.filter((p) => p.title === `抽取结果 ${second}`).map((p) => p.department)).toEqual(['SCJGJ', 'YJGLJ']);
  });
});
