/**
 * The shared ways of the chat, on the real database: a guided conversation
 * (defineFlow) reads its stored draft back only when it still has its shape,
 * 新建计划 and 备案 share their words; a refusal is rendered with its rule by
 * the one function the router and the CLI both use; commands guard roles with
 * requireRole and refuse by throwing.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { Refusal, renderRefusal } from '../../src/services/context';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';
import { runTsx } from '../helpers/run';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-05-06T02:00:00Z') };
const now = () => new Date(clock.t);

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const session = (userId: string) => db.repos.sessions.get(userId);
let codes: string[];

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '黄大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'xf.inspector', name: '王执法', department: '县消防救援大队', roles: ['inspector'] },
    { userId: 'sfj.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
  ]);
  await db.repos.inspectors.writer.insertNew([inspectorDoc('XFJYDD-1', '王执法', 'XFJYDD'), inspectorDoc('XFJYDD-2', '李执法', 'XFJYDD')] as never);
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', 'XF001', '消防安全检查')] as never);
  codes = await addEntities(db.repos, [{ n: 900, pool: 'B', departments: ['XFJYDD'], name: '万年县华达食品有限公司' }]);
});

afterAll(async () => {
  await db.close();
});

describe('defineFlow', () => {
  it('a stored plan draft that lost its shape ends the conversation with a Chinese note, instead of being used unchecked', async () => {
    expect(all(await say('xf.official', '新建计划'))).toContain('请输入计划年度');
    const s = await session('xf.official');
    expect(s?.step).toBe('year');
    // A damaged (or older release's) draft: the year is a word, the pool unknown.
    await db.repos.sessions.save({ ...s!, data: { year: '明年', pool: 'D' } }, s!.version);
    const out = all(await say('xf.official', '2026'));
    expect(out).toContain('已无法继续');
    expect(out).toContain('请重新发送“新建计划”开始');
    expect(out).not.toContain('系统暂时出错');
    expect(await session('xf.official')).toBeUndefined();
  });

  it('a stored step the flow does not have ends the conversation the same way', async () => {
    await say('xf.official', '备案');
    const s = await session('xf.official');
    expect(s?.step).toBe('entity');
    await db.repos.sessions.save({ ...s!, step: 'colour' }, s!.version);
    expect(all(await say('xf.official', codes[0]))).toContain('“备案”保存的内容已无法继续');
    expect(await session('xf.official')).toBeUndefined();
  });

  it('新建计划 and 备案 share their words: an unknown 改 lists the fields, every question says how to leave', async () => {
    const plan = all(await say('xf.official', '新建计划'));
    expect(plan).toContain('（发送“取消”放弃，不会保存任何内容）');
    expect(all(await say('xf.official', '改 颜色'))).toContain('可修改的项目：年度、库、联合部门、对象、事项、比例、时段、专项理由');
    // The plan moves on from the draft: after the year comes the pool, asked with the same hint.
    expect(all(await say('xf.official', '2026'))).toMatch(/请选择对象库[\s\S]*（发送“取消”放弃/);
    await say('xf.official', '取消');
    const filing = all(await say('xf.official', '备案'));
    expect(filing).toContain('（发送“取消”放弃，不会保存任何内容）');
    expect(all(await say('xf.official', '改 颜色'))).toContain('可修改的项目：主体、事由、日期、人员、说明');
    await say('xf.official', '取消');
  });

  it('R12: after 31 March a new plan asks for its 专项 reason before the summary, the deadline said in words from the domain', async () => {
    let last = '';
    for (const l of ['新建计划', '2026', 'B', '无', '全部', '1', '10%', '9月']) last = all(await say('xf.official', l));
    expect(last).toContain('已过2026年3月31日，本计划须作为专项计划报送（R12）');
    expect((await session('xf.official'))?.step).toBe('special');
    const summary = all(await say('xf.official', '群众投诉集中，开展消防安全专项检查'));
    expect(summary).toContain('2026年度专项抽查计划');
    expect((await session('xf.official'))?.step).toBe('confirm');
    // At the summary the flow's one confirm word list and 改 pattern apply.
    expect(all(await say('xf.official', '好的'))).toContain('请回复“提交”报送，或“改 <项目>”修改');
    await say('xf.official', '取消');
  });
});

describe('one way to refuse', () => {
  it('R20: renderRefusal cites the rule once — not when the message already names it, and not R2 for a message citing R20', () => {
    expect(renderRefusal(new Refusal('只能由联席办作废', 'R20'))).toBe('只能由联席办作废（依据规则 R20）');
    expect(renderRefusal(new Refusal('依据规则 R20：不能审批自己提交的申请', 'R20'))).toBe('依据规则 R20：不能审批自己提交的申请');
    expect(renderRefusal(new Refusal('依据规则 R20：不能审批自己提交的申请', 'R2'))).toBe('依据规则 R20：不能审批自己提交的申请（依据规则 R2）');
    expect(renderRefusal(new Refusal('请写明计划编号'))).toBe('请写明计划编号');
  });

  it('R20: who may make a plan is one guard (requireRole) for the command and the service; 司法局 is refused with the rule', async () => {
    const out = all(await say('sfj.justice', '新建计划'));
    expect(out).toContain('只有成员单位经办人、部门领导或联席办可以制定抽查计划');
    expect(out).toContain('依据规则 R20');
    expect(await session('sfj.justice')).toBeUndefined();
    await expect(services.plans.submit({ userId: 'sfj.justice', name: '孙司法', department: 'SFJ', roles: ['justice'], channel: 'shell' }, {
      year: 2026, department: 'SFJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] }, items: [],
      sampling: { count: 1 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [],
    })).rejects.toMatchObject({ rule: 'R20', message: expect.stringContaining('只有成员单位经办人、部门领导或联席办可以制定抽查计划') });
  });

  it('R19: a command refuses by throwing — an unknown department is one rendered refusal with its rule', async () => {
    expect(all(await say('xf.official', '人员 县宇宙局'))).toBe('部门“县宇宙局”不是联席会议成员单位（R19），请用如“县市管局”的名称');
  });

  it('R1: the CLI renders a refusal as the chat does, with its rule (it used to drop it)', async () => {
    await saveUsers(services, [{ userId: 'lxb.office', name: '赵联席', department: '县市管局', roles: ['office'] }]);
    const r = await runTsx('src/cli/main.ts', ['pool', 'place', codes[0], 'B', '--as', 'lxb.office', '--reason', '复核'], { dbName: db.dbName });
    expect(r.code).toBe(1);
    expect(r.err).toContain('该主体已在B类一般监管库，无需调整（依据规则 R1）');
  }, 60_000);
});
