/**
 * Conversations and typed input, through the router on the real database:
 * a command typed during a guided conversation runs and leaves the
 * conversation waiting; forgiving filter values; task numbers; credit codes
 * typed with full-width characters; status words.
 */
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, saveUsers } from '../helpers/fixtures';
import { createRouter } from '../../bot/router';
import { createAnnouncer } from '../../bot/delivery/announcer';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createApproval } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import { itemDoc } from '../helpers/fixtures';
import { taskSeries } from '../../src/domain/task';
import ExcelJS from 'exceljs';

let db: TestDb;
let services: Services;
let router: Router;
const MAY = new Date('2026-05-20T02:00:00Z');
let clock = MAY;
const now = () => clock;

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const session = (userId: string) => db.repos.sessions.get(userId);

const B1 = code(1);
const C3 = code(3);

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx' },
    { userId: 'wang.leader', name: '王局长', department: '县市管局', roles: ['leader'] },
    { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'] },
    { userId: 'sun.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
    { userId: 'admin', name: '管理员', department: '县市管局', roles: ['admin'] },
  ]);
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', pool: 'B', industry: '住宿和餐饮业', township: '陈营镇', sectorTags: ['食品'] },
    { n: 2, name: '万年县华达汽车维修店', kind: '个体工商户', pool: 'B', industry: '交通运输、仓储和邮政业', township: '石镇镇' },
    { n: 3, name: '万年县重点化工有限公司', pool: 'C', riskClass: '高', industry: '制造业', township: '青云镇', sectorTags: ['危险化学品'] },
  ]);
  await db.repos.inspectors.writer.insertNew([
    inspectorDoc('SC001', '王执法', 'SCJGJ'),
    inspectorDoc('SC002', '李执法', 'SCJGJ'),
  ] as never);
});

afterAll(async () => {
  await db.close();
});

describe('a command typed during a guided conversation', () => {
  afterEach(async () => {
    await say('li.official', '取消');
  });

  it('runs the command, says in one line that the conversation waits, and the next answer continues it', async () => {
    expect(all(await say('li.official', '备案'))).toContain('统一社会信用代码');
    const q = all(await say('li.official', '查询 B类'));
    expect(q).toContain('B类一般监管库');
    expect(q).toContain('共 2 户');
    expect(q).toContain('您的“备案”仍在等待回复');
    expect(q).not.toContain('请回复');
    expect((await session('li.official'))?.step).toBe('entity');
    // The conversation goes on where it was.
    expect(all(await say('li.official', B1))).toContain('检查事由');
    expect((await session('li.official'))?.step).toBe('reason');
  });

  it('a one-line 备案 typed while the officers are asked is a command, not officer names', async () => {
    await say('li.official', `备案 ${B1} 事由=消防安全投诉 日期=2026-10-12`);
    expect((await session('li.official'))?.step).toBe('officers');
    const o = all(await say('li.official', `备案 ${C3} 事由=例行检查 日期=2026-10-12`));
    expect(o).toContain('不必报备');
    expect(o).not.toContain('名录');
    expect(o).toContain('仍在等待回复');
    expect((await session('li.official'))?.step).toBe('officers');
  });

  it('answers that only look like commands stay answers: "人员：…" and words glued to a command word', async () => {
    await say('li.official', `备案 ${B1} 事由=消防安全投诉 日期=2026-10-12`);
    const o = all(await say('li.official', '人员：王执法、李执法'));
    expect(o).not.toContain('仍在等待回复');
    // Read as the officers' answer: unknown name "人员：王执法" is asked again, the conversation stays at officers.
    expect((await session('li.official'))?.step).toBe('officers');
    expect(all(await say('li.official', '王执法、李执法'))).toContain('检查情况');
    const d = all(await say('li.official', '查看消防通道是否堵塞'));
    expect(d).toContain('请核对备案内容');
    expect((await session('li.official'))?.step).toBe('confirm');
  });
});

const fullWidth = (s: string) => s.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const spaced = (c: string) => `${c.slice(0, 6)} ${c.slice(6, 12)}\u3000${c.slice(12)}`;

