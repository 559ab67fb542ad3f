/**
 * Complaints (R22) on the real database, through the router every channel uses and the
 * public form over real HTTP: 12345 staff enter one in chat, it is numbered and routed
 * by the entity's supervising departments and the matter (联席办 when unsure, and after a
 * department sends it back), acknowledged by card within 1 working day, handled by a 备案
 * with reason 投诉举报 in the quiet period (R11) whose result must be approved before it
 * closes, and its outcome published without the complainant's details. The public form:
 * same-origin and token checks, text only, size and per-address limits, escaping, and the
 * status looked up with the query code. Figures per department for the statistics, and
 * 联席办's weekly list of overdue complaints.
 */
import type { Server } from 'node:http';
import type { Services } from '../../src/app';
import type { Outcome, Router } from '../../bot/router';
import { replyText, type Reply } from '../../bot/types';
import { complaintJobs } from '../../bot/delivery/complaints';
import { createHttpApp } from '../../src/http/app';
import { complaintPages } from '../../src/http/public/complaints';
import { monthPeriod } from '../../src/domain/stats';
import type { Complaint } from '../../src/domain/complaint';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
const clock = { t: Date.parse('2026-10-12T02:00:00Z') }; // Monday 12 October, 10:00 in Beijing: B's quiet period
const now = () => new Date(clock.t);
const setDay = (day: string, hour = 10) => { clock.t = Date.parse(`${day}T${String(hour - 8).padStart(2, '0')}:00:00Z`); };

const say = (userId: string, t: string): Promise<Outcome> => router.respond({ channel: 'shell', senderId: userId, text: t });
const tap = (userId: string, key: string): Promise<Outcome> => say(userId, `点 ${key}`);
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const cardKeysTo = (o: Outcome, userId: string) =>
  o.notices.filter((n) => n.userId === userId).flatMap((n) => (n.reply.kind === 'card' ? n.reply.card.buttons.map((b) => b.key) : []));
const textsTo = (o: Outcome, userId: string) => o.notices.filter((n) => n.userId === userId).map((n) => replyText(n.reply)).join('\n');

const FOOD = code(1); // supervised by 县市管局 only
const DINER = code(2); // 县市管局 and 县消防救援大队
const WORKS = code(3); // 县市管局 and 县自然资源局
const PHONE = '13800000001';

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  await saveUsers(services, [
    { userId: 'rx.hotline', name: '许热线', department: '县市管局', roles: ['hotline'] },
    { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'] },
    { userId: 'scj.leader', name: '王局长', department: '县市管局', roles: ['leader'] },
    { userId: 'lxb.office', name: '程丽华', department: '县市管局', roles: ['office'] },
    { userId: 'sf.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'] },
    { userId: 'zj.official', name: '李住建', department: '县住建局', roles: ['official'] },
    { userId: 'hb.official', name: '赵环保', department: '县生态环境局', roles: ['official'] },
    // The inspector's user id is the inspector number: that is how the team enters its result.
    { userId: 'SC001', name: '王执法', department: '县市管局', roles: ['inspector'] },
    { userId: 'SC002', name: '李执法', department: '县市管局', roles: ['inspector'] },
  ]);
  await db.repos.inspectors.writer.insertNew([inspectorDoc('SC001', '王执法', 'SCJGJ'), inspectorDoc('SC002', '李执法', 'SCJGJ')] as never);
  await db.repos.items.writer.insertNew([itemDoc('SCJGJ', 'SC001', '食品经营检查')] as never);
  await addEntities(db.repos, [
    { n: 1, name: '万年县华达食品有限公司', pool: 'B', departments: ['SCJGJ'] },
    { n: 2, name: '万年县好再来餐饮店', kind: '个体工商户', pool: 'B', departments: ['SCJGJ', 'XFJYDD'] },
    { n: 3, name: '万年县恒通建材有限公司', pool: 'B', departments: ['SCJGJ', 'ZRZYJ'] },
  ]);
});

afterAll(async () => {
  await db.close();
});

let code1 = '';

