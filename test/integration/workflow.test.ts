/**
 * Workflow dead ends and accountability (R13, R20) through the router on the
 * real database: every step of every request has someone other than the
 * requester to decide it (or the request is refused at submission), one user
 * decides at most one step, nobody confirms their own pool proposal, the
 * joint departments of a plan agree to it, every round of a returned plan
 * stays in its history, 待办 lists everything that waits, and dates are
 * Beijing dates.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';
import { PLAN_STEPS } from '../../src/services/plans';
import { FILING_STEPS } from '../../src/services/filings';
import type { Caller } from '../../src/services/context';
import type { UserInput } from '../../src/services/users';

let db: TestDb;
let services: Services;
let router: Router;
// 06:30 on 2 March in Beijing is still 1 March in UTC.
const clock = { t: Date.parse('2026-03-01T22:30:00Z') };
const now = () => new Date(clock.t);

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const cardsTo = (o: Outcome, userId: string) => o.notices.filter((n) => n.userId === userId && n.reply.kind === 'card');
const toldTo = (o: Outcome, userId: string) => o.notices.filter((n) => n.userId === userId).map((n) => replyText(n.reply)).join('\n');
async function conversation(userId: string, lines: string[]): Promise<string> {
  let last = '';
  for (const l of lines) last = all(await say(userId, l));
  return last;
}
const planNo = (s: string) => /JH\d{4}-\d{4}/.exec(s)?.[0] ?? '';

const USERS: UserInput[] = [
  { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
  { userId: 'scj.leader', name: '汪国平', department: '县市管局', roles: ['leader'] },
  { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
  { userId: 'lxb.office2', name: '方文静', department: '县市管局', roles: ['office'] },
  // Holds two roles: may decide the leader step or the 联席办 step of a request, never both (R20).
  { userId: 'dual', name: '孙两职', department: '县市管局', roles: ['leader', 'office'] },
  { userId: 'sfj.justice', name: '余志明', department: '县司法局', roles: ['justice'] },
  { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
  { userId: 'xf.leader', name: '占建军', department: '县消防救援大队', roles: ['leader'] },
  { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'] },
  { userId: 'cz.leader', name: '赵财政', department: '县财政局', roles: ['leader'] },
];
const user = (id: string) => USERS.find((u) => u.userId === id)!;
const setActive = (ids: string[], active: boolean) => saveUsers(services, ids.map((id) => ({ ...user(id), active })));
const caller = (id: string): Caller => {
  const u = user(id);
  return { userId: u.userId, name: u.name, department: u.department === '县市管局' ? 'SCJGJ' : u.department === '县司法局' ? 'SFJ' : 'XFJYDD', roles: u.roles as Caller['roles'], channel: 'shell' };
};

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, USERS);
  // Officers to form teams (R8a), in the joint pool for A plans (R8).
  await db.repos.inspectors.writer.insertNew([...['1', '2', '3', '4'].map((n) => inspectorDoc(`XFJYDD-${n}`, `XFJYDD人员${n}`, 'XFJYDD', { jointPool: true })), ...['1', '2', '3', '4'].map((n) => inspectorDoc(`SCJGJ-${n}`, `SCJGJ人员${n}`, 'SCJGJ', { jointPool: true })), ...['1', '2', '3', '4'].map((n) => inspectorDoc(`YJGLJ-${n}`, `YJGLJ人员${n}`, 'YJGLJ', { jointPool: true }))] as never);
  await db.repos.items.writer.insertNew([
    itemDoc('SCJGJ', 'SC001', '食品经营检查'),
    itemDoc('XFJYDD', 'XF001', '消防安全检查'),
    itemDoc('YJGLJ', 'YJ001', '安全生产检查'),
    itemDoc('CZJ', 'CZ001', '会计信息质量检查'),
    itemDoc('CZJ', 'CZ002', '危化品财务检查', { specialty: '危险化学品' }),
  ] as never);
  // 县财政局 has two officers only, neither with the 危险化学品 specialty.
  await db.repos.inspectors.writer.insertNew([inspectorDoc('CZJ-1', '财政人员1', 'CZJ'), inspectorDoc('CZJ-2', '财政人员2', 'CZJ')] as never);
  await addEntities(db.repos, [
    ...Array.from({ length: 20 }, (_, i) => ({ n: 700 + i, pool: 'A' as const, riskClass: '低' as const, departments: ['SCJGJ'] })),
    ...Array.from({ length: 20 }, (_, i) => ({ n: 800 + i, pool: 'A' as const, riskClass: '一般' as const, departments: ['SCJGJ'] })),
    ...Array.from({ length: 20 }, (_, i) => ({ n: 500 + i, pool: 'B' as const, riskClass: '较高' as const, departments: ['XFJYDD'] })),
    ...Array.from({ length: 5 }, (_, i) => ({ n: 900 + i, pool: 'B' as const, departments: ['SCJGJ'] })),
    ...Array.from({ length: 40 }, (_, i) => ({ n: 1000 + i, pool: 'B' as const, riskClass: '高' as const, departments: ['CZJ'] })),
  ]);
});

afterAll(async () => {
  await db.close();
});

/** An A plan 联席办 drafts: joint with 县消防, low risk, 5%, June. */
const A_PLAN = ['新建计划', '2026', 'A', '县消防救援大队', '风险=低', '全部', '5%', '6月'];