describe('credit codes typed with full-width digits and spaces', () => {
  it('查 finds the entity by a full-width or spaced code', async () => {
    expect(all(await say('li.official', `查 ${fullWidth(B1)}`))).toContain('万年县华达食品有限公司');
    expect(all(await say('li.official', `查 ${spaced(B1)}`))).toContain('万年县华达食品有限公司');
    expect(all(await say('li.official', `查${fullWidth(B1)}`))).toContain('万年县华达食品有限公司');
  });

  it('备案 reads a full-width code, in the conversation and on one line', async () => {
    await say('li.official', '备案');
    expect(all(await say('li.official', fullWidth(B1)))).toContain('检查事由');
    await say('li.official', '取消');
    const o = all(await say('li.official', `备案 ${fullWidth(C3)} 事由=例行检查 日期=2026-10-12`));
    expect(o).toContain('万年县重点化工有限公司');
    expect(o).toContain('不必报备');
  });

  it('调库 reads a spaced, full-width code and proposes the placement (R1)', async () => {
    const o = await say('li.official', `调库 ${spaced(fullWidth(code(2)))} Ｃ类 多次投诉`);
    expect(all(o)).toContain('已提出将“万年县华达汽车维修店”纳入C类重点监管库');
    const keys = o.notices.flatMap((n) => (n.reply.kind === 'card' ? n.reply.card.buttons.map((b) => b.key) : []));
    expect(keys).toContain(`ap.yes:TK-${code(2)}#0`);
    expect((await db.repos.entities.get(code(2)))?.pendingPool).toBe('C');
  });

  it('a wrong check character cites the credit-code format (GB 32100-2015), not R1', async () => {
    const bad = B1.slice(0, 17) + (B1[17] === '0' ? '1' : '0');
    for (const t of [`查 ${bad}`, `调库 ${bad} C类 多次投诉`]) {
      const o = all(await say('li.official', t));
      expect(o).toContain('GB 32100-2015');
      expect(o).not.toContain('R1');
    }
  });
});

describe('forgiving filter values and 取值', () => {
  it('行业=餐饮业 is read as 住宿和餐饮业 and says so; a township, tag and risk class by their first characters', async () => {
    const food = all(await say('li.official', '查询 行业=餐饮业'));
    expect(food).toContain('行业“餐饮业”按“住宿和餐饮业”理解');
    expect(food).toContain('共 1 户');
    expect(food).toContain('万年县华达食品有限公司');
    expect(all(await say('li.official', '查询 乡镇=青云'))).toContain('万年县重点化工有限公司');
    const tag = all(await say('li.official', '查询 标签=危险'));
    expect(tag).toContain('标签“危险”按“危险化学品”理解');
    expect(tag).toContain('共 1 户');
    expect(all(await say('li.official', '查询 风险=一'))).toContain('共 2 户');
  });

  it('an unknown value is answered with the valid ones; an ambiguous one with its candidates', async () => {
    const unknown = all(await say('li.official', '查询 行业=金融业'));
    expect(unknown).toContain('没有行业为“金融业”的主体');
    expect(unknown).toContain('住宿和餐饮业');
    expect(unknown).toContain('取值 行业');
    const many = all(await say('li.official', '查询 乡镇=镇'));
    expect(many).toContain('可指');
    for (const t of ['陈营镇', '石镇镇', '青云镇']) expect(many).toContain(t);
  });

  it('取值 行业 lists the values with their counts; 取值 风险 the four classes', async () => {
    const v = all(await say('li.official', '取值 行业'));
    for (const t of ['住宿和餐饮业（1户）', '制造业（1户）', '交通运输、仓储和邮政业（1户）']) expect(v).toContain(t);
    expect(all(await say('li.official', '取值 风险'))).toMatch(/低[\s\S]*一般[\s\S]*较高[\s\S]*高/);
    expect(all(await say('li.official', '取值'))).toContain('取值 行业');
  });

  it('the plan dialog reads its own example 行业=餐饮业 and says how; an unknown value is asked again', async () => {
    for (const t of ['新建计划', '2026', 'B', '无']) await say('li.official', t);
    const bad = all(await say('li.official', '行业=金融业'));
    expect(bad).toContain('没有行业为“金融业”的主体');
    expect((await session('li.official'))?.step).toBe('filter');
    const o = all(await say('li.official', '行业=餐饮业 乡镇=陈营'));
    expect(o).toContain('行业“餐饮业”按“住宿和餐饮业”理解');
    expect(o).toContain('乡镇“陈营”按“陈营镇”理解');
    const s = await session('li.official');
    expect(s?.data.filter).toMatchObject({ industries: ['住宿和餐饮业'], townships: ['陈营镇'] });
    expect(s?.data.readAs).toBeUndefined();
    await say('li.official', '取消');
  });
});

