/**
 * Joint arrangements for overlapping C entities through the router, on the real database
 * (R4, R20): the lead proposed by the documented rule, each department's leader confirming
 * by card or by typing, a disagreement ruled on by 联席办, nobody confirming or ruling on
 * their own proposal, the arrangement under 查, and two departments' C plans drawn into one
 * joint task for an arranged entity (and two tasks for an entity without an arrangement).
 */
import type { Services } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { Announcer } from '../../bot/delivery/announcer';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-04-20T02:00:00Z') };
const now = () => new Date(clock.t);

const announcer = {
  channelsOf: () => ({ wecom: true, dingtalk: false }),
  announce: async () => 1,
} as unknown as Announcer;

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
/** The card buttons a notice carried to a user. */
const cardKeys = (o: Outcome, userId: string) =>
  o.notices.filter((n) => n.userId === userId && n.reply.kind === 'card').flatMap((n) => (n.reply.kind === 'card' ? n.reply.card.buttons.map((b) => b.key) : []));

// Entities: XY_ITEMS and XY_NONE are supervised by 县消防 and 县应急局; PROPOSED was proposed into C by 县消防.
const XY_ITEMS = code(500);
const PROPOSED = code(501);
const ONE_DEPT = code(502);
const B_POOL = code(503);
const DISPUTED = code(504);
const BY_OFFICE = code(505);
const XY_NONE = code(506);
const REASON_NAMES = code(507);

let planSeq = 0;
/** An approved C plan written straight through the repos (its reviews are not what is tested here). */
async function cPlan(department: string, items: string[], window: PlanDoc['window']): Promise<string> {
  const planNo = `JH2026-${String(++planSeq).padStart(4, '0')}`;
  const at = now();
  await db.repos.plans.create({
    planNo, year: 2026, department, pool: 'C', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items, sampling: { ratioPermille: 1000 }, window, jointDepartments: [], predictedTargets: 0, duplicates: [],
    createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  });
  await db.repos.approvals.create({
    ...createApproval('plan', planNo, 'test', PLAN_STEPS(department), at), status: 'approved', current: 3,
    title: planNo, requesterDepartment: department, fields: [], flags: [],
  });
  return planNo;
}

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now, { router: { announcer } }));
  await saveUsers(services, [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'xf.leader', name: '蔡建国', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'xf.leader2', name: '罗德明', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    { userId: 'yj.leader', name: '邹志刚', department: '县应急管理局', roles: ['leader'] },
    { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'lxb.office2', name: '饶春梅', department: '县市管局', roles: ['office'] },
  ]);
  await db.repos.items.writer.insertNew([
    itemDoc('XFJYDD', 'XF001', '消防安全检查'),
    itemDoc('YJGLJ', 'YJ001', '安全生产检查'), itemDoc('YJGLJ', 'YJ002', '危险化学品检查'),
    itemDoc('YJGLJ', 'YJ009', '仅A类的检查', { pools: ['A'] }),
  ] as never);
  await db.repos.inspectors.writer.insertNew([
    ...['XF-001', 'XF-002', 'XF-003'].map((n) => inspectorDoc(n, `人员${n}`, 'XFJYDD')),
    ...['YJ-001', 'YJ-002', 'YJ-003'].map((n) => inspectorDoc(n, `人员${n}`, 'YJGLJ')),
  ] as never);
  const both = ['XFJYDD', 'YJGLJ'];
  await addEntities(db.repos, [
    { n: 500, pool: 'C', departments: both, name: '万年县华达化工有限公司' },
    { n: 501, pool: 'B', departments: ['YJGLJ', 'XFJYDD'], name: '万年县恒安烟花有限公司' },
    { n: 502, pool: 'C', departments: ['XFJYDD'] },
    { n: 503, pool: 'B', departments: both },
    { n: 504, pool: 'C', departments: both },
    { n: 505, pool: 'C', departments: both },
    { n: 506, pool: 'C', departments: both, name: '万年县未安排联合有限公司' },
    { n: 507, pool: 'C', departments: ['YJGLJ', 'XFJYDD'] },
  ]);
  // A C placement recorded without a request (an earlier or batch placement): its reason names the proposer.
  await db.models.Entity.collection.updateOne({ _id: REASON_NAMES as never }, { $set: { poolReason: '消防重点单位（xf.official提出，联席办确认）' } });
  // 县消防 proposes PROPOSED into C and 联席办 confirms it (R1): 县消防 is then its proposing unit.
  expect(all(await say('xf.official', `调库 ${PROPOSED} C类 储存烟花爆竹，消防重点单位`))).toContain('已提出');
  expect(all(await say('lxb.office', `同意 TK-${PROPOSED}`))).toContain('已同意');
  expect((await db.repos.entities.get(PROPOSED))?.pool).toBe('C');
});

