/**
 * Inspection results through the router on the real database: tasks drawn the
 * way officials draw them, then 录入结果 as a guided conversation (R15: 谁检查、
 * 谁录入), dates inside the window and not in the future, categories consistent
 * with the items, nothing saved before 提交, a joint task's parts and its 组长's
 * submission, the leader's review (退回 / 同意), a fixed approved result and a
 * correction with a reason that keeps both versions (R20), and each task's state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Services } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import type { Pool } from '../../src/domain/pools';
import { PLAN_STEPS } from '../../src/services/plans';
import { FILING_STEPS } from '../../src/services/filings';
import { createServices } from '../../src/app';
import { policyFrom } from '../../src/services/policy';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { TaskDoc } from '../../src/domain/records/task';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { reminderJobs } from '../../bot/delivery/reminders';
import { runTsx } from '../helpers/run';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

import ExcelJS from 'exceljs';
import type { Announcer, Announcement } from '../../bot/delivery/announcer';

/** What the group chats were sent. */
const posted: { department: string; a: Announcement }[] = [];
const announcer = {
  channelsOf: () => ({ wecom: true, dingtalk: false }),
  async announce(department: string, a: Announcement) {
    posted.push({ department, a });
    return 1;
  },
} as unknown as Announcer;

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-08-25T02:00:00Z') };
const now = () => new Date(clock.t);
const setDay = (day: string) => { clock.t = Date.parse(`${day}T02:00:00Z`); };

let seedCounter = 0;
const random = (n: number) => createHash('sha256').update(`results seed ${seedCounter++}`).digest().subarray(0, n);

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
/** Says each line in turn; returns the last answer. */
async function script(userId: string, lines: string[]): Promise<string> {
  let last = '';
  for (const l of lines) last = all(await say(userId, l));
  return last;
}

const SEPT = { from: '2026-09-01', to: '2026-09-30' };
let planSeq = 0;
async function plan(p: { department: string; pool: Pool; items: string[]; count: number; joint?: string[] }): Promise<string> {
  const planNo = `JH2026-${String(++planSeq).padStart(4, '0')}`;
  const at = now();
  await db.repos.plans.create({
    planNo, year: 2026, department: p.department, pool: p.pool, filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: p.items, sampling: { count: p.count }, window: SEPT, jointDepartments: p.joint ?? [], predictedTargets: 0, duplicates: [],
    createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  } as PlanDoc);
  await db.repos.approvals.create({
    ...createApproval('plan', planNo, 'test', PLAN_STEPS(p.department, p.joint), at), status: 'approved', current: 9,
    title: planNo, requesterDepartment: p.department, fields: [], flags: [],
  });
  return planNo;
}

let jointPlan: string;
let singlePlan: string;
let joint: TaskDoc; // 县消防 leads, 县应急局 takes part: 2 + 1 items
let single: TaskDoc; // 县财政局 alone: 1 item
const leaderOf = (t: TaskDoc, dept: string) => t.parts.flatMap((p) => p.officers).find((o) => o.leader && o.department === dept)!.inspectorNo;
/** Someone on the team other than the lead department's 组长. */
const memberOf = (t: TaskDoc) => t.officers.find((no) => no !== leaderOf(t, t.lead))!;
const officerOf = (t: TaskDoc, dept: string) => t.parts.flatMap((p) => p.officers).find((o) => o.department === dept)!.inspectorNo;

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now, { deps: { random }, router: { announcer } }));
  const officers = [
    ...['XF-001', 'XF-002', 'XF-003'].map((n) => ['县消防救援大队', n]),
    ...['YJ-001', 'YJ-002', 'YJ-003'].map((n) => ['县应急管理局', n]),
    ...['CZ-001', 'CZ-002'].map((n) => ['县财政局', n]),
  ];
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '邓大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'] },
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
    { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
    // The inspector's user id is the inspector number: that is how the team finds its tasks.
    ...officers.map(([department, no]) => ({ userId: no, name: `人员${no}`, department, roles: ['inspector' as const] })),
  ]);
  await db.repos.inspectors.writer.insertNew([
    ...['XF-001', 'XF-002', 'XF-003'].map((n) => inspectorDoc(n, `人员${n}`, 'XFJYDD', { jointPool: true })),
    ...['YJ-001', 'YJ-002', 'YJ-003'].map((n) => inspectorDoc(n, `人员${n}`, 'YJGLJ', { jointPool: true })),
    ...['CZ-001', 'CZ-002'].map((n) => inspectorDoc(n, `人员${n}`, 'CZJ', { jointPool: true })),
  ] as never);
  await db.repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('XFJYDD', 'XF002', '消防设施检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查'), itemDoc('CZJ', 'CZ001', '会计信息质量检查'),
  ] as never);
  await addEntities(db.repos, [
    { n: 100, pool: 'B', departments: ['XFJYDD', 'YJGLJ'] },
    { n: 300, pool: 'B', departments: ['CZJ'] },
  ]);
  const j = jointPlan = await plan({ department: 'XFJYDD', pool: 'B', items: ['XFJYDD:XF001', 'XFJYDD:XF002', 'YJGLJ:YJ001'], count: 1, joint: ['YJGLJ'] });
  expect(all(await say('xf.official', `抽取 ${j}`))).toContain('检查任务');
  const s = singlePlan = await plan({ department: 'CZJ', pool: 'B', items: ['CZJ:CZ001'], count: 1 });
  expect(all(await say('cz.official', `抽取 ${s}`))).toContain('检查任务');
  const [jd] = await db.repos.draws.forPlan(j);
  const [sd] = await db.repos.draws.forPlan(s);
  [joint] = await db.repos.tasks.forDraw(jd.drawNo);
  [single] = await db.repos.tasks.forDraw(sd.drawNo);
  expect(joint.departments).toEqual(['XFJYDD', 'YJGLJ']);
  expect(joint.creditCode).toBe(code(100));
  expect(single.departments).toEqual(['CZJ']);
});

