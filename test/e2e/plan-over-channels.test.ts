/**
 * End to end on the real server process: one plan walked from 新建计划
 * through all three approvals over signed and encrypted WeCom callbacks with
 * card taps, and one filing through DingTalk by tapping interactive cards (in
 * one-to-one chats and in a group, the taps delivered by the emulator as
 * DingTalk delivers them: signed card callbacks). A card tapped twice, or by
 * someone not designated, changes nothing; a decided card shows the decision.
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
const TEMPLATE = 'e2e-approval-template.schema';
const GROUP = 'cidMarketGroup01==';
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
  // The 县市管局 group chat holds the 联席办 member and the official, with the robot in it.
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey0002', appSecret: APP_SECRET, cardTemplateId: TEMPLATE, groups: { [GROUP]: ['dd-qian', 'dd-zhou'] } });
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey0002', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_CARD_TEMPLATE_ID: TEMPLATE, PUBLIC_BASE_URL: 'http://127.0.0.1:{PORT}',
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

describe('a filing over DingTalk: 备案 → department leader → 联席办 → 司法局 (R11), decided by tapping interactive cards', () => {
  // A planned date in B's quiet period (not June or September, R10), from tomorrow on (Beijing dates).
  let t = Date.now() + 8 * 3600_000 + 86400_000;
  while ([5, 8].includes(new Date(t).getUTCMonth())) t += 86400_000;
  const planned = new Date(t).toISOString().slice(0, 10);
  const year = Number(planned.slice(0, 4));
  let filingNo = '';

  const batchTo = (staffId: string) => dingtalk.batchSends.filter((b) => b.userIds.includes(staffId));
  const session = () => dingtalk.sessionMessages.map((m) => JSON.stringify(m.body)).join('\n');
  const settled = async () => outboxEmpty();

  /** Sends a DingTalk text (one-to-one, or @robot in the group) and waits for everything to go out. */
  async function dingSay(staffId: string, content: string, group = false): Promise<void> {
    const before = dingtalk.sessionMessages.length + dingtalk.batchSends.length + dingtalk.cards.size;
    const s = dingtalk.newSession();
    const body = textMessageBody({
      msgId: `dt-${msgSeq++}`, senderStaffId: staffId, content, sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt,
      ...(group ? { conversationType: '2' as const, conversationId: GROUP } : {}),
    });
    const cb = signedCallback(APP_SECRET, body);
    expect((await post('/dingtalk/callback', cb.body, cb.headers)).status).toBe(200);
    await waitFor(async () => dingtalk.sessionMessages.length + dingtalk.batchSends.length + dingtalk.cards.size > before && (await settled()), 20_000, `the answer to “${content}”`);
  }

  /** The newest card that user sees with a button for `key`. */
  const cardWith = (staffId: string, key: string, space?: 'IM_ROBOT' | 'IM_GROUP') =>
    [...dingtalk.cardsSeenBy(staffId)].reverse().find((c) => (!space || c.space === space) && c.params.buttons.includes(`"${key}"`));

  /** Taps as DingTalk delivers a tap (a signed card callback to the registered URL) and waits until its effects went out. */
  async function tap(staffId: string, outTrackId: string, key: string, stale?: Record<string, string>): Promise<void> {
    const before = dingtalk.sessionMessages.length + dingtalk.batchSends.length;
    expect(await dingtalk.tapCard(outTrackId, staffId, key, { stale })).toBe(200);
    await waitFor(async () => dingtalk.sessionMessages.length + dingtalk.batchSends.length > before && (await settled()), 20_000, `the tap ${key}`);
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

  it('the server registered its card callback URL at start', () => {
    expect(dingtalk.cardRoutes.get('supervision-cards')?.url).toBe(`${server.url}/dingtalk/card-callback`);
  });

  it('the official files a quiet-period fire-safety complaint check in one line; the leader gets an interactive card', async () => {
    await dingSay('dd-zhou', `备案 ${code(990)} 事由=消防安全投诉 日期=${planned} 人员=王执法、李执法 说明=群众举报疏散通道堵塞`);
    expect(session()).toContain('提交');
    await dingSay('dd-zhou', '提交');
    filingNo = /BA\d{4}-\d{4}/.exec(session())?.[0] ?? '';
    expect(filingNo).not.toBe('');
    await waitFor(() => Boolean(cardWith('dd-cheng', `ap.yes:${filingNo}#0`)), 20_000, "the leader's card");
    expect(cardWith('dd-cheng', `ap.yes:${filingNo}#0`)).toMatchObject({ space: 'IM_ROBOT', templateId: TEMPLATE });
    expect(batchTo('dd-cheng').filter((b) => /ActionCard/.test(b.msgKey))).toHaveLength(0);
  });

  it('step 1: the leader taps 同意 on the card in the one-to-one chat; the card shows the decision', async () => {
    const card = cardWith('dd-cheng', `ap.yes:${filingNo}#0`)!;
    await tap('dd-cheng', card.outTrackId, `ap.yes:${filingNo}#0`);
    await waitFor(() => card.params.outcome !== '', 20_000, 'the card update');
    expect(card.params.outcome).toContain('同意');
    expect(card.params.buttons).toBe('[]');
    expect((await db.repos.approvals.get(filingNo))?.steps[0]?.by).toBe('scj.leader');
  });

  it('step 2 in the group: a tap by a member not designated changes nothing; the 联席办 member\'s tap decides and the group card shows it', async () => {
    await waitFor(() => Boolean(cardWith('dd-qian', `ap.yes:${filingNo}#1`)), 20_000, "联席办's card");
    const oneToOne = cardWith('dd-qian', `ap.yes:${filingNo}#1`, 'IM_ROBOT')!;
    // 联席办 asks for their to-do list in the group (@robot): the cards come into the group.
    await dingSay('dd-qian', '待办', true);
    const card = cardWith('dd-qian', `ap.yes:${filingNo}#1`, 'IM_GROUP')!;
    expect(card.target).toBe(GROUP);
    const version = (await db.repos.approvals.get(filingNo))?.version;
    await tap('dd-zhou', card.outTrackId, `ap.yes:${filingNo}#1`);
    expect(JSON.stringify(batchTo('dd-zhou').at(-1))).toMatch(/依据规则 R\d+/);
    expect((await db.repos.approvals.get(filingNo))?.version).toBe(version);
    expect(card.params.outcome).toBe('');
    await tap('dd-qian', card.outTrackId, `ap.yes:${filingNo}#1`);
    await waitFor(() => card.params.outcome !== '', 20_000, 'the group card update');
    expect(card.params.buttons).toBe('[]');
    // The same decision's card in 联席办's one-to-one chat shows it too: nobody can tap it again anywhere.
    await waitFor(() => oneToOne.params.outcome !== '', 20_000, 'the one-to-one card update');
    expect(oneToOne.params.buttons).toBe('[]');
    expect((await db.repos.approvals.get(filingNo))?.steps[1]?.by).toBe('lxb.office2');
  });

  it('step 3: 司法局 taps in the one-to-one chat; the filing ends approved; a second tap changes nothing', async () => {
    await waitFor(() => Boolean(cardWith('dd-li', `ap.yes:${filingNo}#2`)), 20_000, "司法局's card");
    const card = cardWith('dd-li', `ap.yes:${filingNo}#2`)!;
    const shown = { ...card.params };
    await tap('dd-li', card.outTrackId, `ap.yes:${filingNo}#2`);
    const approval = await db.repos.approvals.get(filingNo);
    expect(approval?.status).toBe('approved');
    expect(approval?.steps.map((s) => s.by)).toEqual(['scj.leader', 'lxb.office2', 'sfj.justice2']);
    await waitFor(() => JSON.stringify(batchTo('dd-zhou')).includes('全部审批通过'), 20_000, 'the requester told');
    // A phone that has not redrawn the card yet taps 退回 on it: nothing changes, the tapper is told.
    await tap('dd-li', card.outTrackId, `ap.no:${filingNo}#2`, shown);
    expect((await db.repos.approvals.get(filingNo))?.version).toBe(approval?.version);
    expect(JSON.stringify(batchTo('dd-li').at(-1))).toContain('无需重复操作');
  });
});