describe('a plan 联席办 drafts itself (R2, R13, R20)', () => {
  it('R20: with no other 联席办 member to review it, it is refused at submission, saying whom to register; nothing is written', async () => {
    await setActive(['lxb.office2', 'dual'], false);
    try {
      await conversation('lxb.office', A_PLAN);
      const r = all(await say('lxb.office', '提交'));
      expect(r).toContain('依据规则 R20');
      expect(r).toContain('联席办审核');
      expect(r).toContain('申请未提交');
      expect(r).toContain('--roles office');
      expect(await db.repos.plans.forYear(2026)).toEqual([]);
      expect(await db.repos.approvals.pending()).toEqual([]);
    } finally {
      await say('lxb.office', '取消');
      await setActive(['lxb.office2', 'dual'], true);
    }
  });

  it('R13, R20: with a second member it passes 县市管局 leader → the joint department\'s leader → the other 联席办 member → 司法局', async () => {
    const no = planNo(await conversation('lxb.office', [...A_PLAN, '提交']));
    expect(no).toMatch(/^JH2026-/);
    const a = await services.approvals.get(no);
    expect(a?.steps.map((s) => s.label)).toEqual([
      '部门领导审批', '县消防救援大队领导确认参加联合检查', '联席办审核（比例、频次、重复检查，R13）', '司法局合法性审查（权力清单，R13）',
    ]);
    expect((await say('scj.leader', `点 ap.yes:${no}#0`)).cardOutcome).toBe('已同意');
    const joint = await say('xf.leader', `点 ap.yes:${no}#1`);
    expect(joint.cardOutcome).toBe('已同意');
    // The drafter gets no card for the review of their own plan, and cannot take it.
    expect(cardsTo(joint, 'lxb.office')).toHaveLength(0);
    expect(cardsTo(joint, 'lxb.office2')).toHaveLength(1);
    const own = all(await say('lxb.office', `点 ap.yes:${no}#2`));
    expect(own).toContain('R20');
    expect((await say('lxb.office2', `点 ap.yes:${no}#2`)).cardOutcome).toBe('已同意');
    expect(all(await say('sfj.justice', `点 ap.yes:${no}#3`))).toContain('审批全部完成');
    expect((await services.approvals.get(no))?.status).toBe('approved');
    // Approved, it now waits for 联席办 to draw it (R2): that is in 待办 too, not for others.
    expect(all(await say('lxb.office2', '待办'))).toContain(`计划 ${no} 已通过审批，待抽取`);
    expect(all(await say('scj.official', '待办'))).not.toContain(no);
  });

  it('R2: a joint department without a registered leader makes the plan refused at submission, not stuck', async () => {
    try {
      const r = await conversation('lxb.office', ['新建计划', '2026', 'A', '县应急管理局', '风险=一般', '全部', '5%', '6月', '提交']);
      expect(r).toContain('依据规则 R20');
      expect(r).toContain('县应急管理局部门领导');
      expect(await db.repos.plans.forYear(2026)).toHaveLength(1);
    } finally {
      await say('lxb.office', '取消');
    }
  });
});

describe('team fairness at the plan preview (R7, R8a)', () => {
  afterEach(async () => {
    await say('cz.official', '取消');
  });

  it('R8a: the preview shows each department\'s officers, slots and highest load, and warns when the officer draw is not random or the load is too high', async () => {
    const preview = await conversation('cz.official', ['新建计划', '2026', 'B', '无', '风险=高', '1', '100%', '9月']);
    expect(preview).toContain('预计检查对象：40 户，抽取 40 户');
    expect(preview).toContain('县财政局：可派执法人员 2 名，每户派 2 名；每人最多约 40 户');
    expect(preview).toContain('每户都是同样的人，人员抽取实际上不随机。请增加执法人员或专家');
    expect(preview).toContain('每名执法人员最多约 40 户，超过每个检查期 30 户的上限。请增加执法人员或专家，或降低抽取比例');
    // Warnings do not stop the plan.
    expect(preview).toContain('回复“提交”');
    expect(preview).not.toContain('须先修改');
  });

  it('R7: a plan whose teams cannot be formed (no officer with a required specialty) is refused at preview, not at the draw', async () => {
    const preview = await conversation('cz.official', ['新建计划', '2026', 'B', '无', '风险=高', '2', '30%', '9月']);
    expect(preview).toContain('须先修改');
    expect(preview).toContain('依据规则 R7：县财政局没有具备“危险化学品”专长的有效执法证人员或专家');
    const r = all(await say('cz.official', '提交'));
    expect(r).toContain('计划未提交');
    expect(r).toContain('R7');
    expect((await db.repos.plans.forYear(2026)).filter((p) => p.department === 'CZJ')).toEqual([]);
  });
});

