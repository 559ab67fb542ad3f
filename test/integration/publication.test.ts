/**
 * Publication of results (R15) on the real database, through the router every channel uses:
 * the deadline and publication day on the public notice, 公示情况, the warnings and the late
 * list, manual publication (公示), and 更正 of a published notice shown with both versions.
 */
import type { Server } from 'node:http';
import { createServices } from '../../src/app';
import { createHttpApp } from '../../src/http/app';
import { publicSite } from '../../src/http/public/site';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { publicResults } from '../../src/services/publicResults';
import { createRouter } from '../../bot/router';
import { createLogger } from '../../src/logger';
import { replyText, type Reply } from '../../bot/types';
import { publicationReminderJob } from '../../bot/delivery/publicationReminders';
import type { ResultDoc } from '../../src/domain/records/result';
import type { TaskDoc } from '../../src/domain/records/task';
import { saveUsers } from '../helpers/fixtures';
import { publicCounty, type PublicCounty } from '../helpers/publicCounty';

let clock = new Date('2026-08-20T02:00:00Z');
const now = () => clock;
const at = (day: string) => new Date(`${day}T02:00:00Z`); // 10:00 in Beijing
let county: PublicCounty;
let tasks: TaskDoc[];

const say = async (userId: string, t: string, router = county.router): Promise<string> =>
  (await router.respond({ channel: 'shell', senderId: userId, text: t })).replies.map(replyText).join('\n');

async function approvedResult(t: TaskDoc, approvedOn: string, categories = ['未发现问题'], status: ResultDoc['status'] = 'approved'): Promise<void> {
  const when = at(approvedOn);
  const r: ResultDoc = {
    taskNo: t.taskNo, source: 'task', lead: t.lead, departments: t.departments, creditCode: t.creditCode, entityName: t.entityName, window: t.window,
    status, form: { start: '2026-09-17', end: '2026-09-18', methods: ['实地检查'], categories },
    parts: {}, earlier: [], correctionReason: '', round: 1, submittedBy: 'scj.official', submittedAt: when, approvedAt: when,
    openFollowUps: 0, createdAt: when, updatedAt: when, version: 1,
  };
  expect(await county.db.repos.results.create(r)).toBe(true);
  if (status !== 'approved') return;
  await county.db.repos.history.record(t.creditCode, { taskNo: t.taskNo, source: 'task', lead: t.lead, departments: t.departments, start: '2026-09-17', end: '2026-09-18', categories, round: 1 });
}

function listen(routes: Parameters<typeof createHttpApp>[0]['routes']): Promise<{ server: Server; base: string }> {
  const app = createHttpApp({ conn: undefined as never, engine: 'test', routes });
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve({ server: s, base: `http://127.0.0.1:${(s.address() as { port: number }).port}` }));
  });
}

beforeAll(async () => {
  county = await publicCounty(now);
  await saveUsers(county.services, [
    { userId: 'scj.leader', name: '黄志强', department: '县市管局', roles: ['leader'] },
    { userId: 'xf.official', name: '吴敏', department: '县消防救援大队', roles: ['official'] },
  ]);
  tasks = await county.db.repos.tasks.forDraw(county.drawNo);
  // Inspections ended 18 Sep 2026 (Friday): the deadline is 22 Oct across the Mid-Autumn and National Day holidays.
  await approvedResult(tasks[0], '2026-10-20');
  await approvedResult(tasks[1], '2026-10-26');
  await approvedResult(tasks[3], '2026-10-26', ['未发现问题'], 'pending'); // entered, not yet approved
});

afterAll(async () => {
  await county?.db.close();
});

