/**
 * Evidence over the platforms, through the router on the real database: a picture or a file
 * sent during 录入结果 is fetched from the platform as it documents it — WeCom's media/get by
 * MediaId, DingTalk's robot/messageFiles/download by downloadCode, then the downloadUrl —
 * from the local emulators over real HTTP, checked (size, kind by its first bytes), stored
 * by SHA-256 and listed on the result at 提交. Outside 录入结果 a picture is answered with
 * what to do with it, and nothing is fetched.
 */
import { createHash } from 'node:crypto';
import type { Services } from '../../src/app';
import { createApproval } from '../../src/domain/approval';
import { MAX_EVIDENCE_BYTES } from '../../src/domain/result';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { PLAN_STEPS } from '../../src/services/plans';
import type { PlanDoc } from '../../src/domain/records/plan';
import type { TaskDoc } from '../../src/domain/records/task';
import { createRouter, type Outcome, type Router } from '../../bot/router';
import { replyText, type BotEvent } from '../../bot/types';
import { wecomApi } from '../../bot/channels/wecom/api';
import { dingtalkApi } from '../../bot/channels/dingtalk/api';
import { WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import type { TestDb } from '../helpers/db';
import { testCounty } from '../helpers/county';
import { addEntities, inspectorDoc, itemDoc, saveUsers } from '../helpers/fixtures';

let db: TestDb;
let services: Services;
let router: Router;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let task: TaskDoc;
let task2: TaskDoc;
let task3: TaskDoc;
const clock = { t: Date.parse('2026-09-16T02:00:00Z') };
const now = () => new Date(clock.t);

/** A small JPEG: its first bytes are what makes it one. */
const jpeg = (seed: string, size = 2048) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, seed)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const say = async (e: Omit<BotEvent, 'text'> & { text?: string }) => all(await router.respond({ text: '', ...e }));
const wecomSays = (t: string) => say({ channel: 'wecom', senderId: 'QianCz', text: t });
const dingSays = (t: string) => say({ channel: 'dingtalk', senderId: 'dd-sun', text: t });

beforeAll(async () => {
  ({ db, services, router } = await testCounty(now));
  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingevidence01', appSecret: 'dt-secret-evidence-0123456789' });
  const config = loadConfig({ ...wecom.env(), DINGTALK_APP_KEY: 'dingevidence01', DINGTALK_APP_SECRET: 'dt-secret-evidence-0123456789', DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url, DINGTALK_CARDS: 'actioncard' });
  const log = createLogger('warn', () => undefined);
  const w = wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now: () => new Date(), log });
  const d = dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now: () => new Date(), log });
  router = createRouter({ services, log, pageSize: 5, media: { wecom: w.fetchMedia, dingtalk: d.fetchMedia } });

  await saveUsers(services, [
    { userId: 'cz.official', name: '钱财政', department: '县财政局', roles: ['official'], wecomUserId: 'QianCz' },
    { userId: 'cz.official2', name: '孙财政', department: '县财政局', roles: ['official'], dingtalkStaffId: 'dd-sun' },
    { userId: 'cz.leader', name: '孙局长', department: '县财政局', roles: ['leader'] },
  ]);
  await db.repos.inspectors.writer.insertNew(['CZ-001', 'CZ-002'].map((n) => inspectorDoc(n, `人员${n}`, 'CZJ', { jointPool: true })) as never);
  await db.repos.items.writer.insertNew([itemDoc('CZJ', 'CZ001', '会计信息质量检查')] as never);
  await addEntities(db.repos, [{ n: 300, pool: 'B', departments: ['CZJ'] }, { n: 301, pool: 'B', departments: ['CZJ'] }, { n: 302, pool: 'B', departments: ['CZJ'] }]);
  const at = now();
  await db.repos.plans.create({
    planNo: 'JH2026-0001', year: 2026, department: 'CZJ', pool: 'B', filter: { industries: [], townships: [], riskClasses: [], sectorTags: [] },
    items: ['CZJ:CZ001'], sampling: { count: 3 }, window: { from: '2026-09-01', to: '2026-09-30' }, jointDepartments: [], predictedTargets: 0, duplicates: [],
    createdBy: 'test', createdAt: at, updatedBy: 'test', updatedAt: at, version: 1,
  } as PlanDoc);
  await db.repos.approvals.create({
    ...createApproval('plan', 'JH2026-0001', 'test', PLAN_STEPS('CZJ'), at), status: 'approved', current: 9, title: 'JH2026-0001', requesterDepartment: 'CZJ', fields: [], flags: [],
  });
  expect(await say({ channel: 'shell', senderId: 'cz.official', text: '抽取 JH2026-0001' })).toContain('检查任务');
  const [draw] = await db.repos.draws.forPlan('JH2026-0001');
  [task, task2, task3] = await db.repos.tasks.forDraw(draw.drawNo);
  expect(task2).toBeDefined();
}, 60_000);