describe('R20: one user decides at most one step of one request', () => {
  for (const [kind, steps] of [['plan', PLAN_STEPS('SCJGJ')], ['filing', FILING_STEPS('SCJGJ')]] as const) {
    it(`R20: a ${kind}: the leader-and-联席办 user who approved step 1 cannot approve step 2; another member can`, async () => {
      const subject = `T-${kind}-TWO`;
      await services.approvals.open({ kind, subject, title: '两步测试', requester: caller('scj.official'), steps: [...steps], fields: [] });
      const first = await say('dual', `点 ap.yes:${subject}#0`);
      expect(first.cardOutcome).toBe('已同意');
      // The next step's cards go to the other 联席办 members only.
      expect(cardsTo(first, 'dual')).toHaveLength(0);
      expect(cardsTo(first, 'lxb.office')).toHaveLength(1);
      expect(all(await say('dual', '待办'))).not.toContain(subject);
      for (const attempt of [`点 ap.yes:${subject}#1`, `同意 ${subject}`, `退回 ${subject} 不同意`]) {
        const r = all(await say('dual', attempt));
        expect(r).toContain('依据规则 R20');
        expect(r).toContain('只能审批一个申请中的一步');
      }
      expect((await services.approvals.get(subject))?.current).toBe(1);
      expect((await say('lxb.office', `点 ap.yes:${subject}#1`)).cardOutcome).toBe('已同意');
    });
  }

  it('R20: a request whose only possible deciders would have to take two steps is refused at submission', async () => {
    // dual is the only 县市管局 leader and the only 联席办 member left: one person cannot take both steps.
    await setActive(['scj.leader', 'lxb.office', 'lxb.office2'], false);
    try {
      await expect(services.approvals.open({ kind: 'plan', subject: 'T-DUAL-ONLY', title: 'x', requester: caller('scj.official'), steps: PLAN_STEPS('SCJGJ'), fields: [] }))
        .rejects.toMatchObject({ rule: 'R20' });
      expect(await services.approvals.get('T-DUAL-ONLY')).toBeUndefined();
    } finally {
      await setActive(['scj.leader', 'lxb.office', 'lxb.office2'], true);
    }
  });

  for (const kind of ['plan', 'filing'] as const) {
    it(`R20: nobody approves their own ${kind}`, async () => {
      const subject = `T-${kind}-SELF`;
      await services.approvals.open({ kind, subject, title: '自审', requester: caller('lxb.office'), steps: [PLAN_STEPS('SCJGJ')[1]], fields: [] });
      expect(all(await say('lxb.office', `点 ap.yes:${subject}#0`))).toContain('依据规则 R20：不能审批自己提交的申请');
      expect((await services.approvals.get(subject))?.status).toBe('pending');
    });
  }
});

