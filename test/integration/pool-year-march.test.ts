/**
 * The March deadlines (R8, R9, R12) through the router on the real database:
 * 联席办 confirms the joint inspector pool once (R8) and the directory (人员) shows
 * when, a member unit files its
 * A-pool joint items and 联席办 then 司法局 acknowledge them by card (R9, R20),
 * 联席办's one checklist of who is late (R12 included), and the weekly reminders
 * from 1 March until done, once per week across two server processes.
 */
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { createServices, type Services } from '../../src/app';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { marchReminderWeek } from '../../src/domain/marchDeadlines';
import { createScheduler } from '../../bot/delivery/scheduler';
import { yearReminderJobs } from '../../bot/delivery/yearReminders';
import type { Outcome, Router } from '../../bot/router';
import { replyText, type Reply } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-02-20T02:00:00Z') };
const now = () => new Date(clock.t);
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

let second: Awaited<ReturnType<typeof connect>>;
const sent: { to: string; text: string }[] = [];
let stepBoth: () => Promise<unknown>;

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'sfj.a', name: '司法审核员', department: '县司法局', roles: ['justice'] },
  ]);
  await db.repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查'), itemDoc('CZJ', 'CZ001', '会计信息质量检查', { jointListA: false }),
  ] as never);
  await db.repos.inspectors.writer.insertNew([inspectorDoc('XF-001', '人员1', 'XFJYDD', { jointPool: true }), inspectorDoc('XF-002', '人员2', 'XFJYDD', { jointPool: true })] as never);
  second = await connect(db.uri, db.dbName);
  const notify = async (userId: string, reply: Reply) => { sent.push({ to: userId, text: replyText(reply) }); return true; };
  const log = createLogger('warn', () => undefined);
  const two = createRepos(second.models);
  const schedulers = [
    createScheduler({ repos: db.repos, jobs: yearReminderJobs(createServices({ repos: db.repos, now, policy: DEFAULT_POLICY }), notify).filter((j) => j.name === 'march.deadlines'), now, owner: 'p1', log }),
    createScheduler({ repos: two, jobs: yearReminderJobs(createServices({ repos: two, now, policy: DEFAULT_POLICY }), notify).filter((j) => j.name === 'march.deadlines'), now, owner: 'p2', log }),
  ];
  stepBoth = () => Promise.all(schedulers.map((s) => s.step()));
});

afterAll(async () => {
  await second.close();
  await db.close();
});

describe('the March deadlines (R8, R9, R12)', () => {
  it('R8, R9: weekly from 1 March, once per week across two server processes', async () => {
    expect(marchReminderWeek('2026-02-28')).toBeUndefined();
    expect(marchReminderWeek('2026-03-08')?.key).toBe('march:2026-W2');
    await stepBoth();
    expect(sent).toHaveLength(0); // February: not yet
    clock.t = Date.parse('2026-03-02T01:00:00Z');
    await stepBoth();
    clock.t += 7 * 3600_000;
    await stepBoth();
    expect(sent.filter((s) => s.to === 'lxb.a').map((s) => s.text)).toEqual([expect.stringContaining('依据规则 R8')]);
    expect(sent.filter((s) => s.to === 'xf.official').map((s) => s.text)).toEqual([expect.stringContaining('依据规则 R9：县消防救援大队应于2026-03-31前')]);
    expect(sent.filter((s) => s.to === 'yj.official')).toHaveLength(1);
    expect(sent).toHaveLength(3); // 县财政局 has no A-pool joint items
  });

  it('R9, R20: a member unit files its A joint items; 联席办 then 司法局 acknowledge by card', async () => {
    expect(all(await say('lxb.a', '报送联合清单 2026'))).toContain('R9');
    const filed = await say('xf.official', '报送联合清单 2026');
    expect(all(filed)).toContain('LQ2026-XFJYDD');
    expect(filed.notices.map((n) => n.userId)).toEqual(['lxb.a']);
    expect(all(await say('xf.official', '报送联合清单 2026'))).toContain('无需重复报送');
    expect(all(await say('xf.official', '同意 LQ2026-XFJYDD'))).toMatch(/R20|无权|不能/);
    expect(all(await say('lxb.a', '待办'))).toContain('LQ2026-XFJYDD');
    await say('lxb.a', '同意 LQ2026-XFJYDD');
    const acked = await say('sfj.a', '同意 LQ2026-XFJYDD');
    expect(acked.notices.map((n) => n.userId)).toContain('xf.official');
    expect((await services.approvals.get('LQ2026-XFJYDD'))?.status).toBe('approved');
  });

  it('R8: 联席办 confirms the joint inspector pool once, with its date', async () => {
    expect(all(await say('xf.official', '人员'))).toContain('2026年度联合检查人员库尚未确认（R8');
    expect(all(await say('xf.official', '联合人员库确认 2026'))).toContain('联席办');
    expect(all(await say('lxb.a', '联合人员库确认 2026'))).toContain('已确认2026年度联合检查人员库（2026-03-02），共 2 人');
    expect(all(await say('lxb.a', '联合人员库确认 2026'))).toContain('已于2026-03-02由lxb.a确认');
    // R8: the directory shows the confirmation date, to the unit and to 联席办.
    expect(all(await say('xf.official', '人员'))).toContain('2026年度联合检查人员库已于 2026-03-02 确认（R8）');
    expect(all(await say('lxb.a', '人员 县消防救援大队'))).toContain('联合检查人员库已于 2026-03-02 确认（R8）');
  });

  it('R8, R9, R12: 联席办 sees one checklist; after 31 March what is not done is late', async () => {
    const march = all(await say('lxb.a', '三月清单 2026'));
    expect(march).toContain('R8 联合检查人员库确认：已完成（2026-03-02，lxb.a）');
    expect(march).toContain('1/2 个单位已签收');
    expect(march).toContain('县应急管理局：未报送（未完成）');
    expect(march).toMatch(/R12 年度抽查计划覆盖全部事项：3 个单位未完成/);
    expect(all(await say('xf.official', '三月清单 2026'))).toContain('联席办');
    clock.t = Date.parse('2026-04-01T02:00:00Z');
    expect(all(await say('lxb.a', '三月清单 2026'))).toContain('县应急管理局：未报送（已逾期）');
  });

  it('R8, R9: the next week, reminders only for what is still open', async () => {
    sent.length = 0;
    clock.t = Date.parse('2026-04-06T01:00:00Z');
    await stepBoth();
    clock.t += 7 * 3600_000;
    await stepBoth();
    expect(sent.map((s) => s.to)).toEqual(['yj.official']);
    expect(sent[0].text).toContain('现已逾期');
  });
});
