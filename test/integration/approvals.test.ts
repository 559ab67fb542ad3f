/**
 * The approval engine and guided conversations on the real database, through
 * the router every channel uses: cards per step, one tap, a second
 * tap changes nothing, only the designated decider, 待办, reminders, comments,
 * and conversations that expire leaving nothing behind.
 */
import { createServices, type Services } from '../../src/app';
import { Refusal, type Caller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import { createRouter, type Outcome, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { Flow } from '../../bot/commands/types';
import { freshDb, type TestDb } from '../helpers/db';
import { saveUsers } from '../helpers/fixtures';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { TURN_LEASE_MS } from '../../src/services/conversations';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-03-02T02:00:00Z') }; // a Monday
const now = () => new Date(clock.t);

/** A test flow: asks for two words, then "submits" by writing an audit entry (the only side effect). */
const echoFlow: Flow = {
  name: 'echo', label: '测试流程',
  async answer(input, state, ctx) {
    if (input === '拒') throw new Refusal('测试拒绝', 'R20');
    if (state.step === 'first') return { replies: [{ kind: 'text', text: '请输入第二个词' }], next: { step: 'second', data: { first: input } } };
    await ctx.services.approvals.open({
      kind: 'plan', subject: `T-${String(state.data.first)}-${input}`, title: 'echo', requester: ctx.caller,
      steps: [{ role: 'leader', department: 'SCJGJ', label: '部门领导审批' }], fields: [],
    });
    return { replies: [{ kind: 'text', text: `已提交 ${String(state.data.first)} ${input}` }] };
  },
};

const tap = (userId: string, key: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: `点 ${key}` });
const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const cardKeysTo = (o: Outcome, userId: string) =>
  o.notices.filter((n) => n.userId === userId && n.reply.kind === 'card').flatMap((n) => (n.reply.kind === 'card' ? n.reply.card.buttons.map((b) => b.key) : []));
const requester = (): Caller => ({ userId: 'li.official', name: '李经办', department: 'SCJGJ', roles: ['official'], channel: 'shell' });
const threeSteps = [
  { role: 'leader' as const, department: 'SCJGJ', label: '部门领导审批' },
  { role: 'office' as const, department: 'SCJGJ', label: '联席办审核（R13）' },
  { role: 'justice' as const, department: 'SFJ', label: '司法局审查（R13）' },
];

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  services = createServices({ repos: db.repos, now, policy: { ...DEFAULT_POLICY, conversationMinutes: 30, remindAfterWorkingDays: 2 } });
  router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 5, flows: [echoFlow], extraCommands: [{
    names: ['开始测试'], usage: '', async run(_a, ctx) { ctx.begin('echo', { step: 'first', data: {} }); return [{ kind: 'text', text: '请输入第一个词' }]; },
  }] });
  await saveUsers(services, [
    { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'] },
    { userId: 'wang.leader', name: '王局长', department: '县市管局', roles: ['leader'] },
    { userId: 'fire.leader', name: '消防领导', department: '县消防救援大队', roles: ['leader'] },
    { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'] },
    { userId: 'qian.office', name: '钱联席', department: '县市管局', roles: ['office'] },
    { userId: 'sun.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('approval engine over the router', () => {
  it('sends a card to each decider of the first step only, never to the requester', async () => {
    const change = await services.approvals.open({ kind: 'plan', subject: 'JH-A1', title: '测试计划', requester: requester(), steps: threeSteps, fields: [{ label: '库', value: 'B' }] });
    expect(change.deciders.map((u) => u.userId)).toEqual(['wang.leader']);
    const again = await services.approvals.open({ kind: 'plan', subject: 'JH-A1', title: '测试计划', requester: requester(), steps: threeSteps, fields: [] });
    expect(again.approval.version).toBe(0);
    expect((await db.repos.audit.forTarget('plan:JH-A1')).filter((e) => e.action === 'approval.open')).toHaveLength(1);
  });

  it('only the designated role of the step department decides; others get a polite refusal and nothing changes', async () => {
    for (const who of ['fire.leader', 'zhao.office', 'li.official', 'sun.justice']) {
      const o = await tap(who, 'ap.yes:JH-A1#0');
      expect(all(o)).toMatch(/应由县市管局部门领导审批|R20/);
      expect(o.cardOutcome).toBeUndefined();
    }
    expect((await services.approvals.get('JH-A1'))?.version).toBe(0);
  });

  it('R20: nobody approves their own request', async () => {
    await services.approvals.open({ kind: 'plan', subject: 'JH-SELF', title: '自审', requester: { ...requester(), userId: 'zhao.office', roles: ['office'] }, steps: [threeSteps[1]], fields: [] });
    const o = await tap('zhao.office', 'ap.yes:JH-SELF#0');
    expect(all(o)).toContain('R20');
    expect((await services.approvals.get('JH-SELF'))?.status).toBe('pending');
  });

  it('one tap approves the step, the next deciders get cards, the requester is told; a second tap changes nothing', async () => {
    const first = await tap('wang.leader', 'ap.yes:JH-A1#0');
    expect(first.cardOutcome).toBe('已同意');
    expect(cardKeysTo(first, 'zhao.office')).toEqual(['ap.yes:JH-A1#1', 'ap.no:JH-A1#1']);
    expect(cardKeysTo(first, 'qian.office')).toHaveLength(2);
    expect(first.notices.find((n) => n.userId === 'li.official')?.reply).toMatchObject({ kind: 'text' });
    const after = await services.approvals.get('JH-A1');
    const second = await tap('wang.leader', 'ap.yes:JH-A1#0');
    expect(all(second)).toContain('无需重复操作');
    expect(second.notices).toEqual([]);
    expect((await services.approvals.get('JH-A1'))?.version).toBe(after?.version);
  });

  it('two 联席办 members tapping at the same moment: exactly one decision is recorded', async () => {
    const [a, b] = await Promise.all([tap('zhao.office', 'ap.yes:JH-A1#1'), tap('qian.office', 'ap.no:JH-A1#1')]);
    const decided = [a, b].filter((o) => o.cardOutcome === '已同意' || o.cardOutcome === '已退回');
    expect(decided).toHaveLength(1);
    const ap = await services.approvals.get('JH-A1');
    expect(ap?.version).toBe(2);
    expect((await db.repos.audit.forTarget('plan:JH-A1')).filter((e) => e.action.startsWith('approval.') && e.action !== 'approval.open')).toHaveLength(2);
  });

  it('待办 lists what waits for me, with a card', async () => {
    await services.approvals.open({ kind: 'filing', subject: 'BA-T1', title: '测试备案', requester: requester(), steps: threeSteps, fields: [] });
    const o = await say('wang.leader', '待办');
    expect(all(o)).toContain('BA-T1');
    expect(o.replies.some((r) => r.kind === 'card')).toBe(true);
    expect(all(await say('sun.justice', '待办'))).not.toContain('BA-T1');
  });

  it('退回 typed needs a reason; with one it rejects and tells the requester why', async () => {
    expect(all(await say('wang.leader', '退回 BA-T1'))).toContain('请写明理由');
    expect((await services.approvals.get('BA-T1'))?.status).toBe('pending');
    const o = await say('wang.leader', '退回 BA-T1 检查人员不足两人');
    expect(all(o)).toContain('已退回');
    const told = o.notices.find((n) => n.userId === 'li.official');
    expect(told && replyText(told.reply)).toContain('检查人员不足两人');
    expect((await services.approvals.get('BA-T1'))?.status).toBe('rejected');
    expect(all(await tap('wang.leader', 'ap.yes:BA-T1#0'))).toContain('已退回');
  });

  it('a comment replied after a tap is attached to that decision and passed to the requester', async () => {
    await services.approvals.open({ kind: 'plan', subject: 'JH-C1', title: '评论', requester: requester(), steps: threeSteps, fields: [] });
    await tap('wang.leader', 'ap.yes:JH-C1#0');
    const o = await say('wang.leader', '同意 JH-C1 注意避开节假日');
    expect(all(o)).toContain('已将意见附在');
    expect((await services.approvals.get('JH-C1'))?.steps[0].comment).toBe('注意避开节假日');
    // The 联席办 can still decide the next step on its card (the comment bumped the version).
    expect((await tap('zhao.office', 'ap.yes:JH-C1#1')).cardOutcome).toBe('已同意');
  });

  it('待办 with more than a page: the first page with its cards, 更多 for the rest', async () => {
    for (let i = 1; i <= 8; i++) {
      await services.approvals.open({ kind: 'plan', subject: `JH-M${i}`, title: `分页${i}`, requester: requester(), steps: threeSteps, fields: [] });
    }
    const first = await say('wang.leader', '待办');
    expect(all(first)).toContain('发送“更多”看下一页');
    expect(first.replies.filter((r) => r.kind === 'card')).toHaveLength(5);
    const next = all(await say('wang.leader', '更多'));
    expect(next).toMatch(/^6\. /m);
    expect(next).toContain('JH-M');
  });

  it('a step waiting more than the configured working days gets one reminder a day', async () => {
    await services.approvals.open({ kind: 'plan', subject: 'JH-R1', title: '提醒', requester: requester(), steps: threeSteps, fields: [] });
    expect((await services.approvals.overdue(now(), 2)).map((r) => r.approval.subject)).not.toContain('JH-R1');
    clock.t += 5 * 86400_000; // Saturday: Tue–Fri = 4 working days
    const due = await services.approvals.overdue(now(), 2);
    expect(due.find((r) => r.approval.subject === 'JH-R1')?.deciders.map((u) => u.userId)).toEqual(['wang.leader']);
    expect((await services.approvals.overdue(now(), 2)).map((r) => r.approval.subject)).not.toContain('JH-R1');
  });
});

describe('guided conversations', () => {
  it('asks one thing at a time; 取消 ends it and nothing is written', async () => {
    expect(all(await say('li.official', '开始测试'))).toContain('第一个词');
    expect(all(await say('li.official', '甲'))).toContain('第二个词');
    expect(all(await say('li.official', '取消'))).toContain('没有保存任何内容');
    expect(await db.repos.sessions.get('li.official')).toBeUndefined();
    expect(all(await say('li.official', '我是谁'))).toContain('李经办');
  });

  it('an abandoned conversation expires after the configured time and leaves nothing half-written', async () => {
    await say('li.official', '开始测试');
    await say('li.official', '乙');
    clock.t += 31 * 60_000;
    const o = await say('li.official', '丙');
    expect(all(o)).toContain('超过30分钟未回复，已作废');
    expect(await services.approvals.get('T-乙-丙')).toBeUndefined();
    expect(await db.repos.sessions.get('li.official')).toBeUndefined();
  });

  it('two messages at once on one step: one moves the conversation, the other is told to re-answer', async () => {
    await say('li.official', '开始测试');
    await say('li.official', '丁');
    const [a, b] = await Promise.all([say('li.official', '戊'), say('li.official', '己')]);
    const submitted = [a, b].filter((o) => all(o).startsWith('已提交'));
    expect(submitted).toHaveLength(1);
    expect(all(submitted[0] === a ? b : a)).toContain('同时到达');
  });

  it('many messages at once, round after round: each turn is taken exactly once', async () => {
    for (let round = 0; round < 12; round++) {
      await say('li.official', '开始测试');
      await say('li.official', `轮${round}`);
      const outs = await Promise.all(['子', '丑', '寅', '卯'].map((w) => say('li.official', w)));
      const texts = outs.map(all);
      expect(texts.filter((t) => t.startsWith('已提交'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('同时到达'))).toHaveLength(3);
      expect(await db.repos.sessions.get('li.official')).toBeUndefined();
    }
  });

  it('a turn that fails gives the conversation back at once; one cut off by a crash frees it after its lease', async () => {
    await say('li.official', '开始测试');
    await say('li.official', '庚');
    // A refusal inside the turn leaves the step as it was, free for the next reply.
    expect(all(await say('li.official', '拒'))).toContain('测试拒绝');
    const s = await db.repos.sessions.get('li.official');
    expect(s?.busyUntil).toBeUndefined();
    // A claim that is never finished (its process died) holds the conversation only until the lease passes.
    expect(s && (await services.conversations.claim(s))).toBeDefined();
    expect(all(await say('li.official', '壬'))).toContain('同时到达');
    clock.t += TURN_LEASE_MS + 1000;
    expect(all(await say('li.official', '壬'))).toContain('已提交 庚 壬');
  });
});
