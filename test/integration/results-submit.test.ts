/**
 * Submitting a result with fewer round trips, through the router on the real database: a task
 * with no result when the conversation started is not read again at 提交 — the result's insert
 * finds one entered meanwhile, and then the save is done over it as before; R20's check and the
 * review's opening share one users list; the result's audit entry is written with the review's;
 * the conversation is read with the sender, and only ever the sender's own.
 */
import type { Services } from '../../src/app';
import type { TaskDoc } from '../../src/domain/records/task';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const now = () => new Date('2026-10-09T02:00:00Z');
const WINDOW = { from: '2026-09-01', to: '2026-09-30' };

const say = (userId: string, t: string, channel: 'shell' | 'wecom' = 'shell'): Promise<Outcome> => router.respond({ channel, senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
async function script(userId: string, lines: string[], channel: 'shell' | 'wecom' = 'shell'): Promise<string> {
  let last = '';
  for (const l of lines) last = all(await say(userId, l, channel));
  return last;
}

let n = 0;
/** A task of these departments (the first leads) for a new entity, one officer each (the first the 组长). */
async function task(departments: string[], items: string[]): Promise<TaskDoc> {
  const i = ++n;
  const [t] = await db.repos.tasks.createMany([{
    taskNo: `县财政局抽查〔2026〕${900 + i}号`, year: 2026, issuer: departments[0], creditCode: code(i), entityName: `主体${i}`, at: now(),
    parts: [{
      drawNo: `JH2026-09${i}-1`, planNo: `JH2026-09${i}`, departments, items, window: WINDOW, at: now().toISOString(),
      officers: departments.map((d, j) => ({ inspectorNo: `${d}-00${i}`, name: `人员${d}${i}`, department: d, leader: j === 0, expert: false })),
    }],
  }]);
  return t;
}
/** The conversation up to its summary, for a department with one item (the lead also gives dates, method and result). */
const lead = (t: TaskDoc) => [`录入结果 ${t.taskNo}`, '2026-09-10', '1', '未发现问题', '1'];
const other = (t: TaskDoc) => [`录入结果 ${t.taskNo}`, '未发现问题'];

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'cz.a', name: '钱一', department: '县财政局', roles: ['official'] },
    { userId: 'cz.b', name: '钱二', department: '县财政局', roles: ['official'] },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'] },
    { userId: 'yj.official', name: '胡文斌', department: '县应急管理局', roles: ['official'] },
    // A WeCom user whose user id is not their WeCom id, and a user whose user id is that WeCom id.
    { userId: 'cz.wx', name: '钱三', department: '县财政局', roles: ['official'], wecomUserId: 'cz.other' },
    { userId: 'cz.other', name: '钱四', department: '县财政局', roles: ['official'] },
  ]);
  await db.repos.items.writer.insertNew([itemDoc('CZJ', 'CZ001', '会计信息质量检查'), itemDoc('YJGLJ', 'YJ001', '安全生产检查')] as never);
  await addEntities(db.repos, [{ n: 1, pool: 'B', departments: ['CZJ'] }]);
});

afterAll(async () => {
  await db.close();
});

describe('a first submission', () => {
  it('writes the result, opens the review and audits both, the result\'s entry first; the item is named in the conversation', async () => {
    const t = await task(['CZJ'], ['CZJ:CZ001']);
    expect(all(await say('cz.a', `录入结果 ${t.taskNo}`))).toContain('请输入检查日期');
    expect(await script('cz.a', ['2026-09-10', '1'])).toContain('会计信息质量检查');
    expect(await script('cz.a', ['未发现问题', '1', '提交'])).toContain('已送县财政局部门领导审核（孙局长）');
    expect((await db.repos.results.get(t.taskNo))?.status).toBe('pending');
    expect((await services.approvals.get(t.taskNo))?.status).toBe('pending');
    // Newest first: the review's entry, written in the same insert after the result's.
    expect((await db.repos.audit.forTargets([`result:${t.taskNo}`])).map((e) => e.action)).toEqual(['approval.open', 'result.submit']);
    // The task's state, from the read model every process keeps, is 待审核 at once.
    expect((await db.repos.results.many([t.taskNo])).get(t.taskNo)?.status).toBe('pending');
  });

  it('R20: with no leader to review it, 提交 is refused and nothing is written: no result, no review, no audit entry', async () => {
    const t = await task(['YJGLJ'], ['YJGLJ:YJ001']);
    const out = await script('yj.official', [...lead(t), '提交']);
    expect(out).toContain('依据规则 R20');
    expect(await db.repos.results.get(t.taskNo)).toBeUndefined();
    expect(await services.approvals.get(t.taskNo)).toBeUndefined();
    expect(await db.repos.audit.forTarget(`result:${t.taskNo}`)).toEqual([]);
    expect(all(await say('yj.official', '取消'))).toContain('已取消');
  });
});

