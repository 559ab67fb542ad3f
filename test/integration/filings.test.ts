/**
 * Out-of-period filings (备案) on the real database,
 * through the router every channel uses: what needs no filing (R10), what is
 * refused (R2, R11), the team check (R8a), a filing numbered and sent through
 * department leader → 联席办 → 司法局 by card taps, bad input asked again, and
 * 备案列表 by month and department.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date('2026-05-20T02:00:00Z'); // a Wednesday in May: June and October lie ahead

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const tap = (userId: string, key: string): Promise<Outcome> => say(userId, `点 ${key}`);
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const cardsTo = (o: Outcome, userId: string) => o.notices.filter((n) => n.userId === userId && n.reply.kind === 'card');
const cardKeysTo = (o: Outcome, userId: string) =>
  cardsTo(o, userId).flatMap((n) => (n.reply.kind === 'card' ? n.reply.card.buttons.map((b) => b.key) : []));
const session = (userId: string) => db.repos.sessions.get(userId);
const filingCount = async () => (await Promise.all(['2026-05', '2026-06', '2026-09', '2026-10'].map((m) => db.repos.filings.forMonth(m)))).flat().length;

const B1 = code(1); // 万年县华达食品有限公司, B
const B2 = code(2); // 万年县华达汽车维修店, B
const C3 = code(3);
const A4 = code(4);
const B5 = code(5); // 孙回避 has a declared conflict with it

const inspector = inspectorDoc;

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'] },
    { userId: 'wang.leader', name: '王局长', department: '县市管局', roles: ['leader'] },
    { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'] },
    { userId: 'sun.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
    { userId: 'fire.official', name: '消防经办', department: '县消防救援大队', roles: ['official'] },
    { userId: 'fire.leader', name: '消防领导', department: '县消防救援大队', roles: ['leader'] },
  ]);
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', pool: 'B' },
    { n: 2, name: '万年县华达汽车维修店', kind: '个体工商户', pool: 'B' },
    { n: 3, name: '万年县重点化工有限公司', pool: 'C', riskClass: '高' },
    { n: 4, name: '万年县青云旅游发展有限公司', pool: 'A', riskClass: '低' },
    { n: 5, name: '万年县回避测试商店', pool: 'B' },
  ]);
  await db.repos.inspectors.writer.insertNew([
    inspector('SC001', '王执法', 'SCJGJ'),
    inspector('SC002', '李执法', 'SCJGJ', { kind: 'qualified_staff' }),
    inspector('SC003', '赵过期', 'SCJGJ', { certificateExpiry: '2026-08-31' }),
    inspector('SC004', '钱专家', 'SCJGJ', { kind: 'expert', certificateNo: '', certificateExpiry: undefined }),
    inspector('SC005', '孙回避', 'SCJGJ', { conflicts: [B5] }),
    inspector('XF001', '陈消防', 'XFJYDD'),
    inspector('XF002', '刘消防', 'XFJYDD'),
  ] as never);
});

afterAll(async () => {
  await db.close();
});

describe('备案: what the situation needs (R2, R10, R11)', () => {
  it('R10: a B entity in June needs no filing; nothing is written and no conversation stays open', async () => {
    const o = await say('li.official', `备案 ${B1} 事由=例行检查 日期=2026-06-15`);
    expect(all(o)).toContain('依据规则 R10');
    expect(all(o)).toContain('无需备案');
    expect(all(o)).toContain('没有保存任何内容');
    expect(await session('li.official')).toBeUndefined();
    expect(await filingCount()).toBe(0);
  });

  it('R10: any C entity needs no filing, even in the quiet period', async () => {
    const o = await say('li.official', `备案 ${C3} 事由=例行检查 日期=2026-10-12`);
    expect(all(o)).toContain('R10');
    expect(all(o)).toContain('不受企业安静期限制');
    expect(await session('li.official')).toBeUndefined();
    expect(await filingCount()).toBe(0);
  });

  it('R11: a B entity in October for a routine check is refused as soon as the date is known, citing R11; nothing written; another reason may follow', async () => {
    expect(all(await say('li.official', '备案'))).toContain('统一社会信用代码');
    expect(all(await say('li.official', B1))).toContain('检查事由');
    expect(all(await say('li.official', '例行检查'))).toContain('计划检查日期');
    const o = await say('li.official', '2026-10-12');
    expect(all(o)).toContain('依据规则 R11');
    expect(all(o)).toContain('企业安静期');
    expect(all(o)).toContain('“例行检查”不在其列');
    expect(all(o)).toContain('尚未提交');
    expect(all(o)).toContain('改 日期');
    // The conversation stays open for another reason.
    expect((await session('li.official'))?.step).toBe('reason');
    expect(await filingCount()).toBe(0);
    const next = all(await say('li.official', '消防安全投诉'));
    expect(next).toContain('须报联席办和司法局备案');
    expect((await session('li.official'))?.step).toBe('officers');
    await say('li.official', '取消');
    expect(await filingCount()).toBe(0);
  });

  it('R2: an A entity for 安全生产 is refused citing R2, with what to do instead', async () => {
    const o = await say('li.official', `备案 ${A4} 事由=安全生产 日期=2026-06-10 人员=王执法、李执法`);
    expect(all(o)).toContain('依据规则 R2');
    expect(all(o)).toContain('请向联席办提出');
    expect((await session('li.official'))?.step).toBe('reason');
    await say('li.official', '取消');
    expect(await filingCount()).toBe(0);
  });

  it('only officials, leaders and inspectors of member units file: 司法局 reviewers do not', async () => {
    const o = await say('sun.justice', '备案');
    expect(all(o)).toContain('只有成员单位的经办人、部门领导或执法检查人员');
    expect(await session('sun.justice')).toBeUndefined();
  });
});

describe('备案: a fire-safety complaint in October, filed and recorded (R11)', () => {
  it('R11: accepted, numbered, leader card, then 联席办 and 司法局 by taps; final status approved; a card tapped twice changes nothing', async () => {
    await say('li.official', '备案');
    // Several matches by name: listed, and the code is asked for.
    const many = all(await say('li.official', '华达'));
    expect(many).toContain(B1);
    expect(many).toContain(B2);
    expect(many).toContain('其中一个的统一社会信用代码');
    expect(all(await say('li.official', B1))).toContain('检查事由');
    expect(all(await say('li.official', '消防安全投诉'))).toContain('计划检查日期');
    const decided = all(await say('li.official', '2026-10-12'));
    expect(decided).toContain('依据规则 R11');
    expect(decided).toContain('须报联席办和司法局备案');
    expect(decided).toContain('至少两名持有效执法证');
    expect(all(await say('li.official', '王执法、SC002'))).toContain('说明检查情况');
    const sum = all(await say('li.official', '群众投诉该店消防通道堵塞，拟现场核查'));
    expect(sum).toContain('请核对备案内容');
    expect(sum).toContain('王执法（SC001');
    expect(sum).toContain('李执法（SC002');
    expect(await filingCount()).toBe(0); // nothing before 提交

    const sent = await say('li.official', '提交');
    expect(all(sent)).toContain('备案 BA2026-0001 已提交');
    expect(all(sent)).toContain('王局长');
    expect(cardKeysTo(sent, 'wang.leader')).toEqual(['ap.yes:BA2026-0001#0', 'ap.no:BA2026-0001#0']);
    expect(cardsTo(sent, 'zhao.office')).toHaveLength(0);
    expect(await session('li.official')).toBeUndefined();

    const f = await db.repos.filings.get('BA2026-0001');
    expect(f).toMatchObject({
      department: 'SCJGJ', creditCode: B1, pool: 'B', reason: 'complaint', plannedDate: '2026-10-12', month: '2026-10',
      officers: ['SC001', 'SC002'], rules: ['R11'], createdBy: 'li.official',
    });
    const audit = await db.repos.audit.forTarget('filing:BA2026-0001');
    expect(audit.map((e) => e.action).sort()).toEqual(['approval.open', 'filing.submit']);

    const leader = await tap('wang.leader', 'ap.yes:BA2026-0001#0');
    expect(leader.cardOutcome).toBe('已同意');
    expect(cardKeysTo(leader, 'zhao.office')).toEqual(['ap.yes:BA2026-0001#1', 'ap.no:BA2026-0001#1']);
    expect(leader.notices.some((n) => n.userId === 'li.official')).toBe(true);
    const office = await tap('zhao.office', 'ap.yes:BA2026-0001#1');
    expect(office.cardOutcome).toBe('已同意');
    expect(cardKeysTo(office, 'sun.justice')).toEqual(['ap.yes:BA2026-0001#2', 'ap.no:BA2026-0001#2']);
    const justice = await tap('sun.justice', 'ap.yes:BA2026-0001#2');
    expect(justice.cardOutcome).toBe('已同意');
    const done = await services.approvals.get('BA2026-0001');
    expect(done?.status).toBe('approved');
    expect(done?.steps.map((s) => s.by)).toEqual(['wang.leader', 'zhao.office', 'sun.justice']);

    const again = await tap('sun.justice', 'ap.yes:BA2026-0001#2');
    expect(all(again)).toContain('无需重复操作');
    expect(again.notices).toEqual([]);
    expect((await services.approvals.get('BA2026-0001'))?.version).toBe(done?.version);
    expect((await db.repos.audit.forTarget('filing:BA2026-0001')).filter((e) => e.action === 'approval.approve')).toHaveLength(3);
  });

  it('R2: an A entity on a complaint (投诉举报), all on one line, is accepted and the card says the inspection form must be filed', async () => {
    const sum = all(await say('li.official', `备案 ${A4} 事由=投诉举报 日期=2026-06-10 人员=SC001、李执法 说明=游客投诉 景区餐厅 卫生问题`));
    expect(sum).toContain('依据规则 R2');
    expect(sum).toContain('检查表须报联席办和司法局备案');
    expect(sum).toContain('情况说明：游客投诉 景区餐厅 卫生问题');
    const sent = await say('li.official', '提交');
    expect(all(sent)).toContain('BA2026-0002');
    expect(all(sent)).toContain('检查表报联席办和司法局备案（R2）');
    const card = cardsTo(sent, 'wang.leader')[0]?.reply;
    expect(card && replyText(card)).toContain('检查结束后，检查表须报联席办和司法局备案（R2）');
    expect((await db.repos.filings.get('BA2026-0002'))?.rules).toEqual(['R2']);
  });
});

describe('备案: the team (R8a)', () => {
  const start = async (entity: string) => {
    const o = await say('li.official', `备案 ${entity} 事由=消防 日期=2026-10-12`);
    expect(all(o)).toContain('请输入检查人员');
  };

  it('R8a: fewer than two enforcement officers — an expert does not count — is refused naming who, and asked again', async () => {
    await start(B1);
    const o = all(await say('li.official', '王执法、钱专家'));
    expect(o).toContain('依据规则 R8a');
    expect(o).toContain('符合条件的只有王执法');
    expect(o).toContain('钱专家是专家');
    expect((await session('li.official'))?.step).toBe('officers');
  });

  it('R8a: an officer whose certificate has expired by the planned date does not count', async () => {
    const o = all(await say('li.official', '王执法、赵过期'));
    expect(o).toContain('依据规则 R8a');
    expect(o).toContain('赵过期的执法证有效期至 2026-08-31，2026-10-12 已失效');
    expect((await session('li.official'))?.step).toBe('officers');
    expect(all(await say('li.official', '取消'))).toContain('没有保存任何内容');
  });

  it('R8a: an officer with a declared conflict with the entity (回避) is refused by name', async () => {
    await start(B5);
    const o = all(await say('li.official', '王执法、李执法、孙回避'));
    expect(o).toContain('依据规则 R8a（回避）');
    expect(o).toContain('孙回避（SC005）');
    expect((await session('li.official'))?.step).toBe('officers');
    // Without the conflicted officer the team passes.
    expect(all(await say('li.official', '王执法、李执法'))).toContain('说明检查情况');
    await say('li.official', '取消');
    expect(await filingCount()).toBe(2);
  });

  it('R8a: a name not in the department\'s directory is asked again', async () => {
    await start(B1);
    const o = all(await say('li.official', '张三、李四'));
    expect(o).toContain('“张三”不在县市管局的执法检查人员名录中');
    expect((await session('li.official'))?.step).toBe('officers');
    await say('li.official', '取消');
  });
});

describe('备案: bad input is asked again, nothing half-written', () => {
  it('re-asks on a bad credit code, a name with no match, a bad date, and a too-short description', async () => {
    await say('li.official', '备案');
    const badCode = all(await say('li.official', '91361129MA35GK1L7X'));
    expect(badCode).toContain('例如 91361129MA35GK1L7T');
    expect((await session('li.official'))?.step).toBe('entity');
    expect(all(await say('li.official', '不存在的公司'))).toContain('没有名称含“不存在的公司”的主体');
    await say('li.official', B1);
    await say('li.official', '投诉');
    for (const t of ['下周一', '2026-02-30', 'abc']) {
      const o = all(await say('li.official', t));
      expect(o).toContain('这不是日期');
      expect(o).toContain('2026-10-12');
      expect((await session('li.official'))?.step).toBe('date');
    }
    expect(all(await say('li.official', '2026-01-05'))).toContain('不能再补报备案');
    expect(all(await say('li.official', '10月12日'))).toContain('依据规则 R11');
    await say('li.official', '王执法、李执法');
    expect(all(await say('li.official', '查'))).toContain('至少4个字');
    expect((await session('li.official'))?.step).toBe('description');
    await say('li.official', '群众投诉，拟现场核查');
    // A correction from the summary goes back to the summary; a date that needs no filing ends it.
    await say('li.official', '改 日期');
    const corrected = all(await say('li.official', '2026-10-13'));
    expect(corrected).toContain('计划检查日期：2026-10-13');
    await say('li.official', '改 日期');
    expect(all(await say('li.official', '2026-09-15'))).toContain('无需备案');
    expect(await session('li.official')).toBeUndefined();
    expect(await filingCount()).toBe(2);
  });

  it('a one-line filing with a bad date keeps the rest and asks only for the date', async () => {
    const o = all(await say('li.official', `备案 ${B1} 事由=消防 日期=十月 人员=王执法、李执法`));
    expect(o).toContain('这不是日期');
    expect((await session('li.official'))?.step).toBe('date');
    const next = all(await say('li.official', '2026-10-20'));
    expect(next).toContain('依据规则 R11');
    expect(next).toContain('说明检查情况');
    await say('li.official', '取消');
  });
});

describe('备案列表 and 查看备案', () => {
  beforeAll(async () => {
    await say('fire.official', `备案 ${B2} 事由=应急消防 日期=2026-10-15 人员=陈消防、刘消防 说明=辖区火灾隐患排查`);
    expect(all(await say('fire.official', '提交'))).toContain('BA2026-0003');
  });

  it('a department sees its own month, grouped, with each filing\'s status', async () => {
    const own = all(await say('li.official', '备案列表 2026-10'));
    expect(own).toContain('2026年10月检查备案（县市管局）');
    expect(own).toContain('BA2026-0001');
    expect(own).toContain('已备案');
    expect(own).not.toContain('BA2026-0003');
    expect(all(await say('li.official', '备案列表 2026-10 县消防救援大队'))).toContain('您只能查看本单位');
    const fire = all(await say('fire.official', '备案列表 2026年10月'));
    expect(fire).toContain('BA2026-0003');
    expect(fire).toContain('审批中（第1/3步：部门领导确认）');
  });

  it('联席办 sees every department, grouped, and can pick one; the default is the current month', async () => {
    const county = all(await say('zhao.office', '备案列表 2026-10'));
    expect(county).toContain('全县');
    expect(county).toContain('【县市管局】1件');
    expect(county).toContain('【县消防救援大队】1件');
    const one = all(await say('zhao.office', '备案列表 2026-10 县消防救援大队'));
    expect(one).toContain('BA2026-0003');
    expect(one).not.toContain('BA2026-0001');
    expect(all(await say('zhao.office', '备案列表 2026-06'))).toContain('BA2026-0002');
    expect(all(await say('zhao.office', '备案列表'))).toContain('2026年5月检查备案（全县）：没有备案');
    expect(all(await say('zhao.office', '备案列表 2026-13'))).toContain('不是有效月份');
  });

  it('查看备案 shows the filing and its history; another department cannot', async () => {
    const o = all(await say('li.official', '查看备案 BA2026-0001'));
    expect(o).toContain('万年县华达食品有限公司');
    expect(o).toContain('状态：已通过');
    expect(o).toContain('王执法（SC001）');
    expect(all(await say('li.official', '备案 BA2026-0002'))).toContain('A类联合监管库主体：检查表须报联席办和司法局备案（R2）');
    expect(all(await say('fire.official', '查看备案 BA2026-0001'))).toContain('您只能查看本单位');
  });
});

describe('备案: fewer dead ends', () => {
  afterEach(async () => {
    await say('li.official', '取消');
  });

  it('the entity is picked by its number in the list, like a plan\'s items', async () => {
    await say('li.official', '备案');
    const list = all(await say('li.official', '华达'));
    expect(list).toContain('请回复序号');
    const second = list.split('\n').find((l) => l.startsWith('2. '))!;
    const picked = all(await say('li.official', '2'));
    expect(picked).toContain('检查事由');
    expect((await session('li.official'))?.data).toMatchObject({ creditCode: second.split('｜')[1] });
    await say('li.official', '取消');
    await say('li.official', '备案');
    await say('li.official', '华达');
    expect(all(await say('li.official', '9'))).toContain('请回复 1 到 2 之间的序号');
  });

  it('R10: needing no filing is said before anything else is asked: a C entity alone, a B entity in June despite unknown officers', async () => {
    const c = all(await say('li.official', `备案 ${C3}`));
    expect(c).toContain('不必报备');
    expect(c).not.toContain('检查事由');
    expect(await session('li.official')).toBeUndefined();
    const b = all(await say('li.official', `备案 ${B1} 事由=例行检查 日期=2026-06-15 人员=不存在的人`));
    expect(b).toContain('无需备案');
    expect(b).not.toContain('不存在的人');
    expect(await session('li.official')).toBeUndefined();
  });

  it('修改备案: a returned filing shows why, is edited and sent again under its number (R11, R20)', async () => {
    await say('li.official', `备案 ${B1} 事由=消防安全投诉 日期=2026-10-12 人员=王执法、李执法 说明=群众投诉消防通道堵塞`);
    const no = /BA\d{4}-\d{4}/.exec(all(await say('li.official', '提交')))![0];
    const back = await say('wang.leader', `退回 ${no} 日期与县里大检查冲突，请改到10月14日`);
    expect(back.notices.map((n) => replyText(n.reply)).join('\n')).toContain(`发送“修改备案 ${no}”`);
    expect(all(await say('fire.official', `修改备案 ${no}`))).toContain('只能由该单位修改');
    const opened = all(await say('li.official', `修改备案 ${no}`));
    expect(opened).toContain('退回原因：部门领导确认，王局长');
    expect(opened).toContain('理由：日期与县里大检查冲突');
    expect(opened).toContain('请核对备案内容');
    await say('li.official', '改 日期');
    expect(all(await say('li.official', '2026-10-14'))).toContain('计划检查日期：2026-10-14');
    const again = await say('li.official', '提交');
    expect(all(again)).toContain(`备案 ${no} 已重新提交`);
    expect(cardsTo(again, 'wang.leader')).toHaveLength(1);
    expect((await db.repos.filings.get(no))).toMatchObject({ plannedDate: '2026-10-14', version: 2 });
    expect((await db.repos.approvals.get(no))?.status).toBe('pending');
    expect(all(await say('li.official', `修改备案 ${no}`))).toContain('正在审批中');
  });
});