afterAll(async () => {
  await db.close();
});

describe('result deadlines in working days (R15)', () => {
  const run = async (day: string) => {
    setDay(day);
    const sent: { userId: string; text: string }[] = [];
    const job = reminderJobs(services, async (userId, reply) => { sent.push({ userId, text: replyText(reply) }); return true; }).find((j) => j.name === 'results.deadlines')!;
    const summary = await job.run(now());
    return { sent, summary };
  };

  it('R15: the team is reminded 3 working days before the result is due (10 working days after the window, National Day not counted)', async () => {
    expect((await run('2026-10-14')).sent).toEqual([]);
    const { sent } = await run('2026-10-15');
    const to = sent.map((x) => x.userId).sort();
    expect(to).toEqual([...joint.officers, ...single.officers].sort());
    expect(sent[0].text).toContain('应于 2026-10-20 前录入');
  });

  it('R15: on Mondays the overdue results go to the lead department\'s leaders and 联席办', async () => {
    expect((await run('2026-10-23')).sent).toEqual([]); // a Friday
    const { sent } = await run('2026-10-26');
    expect(sent.filter((x) => x.userId === 'xf.leader').map((x) => x.text)).toEqual([expect.stringContaining(`县消防救援大队逾期未录入的检查结果 1 个（R15）：\n1. ${joint.taskNo}`)]);
    expect(sent.filter((x) => x.userId === 'cz.leader')).toHaveLength(1);
    expect(sent.filter((x) => x.userId === 'lxb.office')).toHaveLength(2);
  });
});

describe('before the visit: 检查单', () => {
  it('a joint task has one form: entity, window, team with the 组长 first, every department\'s items with legal basis', async () => {
    posted.length = 0;
    expect(all(await say('scj.official', `检查单 ${joint.taskNo}`))).toContain('依据规则 R15');
    const r = all(await say('yj.official', `检查单 ${joint.taskNo}`));
    expect(r).toContain('已发到县消防救援大队、县应急管理局的工作群');
    expect(posted.map((p) => p.department)).toEqual(['XFJYDD', 'YJGLJ']);
    const file = posted[0].a.file!;
    expect(posted[1].a.file).toBe(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.data as never);
    const rows = wb.worksheets[0].getSheetValues().filter(Boolean).map((row) => (row as unknown[]).filter((c) => c !== undefined).map(String));
    expect(rows[0][0]).toBe(`检查记录表（${joint.taskNo}）`);
    expect(rows.find((x) => x[0] === '检查人员')![1]).toMatch(new RegExp(`^人员${leaderOf(joint, 'XFJYDD')}（${leaderOf(joint, 'XFJYDD')}，县消防救援大队，组长）`));
    const items = rows.filter((x) => /^\d+$/.test(x[0]));
    expect(items.map((x) => x.slice(1, 4))).toEqual([['县消防救援大队', '消防安全检查', '依据'], ['县消防救援大队', '消防设施检查', '依据'], ['县应急管理局', '安全生产检查', '依据']]);
    expect(rows.find((x) => x[0] === '序号')).toEqual(['序号', '部门', '检查事项', '检查依据', '是否检查', '检查情况', '处置']);
  });
});

describe('who may enter a result, and when (R15: 谁检查、谁录入)', () => {
  it('R15: someone neither on the team nor in a taking-part department is refused, and nothing is started', async () => {
    setDay('2026-09-15');
    const r = all(await say('scj.official', `录入结果 ${single.taskNo}`));
    expect(r).toContain('依据规则 R15');
    expect(await db.repos.sessions.get('scj.official')).toBeUndefined();
    const other = all(await say('XF-001', `录入结果 ${single.taskNo}`));
    expect(other).toContain('依据规则 R15');
  });

  it('a task before its window has opened is 待检查 and cannot be entered yet', async () => {
    setDay('2026-08-28');
    expect(all(await say('CZ-001', '我的任务'))).toContain('待检查');
    expect(all(await say('CZ-001', `录入结果 ${single.taskNo}`))).toContain('2026-09-01 开始');
    expect(await db.repos.sessions.get('CZ-001')).toBeUndefined();
  });
});

