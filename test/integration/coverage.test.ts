/**
 * Item coverage (R12) and the scheduled reminders, on the real database: the
 * coverage table, 覆盖情况 in chat, the March reminder (once a year across
 * processes) and the overdue-approval reminder, queued in the outbox.
 */
import type { Services } from '../../src/app';
import type { Caller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import type { Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { createNotifier } from '../../bot/delivery/notices';
import { reminderJobs } from '../../bot/delivery/reminders';
import type { Job } from '../../bot/delivery/scheduler';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
let jobs: Map<string, Job>;
const clock = { t: Date.parse('2026-03-02T02:00:00Z') }; // Monday 2 March
const now = () => new Date(clock.t);
const xf: Caller = { userId: 'xf.official', name: '吴海涛', department: 'XFJYDD', roles: ['official'], channel: 'shell' };

const queued = async () => (await db.models.Outbox.collection.find({}).toArray()).map((d) => JSON.parse(String(d.payload)) as { toUser: string; reply: { kind: string; text?: string } });
const draft = (items: string[], from = '2026-09-01') => ({
  year: 2026, department: 'XFJYDD', pool: 'B' as const, filter: { industries: [], townships: [], riskClasses: ['较高' as const], sectorTags: [] },
  items, sampling: { ratioPermille: 150 }, window: { from, to: from.replace(/-01$/, '-30') }, jointDepartments: [],
});

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'], wecomUserId: 'WuHaiTao' },
    { userId: 'xf.leader', name: '黄大队长', department: '县消防救援大队', roles: ['leader'], wecomUserId: 'HuangDD' },
    { userId: 'yj.official', name: '应急经办', department: '县应急管理局', roles: ['official'], wecomUserId: 'YjJb' },
    { userId: 'lxb.office', name: '赵联席', department: '县市管局', roles: ['office'], wecomUserId: 'ZhaoLx' },
    // R20: every step of a plan needs someone to decide it, or the plan is refused at submission.
    { userId: 'sfj.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
  ]);
  // Officers to form teams (R8a): a plan whose teams cannot be formed is refused at preview.
  await db.repos.inspectors.writer.insertNew(['XFJYDD', 'YJGLJ'].flatMap((d) => ['1', '2', '3'].map((n) => inspectorDoc(`${d}-${n}`, `${d}人员${n}`, d))) as never);
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('XFJYDD', 'XF002', '消防设施检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查')] as never);
  await addEntities(db.repos, Array.from({ length: 10 }, (_, i) => ({ n: 800 + i, pool: 'B' as const, riskClass: '较高' as const, departments: ['XFJYDD'] })));
  const notify = createNotifier({ repos: db.repos, platforms: { wecom: true, dingtalk: false }, now, log: createLogger('warn', () => undefined) });
  jobs = new Map(reminderJobs(services, notify).map((j) => [j.name, j]));
});

afterAll(async () => {
  await db.close();
});

describe('item coverage (R12)', () => {
  it('R12: an item is covered by a submitted or approved plan of the year, not by a returned one', async () => {
    const { plan } = await services.plans.submit(xf, draft(['XFJYDD:XF001']));
    let row = (await services.coverage.table(2026)).find((r) => r.department === 'XFJYDD');
    expect([row?.covered, row?.total, row?.missing.map((i) => i.itemCode)]).toEqual([1, 2, ['XF002']]);
    await router.respond({ channel: 'shell', senderId: 'xf.leader', text: `退回 ${plan.planNo} 请合并事项` });
    row = (await services.coverage.table(2026)).find((r) => r.department === 'XFJYDD');
    expect(row?.covered).toBe(0);
    expect((await services.coverage.table(2027)).find((r) => r.department === 'XFJYDD')?.covered).toBe(0);
  });

  it('R12: 覆盖情况 shows 联席办 every department, and an official their own', async () => {
    const office = (await router.respond({ channel: 'shell', senderId: 'lxb.office', text: '覆盖情况' })).replies.map(replyText).join();
    expect(office).toContain('R12');
    expect(office).toContain('县消防救援大队：0/2');
    expect(office).toContain('县应急管理局：0/1');
    const own = (await router.respond({ channel: 'shell', senderId: 'xf.official', text: '覆盖情况 2026' })).replies.map(replyText).join();
    expect(own).toContain('县消防救援大队');
    expect(own).not.toContain('县应急管理局');
  });

  it('R12: in March each department with uncovered items is reminded once a year; not outside March', async () => {
    clock.t = Date.parse('2026-02-27T02:00:00Z');
    expect(await jobs.get('coverage.remind')!.run(now())).toBe('not due');
    clock.t = Date.parse('2026-03-02T02:00:00Z');
    expect(await jobs.get('coverage.remind')!.run(now())).toBe('reminded 3');
    const sent = await queued();
    expect(sent.map((p) => p.toUser).sort()).toEqual(['HuangDD', 'WuHaiTao', 'YjJb']);
    expect(sent[0].reply.text).toContain('R12');
    expect(await jobs.get('coverage.remind')!.run(now())).toBe('not due');
  });
});

describe('approval reminders', () => {
  it('a step waiting more than the configured working days: its deciders get a reminder and the card again, once a day', async () => {
    await db.models.Outbox.collection.deleteMany({});
    const { plan } = await services.plans.submit(xf, draft(['XFJYDD:XF002']));
    expect(await jobs.get('approvals.remind')!.run(now())).toBe('reminded 0');
    clock.t += 3 * 86400_000; // Thursday: 3 working days since Monday
    expect(await jobs.get('approvals.remind')!.run(now())).toBe('reminded 1');
    const sent = await queued();
    expect(sent.map((p) => [p.toUser, p.reply.kind])).toEqual([['HuangDD', 'text'], ['HuangDD', 'card']]);
    expect(sent[0].reply.text).toContain(plan.planNo);
    expect(await jobs.get('approvals.remind')!.run(now())).toBe('reminded 0');
  });
});
