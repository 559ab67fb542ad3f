/**
 * Issue 4 end to end on the real server process: one plan walked from 新建计划
 * through all three approvals over signed and encrypted WeCom callbacks with
 * card taps, and one filing through DingTalk with ActionCard taps. A card
 * tapped twice changes nothing.
 */
import { createServices } from '../../src/app';
import { WecomEmulator, type AppMessage } from '../emulators/wecom';
import { signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let server: ServerProcess;
const APP_SECRET = 'dt-secret-for-e2e-plans-0123456789';
let msgSeq = 9000;

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', ...headers } });
const outboxEmpty = async () => (await db.models.Outbox.collection.countDocuments({})) === 0 && (await db.repos.inbound.count({})) === 0;
const to = (user: string) => wecom.messages.filter((m) => m.touser === user);
const textOf = (m: AppMessage) => m.text?.content ?? m.markdown?.content ?? JSON.stringify(m.template_card ?? {});

/** Sends one WeCom text and waits until it is answered and everything it queued went out; returns the new messages to the sender. */
async function wecomSay(user: string, content: string): Promise<string> {
  const before = to(user).length;
  const cb = wecom.textCallback({ from: user, content, msgId: String(msgSeq++) });
  expect((await post(cb.path, cb.body)).status).toBe(200);
  await waitFor(async () => to(user).length > before && (await outboxEmpty()), 20_000, `the answer to “${content}”`);
  return to(user).slice(before).map(textOf).join('\n');
}

/** The newest approval card a WeCom user received. */
const lastCard = (user: string) => [...to(user)].reverse().find((m) => m.msgtype === 'template_card')!.template_card!;

async function wecomTap(user: string, taskId: string, key: string, createTime?: number): Promise<void> {
  const before = wecom.cardUpdates.length + to(user).length;
  const tap = wecom.cardEventCallback({ from: user, taskId, eventKey: key, createTime });
  expect((await post(tap.path, tap.body)).status).toBe(200);
  await waitFor(async () => wecom.cardUpdates.length + to(user).length > before && (await outboxEmpty()), 20_000, `the tap ${key}`);
}

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  await saveUsers(createServices({ repos: db.repos, now: () => new Date() }), [
    { userId: 'xf.official', name: '吴海涛', department: '县消防救援大队', roles: ['official'], wecomUserId: 'WuHaiTao' },
    { userId: 'xf.leader', name: '黄大队长', department: '县消防救援大队', roles: ['leader'], wecomUserId: 'HuangDD' },
    { userId: 'lxb.office', name: '赵联席', department: '县市管局', roles: ['office'], wecomUserId: 'ZhaoLx' },
    { userId: 'sfj.justice', name: '孙司法', department: '县司法局', roles: ['justice'], wecomUserId: 'SunSf' },
  ]);
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', 'XF001', '消防安全检查')] as never);
  // Officers whose certificates outlast next year's window, so the plan's teams can be formed (R8a).
  const until = `${new Date().getFullYear() + 3}-12-31`;
  await db.repos.inspectors.writer.insertNew(['XF-1', 'XF-2', 'XF-3'].map((no) => inspectorDoc(no, `消防${no}`, 'XFJYDD', { certificateExpiry: until })) as never);
  await addEntities(db.repos, Array.from({ length: 40 }, (_, i) => ({ n: 900 + i, pool: 'B' as const, riskClass: '较高' as const, departments: ['XFJYDD'] })));

  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey0002', appSecret: APP_SECRET });
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey0002', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await wecom?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('a plan over WeCom: 新建计划 → department leader → 联席办 → 司法局 (R13)', () => {
  const year = new Date().getFullYear() + 1; // next year's plan: its June window is ahead, and 31 March has not passed
  let planNo = '';

  it('the official fills in the plan one answer at a time and submits it', async () => {
    expect(await wecomSay('WuHaiTao', '新建计划')).toContain('请输入计划年度');
    for (const answer of [String(year), 'B', '无', '风险=较高', '1', '15%']) await wecomSay('WuHaiTao', answer);
    const summary = await wecomSay('WuHaiTao', '6月');
    expect(summary).toContain('预计检查对象：40 户，抽取 6 户');
    const done = await wecomSay('WuHaiTao', '提交');
    planNo = /JH\d{4}-\d{4}/.exec(done)?.[0] ?? '';
    expect(planNo).not.toBe('');
    await waitFor(() => to('HuangDD').some((m) => m.msgtype === 'template_card'), 20_000, 'the leader card');
  });

  it('each step is one tap on a card; the card is updated; the requester is told at each step', async () => {
    const steps: [string, number][] = [['HuangDD', 0], ['ZhaoLx', 1], ['SunSf', 2]];
    for (const [user, step] of steps) {
      await waitFor(() => to(user).some((m) => m.msgtype === 'template_card'), 20_000, `${user}'s card`);
      const card = lastCard(user);
      expect(card.button_list.map((b) => b.key)).toEqual([`ap.yes:${planNo}#${step}`, `ap.no:${planNo}#${step}`]);
      const updates = wecom.cardUpdates.length;
      await wecomTap(user, card.task_id, `ap.yes:${planNo}#${step}`);
      expect(wecom.cardUpdates.length).toBe(updates + 1);
    }
    const approval = await db.repos.approvals.get(planNo);
    expect(approval?.status).toBe('approved');
    expect(approval?.steps.map((s) => s.by)).toEqual(['xf.leader', 'lxb.office', 'sfj.justice']);
    const told = to('WuHaiTao').map(textOf).join('\n');
    expect(told).toContain('已送县市管局联席办');
    expect(told).toContain('全部审批通过');
  });

  it('a card tapped twice (or retried by the platform) changes nothing', async () => {
    const card = lastCard('SunSf');
    const version = (await db.repos.approvals.get(planNo))?.version;
    const audits = (await db.repos.audit.forTarget(`plan:${planNo}`)).length;
    // A second tap is a new event (WeCom stamps it with a later CreateTime); a platform retry of the first is a duplicate.
    await wecomTap('SunSf', card.task_id, `ap.yes:${planNo}#2`, Math.floor(Date.now() / 1000) + 5);
    expect(to('SunSf').map(textOf).pop()).toContain('无需重复操作');
    expect((await db.repos.approvals.get(planNo))?.version).toBe(version);
    expect((await db.repos.audit.forTarget(`plan:${planNo}`)).length).toBe(audits);
    expect(await wecomSay('WuHaiTao', `计划 ${planNo}`)).toContain('状态：已通过');
  });
});