describe('a single-department task: the conversation, its rules, review and correction', () => {
  it('R15: dates in the future or outside the window are refused, asked again, and nothing is saved', async () => {
    setDay('2026-09-15');
    const officer = officerOf(single, 'CZJ');
    const first = all(await say(officer, `录入结果 ${single.taskNo}`));
    expect(first).toContain('请输入检查日期');
    const future = all(await say(officer, '2026-09-20'));
    expect(future).toContain('依据规则 R15');
    expect(future).toContain('晚于今天');
    const outside = all(await say(officer, '2026-08-31'));
    expect(outside).toContain('依据规则 R15');
    expect(outside).toContain('2026-09-01至2026-09-30');
    expect(all(await say(officer, '2026-09-14'))).toContain('核查方式');
    expect(await db.repos.results.get(single.taskNo)).toBeUndefined();
    expect(all(await say(officer, '取消'))).toContain('没有保存任何内容');
    expect(await db.repos.results.get(single.taskNo)).toBeUndefined();
  });

  it('R15: 未发现问题 with a problem found, or a problem category with none, is refused and asked again; R14: a past deadline too', async () => {
    const officer = officerOf(single, 'CZJ');
    await say(officer, `录入结果 ${single.taskNo}`);
    await script(officer, ['2026-09-14', '1、2']);
    expect(all(await say(officer, '发现问题 会计账簿未按规定设置'))).toContain('处置方式');
    // R14: the handling is asked right after the problem; a correction deadline must be after today.
    const past = all(await say(officer, '责令改正 2026-09-01'));
    expect(past).toContain('依据规则 R14');
    expect(past).toContain('须晚于今天');
    const item = all(await say(officer, '责令改正 2026-10-15'));
    expect(item).toContain('请选择检查结果');
    const clean = all(await say(officer, '1'));
    expect(clean).toContain('依据规则 R15');
    expect(clean).toContain('不能是“未发现问题”');
    const both = all(await say(officer, '1、6'));
    expect(both).toContain('不能与其他结果类别同时选择');
    const none = all(await say(officer, '4'));
    expect(none).toContain('依据规则 R15');
    expect(none).toContain('须有发现问题的类别');
    // Now the item is clean, and a problem category is chosen: refused the other way.
    await say(officer, '6');
    await say(officer, '改 事项 1');
    await say(officer, '未发现问题');
    const summary = all(await say(officer, '提交'));
    expect(summary).toContain('依据规则 R15');
    expect(summary).toContain('表示发现了问题');
    expect(await db.repos.results.get(single.taskNo)).toBeUndefined();
    await say(officer, '取消');
  });

  it('R15: an item not checked needs a reason; the summary shows everything before 提交', async () => {
    const officer = officerOf(single, 'CZJ');
    await say(officer, `录入结果 ${single.taskNo}`);
    await script(officer, ['2026-09-10至2026-09-11', '实地检查、书面检查']);
    expect(all(await say(officer, '未检查'))).toContain('须写明理由');
    await say(officer, '发现问题 会计账簿未按规定设置');
    await say(officer, '责令改正 2026-10-15');
    const summary = all(await say(officer, '6'));
    expect(summary).toContain('检查日期：2026-09-10至2026-09-11');
    expect(summary).toContain('核查方式：实地检查、书面检查');
    expect(summary).toContain('发现问题：会计账簿未按规定设置；处置：责令改正，期限2026-10-15');
    expect(summary).toContain('检查结果：发现问题已责令改正');
    expect(await db.repos.results.get(single.taskNo)).toBeUndefined();
    // Evidence from a local file (the terminal): size and kind checked, stored by SHA-256 in chunks.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evidence-'));
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(600 * 1024)]);
    writeFileSync(path.join(dir, '现场照片.png'), png);
    writeFileSync(path.join(dir, 'tool.exe'), Buffer.from('MZ\x90\x00 not evidence'));
    writeFileSync(path.join(dir, 'big.png'), Buffer.concat([png.subarray(0, 8), Buffer.alloc(10 * 1024 * 1024)]));
    expect(all(await say(officer, `证据 ${path.join(dir, 'tool.exe')}`))).toContain('不是可接受的证据类型');
    expect(all(await say(officer, `证据 ${path.join(dir, 'big.png')}`))).toContain('超过10MB的上限');
    expect(all(await say(officer, `证据 ${path.join(dir, '现场照片.png')}`))).toContain('已收到证据“现场照片.png”');
    expect(await db.repos.results.get(single.taskNo)).toBeUndefined();
    const done = all(await say(officer, '提交'));
    expect(done).toContain('已送县财政局部门领导审核（孙局长）');
    const r = await db.repos.results.get(single.taskNo);
    expect(r?.status).toBe('pending');
    expect(r?.parts.CZJ.by).toBe(officer);
    const sha = createHash('sha256').update(png).digest('hex');
    expect(r?.parts.CZJ.evidence).toEqual([{ name: '现场照片.png', sha256: sha, bytes: png.length }]);
    expect((await services.results.evidenceFile(sha))?.equals(png)).toBe(true);
    expect(all(await say('cz.official', `结果 ${single.taskNo}`))).toContain(`证据：现场照片.png（SHA-256 ${sha.slice(0, 12)}…）`);
    expect(all(await say('cz.official', '我的任务'))).toContain('待审核');
  });

  it('a second submission of the same result is refused and changes nothing', async () => {
    const before = await db.repos.results.get(single.taskNo);
    const r = all(await say(officerOf(single, 'CZJ'), `录入结果 ${single.taskNo}`));
    expect(r).toContain('不能重复提交');
    expect((await db.repos.results.get(single.taskNo))?.version).toBe(before?.version);
  });

  it('R20: the leader returns it with a reason; it reopens with what was entered, and goes back for review', async () => {
    const back = all(await say('cz.leader', `退回 ${single.taskNo} 检查日期应为9月11日一天`));
    expect(back).toContain('已退回');
    expect((await db.repos.results.get(single.taskNo))?.status).toBe('returned');
    const officer = officerOf(single, 'CZJ');
    const reopened = all(await say(officer, `录入结果 ${single.taskNo}`));
    expect(reopened).toContain('已被退回');
    expect(reopened).toContain('请核对');
    await say(officer, '改 日期');
    const summary = all(await say(officer, '2026-09-11'));
    expect(summary).toContain('检查日期：2026-09-11');
    expect(all(await say(officer, '提交'))).toContain('已提交');
    const a = await db.repos.approvals.get(single.taskNo);
    expect(a?.status).toBe('pending');
    expect(a?.earlier?.[0].comment).toBe('检查日期应为9月11日一天');
  });

  it('R20: the approved result is fixed; editing it needs 更正结果 with a reason, and both versions stay visible and audited', async () => {
    expect(all(await say('cz.leader', `同意 ${single.taskNo}`))).toContain('已同意');
    expect((await db.repos.results.get(single.taskNo))?.status).toBe('approved');
    const officer = officerOf(single, 'CZJ');
    const edit = all(await say(officer, `录入结果 ${single.taskNo}`));
    expect(edit).toContain('依据规则 R20');
    expect(edit).toContain('更正结果');
    expect(all(await say(officer, `更正结果 ${single.taskNo}`))).toContain('依据规则 R20');
    expect(await db.repos.sessions.get(officer)).toBeUndefined();
    const start = all(await say(officer, `更正结果 ${single.taskNo} 问题描述有误`));
    expect(start).toContain('请核对');
    await say(officer, '改 事项 1');
    await say(officer, '发现问题 会计账簿未按规定设置，原始凭证不全');
    await say(officer, '责令改正 2026-10-15');
    expect(all(await say(officer, '提交'))).toContain('第2版');
    const r = await db.repos.results.get(single.taskNo);
    expect(r?.status).toBe('pending');
    expect(r?.earlier).toHaveLength(1);
    expect(r?.earlier[0].parts.CZJ.findings[0].problem).toBe('会计账簿未按规定设置');
    await say('cz.leader', `同意 ${single.taskNo}`);
    const view = all(await say('cz.official', `结果 ${single.taskNo}`));
    expect(view).toContain('第2版（更正理由：问题描述有误）');
    expect(view).toContain('原始凭证不全');
    expect(view).toContain('—— 第1版');
    expect(view).toContain('发现问题：会计账簿未按规定设置；处置：责令改正，期限2026-10-15\n  证据：现场照片.png');
    // A problem found stays open until it is handled and followed up: approved, not yet 已完结.
    expect(view).toContain('检查结果：已审核');
    const audit = await db.models.Audit.collection.find({ target: `result:${single.taskNo}` }).toArray();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['result.submit', 'result.return', 'result.approve', 'result.correct']));
  });
});