it('a picture or a file sent to the bot is answered, on WeCom and on DingTalk, never met with silence', async () => {
  const before = to('WuHaiTao').length;
  const image = wecom.mediaCallback({ from: 'WuHaiTao', type: 'image', msgId: String(msgSeq++) });
  expect((await post(image.path, image.body)).status).toBe(200);
  await waitFor(() => to('WuHaiTao').length > before, 20_000, 'the answer to a picture');
  expect(textOf(to('WuHaiTao').at(-1)!)).toContain('录入结果');

  const s = dingtalk.newSession();
  const picture = {
    ...textMessageBody({ msgId: `dt-${msgSeq++}`, senderStaffId: 'dd-zhou', content: '', sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt }),
    msgtype: 'file', text: undefined, content: { downloadCode: 'dc-0001', fileName: '现场照片.zip' },
  };
  const cb = signedCallback(APP_SECRET, picture);
  expect((await post('/dingtalk/callback', cb.body, cb.headers)).status).toBe(200);
  await waitFor(() => dingtalk.sessionMessages.some((m) => m.session === s.id), 20_000, 'the answer to a file');
  expect(JSON.stringify(dingtalk.sessionMessages.find((m) => m.session === s.id)!.body)).toContain('已收到您发送的文件');
});

it('the server schedules the approval and coverage reminders and the conversation purge', async () => {
  for (const job of ['approvals.remind', 'coverage.remind', 'sessions.purge']) {
    await waitFor(async () => Boolean((await db.repos.jobs.get(job))?.runs), 20_000, `the job ${job}`);
  }
  expect((await db.repos.jobs.get('approvals.remind'))?.lastResult).toMatch(/^reminded \d+$/);
});