afterAll(async () => {
  await wecom?.stop();
  await dingtalk?.close();
  await db?.close();
});

describe('a picture outside 录入结果', () => {
  it('is answered with what a photo is for and how to send it as evidence; nothing is fetched or kept', async () => {
    const gets = wecom.mediaGets;
    const data = jpeg('outside');
    const cb = wecom.mediaCallback({ from: 'QianCz', type: 'image', data });
    const answer = await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'image', media: { ref: cb.mediaId } });
    expect(answer).toContain('已收到您发送的图片，未保存');
    expect(answer).toContain('录入结果 <任务编号>');
    expect(answer).toContain('10MB');
    expect(answer).not.toContain('尚未开放');
    expect(wecom.mediaGets).toBe(gets);
    expect(await services.results.evidenceFile(sha(data))).toBeUndefined();
  });
});

describe('evidence during 录入结果', () => {
  const photo = jpeg('wecom-photo', 300 * 1024); // more than one stored chunk
  const picture = jpeg('dingtalk-picture', 4096);

  it('a WeCom picture is fetched by its MediaId through media/get, checked and stored by SHA-256', async () => {
    expect(await wecomSays(`录入结果 ${task.taskNo}`)).toContain('请输入检查日期');
    const cb = wecom.mediaCallback({ from: 'QianCz', type: 'image', data: photo });
    const gets = wecom.mediaGets;
    const answer = await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'image', media: { ref: cb.mediaId } });
    expect(answer).toContain('已收到证据“现场照片1.jpg”（300KB');
    expect(answer).toContain(sha(photo).slice(0, 12));
    expect(wecom.mediaGets).toBe(gets + 1);
    expect((await services.results.evidenceFile(sha(photo)))?.equals(photo)).toBe(true);
    // The conversation waits where it was: the dates are still asked for.
    expect(await wecomSays('2026-09-10')).toContain('核查方式');
  });

  it('an evidence file over the size limit is refused before it is stored, and the conversation goes on', async () => {
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(MAX_EVIDENCE_BYTES, 1)]);
    const cb = wecom.mediaCallback({ from: 'QianCz', type: 'file', data: big, filename: 'scan.jpg' });
    const answer = await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'file', media: { ref: cb.mediaId } });
    expect(answer).toContain('超过10MB的上限，未保存');
    expect(await services.results.evidenceFile(sha(big))).toBeUndefined();
    expect(await wecomSays('1')).toContain('会计信息质量检查');
  });

  it('a file of a forbidden kind (told by its bytes, not its name) is refused and not stored', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(1000, 7)]);
    const cb = wecom.mediaCallback({ from: 'QianCz', type: 'file', data: exe, filename: '照片.jpg' });
    const answer = await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'file', media: { ref: cb.mediaId } });
    expect(answer).toContain('不是可接受的证据类型');
    expect(answer).toContain('JPEG图片');
    expect(await services.results.evidenceFile(sha(exe))).toBeUndefined();
  });

  it('an access token WeCom has expired is replaced once and the picture still fetched', async () => {
    const again = jpeg('after-token-expiry', 1500);
    wecom.expireTokens();
    const fetches = wecom.tokenFetches;
    const cb = wecom.mediaCallback({ from: 'QianCz', type: 'image', data: again });
    expect(await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'image', media: { ref: cb.mediaId } })).toContain('已收到证据“现场照片2.jpg”');
    expect(wecom.tokenFetches).toBe(fetches + 1);
    expect((await services.results.evidenceFile(sha(again)))?.equals(again)).toBe(true);
    // The same photo sent twice is listed once, under its first name.
    expect(await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'image', media: { ref: cb.mediaId } })).toContain('该文件已作为证据“现场照片2.jpg”收到');
    const s = await db.repos.sessions.get('cz.official');
    expect((s?.data.evidence as { sha256: string }[]).map((e) => e.sha256)).toEqual([sha(photo), sha(again)]);
  });

  it('a media id WeCom no longer knows is answered in Chinese, nothing kept', async () => {
    const answer = await say({ channel: 'wecom', senderId: 'QianCz', attachment: 'image', media: { ref: 'expired-media-id' } });
    expect(answer).toContain('暂时无法从企业微信取得该图片，未保存');
  });

  it('提交 lists the photo on the department\'s part of the result', async () => {
    expect(await wecomSays('未发现问题')).toContain('请选择检查结果');
    const summary = await wecomSays('1');
    expect(summary).toContain('证据：现场照片1.jpg、现场照片2.jpg');
    expect(await wecomSays('提交')).toContain('已提交');
    const r = await db.repos.results.get(task.taskNo);
    expect(r?.parts.CZJ.evidence.map((e) => [e.name, e.sha256])).toEqual([['现场照片1.jpg', sha(photo)], ['现场照片2.jpg', sha(jpeg('after-token-expiry', 1500))]]);
  });

  it('a DingTalk picture is fetched by its downloadCode (robot/messageFiles/download, then the downloadUrl) and stored; a file keeps its name', async () => {
    expect(await dingSays(`录入结果 ${task2.taskNo}`)).toContain('请输入检查日期');
    const calls = dingtalk.downloadCalls;
    const code = dingtalk.putMessageFile(picture, 'IMG_0012.jpg');
    expect(await say({ channel: 'dingtalk', senderId: 'dd-sun', attachment: 'image', media: { ref: code } })).toContain('已收到证据“现场照片1.jpg”');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 'p')]);
    const fileCode = dingtalk.putMessageFile(pdf, '整改通知书.pdf', 'application/pdf');
    expect(await say({ channel: 'dingtalk', senderId: 'dd-sun', attachment: 'file', media: { ref: fileCode, name: '整改通知书.pdf' } })).toContain('已收到证据“整改通知书.pdf”');
    expect(dingtalk.downloadCalls).toBe(calls + 2);
    for (const line of ['2026-09-11', '1', '未发现问题', '1']) await dingSays(line);
    expect(await dingSays('提交')).toContain('已提交');
    const r = await db.repos.results.get(task2.taskNo);
    expect(r?.parts.CZJ.evidence.map((e) => [e.name, e.sha256])).toEqual([['现场照片1.jpg', sha(picture)], ['整改通知书.pdf', sha(pdf)]]);
    expect((await services.results.evidenceFile(sha(pdf)))?.equals(pdf)).toBe(true);
  });

  it('a picture after the result was submitted is explained, not fetched', async () => {
    const calls = dingtalk.downloadCalls;
    const answer = await say({ channel: 'dingtalk', senderId: 'dd-sun', attachment: 'image', media: { ref: dingtalk.putMessageFile(picture) } });
    expect(answer).toContain('已收到您发送的图片，未保存');
    expect(dingtalk.downloadCalls).toBe(calls);
  });
});

describe('answers that only move the draft on take one guarded write', () => {
  it('four answers at once to the same question: one moves the conversation on, the others are told to answer again', async () => {
    const shell = (t: string) => router.respond({ channel: 'shell', senderId: 'cz.official', text: t });
    expect(all(await shell(`录入结果 ${task3.taskNo}`))).toContain('请输入检查日期');
    const days = ['2026-09-10', '2026-09-11', '2026-09-12', '2026-09-13'];
    const outs = (await Promise.all(days.map(shell))).map(all);
    // One answer moved it on; each other one either lost the race or came after and was read as the next answer.
    const moved = outs.findIndex((t) => t.includes('请选择核查方式'));
    expect(outs.filter((t) => t.includes('请选择核查方式'))).toHaveLength(1);
    expect(outs.every((t, i) => i === moved || t.includes('同时到达') || t.includes('不是核查方式'))).toBe(true);
    expect(outs.some((t) => t.includes('同时到达'))).toBe(true);
    const s = await db.repos.sessions.get('cz.official');
    // What the conversation holds is the answer that was told it moved on.
    expect([s?.step, s?.data.start, s?.busyUntil]).toEqual(['methods', days[moved], undefined]);
    await shell('取消');
  });
});