describe('a joint task: one form, each department its own items, the 组长 submits', () => {
  it('the lead department fills dates, methods, its items and the result; the part waits for the other department', async () => {
    setDay('2026-09-16');
    const lead = leaderOf(joint, 'XFJYDD');
    const first = all(await say(lead, `录入结果 ${joint.taskNo}`));
    expect(first).toContain('牵头部门');
    await script(lead, ['2026-09-16', '1']);
    expect(all(await say(lead, '未发现问题'))).toContain('第2/2项');
    await say(lead, '未检查 该企业消防设施正在改造，无法检查');
    // The other department's items are still to come: a problem category is allowed for now.
    const summary = all(await say(lead, '7'));
    expect(summary).toContain('未检查（该企业消防设施正在改造，无法检查）');
    const saved = all(await say(lead, '提交'));
    expect(saved).toContain('还需县应急管理局录入');
    const r = await db.repos.results.get(joint.taskNo);
    expect(r?.status).toBe('draft');
    expect(Object.keys(r!.parts)).toEqual(['XFJYDD']);
  });

  it('R15: the other department enters only its own items; the 组长 is told when every part is in', async () => {
    const yj = officerOf(joint, 'YJGLJ');
    const first = all(await say(yj, `录入结果 ${joint.taskNo}`));
    expect(first).toContain('填写本部门1个事项');
    expect(first).toContain('安全生产检查');
    expect(all(await say(yj, '改 日期'))).toContain('由牵头部门');
    await say(yj, '发现问题 安全生产责任制未建立');
    const own = all(await say(yj, '移送 县应急管理局'));
    expect(own).toContain('依据规则 R14');
    expect(own).toContain('不能移送给本部门');
    const summary = all(await say(yj, '移送 县市管局'));
    expect(summary).toContain('处置：移送县市管局');
    expect(summary).not.toContain('检查日期');
    const out = await say(yj, '提交');
    expect(all(out)).toContain('已通知检查组长');
    const lead = leaderOf(joint, 'XFJYDD');
    expect(out.notices.some((n) => n.userId === lead && replyText(n.reply).includes(`提交结果 ${joint.taskNo}`))).toBe(true);
    expect((await db.repos.results.get(joint.taskNo))?.status).toBe('draft');
  });

  it('R15: only the lead department\'s 组长 submits the joint form; the leader approves it', async () => {
    const member = memberOf(joint);
    expect(all(await say(member, `提交结果 ${joint.taskNo}`))).toContain('依据规则 R15');
    const lead = leaderOf(joint, 'XFJYDD');
    const out = await say(lead, `提交结果 ${joint.taskNo}`);
    expect(all(out)).toContain('已送县消防救援大队部门领导审核（邓大队长）');
    expect(out.notices.some((n) => n.userId === 'xf.leader' && n.reply.kind === 'card')).toBe(true);
    expect(all(await say(lead, `提交结果 ${joint.taskNo}`))).toContain('不能重复提交');
    const view = all(await say('yj.official', `结果 ${joint.taskNo}`));
    expect(view).toContain('待审核');
    expect(view).toContain(`【县消防救援大队】人员${lead}（${lead}）录入`);
    expect(view).toContain('【县应急管理局】');
    expect(view).toContain('发现问题：安全生产责任制未建立');
    await say('xf.leader', `同意 ${joint.taskNo}`);
    expect((await db.repos.results.get(joint.taskNo))?.status).toBe('approved');
    expect(all(await say('xf.official', `任务 ${joint.taskNo}`))).toContain('状态：已审核');
  });
});