describe('a filing over DingTalk: 备案 → department leader → 联席办 → 司法局 (R11)', () => {
  // A planned date in B's quiet period (not June or September, R10), from tomorrow on (Beijing dates).
  let t = Date.now() + 8 * 3600_000 + 86400_000;
  while ([5, 8].includes(new Date(t).getUTCMonth())) t += 86400_000;
  const planned = new Date(t).toISOString().slice(0, 10);
  const year = Number(planned.slice(0, 4));
  let filingNo = '';

  const batchTo = (staffId: string) => dingtalk.batchSends.filter((b) => b.userIds.includes(staffId));
  const session = () => dingtalk.sessionMessages.map((m) => JSON.stringify(m.body)).join('\n');

  /** Sends a DingTalk text (a typed command or a tapped ActionCard button, which sends "点 <key>") and waits for everything to go out. */
  async function dingSay(staffId: string, content: string): Promise<void> {
    const before = dingtalk.sessionMessages.length + dingtalk.batchSends.length;
    const s = dingtalk.newSession();
    const body = textMessageBody({ msgId: `dt-${msgSeq++}`, senderStaffId: staffId, content, sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt });
    const cb = signedCallback(APP_SECRET, body);
    expect((await post('/dingtalk/callback', cb.body, cb.headers)).status).toBe(200);
    await waitFor(async () => dingtalk.sessionMessages.length + dingtalk.batchSends.length > before && (await outboxEmpty()), 20_000, `the answer to “${content}”`);
  }

  beforeAll(async () => {
    await saveUsers(createServices({ repos: db.repos, now: () => new Date() }), [
      { userId: 'scj.official', name: '周晓燕', department: '县市管局', roles: ['official'], dingtalkStaffId: 'dd-zhou' },
      { userId: 'scj.leader', name: '程丽华', department: '县市管局', roles: ['leader'], dingtalkStaffId: 'dd-cheng' },
      { userId: 'lxb.office2', name: '钱联席', department: '县市管局', roles: ['office'], dingtalkStaffId: 'dd-qian' },
      { userId: 'sfj.justice2', name: '李司法', department: '县司法局', roles: ['justice'], dingtalkStaffId: 'dd-li' },
    ]);
    const officer = (no: string, name: string) => inspectorDoc(no, name, 'SCJGJ', { certificateExpiry: `${year + 2}-12-31` });
    await db.repos.inspectors.writer.insertNew([officer('SC001', '王执法'), officer('SC002', '李执法')] as never);
    await addEntities(db.repos, [{ n: 990, name: '万年县平安超市', pool: 'B', departments: ['SCJGJ'] }]);
  });

  it('the official files a quiet-period fire-safety complaint check in one line; it is accepted and numbered', async () => {
    await dingSay('dd-zhou', `备案 ${code(990)} 事由=消防安全投诉 日期=${planned} 人员=王执法、李执法 说明=群众举报疏散通道堵塞`);
    expect(session()).toContain('提交');
    await dingSay('dd-zhou', '提交');
    filingNo = /BA\d{4}-\d{4}/.exec(session())?.[0] ?? '';
    expect(filingNo).not.toBe('');
    await waitFor(() => batchTo('dd-cheng').length > 0, 20_000, "the leader's card");
    expect(batchTo('dd-cheng')[0].msgKey).toMatch(/ActionCard/);
  });

  it('each step is one tap on a DingTalk ActionCard button (it sends "点 <key>" back); the filing ends approved', async () => {
    /** What the 同意 button of the newest card to this user sends when tapped: the decoded content of its actionURL. */
    const approveButton = (staffId: string): string | undefined => {
      const urls = batchTo(staffId).flatMap((b) => Object.entries(b.msgParam).filter(([k]) => /^(actionURL|buttonUrl|singleURL)/.test(k)).map(([, v]) => v));
      const contents = urls.map((u) => decodeURIComponent(new URL(u).searchParams.get('content') ?? ''));
      return contents.reverse().find((c) => c.startsWith('点 ap.yes:'));
    };
    for (const [staffId, step] of [['dd-cheng', 0], ['dd-qian', 1], ['dd-li', 2]] as const) {
      await waitFor(() => approveButton(staffId) === `点 ap.yes:${filingNo}#${step}`, 20_000, `${staffId}'s card`);
      await dingSay(staffId, approveButton(staffId)!);
    }
    const approval = await db.repos.approvals.get(filingNo);
    expect(approval?.status).toBe('approved');
    expect(approval?.steps.map((s) => s.by)).toEqual(['scj.leader', 'lxb.office2', 'sfj.justice2']);
    expect(JSON.stringify(batchTo('dd-zhou'))).toContain('全部审批通过');
  });

  it('a button tapped twice changes nothing', async () => {
    const version = (await db.repos.approvals.get(filingNo))?.version;
    await dingSay('dd-li', `点 ap.yes:${filingNo}#2`);
    expect(session()).toContain('无需重复操作');
    expect((await db.repos.approvals.get(filingNo))?.version).toBe(version);
  });
});

it('the server schedules the approval and coverage reminders and the conversation purge', async () => {
  for (const job of ['approvals.remind', 'coverage.remind', 'sessions.purge']) {
    await waitFor(async () => Boolean((await db.repos.jobs.get(job))?.runs), 20_000, `the job ${job}`);
  }
  expect((await db.repos.jobs.get('approvals.remind'))?.lastResult).toMatch(/^reminded \d+$/);
});