describe('R15: publication within 20 working days (automatic on approval)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ({ server, base } = await listen([publicSite({ repos: county.db.repos, now, freshMs: 0, results: publicResults(county.db.repos) })]));
  });
  afterAll(() => { server?.close(); });

  it('R15: each notice carries its publication day and its deadline (20 working days after the inspection, holidays and make-up days counted)', async () => {
    clock = at('2026-10-27');
    const api = JSON.parse(await (await fetch(`${base}/gongshi/api/results?year=2026`)).text()) as { rows: { taskNo: string; publishedOn: string; deadline: string; title: string }[] };
    const byTask = new Map(api.rows.map((r) => [r.taskNo, r]));
    expect(byTask.get(tasks[0].taskNo)).toMatchObject({ publishedOn: '2026-10-20', deadline: '2026-10-22' });
    expect(byTask.get(tasks[1].taskNo)).toMatchObject({ publishedOn: '2026-10-26', deadline: '2026-10-22' });
    expect(byTask.get(tasks[0].taskNo)?.title).toMatch(/^县市管局2026年度第\d+号抽查任务检查结果公告$/);
    const page = await (await fetch(`${base}/gongshi/results?year=2026`)).text();
    expect(page).toContain('公示期限：2026-10-22');
  });

  it('R15: 公示情况 gives each department\'s on-time rate and lists the late ones; a department sees its own', async () => {
    clock = at('2026-11-04'); // the tasks without a result (window to 30 Sep) were due 3 Nov
    const office = await say('lxb.office', '公示情况 2026');
    const open = tasks.length - 2;
    expect(office).toContain(`县市管局：按期率 ${Math.round((1 / tasks.length) * 1000) / 10}%（按期 1，逾期公示 1，逾期未公示 ${open}，待公示 0）`);
    expect(office).toContain(`${tasks[1].taskNo}｜${tasks[1].entityName}｜期限 2026-10-22｜2026-10-26 逾期公示`);
    expect(office).toContain(`${tasks[2].taskNo}｜${tasks[2].entityName}｜期限 2026-11-03｜逾期未公示`);
    expect(await say('xf.official', '公示情况')).toContain('县消防救援大队尚无检查已结束的任务');
    expect(await say('scj.official', '公示情况 26')).toContain('年度应为四位数字');
  });

  it('R15: the department is warned 5 working days before the deadline; on Mondays 联席办 gets the late ones', async () => {
    const sent: { userId: string; text: string }[] = [];
    const job = publicationReminderJob(county.services, async (userId: string, reply: Reply) => { sent.push({ userId, text: replyText(reply) }); return true; });
    // 27 Oct (Tuesday): 28, 29, 30 Oct, 2 and 3 Nov are the 5 working days to the 3 Nov deadline.
    await job.run(at('2026-10-27'));
    const warned = sent.filter((s) => s.text.includes('公示期限还剩5个工作日'));
    expect(warned.map((s) => s.userId).sort()).toEqual(['scj.leader', 'scj.official']);
    expect(warned[0].text).toContain(`${tasks[2].taskNo}｜${tasks[2].entityName}｜期限 2026-11-03`);
    expect(warned[0].text).not.toContain(tasks[0].taskNo);
    sent.length = 0;
    await job.run(at('2026-10-28'));
    expect(sent).toEqual([]); // not the warning day, and not a Monday
    await job.run(at('2026-11-09')); // Monday
    const late = sent.filter((s) => s.userId === 'lxb.office');
    expect(late).toHaveLength(1);
    expect(late[0].text).toContain(`逾期未公示的检查结果 ${tasks.length - 2} 个`);
    expect(late[0].text).toContain(`县市管局｜${tasks[2].taskNo}`);
  });

  it('R15: in automatic mode 公示 is not needed, and only the lead department may publish or correct', async () => {
    expect(await say('scj.official', `公示 ${tasks[0].taskNo}`)).toContain('自动公示');
    expect(await say('xf.official', `公示 ${tasks[0].taskNo}`)).toContain('依据规则 R15（谁检查、谁公开）');
    expect(await say('xf.official', `更正 ${tasks[0].taskNo} 企业提出异议`)).toContain('依据规则 R15');
  });
});