describe('shared and recognised (R16)', () => {
  it('R16: 查 <代码> shows the entity\'s approved inspections from every department, with open follow-ups', async () => {
    const r = all(await say('cz.official', `查 ${joint.creditCode}`));
    expect(r).toContain('检查记录（各部门共享互认，R16，共1次）');
    expect(r).toContain(`1. 2026-09-16｜县消防救援大队、县应急管理局｜${joint.taskNo}｜发现问题待后续处理｜待处置 1 项`);
    const c = all(await say('xf.official', `查 ${single.creditCode}`));
    expect(c).toContain(`2026-09-11｜县财政局｜${single.taskNo}｜发现问题已责令改正`);
    expect(c).toContain('共1次'); // the correction replaced its entry, not added one
  });
});

describe('handling what was found (R14) and following it up until closed', () => {
  it('R14: the transfer waits for the receiving department, whose officials get a card; accepting it is audited and both sides see it', async () => {
    const sent: { userId: string; kind: string; key?: string }[] = [];
    const job = reminderJobs(services, async (userId, reply, key) => { sent.push({ userId, kind: reply.kind, key }); return true; }).find((j) => j.name === 'followups.remind')!;
    await job.run(now());
    const card = sent.find((x) => x.userId === 'scj.official' && x.kind === 'card');
    expect(card).toBeDefined();
    const list = all(await say('scj.official', '待处置'));
    expect(list).toContain(`${joint.taskNo} 第1项`);
    expect(list).toContain('待接收');
    expect(all(await say('yj.official', `接收移送 ${joint.taskNo} 1`))).toContain('依据规则 R14');
    const out = await say('scj.official', `点 fu.accept:${joint.taskNo}/1`);
    expect(all(out)).toContain('现由县市管局处理');
    expect(out.cardOutcome).toContain('已接收');
    expect(out.notices.some((n) => n.userId === 'yj.official' && replyText(n.reply).includes('县市管局已接收'))).toBe(true);
    expect(all(await say('scj.official', `接收移送 ${joint.taskNo} 1`))).toContain('无需重复操作');
    expect(all(await say('yj.official', `结果 ${joint.taskNo}`))).toContain('移送县市管局｜县应急管理局移送｜处理中');
    const audit = await db.models.Audit.collection.find({ target: `followup:${joint.taskNo}/1` }).toArray();
    expect(audit.map((a) => a.action)).toEqual(['followup.transfer', 'followup.accept']);
  });

  it('R14: the owner is reminded on the due day and every working day after, once a day', async () => {
    const due = async (day: string) => {
      setDay(day);
      return (await services.results.dueReminders(now())).map((r) => r.followUp.id);
    };
    expect(await due('2026-10-14')).toEqual([]);
    expect(await due('2026-10-15')).toEqual([`${single.taskNo}/1`]);
    expect(await due('2026-10-15')).toEqual([]); // already reminded today
    expect(await due('2026-10-17')).toEqual([]); // a Saturday
    const r = await services.results.dueReminders((setDay('2026-10-19'), now()));
    expect(r.map((x) => x.followUp.id)).toEqual([`${single.taskNo}/1`]);
    expect(r[0].userIds.sort()).toEqual(['cz.leader', 'cz.official']);
  });

  it('R14: 复查 closes a follow-up (owner only), a deadline extends once with a reason, and the result reaches 已完结', async () => {
    setDay('2026-10-19');
    expect(all(await say('xf.official', `复查 ${single.taskNo} 1 2026-10-19 已整改到位`))).toContain('依据规则 R14');
    expect(all(await say('cz.official', `复查 ${single.taskNo} 1 延期 2026-11-15`))).toContain('理由');
    expect(all(await say('cz.official', `复查 ${single.taskNo} 1 延期 2026-11-15 企业申请更换财务软件`))).toContain('已延至 2026-11-15');
    expect(all(await say('cz.official', `复查 ${single.taskNo} 1 延期 2026-11-30 还需时间`))).toContain('不能再次延期');
    expect(all(await say('cz.official', `复查 ${single.taskNo} 1 2026-10-25 已整改到位`))).toContain('晚于今天');
    const done = all(await say('cz.official', `复查 ${single.taskNo} 1 2026-10-19 已整改到位，账簿已规范设置`));
    expect(done).toContain('已复查办结');
    expect(done).toContain('已完结');
    expect(all(await say('scj.official', `复查 ${joint.taskNo} 1 2026-10-19 已立案查处完毕`))).toContain('已完结');
    expect((await db.repos.results.get(joint.taskNo))?.openFollowUps).toBe(0);
    const actions = (await db.models.Audit.collection.find({ target: `followup:${single.taskNo}/1` }).toArray()).map((a) => a.action);
    // The correction (problem description) rewrote the follow-up before it was extended and closed.
    expect(actions).toEqual(['followup.correct', 'followup.extend', 'followup.close']);
    expect((await db.repos.followUps.get(`${single.taskNo}/1`))?.problem).toBe('会计账簿未按规定设置，原始凭证不全');
  });
});