describe('R22: a complaint entered in chat is numbered and routed', () => {
  it('R22: 12345 staff enter a complaint; it gets a number and a query code, goes to the department supervising the entity, whose officials and leader get a card to acknowledge it within 1 working day', async () => {
    const o = await say('rx.hotline', `投诉 ${FOOD} 10月10日在该店购买的牛奶已过期变质 联系方式=${PHONE}`);
    const reply = all(o);
    expect(reply).toContain('已登记投诉举报 TS2026-0001');
    expect(reply).toContain('已分派县市管局');
    expect(reply).toContain('应于 2026-10-13 前受理');
    code1 = /查询码 ([A-Z0-9]{10})/.exec(reply)![1];
    expect(cardKeysTo(o, 'scj.official')).toEqual(['cp.ack:TS2026-0001']);
    expect(cardKeysTo(o, 'scj.leader')).toEqual(['cp.ack:TS2026-0001']);
    expect(cardKeysTo(o, 'xf.official')).toEqual([]);
    const c = (await db.repos.complaints.get('TS2026-0001'))!;
    expect(c).toMatchObject({ source: 'hotline', creditCode: FOOD, matter: '市场监管', department: 'SCJGJ', status: 'received', contact: PHONE, ackDue: '2026-10-13' });
    expect(c.queryHash).not.toContain(code1);
    expect(JSON.stringify(await db.repos.complaints.get('TS2026-0001'))).not.toContain(code1); // only its digest is stored
  });

  it('R22: the matter chooses among the supervising departments: a blocked fire exit at a diner goes to the fire brigade', async () => {
    const o = await say('rx.hotline', `投诉 万年县好再来餐饮店 该店后门消防通道被杂物堵塞，晚上人很多`);
    expect(all(o)).toContain('TS2026-0002');
    expect(all(o)).toContain('已分派县消防救援大队');
    expect(cardKeysTo(o, 'xf.official')).toEqual(['cp.ack:TS2026-0002']);
    expect(cardKeysTo(o, 'scj.official')).toEqual([]);
  });

  it('R22: when unsure (a matter outside the entity\'s supervising departments) 联席办 is told and routes it; a department that is not responsible sends it back and 联席办 reroutes it', async () => {
    const o = await say('rx.hotline', `投诉 ${WORKS} 该公司厂区内违规施工，夜间噪声扰民已经一个多月`);
    expect(all(o)).toContain('待联席办分派');
    expect(textsTo(o, 'lxb.office')).toContain('分派投诉 TS2026-0003');
    expect((await db.repos.complaints.get('TS2026-0003'))?.status).toBe('unrouted');
    expect(all(await say('lxb.office', '待办'))).toContain('TS2026-0003（万年县');
    expect(all(await say('lxb.office', '待办'))).toContain('待分派：分派投诉 TS2026-0003 <成员单位>');

    expect(all(await say('scj.official', '分派投诉 TS2026-0003 县住建局'))).toContain('只有联席办可以分派投诉举报');
    const routed = await say('lxb.office', '分派投诉 TS2026-0003 县住建局 属建筑施工问题');
    expect(all(routed)).toContain('已将投诉举报 TS2026-0003 分派县住建局');
    expect(cardKeysTo(routed, 'zj.official')).toEqual(['cp.ack:TS2026-0003']);

    const back = await say('zj.official', '退回投诉 TS2026-0003 噪声扰民属县生态环境局职责');
    expect(all(back)).toContain('退回联席办');
    expect(textsTo(back, 'lxb.office')).toContain('县住建局退回：噪声扰民属县生态环境局职责');
    const rerouted = await say('lxb.office', '改派投诉 TS2026-0003 县生态环境局 夜间噪声');
    expect(cardKeysTo(rerouted, 'hb.official')).toEqual(['cp.ack:TS2026-0003']);
    expect((await db.repos.complaints.get('TS2026-0003'))).toMatchObject({ department: 'STHJJ', status: 'received', ackDue: '2026-10-13' });
    // 待办 lists it for the department until acknowledged; 联席办's list no longer has it.
    expect(all(await say('hb.official', '待办'))).toContain('待受理：受理投诉 TS2026-0003');
    expect(all(await say('lxb.office', '待办'))).not.toContain('TS2026-0003');
  });

  it('R20: only 投诉受理人员 (12345/12315) and 联席办 enter complaints in chat', async () => {
    expect(all(await say('scj.official', `投诉 ${FOOD} 该店销售的面包已经发霉变质了`))).toContain('只有投诉受理人员或联席办可以登记投诉举报');
  });

  it('a bad complaint is refused saying what to write (too short), nothing numbered', async () => {
    expect(all(await say('rx.hotline', `投诉 ${FOOD} 过期`))).toContain('投诉举报内容太短');
    expect(await db.repos.complaints.get('TS2026-0004')).toBeUndefined();
  });

  it('“投诉” typed alone inside 备案 is the filing\'s reason, not the complaint command', async () => {
    await say('scj.official', '备案');
    expect(all(await say('scj.official', FOOD))).toContain('检查事由');
    expect(all(await say('scj.official', '投诉'))).toContain('计划检查日期');
    await say('scj.official', '取消');
  });
});

