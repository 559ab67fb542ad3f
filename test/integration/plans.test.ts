/**
 * Plans through the router every channel uses, on the real database:
 * the 新建计划 conversation, each plan rule with its R-number, the three
 * approvals (R13), corrections, bad input, and edits that cannot overwrite.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-03-02T02:00:00Z') };
const now = () => new Date(clock.t);

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const cardTo = (o: Outcome, userId: string) => o.notices.find((n) => n.userId === userId && n.reply.kind === 'card')?.reply;
/** Says each line in turn; returns the last answer. */
async function conversation(userId: string, lines: string[]): Promise<string> {
  let last = '';
  for (const l of lines) last = all(await say(userId, l));
  return last;
}
const planNo = (s: string) => /JH\d{4}-\d{4}/.exec(s)?.[0] ?? '';


beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.official2', name: '郑小梅', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '黄大队长', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'scj.leader', name: '程丽华', department: '县市管局', roles: ['leader'] },
    { userId: 'lxb.office', name: '赵联席', department: '县市管局', roles: ['office'] },
    { userId: 'sfj.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
  ]);
  // Officers to form teams (R8a), in the joint pool for A plans (R8).
  await db.repos.inspectors.writer.insertNew([...['1', '2', '3', '4'].map((n) => inspectorDoc(`XFJYDD-${n}`, `XFJYDD人员${n}`, 'XFJYDD', { jointPool: true })), ...['1', '2', '3', '4'].map((n) => inspectorDoc(`SCJGJ-${n}`, `SCJGJ人员${n}`, 'SCJGJ', { jointPool: true })), ...['1', '2', '3', '4'].map((n) => inspectorDoc(`YJGLJ-${n}`, `YJGLJ人员${n}`, 'YJGLJ', { jointPool: true }))] as never);
  await db.repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'),
    itemDoc('XFJYDD', 'XF002', '消防设施检查', { pools: ['B', 'C'], jointListA: false }),
    itemDoc('SCJGJ', 'SC001', '食品经营检查'),
    itemDoc('YJGLJ', 'YJ001', '安全生产检查'),
  ] as never);
  await addEntities(db.repos, [
    ...Array.from({ length: 40 }, (_, i) => ({ n: 500 + i, pool: 'B' as const, riskClass: '较高' as const, departments: ['XFJYDD'], township: i % 2 ? '陈营镇' : '石镇镇' })),
    ...Array.from({ length: 30 }, (_, i) => ({ n: 600 + i, pool: 'B' as const, riskClass: '低' as const, departments: ['XFJYDD'] })),
    ...Array.from({ length: 20 }, (_, i) => ({ n: 700 + i, pool: 'A' as const, riskClass: '低' as const, departments: ['SCJGJ'] })),
  ]);
});

afterAll(async () => {
  await db.close();
});

/** A B plan for 县消防 that passes every rule: 较高 risk in 陈营镇, 15%, September. */
const GOOD_B = ['2026', 'B', '无', '乡镇=陈营镇 风险=较高', '1', '15%', '9月'];