describe('status everywhere: tasks and plans', () => {
  it('我的计划 and 计划 <编号> show a plan\'s progress; 任务 shows the task\'s state', async () => {
    setDay('2026-09-20');
    expect(all(await say('xf.official', `计划 ${jointPlan}`))).toContain('进度：任务 1 个：已审核 1（已完结 1）');
    expect(all(await say('cz.official', '我的计划'))).toContain(`${singlePlan}｜B类｜2026-09-01至2026-09-30｜已抽取（${singlePlan}-1）｜任务 1 个：已审核 1（已完结 1）`);
    expect(all(await say('cz.official', `任务 ${single.taskNo}`))).toContain('状态：已完结');
    expect(all(await say(officerOf(joint, 'YJGLJ'), '我的任务 2026'))).toContain(`${joint.taskNo}`);
    expect(all(await say(officerOf(joint, 'YJGLJ'), '我的任务 2026'))).toContain('｜已完结');
  });
});

describe('task state and the working-day deadline (R15)', () => {
  it('R15: a task whose result is not entered 10 working days after its window is shown overdue', async () => {
    const t = { window: { from: '2026-09-01', to: '2026-09-30' } };
    setDay('2026-10-20');
    expect(services.results.statusOf(t, undefined)).toEqual({ state: '待录入', due: '2026-10-20', overdue: false });
    setDay('2026-10-21');
    expect(services.results.statusOf(t, undefined).overdue).toBe(true);
    expect(services.results.statusOf(t, { status: 'approved', openFollowUps: 0 }).state).toBe('已完结');
    expect(services.results.statusOf(t, { status: 'approved', openFollowUps: 1 }).state).toBe('已审核');
  });

  it('R15: approval reminders count working days on the same calendar: the National Day week does not count', async () => {
    setDay('2026-09-30');
    await services.approvals.open({
      kind: 'plan', subject: 'JH-HOLIDAY', title: '节假日', requester: { userId: 'xf.official', name: '吴海涛', department: 'XFJYDD', roles: ['official'], channel: 'shell' },
      steps: [{ role: 'leader', department: 'XFJYDD', label: '部门领导审批' }], fields: [],
    });
    setDay('2026-10-08'); // Mon–Fri would count 6 days; only 10-08 is a working day
    expect((await services.approvals.overdue(now(), 2)).map((r) => r.approval.subject)).not.toContain('JH-HOLIDAY');
    setDay('2026-10-13'); // 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13
    const due = await services.approvals.overdue(now(), 2);
    expect(due.map((r) => r.approval.subject)).toContain('JH-HOLIDAY');
    expect(services.approvals.waitedDays(due.find((r) => r.approval.subject === 'JH-HOLIDAY')!.approval, now())).toBe(5);
  });

  it('R15: the number of working days is the county\'s setting (RESULT_DUE_WORKING_DAYS)', () => {
    setDay('2026-10-14');
    const five = createServices({ repos: db.repos, now, policy: policyFrom({ RESULT_DUE_WORKING_DAYS: 5 }) });
    expect(five.results.statusOf({ window: { from: '2026-09-01', to: '2026-09-30' } }, undefined)).toEqual({ state: '待录入', due: '2026-10-13', overdue: true });
  });

  it('R15: a due day in a year without holiday data is not guessed: the status says so', () => {
    setDay('2026-12-20');
    const s = services.results.statusOf({ window: { from: '2026-12-01', to: '2026-12-31' } }, undefined);
    expect(s.due).toBeUndefined();
    expect(s.note).toContain('2027年节假日安排尚未录入');
  });
});