describe('更正: correcting a published notice (企业信息公示暂行条例 第十二条)', () => {
  it('R20: audited; the notice is 更正中 while the correction is reviewed, then shows both versions, the date and the reason', async () => {
    clock = at('2026-11-10');
    const t = tasks[0];
    expect(await say('scj.official', `更正 ${t.taskNo} 改正`)).toContain('依据规则 R20');
    expect(await say('scj.official', `更正 ${tasks[3].taskNo} 企业提出异议`)).toContain('尚未公示');
    const started = await say('scj.official', `更正 ${t.taskNo} 企业提出异议，经核实检查时企业已停业`);
    expect(started).toContain('已受理');
    expect(started).toContain('未发现问题'); // the conversation asks for the item
    const audit = await county.db.repos.audit.forTarget(`result:${t.taskNo}`);
    expect(audit.map((a) => a.action)).toContain('publication.correct');
    await say('scj.official', '未检查 企业已停业');
    await say('scj.official', '改 结果');
    const summary = await say('scj.official', '5'); // 未发现开展本次抽查涉及的经营活动
    expect(summary).toContain('未发现开展本次抽查涉及的经营活动');
    expect(await say('scj.official', '提交')).toContain(t.taskNo);

    const { server, base } = await listen([publicSite({ repos: county.db.repos, now, freshMs: 0, results: publicResults(county.db.repos) })]);
    try {
      const during = await (await fetch(`${base}/gongshi/results?year=2026`)).text();
      expect(during).toContain('更正中：企业提出异议，经核实检查时企业已停业');
      expect(during).toContain(`${t.entityName}检查`); // the published version stays shown
      expect(await say('scj.leader', `同意 ${t.taskNo}`)).not.toContain('不能');
      const after = JSON.parse(await (await fetch(`${base}/gongshi/api/results?year=2026`)).text()) as { rows: { taskNo: string; publishedOn: string; correcting: string; rows: { result: string }[]; corrections: { date: string; reason: string; earlier: string }[] }[] };
      const n = after.rows.find((r) => r.taskNo === t.taskNo)!;
      expect(n.rows[0].result).toBe('未发现开展本次抽查涉及的经营活动');
      expect(n.publishedOn).toBe('2026-10-20'); // first published, not re-dated by the correction
      expect(n.correcting).toBe('');
      expect(n.corrections).toEqual([{ date: '2026-11-10', reason: '企业提出异议，经核实检查时企业已停业', earlier: '未发现问题（检查完成日期 2026-09-18）' }]);
      const page = await (await fetch(`${base}/gongshi/results?year=2026`)).text();
      expect(page).toContain('更正前：未发现问题（检查完成日期 2026-09-18）');
    } finally {
      server.close();
    }
  });
});

describe('R15: manual publication (公示 <任务编号>)', () => {
  it('R15: only a published result is on the site; 公示 once, by the lead department, audited, late or on time', async () => {
    clock = at('2026-11-12');
    const services = createServices({ repos: county.db.repos, now, policy: { ...DEFAULT_POLICY, publicationMode: 'manual' } });
    const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 5 });
    const { server, base } = await listen([publicSite({ repos: county.db.repos, now, freshMs: 0, results: publicResults(county.db.repos, { mode: 'manual' }) })]);
    try {
      const list = async () => (JSON.parse(await (await fetch(`${base}/gongshi/api/results?year=2026`)).text()) as { rows: { taskNo: string; publishedOn: string }[] }).rows;
      expect(await list()).toEqual([]);
      expect(await say('scj.official', `公示 ${tasks[3].taskNo}`, router)).toContain('尚未经部门领导审核通过');
      const reply = await say('scj.official', `公示 ${tasks[1].taskNo}`, router);
      expect(reply).toContain('已于 2026-11-12 公示，公示期限 2026-10-22（已逾期，R15）');
      expect(await say('scj.leader', `公示 ${tasks[1].taskNo}`, router)).toContain('已于 2026-11-12 公示，无需重复公示');
      expect(await list()).toEqual([expect.objectContaining({ taskNo: tasks[1].taskNo, publishedOn: '2026-11-12' })]);
      expect((await county.db.repos.audit.forTarget(`result:${tasks[1].taskNo}`)).map((a) => a.action)).toContain('result.publish');
      const report = await say('lxb.office', '公示情况 2026', router);
      expect(report).toContain(`${tasks[1].taskNo}｜${tasks[1].entityName}｜期限 2026-10-22｜2026-11-12 逾期公示`);
      expect(report).toContain(`${tasks[0].taskNo}｜${tasks[0].entityName}｜期限 2026-10-22｜逾期未公示`);
    } finally {
      server.close();
    }
  });
});