afterAll(async () => {
  await db.close();
});

describe('R4: C entities supervised by two or more departments, and the lead proposed by the rule', () => {
  it('R4: C类联合 lists the caller department\'s overlapping C entities with what is arranged', async () => {
    const r = all(await say('xf.official', 'C类联合'));
    expect(r).toContain('由两个及以上部门监管的C类主体 6 户');
    expect(r).toContain(`万年县华达化工有限公司（${XY_ITEMS}）｜县消防救援大队、县应急管理局｜未安排`);
    expect(r).not.toContain(ONE_DEPT); // one department: nothing to agree
    expect(r).not.toContain(B_POOL);
  });

  it('R4: an entity supervised by one department, or not in C, is refused', async () => {
    expect(all(await say('xf.official', `C类联合 ${ONE_DEPT}`))).toContain('依据规则 R4：联合检查安排适用于由两个及以上部门监管的C类主体');
    expect(all(await say('xf.official', `C类联合 ${B_POOL}`))).toContain('依据规则 R4：联合检查安排只用于C类重点监管库的主体');
    expect(await db.repos.cJoints.get(ONE_DEPT)).toBeUndefined();
  });

  it('R4: without a proposing unit the department with most C-pool items leads; each department\'s leader gets the card in turn', async () => {
    const o = await say('xf.official', `C类联合 ${XY_ITEMS}`);
    const r = all(o);
    expect(r).toContain(`已提出“万年县华达化工有限公司”的C类联合检查安排（LH-${XY_ITEMS}）：县应急管理局牵头，县消防救援大队参加`);
    // 县应急局 has two C items (its A-only item does not count), 县消防 one.
    expect(r).toContain('按适用C类库的检查事项最多者牵头（县消防救援大队1项、县应急管理局2项）');
    // The lead's leader decides the first step; the card says what is agreed.
    expect(cardKeys(o, 'yj.leader')).toEqual([`ap.yes:LH-${XY_ITEMS}#0`, `ap.no:LH-${XY_ITEMS}#0`]);
    expect(cardKeys(o, 'xf.leader')).toEqual([]);
    const a = await db.repos.cJoints.get(XY_ITEMS);
    expect(a).toMatchObject({ lead: 'YJGLJ', participants: ['XFJYDD'], basis: 'items', status: 'confirming', proposedBy: 'xf.official' });
  });

  it('R4: each department confirms by card: the lead, then the participant; then it is in force and shown by 查', async () => {
    const first = await say('yj.leader', `点 ap.yes:LH-${XY_ITEMS}#0`);
    expect(all(first)).toContain('已同意');
    expect(cardKeys(first, 'xf.leader')).toContain(`ap.yes:LH-${XY_ITEMS}#1`);
    expect((await db.repos.cJoints.get(XY_ITEMS))?.status).toBe('confirming');
    const second = await say('xf.leader', `点 ap.yes:LH-${XY_ITEMS}#1`);
    expect(all(second)).toContain('审批全部完成');
    expect(second.notices.some((n) => n.userId === 'xf.official' && replyText(n.reply).includes('已全部审批通过'))).toBe(true);
    expect((await db.repos.cJoints.get(XY_ITEMS))?.status).toBe('agreed');
    const shown = all(await say('xf.official', `查 ${XY_ITEMS}`));
    expect(shown).toContain('C类联合检查安排（R4）：各部门已确认，生效');
    expect(shown).toContain('牵头：县应急管理局；参加：县消防救援大队');
    // A second proposal for the same entity is refused: it has one.
    expect(all(await say('yj.official', `C类联合 ${XY_ITEMS}`))).toContain('C类联合检查安排（R4）：各部门已确认，生效');
    expect((await db.repos.audit.forTarget(`cjoint:${XY_ITEMS}`)).map((e) => e.action)).toEqual(expect.arrayContaining(['cjoint.propose', 'cjoint.agree']));
  });

  it('R4: the unit that proposed the entity into C leads, even with fewer items; R20: its proposer cannot confirm it, a colleague confirms by typing', async () => {
    const r = all(await say('xf.leader', `C类联合 ${PROPOSED}`));
    expect(r).toContain('县消防救援大队牵头，县应急管理局参加');
    expect(r).toContain('县消防救援大队提出将该主体列入C类库');
    // R20: the proposer may not confirm their own proposal, by card or by typing.
    expect(all(await say('xf.leader', `点 ap.yes:LH-${PROPOSED}#0`))).toContain('依据规则 R20：不能审批自己提交的申请');
    expect(all(await say('xf.leader', `同意 LH-${PROPOSED}`))).toContain('依据规则 R20');
    expect((await db.repos.approvals.get(`LH-${PROPOSED}`))?.current).toBe(0);
    expect(all(await say('xf.leader2', `同意 LH-${PROPOSED} 同意由我队牵头`))).toContain('已同意');
    expect(all(await say('yj.leader', `同意 LH-${PROPOSED}`))).toContain('审批全部完成');
    expect(await db.repos.cJoints.get(PROPOSED)).toMatchObject({ lead: 'XFJYDD', basis: 'proposer', status: 'agreed' });
  });

  it('R4: a placement recorded without a request names its proposer in its reason: that unit leads', async () => {
    expect(all(await say('yj.official', `C类联合 ${REASON_NAMES}`))).toContain('县消防救援大队牵头，县应急管理局参加');
    expect(await db.repos.cJoints.get(REASON_NAMES)).toMatchObject({ lead: 'XFJYDD', basis: 'proposer', status: 'confirming' });
  });

  it('R4: tapping 退回 on the card is a disagreement too: 联席办 gets the ruling card', async () => {
    const tapped = await say('xf.leader', `点 ap.no:LH-${REASON_NAMES}#0`);
    expect(all(tapped)).toContain(`处理 LH-${REASON_NAMES}-CD`);
    expect(cardKeys(tapped, 'lxb.office2')).toEqual([`ap.yes:LH-${REASON_NAMES}-CD#0`, `ap.no:LH-${REASON_NAMES}-CD#0`]);
    expect(await db.repos.cJoints.get(REASON_NAMES)).toMatchObject({ status: 'disputed', disagreement: { department: 'XFJYDD', comment: '' } });
    expect(all(await say('yj.official', `查 ${REASON_NAMES}`))).toContain('部门意见不一致，待联席办裁定');
  });
});

