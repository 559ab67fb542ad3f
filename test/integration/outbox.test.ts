/**
 * The outbox against the platform emulators: group robots held to 20 messages
 * a minute, long announcements split, files to WeCom groups and links to
 * DingTalk groups, retries with backoff, and the dead-letter list an admin
 * reads and resends from the chat.
 */
import { loadConfig } from '../../src/config';
import { outgoing } from '../../bot/channels/contracts';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import { wecomApi } from '../../bot/channels/wecom/api';
import { dingtalkApi } from '../../bot/channels/dingtalk/api';
import { createAnnouncer, type Announcer } from '../../bot/delivery/announcer';
import { backoffMs, createOutboxWorker } from '../../bot/delivery/outboxWorker';
import { createRouter, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { ERR, WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let announcer: Announcer;
let router: Router;
let clock = Date.now();
const now = () => new Date(clock);
const ROBOT_KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const log = createLogger('error', () => undefined);
let worker: ReturnType<typeof createOutboxWorker>;

/** Runs the worker until nothing is due now. */
async function drain(): Promise<void> {
  while (await worker.step());
}

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  wecom = await new WecomEmulator({ robotKeys: [ROBOT_KEY], knownUsers: ['LiWx', 'AdminWx'] }).start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingkey', appSecret: 'dingsecret', groupRobots: { grouptoken: 'SECgroupsecret' } });
  const config = loadConfig({
    ...wecom.env(),
    WECOM_ROBOTS: `县市管局=${ROBOT_KEY}`,
    DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret', DINGTALK_CARDS: 'actioncard',
    DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_ROBOTS: '县市管局=grouptoken:SECgroupsecret',
    PUBLIC_BASE_URL: 'https://bot.example.gov.cn', DOWNLOAD_SECRET: 'x'.repeat(40),
  });
  const senders = {
    wecom: wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log }),
    dingtalk: dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log }),
  };
  worker = createOutboxWorker({ repos: db.repos, senders, now, log, owner: 'test', maxAttempts: 3, ratePerMinute: 20 });
  announcer = createAnnouncer({ config, repos: db.repos, now });
  const services = createServices({ repos: db.repos, now });
  await services.users.save(cliCaller('t'), { userId: 'admin', name: '管理员', department: '县市管局', roles: ['admin'], wecomUserId: 'AdminWx' });
  await services.users.save(cliCaller('t'), { userId: 'zhao.office', name: '赵联席', department: '县市管局', roles: ['office'] });
  router = createRouter({ services, log, pageSize: 10, announcer });
});

afterAll(async () => {
  await wecom.stop();
  await dingtalk.close();
  await db.close();
});

