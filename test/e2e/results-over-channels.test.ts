/**
 * End to end on the real server process: a result entered over signed and encrypted WeCom
 * callbacks — the 录入结果 conversation with a photo sent as an image message, which the
 * server fetches from the WeCom emulator's media/get by its MediaId — submitted, and
 * approved by the leader's tap on the card; and another over DingTalk with a picture the
 * server fetches by its downloadCode (robot/messageFiles/download, then the downloadUrl).
 */
import { createHash } from 'node:crypto';
import { createServices } from '../../src/app';
import { beijingDate } from '../../src/domain/calendar';
import { WecomEmulator, type AppMessage } from '../emulators/wecom';
import { signedCallback, startDingtalkEmulator, textMessageBody, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { addEntities, code, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let server: ServerProcess;
const APP_SECRET = 'dt-secret-for-e2e-results-0123456789';
let msgSeq = 31000;
const today = beijingDate(new Date());
const year = Number(today.slice(0, 4));
const taskNo = (n: number) => `县财政局抽查〔${year}〕${n}号`;
const jpeg = (seed: string, size: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, seed)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', ...headers } });
const settled = async () => (await db.models.Outbox.collection.countDocuments({})) === 0 && (await db.repos.inbound.count({})) === 0;
const to = (user: string) => wecom.messages.filter((m) => m.touser === user);
const textOf = (m: AppMessage) => m.text?.content ?? m.markdown?.content ?? JSON.stringify(m.template_card ?? {});

/** Posts a signed callback and waits until the sender is answered and everything queued went out. */
async function wecomPost(user: string, cb: { path: string; body: string }, what: string): Promise<string> {
  const before = to(user).length;
  expect((await post(cb.path, cb.body)).status).toBe(200);
  await waitFor(async () => to(user).length > before && (await settled()), 20_000, what);
  return to(user).slice(before).map(textOf).join('\n');
}
const wecomSay = (user: string, content: string) => wecomPost(user, wecom.textCallback({ from: user, content, msgId: String(msgSeq++) }), `the answer to “${content}”`);

/** A DingTalk message (text, or a picture by downloadCode) to the robot; returns what the session got back. */
async function dingSend(body: (s: { sessionWebhook: string; expiresAt: number }) => Record<string, unknown>): Promise<string> {
  const s = dingtalk.newSession();
  const cb = signedCallback(APP_SECRET, body(s));
  expect((await post('/dingtalk/callback', cb.body, cb.headers)).status).toBe(200);
  await waitFor(async () => dingtalk.sessionMessages.some((m) => m.session === s.id) && (await settled()), 20_000, 'the DingTalk answer');
  return dingtalk.sessionMessages.filter((m) => m.session === s.id).map((m) => JSON.stringify(m.body)).join('\n');
}
const dingSay = (staffId: string, content: string) => dingSend((s) => textMessageBody({
  msgId: `dt-${msgSeq++}`, senderStaffId: staffId, content, sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt,
}));
const dingPicture = (staffId: string, downloadCode: string) => dingSend((s) => ({
  ...textMessageBody({ msgId: `dt-${msgSeq++}`, senderStaffId: staffId, content: '', sessionWebhook: s.sessionWebhook, sessionWebhookExpiredTime: s.expiresAt }),
  msgtype: 'picture', text: undefined, content: { downloadCode, pictureDownloadCode: downloadCode },
}));

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  await saveUsers(createServices({ repos: db.repos, now: () => new Date() }), [
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'], wecomUserId: 'QianCz' },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'], wecomUserId: 'SunJz' },
    { userId: 'cz.official2', name: '李财政', department: '县财政局', roles: ['official'], dingtalkStaffId: 'dd-li' },
  ]);
  await db.repos.items.writer.insertNew([itemDoc('CZJ', 'CZ001', '会计信息质量检查')] as never);
  await db.repos.inspectors.writer.insertNew(['CZ-001', 'CZ-002'].map((no) => inspectorDoc(no, `人员${no}`, 'CZJ')) as never);
  await addEntities(db.repos, [{ n: 700, pool: 'B', departments: ['CZJ'] }, { n: 701, pool: 'B', departments: ['CZJ'] }]);
  // Two drawn tasks whose window has begun (inspected today at the latest).
  const window = { from: `${year}-01-01`, to: `${year}-12-31` };
  await db.repos.tasks.createMany([700, 701].map((n, i) => ({
    taskNo: taskNo(i + 1), year, issuer: 'CZJ', creditCode: code(n), entityName: `实体${n}`, at: new Date(),
    parts: [{
      drawNo: `JH${year}-0001-1`, planNo: `JH${year}-0001`, departments: ['CZJ'], items: ['CZJ:CZ001'], window, at: new Date().toISOString(),
      officers: ['CZ-001', 'CZ-002'].map((no, j) => ({ inspectorNo: no, name: `人员${no}`, department: 'CZJ', leader: j === 0, expert: false })),
    }],
  })));

  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingappkey0019', appSecret: APP_SECRET });
  server = await startServerProcess({
    MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env(),
    DINGTALK_APP_KEY: 'dingappkey0019', DINGTALK_APP_SECRET: APP_SECRET, DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_CARDS: 'actioncard',
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await wecom?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('a result over WeCom, with a photo fetched by its MediaId', () => {
  const photo = jpeg('wecom-e2e-photo', 64 * 1024);

  it('the official enters the result, sends a photo mid-conversation, and submits', async () => {
    expect(await wecomSay('QianCz', `录入结果 ${taskNo(1)}`)).toContain('请输入检查日期');
    expect(await wecomSay('QianCz', today)).toContain('核查方式');
    const gets = wecom.mediaGets;
    const image = wecom.mediaCallback({ from: 'QianCz', type: 'image', msgId: String(msgSeq++), data: photo });
    expect(await wecomPost('QianCz', image, 'the answer to the photo')).toContain('已收到证据“现场照片1.jpg”（64KB');
    expect(wecom.mediaGets).toBe(gets + 1);
    expect(await wecomSay('QianCz', '1、2')).toContain('会计信息质量检查');
    expect(await wecomSay('QianCz', '未发现问题')).toContain('请选择检查结果');
    expect(await wecomSay('QianCz', '1')).toContain('证据：现场照片1.jpg');
    expect(await wecomSay('QianCz', '提交')).toContain('已送县财政局部门领导审核');
    const r = await db.repos.results.get(taskNo(1));
    expect(r?.status).toBe('pending');
    expect(r?.parts.CZJ.evidence).toEqual([{ name: '现场照片1.jpg', sha256: sha(photo), bytes: photo.length }]);
    expect((await db.repos.evidence.get(sha(photo)))?.equals(photo)).toBe(true);
  });

  it('the leader approves it with one tap on the card', async () => {
    await waitFor(() => to('SunJz').some((m) => m.msgtype === 'template_card'), 20_000, "the leader's card");
    const card = [...to('SunJz')].reverse().find((m) => m.msgtype === 'template_card')!.template_card!;
    const key = card.button_list.find((b) => b.key.startsWith('ap.yes:'))!.key;
    const tap = wecom.cardEventCallback({ from: 'SunJz', taskId: card.task_id, eventKey: key });
    expect((await post(tap.path, tap.body)).status).toBe(200);
    await waitFor(async () => (await db.repos.results.get(taskNo(1)))?.status === 'approved' && (await settled()), 20_000, 'the approval');
    expect(await wecomSay('QianCz', `结果 ${taskNo(1)}`)).toContain('证据：现场照片1.jpg');
  });

  it('a photo sent after the conversation is answered with what to do, and not fetched', async () => {
    const gets = wecom.mediaGets;
    const image = wecom.mediaCallback({ from: 'QianCz', type: 'image', msgId: String(msgSeq++), data: jpeg('late', 1024) });
    expect(await wecomPost('QianCz', image, 'the answer to a late photo')).toContain('请先发送“录入结果 <任务编号>”');
    expect(wecom.mediaGets).toBe(gets);
  });
});

describe('a result over DingTalk, with a picture fetched by its downloadCode', () => {
  const picture = jpeg('dingtalk-e2e-picture', 8 * 1024);

  it('the official enters the result with a picture and submits it', async () => {
    expect(await dingSay('dd-li', `录入结果 ${taskNo(2)}`)).toContain('请输入检查日期');
    await dingSay('dd-li', today);
    const calls = dingtalk.downloadCalls;
    expect(await dingPicture('dd-li', dingtalk.putMessageFile(picture, 'IMG_0042.jpg'))).toContain('已收到证据“现场照片1.jpg”');
    expect(dingtalk.downloadCalls).toBe(calls + 1);
    for (const line of ['1', '未发现问题', '1']) await dingSay('dd-li', line);
    expect(await dingSay('dd-li', '提交')).toContain('已提交');
    const r = await db.repos.results.get(taskNo(2));
    expect(r?.status).toBe('pending');
    expect(r?.parts.CZJ.evidence.map((e) => e.sha256)).toEqual([sha(picture)]);
    expect((await db.repos.evidence.get(sha(picture)))?.equals(picture)).toBe(true);
  });

  it('the server logs neither the download link nor the downloadCode', () => {
    expect(server.logs()).not.toMatch(/\/oss\/|Signature=/);
    expect(server.logs()).not.toContain('downloadCode');
  });
});