describe('R4: a disagreement is ruled on by 联席办, never by the proposer (R20)', () => {
  it('R4: a department that disagrees sends it to 联席办, whose card upholds the arrangement', async () => {
    expect(all(await say('yj.official', `C类联合 ${DISPUTED}`))).toContain('县应急管理局牵头');
    expect(all(await say('yj.leader', `同意 LH-${DISPUTED}`))).toContain('已同意');
    const no = await say('xf.leader', `退回 LH-${DISPUTED} 我队本季度人手不足，建议另行检查`);
    expect(all(no)).toContain(`并送县市管局联席办（2人）处理 LH-${DISPUTED}-CD`);
    expect(cardKeys(no, 'lxb.office')).toEqual([`ap.yes:LH-${DISPUTED}-CD#0`, `ap.no:LH-${DISPUTED}-CD#0`]);
    expect(no.notices.some((n) => n.userId === 'yj.official' && replyText(n.reply).includes('已送联席办裁定'))).toBe(true);
    const disputed = await db.repos.cJoints.get(DISPUTED);
    expect(disputed).toMatchObject({ status: 'disputed', disagreement: { department: 'XFJYDD', by: 'xf.leader', comment: '我队本季度人手不足，建议另行检查' } });
    expect(all(await say('lxb.office', '待办'))).toContain(`LH-${DISPUTED}-CD`);
    expect(all(await say('lxb.office', `点 ap.yes:LH-${DISPUTED}-CD#0`))).toContain('已同意');
    expect(await db.repos.cJoints.get(DISPUTED)).toMatchObject({ status: 'decided', decidedBy: 'lxb.office' });
    expect(all(await say('xf.leader', `查 ${DISPUTED}`))).toContain('联席办裁定：由县应急管理局牵头联合检查（程丽华');
  });

  it('R20: 联席办\'s proposer cannot rule on it; another 联席办 member does not adopt it, and it may be proposed again', async () => {
    expect(all(await say('lxb.office', `C类联合 ${BY_OFFICE}`))).toContain('县应急管理局牵头');
    expect(all(await say('yj.leader', `退回 LH-${BY_OFFICE} 应由县消防牵头`))).toContain('已退回');
    expect(all(await say('lxb.office', `同意 LH-${BY_OFFICE}-CD`))).toContain('依据规则 R20');
    expect((await db.repos.cJoints.get(BY_OFFICE))?.status).toBe('disputed');
    expect(all(await say('lxb.office2', `退回 LH-${BY_OFFICE}-CD 请双方协商后重新提出`))).toContain('已退回');
    expect((await db.repos.cJoints.get(BY_OFFICE))?.status).toBe('dropped');
    expect(all(await say('xf.official', `查 ${BY_OFFICE}`))).toContain('联席办裁定：不予采纳（饶春梅');
    const again = all(await say('xf.official', `C类联合 ${BY_OFFICE}`));
    expect(again).toContain('已提出');
    expect(await db.repos.cJoints.get(BY_OFFICE)).toMatchObject({ status: 'confirming', round: 2, proposedBy: 'xf.official' });
    expect((await db.repos.approvals.get(`LH-${BY_OFFICE}`))?.earlier?.length).toBeGreaterThan(0);
  });

  it('R4: 联席办 rules on the second round naming another of its departments as the lead', async () => {
    expect(all(await say('yj.leader', `退回 LH-${BY_OFFICE} 仍建议由县消防牵头`))).toContain(`LH-${BY_OFFICE}-CD`);
    const card = await say('lxb.office', '待办');
    expect(all(card)).toContain(`改定牵头：回复“同意 LH-${BY_OFFICE}-CD 牵头=<部门>”`);
    expect(all(await say('lxb.office', `同意 LH-${BY_OFFICE}-CD 牵头=县财政局`))).toContain('依据规则 R4：牵头部门须是该主体的监管部门之一（县应急管理局、县消防救援大队）');
    expect((await db.repos.cJoints.get(BY_OFFICE))?.status).toBe('disputed');
    expect(all(await say('lxb.office', `同意 LH-${BY_OFFICE}-CD 牵头=县消防大队`))).toContain('已同意');
    expect(await db.repos.cJoints.get(BY_OFFICE)).toMatchObject({ status: 'decided', lead: 'XFJYDD', participants: ['YJGLJ'], round: 2 });
    const shown = all(await say('yj.official', `查 ${BY_OFFICE}`));
    expect(shown).toContain('联席办裁定：由县消防救援大队牵头联合检查（程丽华');
    expect(shown).toContain('依据：联席办裁定由县消防救援大队牵头（按规则原建议县应急管理局');
  });
});