describe('R22: acknowledged, handled by a 备案, closed, published', () => {
  it('R22: only the department it was routed to acknowledges it; the card acknowledges once', async () => {
    expect(all(await tap('xf.official', 'cp.ack:TS2026-0001'))).toContain('由县市管局办理');
    const t = await tap('scj.official', 'cp.ack:TS2026-0001');
    expect(t.cardOutcome).toBe('已受理（周晓燕）');
    expect(all(t)).toContain(`备案 ${FOOD} 事由=投诉举报`);
    const again = await tap('scj.leader', 'cp.ack:TS2026-0001');
    expect(all(again)).toContain('无需再次受理');
    expect(await db.repos.complaints.get('TS2026-0001')).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'scj.official' });
  });

  it('R22, R11: only the department\'s own filing with reason 投诉举报 about the same entity can be linked', async () => {
    await db.repos.filings.create({
      filingNo: 'BA2026-0901', month: '2026-10', department: 'SCJGJ', creditCode: FOOD, entityName: '万年县华达食品有限公司', pool: 'B', reason: 'fire',
      plannedDate: '2026-10-13', officers: ['SC001', 'SC002'], description: '消防检查', rules: ['R11'], createdBy: 'scj.official', createdAt: now(),
    });
    const o = all(await say('scj.official', '关联备案 TS2026-0001 BA2026-0901'));
    expect(o).toContain('只能关联事由为“投诉举报”的备案');
    expect(o).toContain('R11');
    expect(all(await say('xf.official', '关联备案 TS2026-0001 BA2026-0901'))).toContain('由县市管局办理');
  });

  it('R22, R11: a 备案 with reason 投诉举报 in the quiet period is accepted, approved and linked; closing waits for its approved result', async () => {
    const f = all(await say('scj.official', `备案 ${FOOD} 事由=投诉举报 日期=2026-10-13 人员=SC001、SC002 说明=核查群众投诉该店销售过期牛奶`));
    expect(f).toContain('请核对备案内容');
    expect(all(await say('scj.official', '提交'))).toContain('备案 BA2026-0001 已提交');
    for (const u of ['scj.leader', 'lxb.office', 'sf.justice']) expect(all(await say(u, '同意 BA2026-0001'))).toContain('同意');
    expect((await db.repos.approvals.get('BA2026-0001'))?.status).toBe('approved');

    expect(all(await say('scj.official', '关联备案 TS2026-0001 BA2026-0001'))).toContain('已关联备案 BA2026-0001');
    const early = all(await say('scj.official', '办结投诉 TS2026-0001 经检查属实，已责令改正'));
    expect(early).toContain('检查结果尚未录入');
    expect(early).toContain('录入结果 BA2026-0001');
    expect((await db.repos.complaints.get('TS2026-0001'))?.status).toBe('acknowledged');

    setDay('2026-10-13', 16);
    await say('SC001', '录入结果 BA2026-0001');
    for (const answer of ['2026-10-13', '1', '未发现问题', '1']) await say('SC001', answer);
    expect(all(await say('SC001', '提交'))).toContain('部门领导审核');
    const pending = all(await say('scj.official', '办结投诉 TS2026-0001 经检查属实，已责令改正'));
    expect(pending).toContain('检查结果尚未审核通过');
    await say('scj.leader', '同意 BA2026-0001-JG');
    expect((await db.repos.results.get('BA2026-0001'))?.status).toBe('approved');

    const closed = all(await say('scj.official', '办结投诉 TS2026-0001 经现场检查，未发现在售过期牛奶，已责令该店加强进货查验'));
    expect(closed).toContain('已办结');
    const view = all(await say('lxb.office', '查看投诉 TS2026-0001'));
    expect(view).toContain('关联备案：BA2026-0001（2026-10-13，已备案登记）；检查结果：已审核通过');
    expect(view).toContain('已办结');
    expect(view).toContain(PHONE); // 联席办 sees the contact
    const justice = all(await say('sf.justice', '查看投诉 TS2026-0001'));
    expect(justice).toContain('联系方式：（仅承办部门和联席办可见）');
    expect(justice).not.toContain(PHONE);
    expect(all(await say('xf.official', '查看投诉 TS2026-0001'))).toContain('您只能查看本单位');
  });

  it('R22: the published outcome carries neither the complainant\'s contact nor their words', async () => {
    const [p] = await services.complaints.published(2026);
    expect(p).toMatchObject({ complaintNo: 'TS2026-0001', entityName: '万年县华达食品有限公司', department: '县市管局', filingNo: 'BA2026-0001', receivedOn: '2026-10-12', closedOn: '2026-10-13' });
    expect(p.outcome).toContain('已责令该店加强进货查验');
    expect(JSON.stringify(p)).not.toContain(PHONE);
    expect(JSON.stringify(p)).not.toContain('牛奶已过期变质');
  });

  it('R22: the complainant looks up the status with the number and the query code; a wrong code says nothing', async () => {
    expect(await services.complaints.lookup('TS2026-0001', code1.toLowerCase())).toMatchObject({ status: '已办结', department: '县市管局', closedOn: '2026-10-13' });
    expect(await services.complaints.lookup('TS2026-0001', 'AAAAAAAAAA')).toBeUndefined();
    expect(await services.complaints.lookup('TS2026-0002', code1)).toBeUndefined();
  });
});