describe('group robots', () => {
  it('hold each robot to 20 messages a minute; the rest wait, then go out (none refused by the platform)', async () => {
    for (let i = 0; i < 25; i++) await announcer.announce('SCJGJ', { title: '通知', markdown: `第${i}条` });
    await drain();
    expect(wecom.robotMessages).toHaveLength(20);
    expect(dingtalk.groupMessages).toHaveLength(20);
    expect(dingtalk.groupRefusals).toHaveLength(0);
    const waiting = await db.repos.outbox.count({ status: 'pending' });
    expect(waiting).toBe(10);
    clock += 61_000;
    wecom.resetRobotRate();
    dingtalk.resetGroupRate();
    await drain();
    expect(wecom.robotMessages).toHaveLength(25);
    expect(dingtalk.groupMessages).toHaveLength(25);
    expect(await db.repos.outbox.countSent()).toBe(50);
  });

  it('store no robot key or secret: queued and sent messages and rate windows name the robot; the key is looked up at send time', async () => {
    await announcer.announce('SCJGJ', { title: '通知', markdown: '存储检查' });
    const stored: string[] = [];
    for (const model of Object.values(db.models)) {
      for (const d of await model.collection.find({}).toArray()) stored.push(JSON.stringify(d));
    }
    const all = stored.join('\n');
    expect(all).toContain('wecom-robot:县市管局');
    expect(all).toContain('dingtalk-robot:县市管局');
    for (const secret of [ROBOT_KEY, 'grouptoken', 'SECgroupsecret']) expect({ secret, stored: all.includes(secret) }).toEqual({ secret, stored: false });
  });

  it('split a long announcement to fit WeCom’s 4,096 bytes, and send a file as a file to WeCom and a signed link to DingTalk', async () => {
    clock += 61_000;
    dingtalk.resetGroupRate();
    wecom.resetRobotRate();
    const before = wecom.robotMessages.length;
    const long = Array.from({ length: 300 }, (_, i) => `${i + 1}. 万年县某某食品有限公司｜91361129MA35XXXXXX｜陈营镇`).join('\n');
    await announcer.announce('SCJGJ', { title: '抽查名单', markdown: long, file: { name: '抽查名单.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: Buffer.from('PK fake xlsx') } });
    await drain();
    const parts = wecom.robotMessages.slice(before).filter((m) => m.body.msgtype === 'markdown');
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(Buffer.byteLength(String((p.body.markdown as { content: string }).content))).toBeLessThanOrEqual(4096);
    expect(wecom.uploads.at(-1)?.filename).toBe('抽查名单.xlsx');
    expect(wecom.robotMessages.some((m) => m.body.msgtype === 'file')).toBe(true);
    const dtText = dingtalk.groupMessages.map((m) => JSON.stringify(m.body)).join('\n');
    expect(dtText).toMatch(/https:\/\/bot\.example\.gov\.cn\/files\/[0-9a-f]{24}\?exp=\d+&sig=[0-9a-f]{64}/);
  });

  it('通知 in chat: only 联席办 or admins, to a department with a robot', async () => {
    expect(replyText((await router.handle({ channel: 'shell', senderId: 'zhao.office', text: '通知 县市管局 6月联合抽查名单已公示' }))[0])).toContain('企业微信群和钉钉群');
    expect(replyText((await router.handle({ channel: 'shell', senderId: 'zhao.office', text: '通知 县档案馆 测试' }))[0])).toContain('还没有配置工作群机器人');
  });
});

describe('retries and the dead-letter list', () => {
  it('retries a busy platform with backoff, then sends once', async () => {
    await drain();
    const sentBefore = wecom.messages.length;
    wecom.failSendNext(ERR.busy, 2);
    const id = await db.repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: '重试测试' } }), now());
    await drain();
    let e = await db.repos.outbox.get(id);
    expect(e?.status).toBe('pending');
    expect(e!.nextAttemptAt.getTime() - clock).toBe(backoffMs(1));
    clock += backoffMs(1);
    await drain();
    e = await db.repos.outbox.get(id);
    expect(e!.nextAttemptAt.getTime() - clock).toBe(backoffMs(2));
    clock += backoffMs(2);
    await drain();
    e = await db.repos.outbox.get(id);
    expect(e?.status).toBe('sent');
    expect(e?.attempts).toBe(3);
    expect(wecom.messages.slice(sentBefore).filter((m) => m.text?.content === '重试测试')).toHaveLength(1);
  });

  it('a permanent refusal goes to the dead-letter list; an admin sees it and resends it from the chat', async () => {
    wecom.failSendNext(ERR.invalidUserId, 1);
    const id = await db.repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: '死信测试' } }), now());
    await drain();
    expect((await db.repos.outbox.get(id))?.status).toBe('dead');

    const say = async (who: string, t: string) => (await router.handle({ channel: 'shell', senderId: who, text: t })).map(replyText).join('\n');
    expect(await say('zhao.office', '发送失败')).toContain('只有系统管理员');
    const list = await say('admin', '发送失败');
    expect(list).toContain(id);
    expect(list).toContain('企业微信应用消息');
    expect(await say('admin', `重发 ${id}`)).toContain('已重新排入发送队列');
    expect(await say('admin', '重发 nosuchid')).toContain('没有编号为 nosuchid');
    await drain();
    expect((await db.repos.outbox.get(id))?.status).toBe('sent');
    expect(wecom.messages.filter((m) => m.text?.content === '死信测试')).toHaveLength(1);
    expect((await db.repos.audit.forTarget(`outbox:${id}`))[0]?.action).toBe('outbox.resend');
  });

  it('a message that keeps failing goes dead after OUTBOX_MAX_ATTEMPTS', async () => {
    wecom.failSendNext(ERR.busy, 10);
    const id = await db.repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: '一直失败' } }), now());
    for (let i = 0; i < 3; i++) {
      await drain();
      clock += 600_000;
    }
    const e = await db.repos.outbox.get(id);
    expect(e?.status).toBe('dead');
    expect(e?.attempts).toBe(3);
  });
});

describe('keeping the queues small', () => {
  it('purges sent messages and processed inbound messages older than the cut-off; dead ones stay', async () => {
    const dead = await db.repos.outbox.count({ status: 'dead' });
    const sent = await db.repos.outbox.countSent();
    expect(sent).toBeGreaterThan(0);
    await db.repos.inbound.record({ platform: 'wecom', msgId: 'old-1', senderId: 'LiWx', kind: 'text', text: '帮助' }, new Date(clock - 8 * 86400_000));
    const claimed = await db.repos.inbound.claim('test', new Date(clock), 60_000);
    await db.repos.inbound.finish(claimed!.id, 'test', 'done', new Date(clock - 8 * 86400_000));
    expect(await db.repos.inbound.count({})).toBe(0); // done: out of the queue
    expect(await db.repos.inbound.seen('wecom', 'old-1')).toBe(true);
    expect(await db.repos.inbound.purge(new Date(clock - 7 * 86400_000))).toBe(1);
    expect(await db.repos.inbound.seen('wecom', 'old-1')).toBe(false);
    expect(await db.repos.outbox.purge(new Date(clock + 1))).toBe(sent);
    expect(await db.repos.outbox.count({ status: 'dead' })).toBe(dead);
  });

  it('drops rate windows named by a robot key (as kept before robots were named) at the next purge', async () => {
    const windows = db.models.RateWindow.collection;
    await windows.insertOne({ _id: `wecom-robot:${ROBOT_KEY}` as never, sent: [now()], v: 1 });
    await db.repos.outbox.purge(new Date(clock - 7 * 86400_000));
    expect(await windows.countDocuments({ _id: `wecom-robot:${ROBOT_KEY}` as never })).toBe(0);
  });
});