describe('C placements are requests like any other (R1, R20)', () => {
  it('R20: a 联席办 member cannot confirm their own C proposal — by card, by the pool card key, or typed; another member does, and the proposer is told', async () => {
    const c = code(900);
    const proposed = await say('lxb.office', `调库 ${c} C类 多次投诉食品安全问题`);
    expect(all(proposed)).toContain('已送联席办确认（2人）');
    expect(cardsTo(proposed, 'lxb.office')).toHaveLength(0);
    expect(cardsTo(proposed, 'lxb.office2')).toHaveLength(1);
    for (const attempt of [`点 ap.yes:TK-${c}#0`, `点 pool.confirm:${c}`, `同意 TK-${c}`]) {
      expect(all(await say('lxb.office', attempt))).toContain('R20');
    }
    expect(await db.repos.entities.get(c)).toMatchObject({ pool: 'B', pendingPool: 'C', pendingBy: 'lxb.office' });
    // It waits in the other members' 待办 (a missed card is not lost).
    expect(all(await say('lxb.office2', '待办'))).toContain(`调库 TK-${c}`);
    const confirmed = await say('lxb.office2', `点 ap.yes:TK-${c}#0`);
    expect(confirmed.cardOutcome).toBe('已同意');
    expect(await db.repos.entities.get(c)).toMatchObject({ pool: 'C', pendingPool: '', poolPlacedBy: 'lxb.office2' });
    expect(toldTo(confirmed, 'lxb.office')).toContain(`TK-${c} 已全部审批通过`);
  });

  it('a returned C proposal tells its proposer why; a new proposal later is a new round of the same request', async () => {
    const c = code(901);
    await say('xf.official', `调库 ${c} C类 消防隐患`);
    const rejected = await say('lxb.office', `退回 TK-${c} 证据不足`);
    expect(toldTo(rejected, 'xf.official')).toContain('证据不足');
    expect(await db.repos.entities.get(c)).toMatchObject({ pool: 'B', pendingPool: '' });
    await say('xf.official', `调库 ${c} C类 再次发现消防隐患`);
    const again = await services.approvals.get(`TK-${c}`);
    expect(again?.status).toBe('pending');
    expect(again?.earlier?.map((s) => [s.round, s.outcome, s.comment])).toEqual([[1, 'rejected', '证据不足']]);
  });

  it('R20: a C proposal that nobody but the proposer could confirm is refused at submission; nothing is proposed', async () => {
    await setActive(['lxb.office2', 'dual'], false);
    try {
      const r = all(await say('lxb.office', `调库 ${code(902)} C类 投诉较多`));
      expect(r).toContain('依据规则 R20');
      expect(r).toContain('联席办确认');
      expect(await db.repos.entities.get(code(902))).toMatchObject({ pool: 'B', pendingPool: '' });
      expect(await services.approvals.get(`TK-${code(902)}`)).toBeUndefined();
    } finally {
      await setActive(['lxb.office2', 'dual'], true);
    }
  });
});

describe('history and dates', () => {
  it('R20: after a return and resubmission, 计划 <编号> shows every round with its comments', async () => {
    const no = planNo(await conversation('xf.official', ['新建计划', '2026', 'B', '无', '风险=较高', '1', '15%', '9月', '提交']));
    expect(no).toMatch(/^JH2026-/);
    await say('xf.leader', `退回 ${no} 请改为6月`);
    const resubmitted = await say('xf.official', `修改计划 ${no}`).then(() => conversation('xf.official', ['改 时段', '6月'])).then(() => say('xf.official', '提交'));
    // The leader's new card says why the first round was returned.
    const card = resubmitted.notices.find((n) => n.userId === 'xf.leader' && n.reply.kind === 'card')?.reply;
    expect(card?.kind === 'card' && card.card.fields.find((f) => f.label === '第1轮退回')?.value).toContain('请改为6月');
    await say('xf.leader', `同意 ${no} 可以`);
    const view = all(await say('xf.official', `计划 ${no}`));
    expect(view).toContain('第1轮：');
    expect(view).toMatch(/部门领导审批：已退回，占建军（xf\.leader）2026-03-02，意见：请改为6月/);
    expect(view).toContain('第2轮（本轮）：');
    expect(view).toMatch(/部门领导审批：已同意，占建军（xf\.leader）2026-03-02，意见：可以/);
  });

  it('待办 and approval histories show the Beijing date across midnight UTC', async () => {
    // 23:50 on 1 March UTC is 07:50 on 2 March in Beijing.
    clock.t = Date.parse('2026-03-01T23:50:00Z');
    await services.approvals.open({ kind: 'plan', subject: 'T-DATE', title: '日期', requester: caller('scj.official'), steps: PLAN_STEPS('SCJGJ'), fields: [] });
    const todo = all(await say('scj.leader', '待办'));
    expect(todo).toContain('2026-03-02起等待');
    expect(todo).not.toContain('2026-03-01');
    await say('scj.leader', '同意 T-DATE');
    const card = all(await say('lxb.office', '待办'));
    expect(card).toContain('2026-03-02起等待');
    // The C placement confirmed at 06:30 Beijing time on 2 March shows that day on the entity.
    expect(all(await say('scj.official', `查 ${code(900)}`))).toContain('（2026-03-02 由 lxb.office2 确定');
  });

  it('人员 judges certificates by the Beijing date: one valid to 1 March has expired at 07:50 on 2 March Beijing time', async () => {
    clock.t = Date.parse('2026-03-01T23:50:00Z');
    await db.repos.inspectors.writer.insertNew([
      inspectorDoc('SC-901', '王到期', 'SCJGJ', { certificateExpiry: '2026-03-01' }),
      inspectorDoc('SC-902', '李有效', 'SCJGJ', { certificateExpiry: '2026-03-02' }),
    ] as never);
    const list = all(await say('scj.official', '人员'));
    expect(list).toContain('（已于2026-03-01过期）');
    expect(list).toContain('在岗且执法证有效 5 人'); // the four SCJGJ officers and 李有效
  });
});