describe('新建计划: one thing at a time, then three approvals (R13)', () => {
  /**
   * The walk-through, once, as set-up: 新建计划 to 提交, then each approval step by one
   * tap (and a second tap). Every answer is kept, so each test reads what it needs and
   * none depends on another having run.
   */
  const walk = {} as {
    no: string; first: string; summary: string; submitted: Outcome; sessionAfter: unknown;
    leader: Outcome; office: Outcome; justice: Outcome; again: Outcome;
  };
  beforeAll(async () => {
    walk.first = all(await say('xf.official', '新建计划'));
    walk.summary = await conversation('xf.official', GOOD_B);
    walk.submitted = await say('xf.official', '提交');
    walk.no = planNo(all(walk.submitted));
    walk.sessionAfter = await db.repos.sessions.get('xf.official');
    walk.leader = await say('xf.leader', `点 ap.yes:${walk.no}#0`);
    walk.office = await say('lxb.office', `点 ap.yes:${walk.no}#1`);
    walk.justice = await say('sfj.justice', `点 ap.yes:${walk.no}#2`);
    walk.again = await say('sfj.justice', `点 ap.yes:${walk.no}#2`);
  });

  it('walks a B plan from 新建计划 to submission with the predicted number of targets', async () => {
    expect(walk.first).toContain('请输入计划年度');
    const summary = walk.summary;
    expect(summary).toContain('预计检查对象：20 户，抽取 3 户');
    expect(summary).toContain('回复“提交”');
    const submitted = walk.submitted;
    const no = walk.no;
    expect(no).toMatch(/^JH2026-\d{4}$/);
    expect(cardTo(submitted, 'xf.leader')).toBeDefined();
    expect(walk.sessionAfter).toBeUndefined();
  });

  it('R13: department leader → 联席办 → 司法局, each by one tap; the requester is told at each step', async () => {
    const leader = walk.leader;
    expect(leader.cardOutcome).toBe('已同意');
    const officeCard = cardTo(leader, 'lxb.office');
    expect(officeCard?.kind === 'card' && officeCard.card.fields.map((f) => f.value).join()).toContain('36112900XF001');
    expect(leader.notices.some((n) => n.userId === 'xf.official' && replyText(n.reply).includes('联席办'))).toBe(true);
    const office = walk.office;
    expect(cardTo(office, 'sfj.justice')).toBeDefined();
    const justice = walk.justice;
    expect(all(justice)).toContain('审批全部完成');
    expect(justice.notices.some((n) => n.userId === 'xf.official' && replyText(n.reply).includes('全部审批通过'))).toBe(true);
    const again = walk.again;
    expect(all(again)).toContain('无需重复操作');
  });

  it('计划 <编号> and 我的计划 show status and history', async () => {
    const { no } = walk;
    const view = all(await say('xf.official2', `计划 ${no}`));
    expect(view).toContain('状态：已通过');
    expect(view).toMatch(/部门领导审批：已同意，黄大队长（xf\.leader）/);
    expect(view).toMatch(/司法局合法性审查.*已同意/);
    expect(all(await say('xf.official2', '我的计划'))).toContain(`${no}｜B类｜2026-09-01至2026-09-30｜已通过`);
  });

  it('R13: a plan that duplicates another is flagged to the 联席办 reviewer with the plans it overlaps', async () => {
    const { no } = walk;
    const summary = await conversation('xf.official2', ['新建计划', '2026', 'B', '无', '风险=较高', '1', '20%', '2026-09-10 至 2026-09-20']);
    expect(summary).toContain('R13');
    expect(summary).toContain(no);
    const submitted = await say('xf.official2', '提交');
    const dup = planNo(all(submitted));
    await say('xf.leader', `点 ap.yes:${dup}#0`);
    const ap = await services.approvals.get(dup);
    expect(ap?.flags.join()).toContain(no);
    const office = all(await say('lxb.office', '待办'));
    expect(office).toContain(dup);
  });
});