describe('task numbers', () => {
  beforeAll(async () => {
    const part = (n: number) => ({
      drawNo: 'CQ2026-0001', planNo: 'JH2026-0001', departments: ['SCJGJ'], items: ['SCJGJ:SC-001'],
      officers: [{ inspectorNo: 'SC001', name: '王执法', department: 'SCJGJ', leader: true, expert: false }, { inspectorNo: 'SC002', name: '李执法', department: 'SCJGJ', leader: false, expert: false }],
      window: { from: '2026-06-01', to: '2026-06-30' }, at: `2026-05-20T02:00:0${n % 10}Z`,
    });
    // Numbers 1–12 of the department's series, as a draw reserves them; inserted out of order: 10, 11, 12 sort before 2 as text.
    await db.repos.tasks.reserve(taskSeries('SCJGJ', 2026), 12);
    await db.repos.tasks.createMany([12, 3, 10, 1, 11, 2, 9, 4, 8, 5, 7, 6].map((n) => ({
      taskNo: `县市管局抽查〔2026〕${n}号`, year: 2026, issuer: 'SCJGJ', creditCode: code(100 + n), entityName: `万年县任务${n}号商店`, parts: [part(n)] as never, at: now(),
    })));
  });

  it('我的任务 lists by number: 2 before 10', async () => {
    const o = all(await say('li.official', '我的任务 2026'));
    const at = (n: number) => o.indexOf(`县市管局抽查〔2026〕${n}号｜`);
    for (let n = 1; n < 12; n++) expect(at(n)).toBeLessThan(at(n + 1));
    expect(at(1)).toBeGreaterThan(-1);
  });

  it('任务 12 (own department, this year), ASCII or full-width brackets, spaces and full-width digits name the same task', async () => {
    for (const t of ['任务 12', '任务 12号', '任务 县市管局抽查[2026]12号', '任务 县市管局抽查（２０２６）１２', '任务 县市管局 2026-12', '任务 〔2026〕12号', '任务 县市管局抽查〔2026〕12号']) {
      const o = all(await say('li.official', t));
      expect({ t, ok: o.includes('万年县任务12号商店') }).toEqual({ t, ok: true });
    }
    expect(all(await say('li.official', '任务 13'))).toContain('没有编号为“县市管局抽查〔2026〕13号”的检查任务');
  });
});