describe('R22: overdue complaints and the figures for statistics', () => {
  it('R22: a complaint not acknowledged by its due day is reminded to the department each working day, with the card again', async () => {
    setDay('2026-10-14');
    const sent: { userId: string; reply: Reply; key?: string }[] = [];
    const job = complaintJobs(services, async (userId, reply, key) => { sent.push({ userId, reply, key }); return true; }).find((j) => j.name === 'complaints.remind')!;
    await job.run(now());
    const xf = sent.filter((s) => s.userId === 'xf.official');
    expect(xf.map((s) => replyText(s.reply)).join('\n')).toContain('TS2026-0002');
    expect(xf.some((s) => s.reply.kind === 'card')).toBe(true);
    expect(sent.some((s) => s.userId === 'hb.official' && replyText(s.reply).includes('TS2026-0003'))).toBe(true);
    expect(sent.some((s) => replyText(s.reply).includes('TS2026-0001'))).toBe(false); // closed
    setDay('2026-10-17'); // a Saturday: no reminders
    expect(await job.run(now())).toBe('not a working day');
  });

  it('a late acknowledgement is recorded as late', async () => {
    setDay('2026-10-15');
    expect(all(await say('xf.official', '受理投诉 TS2026-0002'))).toContain('已超过受理期限 2026-10-13');
  });

  it('R22: counts per department for a period — received, acknowledged on time, closed, overdue — from the history above', async () => {
    setDay('2026-10-16');
    expect(await services.complaints.countsByDepartment({ from: '2026-10-01', to: '2026-10-31' })).toEqual([
      { department: 'SCJGJ', received: 1, acknowledgedOnTime: 1, closed: 1, overdue: 0 },
      { department: 'STHJJ', received: 1, acknowledgedOnTime: 0, closed: 0, overdue: 1 },
      { department: 'XFJYDD', received: 1, acknowledgedOnTime: 0, closed: 0, overdue: 0 },
    ]);
    expect(await services.complaints.countsByDepartment({ from: '2026-11-01', to: '2026-11-30' })).toEqual([]);
  });

  it('R21, R22: the oversight statistics count the same complaints per department', async () => {
    setDay('2026-10-16');
    const s = await services.stats.compute(monthPeriod(2026, 10));
    const of = (dept: string) => s.departments.find((d) => d.department === dept)!;
    expect([of('SCJGJ'), of('STHJJ'), of('XFJYDD')].map((d) => [d.complaintsReceived, d.complaintsClosed, d.complaintsOverdue])).toEqual([[1, 1, 0], [1, 0, 1], [1, 0, 0]]);
    expect(s.county.complaintsReceived).toBe(3);
  });

  it('R22: on Mondays 联席办 gets the week\'s overdue complaints in one list; not on other days', async () => {
    const run = async () => {
      const sent: { userId: string; text: string }[] = [];
      const job = complaintJobs(services, async (userId, reply) => { sent.push({ userId, text: replyText(reply) }); return true; }).find((j) => j.name === 'complaints.weekly')!;
      return { summary: await job.run(now()), sent };
    };
    setDay('2026-10-16');
    expect((await run()).summary).toBe('not monday');
    setDay('2026-10-19');
    const { sent } = await run();
    expect(sent.map((s) => s.userId)).toEqual(['lxb.office']);
    expect(sent[0].text).toContain('本周逾期的投诉举报 1 件');
    expect(sent[0].text).toContain('TS2026-0003');
    expect(sent[0].text).toContain('逾期未受理');
    expect(sent[0].text).not.toContain('TS2026-0001');
  });

  it('投诉列表: a department sees its own open complaints, 联席办 the county\'s', async () => {
    expect(all(await say('xf.official', '投诉列表'))).toContain('TS2026-0002');
    expect(all(await say('xf.official', '投诉列表'))).not.toContain('TS2026-0003');
    expect(all(await say('xf.official', '投诉列表 县生态环境局'))).toContain('只能查看本单位');
    const county = all(await say('lxb.office', '投诉列表'));
    expect(county).toContain('TS2026-0002');
    expect(county).toContain('TS2026-0003｜2026-10-12｜万年县恒通建材有限公司｜生态环境｜县生态环境局｜待受理｜逾期未受理');
    expect(all(await say('rx.hotline', '投诉列表'))).toContain('TS2026-0003'); // entered by them
  });
});

