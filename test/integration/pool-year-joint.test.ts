/**
 * Overlapping C entities (R4 "agree a lead") through the router on the real
 * database: the bot proposes a lead (the proposing unit, else the unit with the
 * most C items) and participants, each unit's leader confirms by card, and
 * 联席办 decides where a unit disagrees.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date('2026-04-10T02:00:00Z');
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'xf.leader', name: '邓大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'yj.leader', name: '应急局长', department: '县应急管理局', roles: ['leader'] },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'] },
    { userId: 'lxb.a', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.b', name: '王建国', department: '县市管局', roles: ['office'] },
  ]);
  await db.repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'), itemDoc('XFJYDD', 'XF002', '消防设施检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查'),
  ] as never);
  await addEntities(db.repos, [
    { n: 1, pool: 'B', departments: ['XFJYDD', 'YJGLJ'] },
    { n: 2, pool: 'C', departments: ['CZJ', 'XFJYDD', 'YJGLJ'] },
    { n: 3, pool: 'C', departments: ['XFJYDD'] },
  ]);
  // 1 becomes C on 应急局's proposal.
  await say('yj.official', `调库 ${code(1)} C类 危化品储存`);
  await say('lxb.a', `同意 TK-${code(1)}`);
});

afterAll(async () => {
  await db.close();
});

describe('joint arrangements for overlapping C entities (R4)', () => {
  let first: Outcome;
  it('R4: proposes the proposing unit as lead, else the unit with most C items; cards to the first unit', async () => {
    expect(all(await say('yj.leader', 'C类联合安排'))).toContain('联席办');
    first = await say('lxb.a', 'C类联合安排');
    const out = all(first);
    expect(out).toContain('本次新提出 2 户');
    expect(out).toContain(`${code(1)}）｜牵头：县应急管理局｜参与：县消防救援大队｜待各部门确认｜县应急管理局提出纳入C类，由其牵头`);
    expect(out).toContain(`${code(2)}）｜牵头：县消防救援大队｜参与：县财政局、县应急管理局｜待各部门确认｜无提出单位记录，由C类检查事项最多的县消防救援大队牵头（2项）`);
    expect(out).not.toContain(code(3));
    expect(first.notices.map((n) => n.userId).sort()).toEqual(['xf.leader', 'yj.leader']);
    // Asked again: nothing new.
    expect(all(await say('lxb.a', 'C类联合安排'))).toContain('本次新提出 0 户');
  });

  it('R4: every unit confirms by card: the arrangement stands', async () => {
    await say('yj.leader', `同意 LH-${code(1)}`);
    await say('xf.leader', `同意 LH-${code(1)}`);
    expect((await services.cJoint.list()).find((a) => a.creditCode === code(1))).toMatchObject({ status: 'agreed', lead: 'YJGLJ', participants: ['XFJYDD'] });
  });

  it('R4: a unit disagrees; 联席办 decides the lead', async () => {
    await say('xf.leader', `同意 LH-${code(2)}`);
    await say('cz.leader', `退回 LH-${code(2)} 本单位不涉及该主体的日常监管`);
    expect((await services.cJoint.list()).find((a) => a.creditCode === code(2))?.status).toBe('disputed');
    expect(all(await say('lxb.a', 'C类联合安排'))).toContain('有部门不同意，待联席办决定');
    expect(all(await say('lxb.b', `指定牵头 ${code(2)} 县财务局`))).toContain('不是联席会议成员单位');
    expect(all(await say('lxb.b', `指定牵头 ${code(2)} 县司法局`))).toContain('R4');
    expect(all(await say('lxb.b', `指定牵头 ${code(2)} 县应急管理局 县消防救援大队`))).toContain('由县应急管理局牵头，县消防救援大队参与');
    expect((await services.cJoint.list()).find((a) => a.creditCode === code(2))).toMatchObject({ status: 'decided', lead: 'YJGLJ', participants: ['XFJYDD'] });
  });
});

describe('many arrangements at once (R4)', () => {
  it('R4: beyond 20, each leader gets one message pointing to 待办 instead of a card per entity', async () => {
    await addEntities(db.repos, Array.from({ length: 21 }, (_, i) => ({ n: 100 + i, pool: 'C' as const, departments: ['XFJYDD', 'YJGLJ'] })));
    const out = await say('lxb.a', 'C类联合安排');
    expect(all(out)).toContain('本次新提出 21 户');
    expect(out.notices).toHaveLength(1);
    expect(out.notices[0].userId).toBe('xf.leader');
    expect(replyText(out.notices[0].reply)).toContain('21 户C类主体的联合检查安排');
    expect(all(await say('xf.leader', '待办'))).toContain(`LH-${code(100)}`);
  });
});