describe('status words', () => {
  const withRobots = () => createRouter({
    services, log: createLogger('warn', () => undefined), pageSize: 5,
    announcer: createAnnouncer({ config: loadConfig({
      WECOM_CORP_ID: 'wwtest01', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'secret', WECOM_TOKEN: 'token', WECOM_AES_KEY: 'a'.repeat(43),
      WECOM_ROBOTS: '县市管局=keyscjgj,县消防救援大队=keyxf',
    }), repos: db.repos, now }),
  });
  const tell = async (r: ReturnType<typeof withRobots>, userId: string, t: string) => (await r.handle({ channel: 'shell', senderId: userId, text: t })).map(replyText).join('\n');

  it('通知 全部 reaches every member unit with a group robot and names those without', async () => {
    const r = withRobots();
    const before = await db.repos.outbox.count({ status: 'pending' });
    const o = await tell(r, 'zhao.office', '通知 全部 6月联合抽查名单已公示');
    expect(o).toContain('将发到2个成员单位的工作群');
    expect(o).toContain('县档案馆');
    expect(o).toContain('请系统管理员发送“绑定群机器人 <部门> <webhook地址>”绑定');
    expect(await db.repos.outbox.count({ status: 'pending' })).toBe(before + 2);
  });

  it('我的计划 says 已通过，待抽取 for an approved plan and 已抽取 once it is drawn', async () => {
    await db.repos.items.writer.insertNew([itemDoc('SCJGJ', 'SC-009', '食品经营检查')] as never);
    const planNo = 'JH2026-0901';
    const at = now();
    await db.repos.plans.create({
      planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
      items: ['SCJGJ:SC-009'], sampling: { count: 1 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [], predictedTargets: 0, duplicates: [],
      createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
    });
    await db.repos.approvals.create({
      ...createApproval('plan', planNo, 'test', PLAN_STEPS('SCJGJ'), at), status: 'approved', current: 3, title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
    });
    expect(all(await say('li.official', '我的计划'))).toContain(`${planNo}｜B类｜2026-09-01至2026-09-30｜已通过，待抽取`);
    expect(all(await say('li.official', `抽取 ${planNo}`))).toContain('抽中 1 户');
    expect(all(await say('li.official', '我的计划'))).toMatch(new RegExp(`${planNo}｜B类｜2026-09-01至2026-09-30｜已抽取（${planNo}-\\d+）`));
  });

  it('退回 without a reason on a filing shows a filing example, not a plan one', async () => {
    const o = all(await say('li.official', `备案 ${B1} 事由=消防安全投诉 日期=2026-10-12 人员=王执法、李执法 说明=群众投诉消防通道堵塞`));
    expect(o).toContain('请核对备案内容');
    const filingNo = /BA\d{4}-\d{4}/.exec(all(await say('li.official', '提交')))?.[0];
    expect(filingNo).toBeDefined();
    const r = all(await say('wang.leader', `退回 ${filingNo}`));
    expect(r).toContain(`退回 ${filingNo} 检查人员`);
    expect(r).not.toContain('抽查比例');
  });

  it('修改计划 shows why the plan was returned', async () => {
    const planNo = 'JH2026-0902';
    const at = now();
    await db.repos.plans.create({
      planNo, year: 2026, department: 'SCJGJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
      items: ['SCJGJ:SC-009'], sampling: { count: 1 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [], predictedTargets: 0, duplicates: [],
      createdBy: 'li.official', createdAt: at, updatedBy: 'li.official', updatedAt: at, version: 1,
    });
    await db.repos.approvals.create({
      ...createApproval('plan', planNo, 'li.official', PLAN_STEPS('SCJGJ'), at), title: planNo, requesterDepartment: 'SCJGJ', fields: [], flags: [],
    });
    await say('wang.leader', `退回 ${planNo} 抽查户数太少，请改为5%`);
    const o = all(await say('li.official', `修改计划 ${planNo}`));
    expect(o).toMatch(/退回原因：[^\n]*王局长/);
    expect(o).toContain('理由：抽查户数太少，请改为5%');
    await say('li.official', '取消');
  });

  it('an administrator is told how to configure a group robot, not to contact the administrator', async () => {
    const r = withRobots();
    for (const t of ['通知 县档案馆 测试', '通知 全部 测试']) {
      const o = await tell(r, 'admin', t);
      expect(o).toContain('WECOM_ROBOTS');
      expect(o).not.toContain('联系系统管理员');
    }
  });
});

describe('year defaults', () => {
  afterEach(async () => {
    await say('li.official', '取消');
    clock = MAY;
  });

  it('from 1 October (Beijing), 我的计划 and the plan dialog default to next year', async () => {
    clock = new Date('2026-09-30T16:30:00Z'); // 2026-10-01 00:30 in Beijing
    const mine = all(await say('li.official', '我的计划'));
    expect(mine).toContain('2027年');
    expect(mine).toContain('我的计划 2026');
    expect(all(await say('li.official', '新建计划'))).toContain('例如 2027');
    clock = new Date('2026-09-30T15:30:00Z'); // still 30 September in Beijing
    expect(all(await say('li.official', '我的计划'))).toContain('2026年');
  });

  it('R10: a year whose A and B windows are all past is refused at the year question; its C plan can still be made', async () => {
    clock = new Date('2026-10-09T02:00:00Z');
    await say('li.official', '新建计划');
    const r = all(await say('li.official', '2026'));
    expect(r).toContain('依据规则 R10');
    expect(r).toContain('请输入 2027');
    expect((await session('li.official'))?.step).toBe('year');
    const c = all(await say('li.official', '2026 C类'));
    expect(c).toContain('联合检查的部门');
    expect((await session('li.official'))?.data).toMatchObject({ year: 2026, pool: 'C' });
  });

  it('R10: in July, 联席办 choosing A (June, past) is refused at the pool question; B (September) goes on', async () => {
    clock = new Date('2026-07-15T02:00:00Z');
    for (const t of ['新建计划', '2026']) await say('zhao.office', t);
    expect((await session('zhao.office'))?.step).toBe('pool');
    const a = all(await say('zhao.office', 'A'));
    expect(a).toContain('依据规则 R10');
    expect(a).toContain('A类联合监管库2026年的检查期（6月）已过去');
    expect((await session('zhao.office'))?.step).toBe('pool');
    expect(all(await say('zhao.office', 'B'))).toContain('联合检查的部门');
    await say('zhao.office', '取消');
  });
});

describe('long lists: 更多 and the xlsx file', () => {
  beforeAll(async () => {
    await addEntities(db.repos, Array.from({ length: 60 }, (_, i) => ({ n: 500 + i, pool: 'B' as const, township: '大源镇', industry: '批发和零售业' })));
  });

  it('更多 continues a list page by page, in any process; past the end it says so; a list over 50 rows also comes as an xlsx file', async () => {
    const first = await router.respond({ channel: 'wecom', senderId: 'LiWx', text: '查询 乡镇=大源镇' });
    const shown = all(first);
    expect(shown).toContain('另以 xlsx 文件');
    expect(shown).toContain('共 60 户');
    expect(shown).toContain('发送“更多”看下一页');
    expect(shown.match(/^\d+\. /gm)).toHaveLength(5);
    // The whole list, privately, as a file.
    const file = first.replies.find((r) => r.kind === 'file');
    expect(file).toBeDefined();
    const stored = await db.repos.files.get(file!.kind === 'file' ? file!.fileId : '');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(stored!.data as unknown as ArrayBuffer);
    expect(wb.worksheets[0].rowCount).toBe(61);
    expect(String(wb.worksheets[0].getRow(2).getCell(3).value)).toBe(code(500));
    // 更多 in this process, then in another (a second router over the same database).
    const next = all(await say('li.official', '更多'));
    expect(next).toContain('第 6–25 条，共 60 条');
    expect(next).toMatch(/^6\. /m);
    const other = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 5 });
    const third = (await other.handle({ channel: 'shell', senderId: 'li.official', text: '更多' })).map(replyText).join('\n');
    expect(third).toContain('第 26–45 条');
    expect(all(await say('li.official', '更多'))).toContain('第 46–60 条，共 60 条');
    expect(all(await say('li.official', '更多'))).toContain('没有可以接着显示的列表');
  });

  it('in the terminal shell the long list says the file comes on WeCom or DingTalk', async () => {
    const o = await say('li.official', '查询 乡镇=大源镇');
    expect(o.replies.some((r) => r.kind === 'file')).toBe(false);
    expect(all(o)).toContain('在企业微信或钉钉中，完整名单会另以 xlsx 文件私下发给您');
  });

  it('a short list comes without a file, and 更多 no longer continues the long list before it', async () => {
    await say('li.official', '查询 乡镇=大源镇');
    const o = await say('li.official', '查询 乡镇=青云镇');
    expect(o.replies.some((r) => r.kind === 'file')).toBe(false);
    expect(all(await say('li.official', '更多'))).toContain('没有可以接着显示的列表');
  });

  it('更多 typed during a conversation shows the next page and leaves the conversation waiting', async () => {
    await say('li.official', '查询 乡镇=大源镇');
    await say('li.official', '备案');
    const o = all(await say('li.official', '更多'));
    expect(o).toContain('第 6–25 条');
    expect(o).toContain('仍在等待回复');
    expect((await session('li.official'))?.step).toBe('entity');
    await say('li.official', '取消');
  });
});