describe('plan rules, each refused with its R-number', () => {
  afterEach(async () => {
    await say('xf.official', '取消');
    await say('lxb.office', '取消');
  });

  it('R2: only 联席办 makes an A-pool plan', async () => {
    const r = await conversation('xf.official', ['新建计划', '2026', 'A']);
    expect(r).toContain('依据规则 R2');
    expect(r).toContain('请回复 B 或 C');
  });

  it('R2: an A-pool plan is joint, and its ratio is at most 10%', async () => {
    expect(await conversation('lxb.office', ['新建计划', '2026', 'A', '无'])).toContain('R2');
    const summary = await conversation('lxb.office', ['县消防救援大队', '风险=低', '全部', '15%', '6月']);
    expect(summary).toContain('依据规则 R2：A类联合监管库抽查比例不超过 10%');
    expect(all(await say('lxb.office', '提交'))).toContain('计划未提交');
    const fixed = all(await say('lxb.office', '改 比例'));
    expect(fixed).toContain('抽取比例');
    const ok = await conversation('lxb.office', ['5%']);
    expect(ok).toContain('预计检查对象：20 户');
    expect(ok).not.toContain('须先修改');
  });

  it('R9: only items on the department\'s list can be chosen; an item of another department is refused', async () => {
    const prompt = await conversation('xf.official', ['新建计划', '2026', 'B', '无', '风险=较高']);
    expect(prompt).toContain('消防安全检查');
    expect(prompt).not.toContain('食品经营检查');
    expect(await conversation('xf.official', ['9'])).toContain('不是列表中的序号');
    const draft = { year: 2026, department: 'XFJYDD', pool: 'B' as const, filter: { industries: [], townships: [], riskClasses: ['较高' as const], sectorTags: [] },
      items: ['SCJGJ:SC001'], sampling: { ratioPermille: 150 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [] };
    const caller = { userId: 'xf.official', name: '吴海涛', department: 'XFJYDD', roles: ['official' as const], channel: 'shell' as const };
    await expect(services.plans.submit(caller, draft)).rejects.toMatchObject({ rule: 'R9' });
  });

  it('R10: a window outside the pool\'s months is refused with the allowed months', async () => {
    const r = await conversation('xf.official', ['新建计划', '2026', 'B', '无', '风险=较高', '1', '15%', '2026-10-01 至 2026-10-15']);
    expect(r).toContain('依据规则 R10');
    expect(r).toContain('6月、9月');
  });

  it('R6: a ratio outside the risk class policy is refused; classes whose ranges do not meet must be split', async () => {
    const low = await conversation('xf.official', ['新建计划', '2026', 'B', '无', '风险=较高', '1', '2%', '9月']);
    expect(low).toContain('依据规则 R6');
    await say('xf.official', '取消');
    const mixed = await conversation('xf.official', ['新建计划', '2026', 'B', '无', '全部', '1', '5%', '9月']);
    expect(mixed).toContain('拆分');
  });

  it('R12: after 31 March a plan must be marked special with a reason', async () => {
    const saved = clock.t;
    clock.t = Date.parse('2026-04-10T02:00:00Z');
    try {
      const ask = await conversation('xf.official', ['新建计划', '2026', 'B', '无', '乡镇=石镇镇 风险=较高', '2', '15%', '9月']);
      expect(ask).toContain('R12');
      expect(ask).toContain('专项理由');
      const summary = await conversation('xf.official', ['群众投诉集中，开展消防设施专项检查']);
      expect(summary).toContain('专项理由：群众投诉集中');
      const no = planNo(all(await say('xf.official', '提交')));
      expect((await services.plans.view(no)).plan.special?.reason).toContain('群众投诉集中');
    } finally {
      clock.t = saved;
    }
  });
});

describe('bad input and edits', () => {
  afterEach(async () => {
    await say('xf.official', '取消');
  });

  it('free text where a year, ratio or date is expected gets a re-ask with an example', async () => {
    expect(await conversation('xf.official', ['新建计划', '明天吧'])).toMatch(/不是年度.*例如 2026/);
    expect(await conversation('xf.official', ['2026', 'B', '无', '随便'])).toContain('条件=值');
    expect(await conversation('xf.official', ['风险=较高', '1', '差不多就行'])).toContain('如“5%”');
    expect(await conversation('xf.official', ['15%', '下个月'])).toContain('2026-06-01 至 2026-06-30');
  });

  it('a correction ("改 对象") goes back to that question, then to the summary', async () => {
    await conversation('xf.official', ['新建计划', ...GOOD_B]);
    expect(all(await say('xf.official', '改 对象'))).toContain('检查对象范围');
    expect(all(await say('xf.official', '乡镇=石镇镇 风险=较高'))).toContain('预计检查对象：20 户');
  });

  it('two officials editing the same returned plan cannot overwrite each other silently', async () => {
    const no = planNo(await conversation('xf.official', ['新建计划', '2026', 'B', '无', '风险=低', '2', '3%', '6月', '提交']));
    await say('xf.leader', `退回 ${no} 请改为9月`);
    expect(all(await say('xf.official', `修改计划 ${no}`))).toContain('回复“提交”');
    expect(all(await say('xf.official2', `修改计划 ${no}`))).toContain('回复“提交”');
    await conversation('xf.official', ['改 时段', '9月']);
    await conversation('xf.official2', ['改 比例', '4%']);
    // Both press 提交 at the same moment: one edit lands, the other is refused and saves nothing.
    const [a, b] = await Promise.all([say('xf.official', '提交'), say('xf.official2', '提交')]);
    const landed = [a, b].filter((o) => all(o).includes('已重新提交'));
    expect(landed).toHaveLength(1);
    const lost = all(landed[0] === a ? b : a);
    expect(lost).toMatch(/已被 xf\.official2? 修改，您的修改没有保存|正在审批中|刚被他人处理/);
    const plan = (await services.plans.view(no)).plan;
    if (landed[0] === a) expect([plan.window.from, plan.sampling]).toEqual(['2026-09-01', { ratioPermille: 30 }]);
    else expect([plan.window.from, plan.sampling]).toEqual(['2026-06-01', { ratioPermille: 40 }]);
    expect(plan.version).toBe(2);
    // Later, the one who lost sees the plan is under review again and cannot overwrite it.
    expect(all(await say('xf.official2', `修改计划 ${no}`))).toContain('正在审批中');
    await say('xf.official2', '取消');
  });
});