describe('the lenient list (R18)', () => {
  let second: TaskDoc;

  it('R18: a department\'s 免罚清单 is imported by the CLI (bad rows reported) and listed in chat', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lenient-'));
    const file = path.join(dir, '免罚清单.csv');
    writeFileSync(file, '部门,序号,事项编码,违法行为描述,适用条件,法律依据\n县财政局,1,CZ001,未按规定设置会计账簿,首次违法、危害后果轻微并及时改正,《行政处罚法》第三十三条\n不存在局,2,,某行为,,依据\n');
    const r = await runTsx('src/cli/main.ts', ['import', 'lenient', file], { dbName: db.dbName });
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/error|错误|失败/i); // a new database's schema version may be noted there
    expect(r.out).toContain('导入 1 条，拒绝 1 条');
    expect(r.out).toContain('第3行');
    const list = all(await say('cz.official', '免罚清单'));
    expect(list).toContain('第1条（事项CZ001） 未按规定设置会计账簿；条件：首次违法、危害后果轻微并及时改正；依据：《行政处罚法》第三十三条');
  });

  it('R18: for a first violation matching an entry the bot proposes 首违不罚, and it is recorded', async () => {
    setDay('2026-11-02');
    second = (await db.repos.tasks.createMany([{
      taskNo: '县财政局抽查〔2026〕99号', year: 2026, issuer: 'CZJ', creditCode: single.creditCode, entityName: single.entityName,
      parts: single.parts.map((p) => ({ ...p, drawNo: 'JH2026-9999-1', planNo: 'JH2026-9999' })), at: now(),
    }]))[0];
    const officer = officerOf(second, 'CZJ');
    await say(officer, `录入结果 ${second.taskNo}`);
    await script(officer, ['2026-09-21', '1']);
    const prompt = all(await say(officer, '发现问题 未按规定设置会计账簿'));
    expect(prompt).toContain('本事项的免罚清单（R18）');
    expect(prompt).toContain('首违不罚 <条目号> <改正期限>');
    expect(all(await say(officer, '首违不罚 2 2026-11-30'))).toContain('没有第2条');
    await say(officer, '首违不罚 1 2026-11-30');
    const summary = all(await say(officer, '6'));
    expect(summary).toContain('责令改正，期限2026-11-30；首违不罚（免罚清单第1条，教育、不予处罚，R18）');
    expect(all(await say(officer, '提交'))).toContain('已提交');
    await say('cz.leader', `同意 ${second.taskNo}`);
    expect((await db.repos.history.get(second.creditCode)).find((e) => e.taskNo === second.taskNo)?.lenient).toEqual(['CZJ:1']);
  });

  it('R18: a repeat of the same entry by the same entity is not eligible, and the bot says why', async () => {
    const officer = officerOf(single, 'CZJ');
    await say(officer, `更正结果 ${single.taskNo} 补记首违不罚`);
    await say(officer, '改 处置 1');
    const r = all(await say(officer, '首违不罚 1 2026-11-30'));
    expect(r).toContain('依据规则 R18');
    expect(r).toContain(`${second.taskNo}`);
    expect(r).toContain('不属首次违法');
    await say(officer, '取消');
    expect((await db.repos.results.get(single.taskNo))?.status).toBe('approved');
  });
});

describe('recognised when filing (R16)', () => {
  it('R16: filing a check of an entity another department inspected in the last 12 months says so in the preview', async () => {
    setDay('2026-11-03');
    const r = all(await say('cz.official', `备案 ${joint.creditCode} 事由=投诉举报 日期=2026-11-10 人员=CZ-001、CZ-002 说明=群众投诉该企业财务问题`));
    expect(r).toContain('请核对备案内容');
    expect(r).toContain('提示（R16，结果互认）：近12个月其他部门已检查过该主体：2026-09-16 县消防救援大队、县应急管理局');
    await say('cz.official', '取消');
    const own = all(await say('xf.official', `备案 ${single.creditCode} 事由=投诉举报 日期=2026-11-10 人员=XF-001、XF-002 说明=群众投诉该企业消防问题`));
    expect(own).toContain('县财政局');
    await say('xf.official', '取消');
  });
});

