/**
 * 审计 <编号或代码> (R20, R21) on the real database: for 联席办 and 司法局, every recorded
 * action on a plan, a draw, a task, a filing and its result review, a complaint or an
 * entity — who, when (Beijing time), through which channel — built from a history the test
 * makes through the real services and the router (shell, WeCom, DingTalk and the public site).
 */
import type { Outcome } from '../../bot/router';
import { replyText, type Reply } from '../../bot/types';
import { publicCounty, type PublicCounty } from '../helpers/publicCounty';
import { saveUsers } from '../helpers/fixtures';

let county: PublicCounty;
const now = () => new Date('2026-08-20T02:00:00Z'); // 10:00 in Beijing

const say = (userId: string, t: string, channel: 'shell' | 'wecom' | 'dingtalk' = 'shell'): Promise<Outcome> =>
  county.router.respond({ channel, senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
let complaintNo = '';
let webComplaintNo = '';

beforeAll(async () => {
  county = await publicCounty(now);
  await saveUsers(county.services, [
    { userId: 'scj.leader', name: '王局长', department: '县市管局', roles: ['leader'], dingtalkStaffId: 'dt-wang' },
    { userId: 'sf.justice', name: '孙司法', department: '县司法局', roles: ['justice'] },
    { userId: 'rx.hotline', name: '许热线', department: '县市管局', roles: ['hotline'], wecomUserId: 'wx-xu' },
  ]);
  const entity = county.codes[5];
  // A complaint by 12345 over WeCom, acknowledged in the shell; another from the public site.
  const entered = all(await say('wx-xu', `投诉 ${entity} 该店销售的月饼已过期，包装上日期被涂改`, 'wecom'));
  complaintNo = /TS2026-\d{4}/.exec(entered)![0];
  await say('scj.official', `受理投诉 ${complaintNo}`);
  webComplaintNo = (await county.services.complaints.submitPublic({ entity, content: '该店的冷柜温度明显不够，冻品已经化了' })).complaint.complaintNo;
  // A filing for it, approved by the leader over DingTalk, 联席办 and 司法局 in the shell.
  expect(all(await say('scj.official', `备案 ${entity} 事由=投诉举报 日期=2026-08-21 人员=SC-003、SC-004 说明=核查群众投诉销售过期月饼`))).toContain('请核对备案内容');
  expect(all(await say('scj.official', '提交'))).toContain('BA2026-0001');
  expect(all(await say('dt-wang', '同意 BA2026-0001', 'dingtalk'))).toContain('同意');
  await say('lxb.office', '同意 BA2026-0001');
  await say('sf.justice', '同意 BA2026-0001 符合R11');
  await say('scj.official', `关联备案 ${complaintNo} BA2026-0001`);
}, 120_000);

afterAll(async () => {
  await county.db.close();
});

describe('审计 <编号或代码>', () => {
  it('R20: a complaint\'s trail says who did what, when and through which channel: 12345 over WeCom, the department in the shell, the link to its filing', async () => {
    const o = all(await say('lxb.office', `审计 ${complaintNo}`));
    expect(o).toContain(`投诉举报 ${complaintNo} 的操作记录（共 3 条`);
    const lines = o.split('\n').slice(1);
    expect(lines[0]).toBe(`1. 2026-08-20 10:00｜许热线（rx.hotline，县市管局）｜企业微信｜受理登记投诉举报：热线受理；分派县市管局（事项“市场监管”属县市管局职责，且该主体由其监管）`);
    expect(lines[1]).toBe('2. 2026-08-20 10:00｜周晓燕（scj.official，县市管局）｜终端对话｜部门受理投诉举报：县市管局受理');
    expect(lines[2]).toBe('3. 2026-08-20 10:00｜周晓燕（scj.official，县市管局）｜终端对话｜关联备案：关联备案 BA2026-0001（2026-08-21 检查 万年县青云5号食品有限公司）');
  });

  it('R20: a complaint from the public site is recorded as the public through the site', async () => {
    const o = all(await say('sf.justice', `审计 ${webComplaintNo}`));
    expect(o).toContain('公众（匿名）｜公示网站｜受理登记投诉举报');
  });

  it('R20: a filing\'s trail has its submission, each approval step with its channel (DingTalk for the leader), and the complaint it handles', async () => {
    const o = all(await say('lxb.office', '审计 BA2026-0001'));
    expect(o).toContain('备案 BA2026-0001（县市管局，万年县青云5号食品有限公司）');
    expect(o).toContain('周晓燕（scj.official，县市管局）｜终端对话｜提交备案');
    expect(o).toContain('周晓燕（scj.official，县市管局）｜终端对话｜提交审批');
    expect(o).toContain('王局长（scj.leader，县市管局）｜钉钉｜审批同意：部门领导确认');
    expect(o).toContain('程丽华（lxb.office，县市管局）｜终端对话｜审批同意：联席办备案登记');
    expect(o).toContain('孙司法（sf.justice，县司法局）｜终端对话｜审批同意：司法局备案登记（R2、R11）：符合R11');
    expect(o).toContain(`关联备案：办理投诉举报 ${complaintNo}`);
  });

  it('R20: an entity\'s trail includes the complaints about it and a proposed pool change', async () => {
    const entity = county.codes[5];
    await say('scj.official', `调库 ${entity} C类 多次投诉举报，风险较高`);
    const o = all(await say('lxb.office', `审计 ${entity}`));
    expect(o).toContain(`主体 万年县青云5号食品有限公司（${entity}）`);
    expect(o).toContain(`受理登记投诉举报：投诉举报 ${complaintNo}`);
    expect(o).toContain(`受理登记投诉举报：投诉举报 ${webComplaintNo}`);
    expect(o).toContain('提议调入C类库：多次投诉举报，风险较高');
    expect(o).toContain('｜提交审批：联席办确认');
  });

  it('R20: a plan\'s and a draw\'s trail: the commitment, the draw and the voiding by 联席办', async () => {
    const plan = all(await say('sf.justice', `审计 ${county.voidedPlanNo}`));
    expect(plan).toContain('周晓燕（scj.official，县市管局）｜终端对话｜完成抽取');
    expect(plan).toContain(`程丽华（lxb.office，县市管局）｜终端对话｜作废抽取：抽取编号 ${county.voidedDrawNo}`);
    const draw = all(await say('sf.justice', `审计 ${county.voidedDrawNo}`));
    expect(draw).toContain(`抽取 ${county.voidedDrawNo}（计划 ${county.voidedPlanNo}）`);
    expect(draw).toContain('作废抽取');
    expect(draw.indexOf('完成抽取')).toBeLessThan(draw.indexOf('作废抽取'));
  });

  it('R20: a task\'s trail includes the draw that made it', async () => {
    const [d] = await county.db.repos.draws.forPlan(county.planNo);
    const [task] = await county.db.repos.tasks.forDraw(d.drawNo);
    const o = all(await say('lxb.office', `审计 ${task.taskNo}`));
    expect(o).toContain(`任务 ${task.taskNo}（${task.entityName}）`);
    expect(o).toContain('完成抽取');
  });

  it('R20: every entry names a channel', async () => {
    const t = await county.services.auditTrail.trail({ userId: 'lxb.office', name: '程丽华', department: 'SCJGJ', roles: ['office'], channel: 'shell' }, 'BA2026-0001');
    expect(t.lines.length).toBeGreaterThanOrEqual(6);
    for (const l of t.lines) expect(['终端对话', '企业微信', '钉钉', '命令行', '系统自动', '公示网站']).toContain(l.channel);
  });

  it('R20: only 联席办 and 司法局 read the audit; an unknown number says what can be looked up', async () => {
    const refused = all(await say('scj.official', `审计 ${complaintNo}`));
    expect(refused).toContain('只有联席办或司法局审核可以查看审计记录');
    expect(refused).toContain('R20');
    expect(all(await say('lxb.office', '审计 JH2099-1'))).toContain('请写计划编号、抽取编号、任务编号、备案编号');
    expect(all(await say('lxb.office', '审计'))).toContain('请写明要查看的编号或代码');
  });

  it('a long trail comes with an xlsx of every entry', async () => {
    const entity = county.codes[6];
    for (let i = 0; i < 42; i++) await county.services.complaints.submitPublic({ entity, content: `第${i + 1}次反映该店冷柜温度不够，冻品化了` });
    const o = await say('lxb.office', `审计 ${entity}`);
    expect(all(o)).toContain('共 42 条');
    expect(all(o)).toContain('全部记录见附件 xlsx');
    const file = o.replies.find((r): r is Extract<Reply, { kind: 'file' }> => r.kind === 'file');
    expect(file?.name).toMatch(/^审计记录-.*\.xlsx$/);
  });
});