describe('a result entered after the conversation started', () => {
  it('two officials enter the same task: the second 提交 finds the first one\'s result and is refused; the first stays as submitted', async () => {
    const t = await task(['CZJ'], ['CZJ:CZ001']);
    expect(await script('cz.a', lead(t))).toContain('请核对');
    expect(await script('cz.b', [`录入结果 ${t.taskNo}`, '2026-09-11', '2', '未发现问题', '1'])).toContain('请核对');
    expect(all(await say('cz.a', '提交'))).toContain('已提交');
    const second = all(await say('cz.b', '提交'));
    expect(second).toContain('已提交，正在等待部门领导审核，不能重复提交');
    const r = await db.repos.results.get(t.taskNo);
    expect(r?.submittedBy).toBe('cz.a');
    expect(r?.form?.start).toBe('2026-09-10');
    expect((await db.repos.audit.forTargets([`result:${t.taskNo}`])).map((e) => e.action)).toEqual(['approval.open', 'result.submit']);
  });

  it('a joint task: the lead department\'s part, begun before the other department saved its own, is saved next to it, not over it', async () => {
    const t = await task(['CZJ', 'YJGLJ'], ['CZJ:CZ001', 'YJGLJ:YJ001']);
    expect(await script('cz.a', lead(t))).toContain('请核对');
    expect(await script('yj.official', [...other(t), '提交'])).toContain('已保存县应急管理局的检查事项（1项）');
    expect(all(await say('cz.a', '提交'))).toContain('已保存县财政局的检查事项（1项）。各部门均已录入');
    const r = await db.repos.results.get(t.taskNo);
    expect(Object.keys(r!.parts).sort()).toEqual(['CZJ', 'YJGLJ']);
    expect(r?.status).toBe('draft');
    expect(r?.form?.start).toBe('2026-09-10');
    expect(r?.version).toBe(2);
  });
});

describe('the conversation is read with the sender', () => {
  it('a WeCom user whose user id differs from their WeCom id goes on with their own conversation, never with that of the user whose id it is', async () => {
    const mine = await task(['CZJ'], ['CZJ:CZ001']);
    const theirs = await task(['CZJ'], ['CZJ:CZ001']);
    // 钱四 (user id cz.other) is at the dates of another task; 钱三 writes from WeCom as cz.other.
    expect(all(await say('cz.other', `录入结果 ${theirs.taskNo}`))).toContain('请输入检查日期');
    expect(all(await say('cz.other', `录入结果 ${mine.taskNo}`, 'wecom'))).toContain(`录入 ${mine.taskNo}`);
    expect(all(await say('cz.other', '2026-09-12', 'wecom'))).toContain('请选择核查方式');
    expect((await services.conversations.current('cz.wx')).session?.step).toBe('methods');
    expect((await services.conversations.current('cz.other')).session?.step).toBe('dates');
    expect(await script('cz.other', ['1', '未发现问题', '1', '提交'], 'wecom')).toContain(`${mine.taskNo} 的检查结果已提交`);
    expect((await services.conversations.current('cz.other')).session?.step).toBe('dates');
    expect((await db.repos.results.get(mine.taskNo))?.submittedBy).toBe('cz.wx');
  });
});