describe('R22: the public form (over HTTP)', () => {
  let server: Server;
  let base: string;
  const received: { complaint: Complaint; recipients: string[] }[] = [];

  beforeAll(async () => {
    setDay('2026-10-20');
    const app = createHttpApp({
      conn: undefined as never, engine: 'test', trustProxy: true,
      routes: [complaintPages({ complaints: services.complaints, now, perHour: 3, onReceived: async (complaint, users) => { received.push({ complaint, recipients: users.map((u) => u.userId) }); } })],
    });
    await new Promise<void>((resolve) => { server = app.listen(0, '127.0.0.1', () => resolve()); });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => { server.close(); });

  let address = 0;
  /** Each test speaks from its own address (X-Forwarded-For behind the proxy) unless it says otherwise. */
  const from = (ip = `198.51.100.${++address}`) => ({ 'X-Forwarded-For': ip });
  const token = async (): Promise<string> => {
    const page = await (await fetch(`${base}/gongshi/tousu`)).text();
    return /name="token" value="([^"]+)"/.exec(page)![1];
  };
  const post = async (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => {
    const r = await fetch(`${base}${path}`, {
      method: 'POST', body: new URLSearchParams(fields).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, ...headers },
    });
    return { status: r.status, text: await r.text(), headers: r.headers };
  };

  it('R22: the form needs no login; a complaint submitted from it is numbered and routed, and the page shows the number and query code once', async () => {
    const g = await fetch(`${base}/gongshi/tousu`);
    expect(g.status).toBe(200);
    expect(g.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(g.headers.get('cache-control')).toBe('no-store');
    const r = await post('/gongshi/tousu', { token: await token(), entity: '万年县好再来餐饮店', content: '该店厨房卫生很差，餐具不消毒，吃完拉肚子', contact: '' }, from());
    expect(r.status).toBe(200);
    const no = /id="complaint-no">(TS2026-\d{4})</.exec(r.text)![1];
    const qc = /id="query-code">([A-Z0-9]{10})</.exec(r.text)![1];
    expect(r.headers.get('cache-control')).toBe('no-store');
    const c = (await db.repos.complaints.get(no))!;
    expect(c).toMatchObject({ source: 'web', receivedBy: 'public', creditCode: DINER, department: 'SCJGJ', status: 'received' });
    expect(received.at(-1)?.complaint.complaintNo).toBe(no);
    // Hotline staff list the complaints they entered, not the public's.
    expect(all(await say('rx.hotline', '投诉列表'))).not.toContain(no);
    expect(received.at(-1)?.recipients.sort()).toEqual(['scj.leader', 'scj.official']);

    const found = await post('/gongshi/tousu/chaxun', { no, code: qc }, from());
    expect(found.status).toBe(200);
    expect(found.text).toContain('待受理');
    const wrong = await post('/gongshi/tousu/chaxun', { no, code: 'ABCDEFGHJK' }, from());
    expect(wrong.status).toBe(404);
    expect(wrong.text).toContain('编号或查询码不对');
  });

  it('R22: a POST from another site, or without the form\'s token, is refused and nothing is stored', async () => {
    const before = (await db.repos.complaints.forYears([2026])).length;
    const fields = { token: await token(), entity: '万年县华达食品有限公司', content: '跨站提交的测试内容，应当被拒绝' };
    const cross = await post('/gongshi/tousu', fields, { ...from(), Origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.text).toContain('请从本站的投诉举报页面提交');
    expect((await post('/gongshi/tousu', fields, { ...from(), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    const forged = await post('/gongshi/tousu', { ...fields, token: `${Date.now()}.0123456789abcdef.${'0'.repeat(64)}` }, from());
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('表单已过期');
    expect((await db.repos.complaints.forYears([2026])).length).toBe(before);
  });

  it('R22: text only and size-limited: a file upload is refused (415), an oversized body (413), too short a text is answered with what to write, and markup typed in is shown as text', async () => {
    const form = new FormData();
    form.set('entity', 'x');
    form.set('file', new Blob(['%PDF-1.4']), 'a.pdf');
    const multi = await fetch(`${base}/gongshi/tousu`, { method: 'POST', body: form, headers: { Origin: base, ...from() } });
    expect(multi.status).toBe(415);
    expect(await multi.text()).toContain('只接受文字内容');
    const big = await post('/gongshi/tousu', { token: await token(), entity: '某店', content: '很'.repeat(7000) }, from());
    expect(big.status).toBe(413);
    const xss = '<script>alert(1)</script>';
    const short = await post('/gongshi/tousu', { token: await token(), entity: xss, content: '太短' }, from());
    expect(short.status).toBe(422);
    expect(short.text).toContain('投诉举报内容太短');
    expect(short.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(short.text).not.toContain(xss);
  });

  it('R22: one address may submit 3 complaints an hour here; the 4th is refused (429), another address is not', async () => {
    const ip = '203.0.113.7';
    const fields = async () => ({ token: await token(), entity: '万年县华达食品有限公司', content: '该店销售的鸡蛋有异味，疑似变质' });
    for (let i = 0; i < 3; i++) expect((await post('/gongshi/tousu', await fields(), from(ip))).status).toBe(200);
    const fourth = await post('/gongshi/tousu', await fields(), from(ip));
    expect(fourth.status).toBe(429);
    expect(fourth.text).toContain('每小时最多提交3次');
    expect(fourth.headers.get('retry-after')).toBe('3600');
    expect((await post('/gongshi/tousu', await fields(), from('203.0.113.8'))).status).toBe(200);
  });

  it('R22: the outcomes page lists closed complaints without the complainant\'s contact or words', async () => {
    const page = await (await fetch(`${base}/gongshi/tousu/jieguo?year=2026`)).text();
    expect(page).toContain('TS2026-0001');
    expect(page).toContain('已责令该店加强进货查验');
    expect(page).not.toContain(PHONE);
    expect(page).not.toContain('牛奶已过期变质');
    const api = await (await fetch(`${base}/gongshi/api/complaints?year=2026`)).json() as { outcomes: { complaintNo: string }[] };
    expect(api.outcomes.map((o) => o.complaintNo)).toEqual(['TS2026-0001']);
  });
});