describe('an approved 备案 is an inspection too', () => {
  const filing = async (filingNo: string, status: 'approved' | 'pending') => {
    const at = now();
    await db.repos.filings.create({
      filingNo, month: '2026-11', department: 'CZJ', creditCode: single.creditCode, entityName: single.entityName, pool: 'B', reason: '投诉举报',
      plannedDate: '2026-11-02', officers: ['CZ-001', 'CZ-002'], description: '群众投诉', rules: ['R11'], createdBy: 'cz.official', createdAt: at,
    });
    await db.repos.approvals.create({
      ...createApproval('filing', filingNo, 'cz.official', FILING_STEPS('CZJ'), at), status, current: status === 'approved' ? 3 : 0,
      title: filingNo, requesterDepartment: 'CZJ', fields: [], flags: [],
    });
  };

  it('R15: the filing\'s officers enter its result on its date; a filing still in review is refused', async () => {
    setDay('2026-11-03');
    await filing('BA2026-0901', 'pending');
    expect(all(await say('CZ-001', '录入结果 BA2026-0901'))).toContain('尚未完成审批');
    await filing('BA2026-0902', 'approved');
    expect(all(await say('XF-001', '录入结果 BA2026-0902'))).toContain('依据规则 R15');
    await say('CZ-001', '录入结果 BA2026-0902');
    expect(all(await say('CZ-001', '2026-11-03'))).toContain('2026-11-02');
    const summary = await script('CZ-001', ['2026-11-02', '1', '未发现问题', '1']);
    expect(summary).toContain('备案检查事项：未发现问题');
    expect(all(await say('CZ-001', '提交'))).toContain('已送县财政局部门领导审核');
    await say('cz.leader', '同意 BA2026-0902-JG');
    const r = await db.repos.results.get('BA2026-0902');
    expect(r?.status).toBe('approved');
    expect(r?.source).toBe('filing');
    expect(all(await say('xf.official', `查 ${single.creditCode}`))).toContain('2026-11-02｜县财政局｜BA2026-0902｜未发现问题');
  });
});

describe('feeding risk (R17)', () => {
  it('R17: a serious violation (立案查处) proposes raising the risk class; only 联席办 decides; applying moves it with provenance', async () => {
    setDay('2026-11-03');
    const xfParts = joint.parts.map((p) => ({ ...p, drawNo: 'JH2026-9998-1', planNo: 'JH2026-9998', departments: ['XFJYDD'], items: ['XFJYDD:XF001'], officers: p.officers.filter((o) => o.department === 'XFJYDD') }));
    const [third] = await db.repos.tasks.createMany([{ taskNo: '县消防大队抽查〔2026〕98号', year: 2026, issuer: 'XFJYDD', creditCode: joint.creditCode, entityName: joint.entityName, parts: xfParts, at: now() }]);
    const officer = third.officers[0];
    await say(officer, `录入结果 ${third.taskNo}`);
    await script(officer, ['2026-09-22', '1', '发现问题 擅自停用消防设施', '立案查处 万消立〔2026〕8号', '7']);
    expect(all(await say(officer, '提交'))).toContain('已提交');
    await say('xf.leader', `同意 ${third.taskNo}`);
    const id = `${joint.creditCode}:${third.taskNo}`;
    expect(all(await say('xf.official', '风险建议'))).toContain('依据规则 R17');
    const list = await say('lxb.office', '风险建议');
    expect(all(list)).toContain(`一般 → 较高｜严重违法立案查处（${third.taskNo}）`);
    expect(list.replies.some((r) => r.kind === 'card' && r.card.buttons.some((b) => b.key === `rk.yes:${id}`))).toBe(true);
    const out = await say('lxb.office', `点 rk.yes:${id}`);
    expect(all(out)).toContain('由“一般”调整为“较高”');
    expect((await db.repos.entities.get(joint.creditCode))?.riskClass).toBe('较高');
    expect(all(await say('lxb.office', `点 rk.yes:${id}`))).toContain('无需重复操作');
    const audit = await db.models.Audit.collection.find({ target: `entity:${joint.creditCode}`, action: 'risk.apply' }).toArray();
    expect(audit).toHaveLength(1);
    expect(audit[0].note).toContain(third.taskNo);
  });

  it('R17: a clean result two years running proposes lowering the class; a clean first year does not', async () => {
    const { riskSignal } = await import('../../src/domain/result');
    const clean = ['未发现问题'];
    expect(riskSignal(clean, [], [{ end: '2026-09-10', categories: clean }], '2026-09-10')).toBeUndefined();
    expect(riskSignal(clean, [], [{ end: '2025-06-10', categories: clean }, { end: '2026-09-10', categories: clean }], '2026-09-10')?.direction).toBe('lower');
    expect(riskSignal(clean, [], [{ end: '2025-06-10', categories: ['发现问题已责令改正'] }, { end: '2026-09-10', categories: clean }], '2026-09-10')).toBeUndefined();
  });
});