describe('R4: two departments\' C plans drawn make one joint task for an arranged entity', () => {
  let xfTasks: Awaited<ReturnType<typeof db.repos.tasks.forDraw>> = [];
  let yjTasks: typeof xfTasks = [];

  beforeAll(async () => {
    // 县消防 draws its C plan for June first; 县应急局 its C plan for August: the windows do not overlap.
    const xfPlan = await cPlan('XFJYDD', ['XFJYDD:XF001'], { from: '2026-06-01', to: '2026-06-30' });
    const yjPlan = await cPlan('YJGLJ', ['YJGLJ:YJ001', 'YJGLJ:YJ002'], { from: '2026-08-01', to: '2026-08-31' });
    expect(all(await say('xf.official', `抽取 ${xfPlan}`))).toContain('抽取结果');
    expect(all(await say('yj.official', `抽取 ${yjPlan}`))).toContain('抽取结果');
    xfTasks = await db.repos.tasks.forDraw(`${xfPlan}-1`);
    yjTasks = await db.repos.tasks.forDraw(`${yjPlan}-1`);
  });

  it('R4: the arranged entity is one visit with both departments\' items, led by the agreed lead although its draw came second', async () => {
    const joint = [...xfTasks, ...yjTasks].filter((t) => t.creditCode === XY_ITEMS);
    expect(new Set(joint.map((t) => t.taskNo)).size).toBe(1);
    const t = joint[0];
    expect(t.lead).toBe('YJGLJ');
    expect(t.departments).toEqual(['YJGLJ', 'XFJYDD']);
    expect(t.items).toEqual(['YJGLJ:YJ001', 'YJGLJ:YJ002', 'XFJYDD:XF001']);
    // The visit keeps the window of the task already there.
    expect(t.window).toEqual({ from: '2026-06-01', to: '2026-06-30' });
    expect(t.officers.some((o) => o.startsWith('XF-')) && t.officers.some((o) => o.startsWith('YJ-'))).toBe(true);
    // Every arrangement in force joins, each led by its lead: agreed by the departments or ruled by 联席办.
    const taskOf = (c: string) => {
      const ts = [...xfTasks, ...yjTasks].filter((x) => x.creditCode === c);
      expect(new Set(ts.map((x) => x.taskNo)).size).toBe(1);
      return ts[0];
    };
    expect([PROPOSED, DISPUTED, BY_OFFICE].map((c) => taskOf(c).lead)).toEqual(['XFJYDD', 'YJGLJ', 'XFJYDD']);
  });

  it('R4: an overlapping entity without an arrangement gets a task per department when the windows do not overlap', async () => {
    const separate = [...xfTasks, ...yjTasks].filter((t) => t.creditCode === XY_NONE);
    expect(separate.map((t) => t.departments)).toEqual([['XFJYDD'], ['YJGLJ']]);
  });

  it('R4: 联席办 counts the arranged entities among the joint inspections', async () => {
    const r = all(await say('lxb.office', '联合检查 2026'));
    expect(r).toContain('联合检查 4 个');
  });
});