describe('a group robot throttled by DingTalk (errcode 130101)', () => {
  it('pauses that robot for DingTalk’s 10-minute penalty instead of retrying every minute, and dead-letters nothing before it has passed', async () => {
    const own = await freshDb();
    let t = Date.parse('2026-06-01T02:00:00Z');
    const at = () => new Date(t);
    const emu = await startDingtalkEmulator({ appKey: 'k', appSecret: 's', groupRobots: { busytoken: 'SECbusy' }, now: () => t });
    try {
      const config = loadConfig({
        DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's', DINGTALK_API_BASE: emu.url, DINGTALK_OAPI_BASE: emu.url,
        DINGTALK_ROBOTS: '县市管局=busytoken:SECbusy', PUBLIC_BASE_URL: 'https://bot.example.gov.cn', DOWNLOAD_SECRET: 'x'.repeat(40), DINGTALK_CARDS: 'actioncard',
      });
      // Our limit set above DingTalk's 20 (say the robot also posts for another system): the 21st is refused.
      const w = createOutboxWorker({
        repos: own.repos, senders: { dingtalk: dingtalkApi({ ...own.repos, config, now: at, log }) },
        now: at, log, owner: 'penalty-test', maxAttempts: 3, ratePerMinute: 30,
      });
      const run = async () => { while (await w.step()); };
      for (let i = 1; i <= 25; i++) {
        await own.repos.outbox.enqueue(outgoing({ platform: 'dingtalk', kind: 'group_markdown', robot: '县市管局', title: '通知', markdown: `第${i}条` }), at());
      }
      await run();
      expect(emu.groupMessages).toHaveLength(20);
      expect(emu.groupRefusals.map((r) => r.errcode)).toEqual([130101]);
      expect(await own.repos.outbox.count({ status: 'pending' })).toBe(5);

      // Minute by minute through the penalty: nothing is sent, DingTalk is not asked again, nothing goes dead.
      for (let minute = 1; minute <= 9; minute++) {
        t += 60_000;
        await run();
        expect({ minute, sent: emu.groupMessages.length, refusals: emu.groupRefusals.length, dead: await own.repos.outbox.count({ status: 'dead' }) })
          .toEqual({ minute, sent: 20, refusals: 1, dead: 0 });
      }
      t += 61_000; // the 10 minutes have passed
      await run();
      expect(emu.groupMessages).toHaveLength(25);
      expect(emu.groupMessages.map((m) => (m.body.markdown as { text: string }).text).slice(20)).toEqual(['第21条', '第22条', '第23条', '第24条', '第25条']);
      expect(emu.groupRefusals).toHaveLength(1);
      expect(await own.repos.outbox.count({})).toBe(0);
    } finally {
      await emu.close();
      await own.close();
    }
  });
});

describe('a long list\'s file, privately', () => {
  it('goes to a WeCom user as a file message (media/upload) and to a DingTalk user as a signed download link', async () => {
    wecom.failSendNext(ERR.busy, 0); // the failures an earlier test asked for are over
    const at = now();
    const dead = await db.repos.outbox.count({ status: 'dead' });
    const fileId = await db.repos.files.put({ name: '名单.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: Buffer.from('PK fake xlsx'), createdAt: at, expiresAt: new Date(at.getTime() + 3600_000) });
    await db.repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'file', fileId, name: '名单.xlsx' } }), at);
    await db.repos.outbox.enqueue(outgoing({ platform: 'dingtalk', kind: 'robot_user', toUser: 'li-dd', reply: { kind: 'file', fileId, name: '名单.xlsx' } }), at);
    await drain();
    const upload = wecom.appUploads.at(-1);
    expect(upload?.filename).toBe('名单.xlsx');
    expect(upload?.data.toString()).toBe('PK fake xlsx');
    expect(wecom.messages.filter((m) => m.msgtype === 'file')).toEqual([expect.objectContaining({ touser: 'LiWx', file: { media_id: upload?.mediaId } })]);
    const dt = dingtalk.batchSends.at(-1);
    expect(dt?.msgKey).toBe('sampleMarkdown');
    expect(JSON.stringify(dt?.msgParam)).toMatch(new RegExp(`https://bot\\.example\\.gov\\.cn/files/${fileId}\\?exp=\\d+&sig=[0-9a-f]{64}`));
    expect(await db.repos.outbox.count({ status: 'dead' })).toBe(dead);
  });
});
