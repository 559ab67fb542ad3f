/**
 * Setting up a county from the chat: roles granted and revoked by admins
 * (audited, R20), and department group robots bound from the chat — checked by a
 * test message the group receives, stored sealed, and used for announcements —
 * against the WeCom and DingTalk emulators on the real database.
 */
import { loadConfig } from '../../src/config';
import { createServices, type Services } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import { wecomApi } from '../../bot/channels/wecom/api';
import { dingtalkApi } from '../../bot/channels/dingtalk/api';
import { createAnnouncer, type Announcer } from '../../bot/delivery/announcer';
import { createOutboxWorker } from '../../bot/delivery/outboxWorker';
import { createRouter, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let services: Services;
let announcer: Announcer;
let router: Router;
let worker: ReturnType<typeof createOutboxWorker>;
/** A clock that moves one second per reading, so audit entries sort by when they were written. */
let clock = Date.now();
const now = () => new Date((clock += 1000));
const log = createLogger('error', () => undefined);
const ENV_KEY = 'aaaa1111-2222-3333-4444-envrobot0001';
const CHAT_KEY = 'bbbb1111-2222-3333-4444-chatrobot001';
const SECRETS_KEY = 'k'.repeat(48);

const say = async (who: string, t: string) => (await router.handle({ channel: 'shell', senderId: who, text: t })).map(replyText).join('\n');
async function drain(): Promise<void> {
  while (await worker.step());
}

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  wecom = await new WecomEmulator({ robotKeys: [ENV_KEY, CHAT_KEY] }).start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingkey', appSecret: 'dingsecret', groupRobots: { grouptoken1234: 'SECgroupsecret99' } });
  const config = loadConfig({
    ...wecom.env(),
    WECOM_ROBOTS: `县市管局=${ENV_KEY}`,
    DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret', DINGTALK_CARDS: 'actioncard',
    DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
    PUBLIC_BASE_URL: 'https://bot.example.gov.cn', DOWNLOAD_SECRET: 'x'.repeat(40),
    SECRETS_KEY,
  });
  services = createServices({ repos: db.repos, now, settings: config });
  const robots = services.robots;
  const senders = {
    wecom: wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log, resolveRobot: (ref) => robots.resolveRef('wecom', ref) }),
    dingtalk: dingtalkApi({ config, tokens: db.repos.tokens, files: db.repos.files, dingtalk: db.repos.dingtalk, now, log, resolveRobot: (ref) => robots.resolveRef('dingtalk', ref) }),
  };
  worker = createOutboxWorker({ repos: db.repos, senders, now, log, owner: 'test', maxAttempts: 3, ratePerMinute: 20 });
  announcer = createAnnouncer({ config, repos: db.repos, now, robots, senders });
  router = createRouter({ services, log, pageSize: 10, announcer });
  const cli = cliCaller('t');
  await services.users.save(cli, { userId: 'root', name: '管理员', department: '县市管局', roles: ['admin'] });
  await services.users.save(cli, { userId: 'wang.xf', name: '王伟', department: '县消防救援大队', roles: ['official'] });
  await services.users.save(cli, { userId: 'wang.yj', name: '王伟', department: '县应急局', roles: ['official'] });
  await services.users.save(cli, { userId: 'li.yj', name: '李娜', department: '县应急局', roles: ['official'] });
});

afterAll(async () => {
  await wecom.stop();
  await dingtalk.close();
  await db.close();
});

describe('roles in chat (R19, R20)', () => {
  it('R20: only an admin grants a role; the refusal says so and changes nothing', async () => {
    const out = await say('li.yj', '授权 wang.yj 部门领导');
    expect(out).toContain('只有系统管理员可以授权');
    expect(out).toContain('R20');
    expect((await db.repos.org.user('wang.yj'))!.roles).toEqual(['official']);
    expect(await db.repos.audit.forTarget('user:wang.yj')).toHaveLength(1); // only its registration
  });

  it('R20: an admin grants 部门领导 by name and department; the grant is audited with who made it', async () => {
    const ambiguous = await say('root', '授权 王伟 部门领导');
    expect(ambiguous).toContain('有2人同名');
    expect(ambiguous).toContain('wang.xf');
    expect((await db.repos.org.user('wang.xf'))!.roles).toEqual(['official']);

    const out = await say('root', '授权 王伟 部门领导 县应急局');
    expect(out).toContain('已授权');
    expect((await db.repos.org.user('wang.yj'))!.roles).toEqual(['official', 'leader']);
    expect((await db.repos.org.user('wang.xf'))!.roles).toEqual(['official']);
    const [entry] = await db.repos.audit.forTarget('user:wang.yj', 1);
    expect(entry).toMatchObject({ action: 'user.role.grant', actor: 'root', channel: 'shell', note: '部门领导' });
    expect(entry!.changes).toEqual([{ field: 'roles', from: '["official"]', to: '["official","leader"]' }]);
    // The grant takes effect at once.
    expect(await say('wang.yj', '我是谁')).toContain('部门领导');
  });

  it('R19: 联席办 only for 县市管局 staff; R20: no admin grants themselves or revokes their own role (so there is always another admin)', async () => {
    expect(await say('root', '授权 li.yj 联席办')).toContain('只能授予县市管局');
    expect(await say('root', '授权 root 部门领导')).toContain('不能给自己授权');
    await say('root', '授权 li.yj 管理员');
    expect(await say('li.yj', '撤销 root 管理员')).toContain('已撤销');
    expect(await say('root', '帮助')).not.toContain('授权');
    expect(await say('li.yj', '撤销 li.yj 管理员')).toContain('不能给自己授权');
    // Only the second admin can restore root.
    await say('li.yj', '授权 root 管理员');
    await say('root', '撤销 li.yj 管理员');
    const [entry] = await db.repos.audit.forTarget('user:li.yj', 1);
    expect(entry).toMatchObject({ action: 'user.role.revoke', actor: 'root', note: '系统管理员' });
  });

  it('角色 lists the active people of a department with their roles', async () => {
    const out = await say('root', '角色 县应急局');
    expect(out).toContain('【县应急管理局】');
    expect(out).toContain('王伟（wang.yj）：经办人、部门领导');
    expect(out).not.toContain('wang.xf');
    expect(await say('wang.xf', '角色')).toContain('只有系统管理员或联席办');
  });
});

describe('group robots bound from the chat', () => {
  const wecomUrl = (key: string) => `${wecom.url}/cgi-bin/webhook/send?key=${key}`;

  it('a WeCom robot is checked by a test message the group sees, stored sealed and never echoed whole', async () => {
    const before = wecom.robotMessages.length;
    const out = await say('root', `绑定群机器人 县消防救援大队 ${wecomUrl(CHAT_KEY)}`);
    expect(out).toContain('已绑定县消防救援大队的企业微信群机器人');
    expect(out).not.toContain(CHAT_KEY);
    expect(out).toContain(CHAT_KEY.slice(-4));
    const sent = wecom.robotMessages.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.key).toBe(CHAT_KEY);
    expect(String((sent[0]!.body.markdown as { content: string }).content)).toContain('县消防救援大队');
    const stored = await db.repos.robots.get('wecom', 'XFJYDD');
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(CHAT_KEY);
    const [entry] = await db.repos.audit.forTarget('robot:wecom:XFJYDD', 1);
    expect(entry).toMatchObject({ action: 'robot.bind', actor: 'root' });
    expect(JSON.stringify(entry)).not.toContain(CHAT_KEY);
  });

  it('an announcement to that department goes to the bound robot, the outbox naming it only by reference', async () => {
    await drain();
    const before = wecom.robotMessages.length;
    expect(await announcer.channelsOf('XFJYDD')).toEqual({ wecom: true, dingtalk: false });
    const n = await announcer.announce('XFJYDD', { title: '抽取结果', markdown: '名单见附件' });
    expect(n).toBe(1);
    const queued = await db.models.Outbox.collection.find({}).toArray();
    expect(JSON.stringify(queued)).not.toContain(CHAT_KEY);
    await drain();
    const sent = wecom.robotMessages.slice(before);
    expect(sent.map((m) => m.key)).toEqual([CHAT_KEY]);
    expect(String((sent[0]!.body.markdown as { content: string }).content)).toContain('名单见附件');
  });

  it('a refused address stores nothing and says what to do', async () => {
    const out = await say('root', `绑定群机器人 县应急局 ${wecomUrl('cccc1111-2222-3333-4444-unknownrobot')}`);
    expect(out).toContain('测试消息没有发出');
    expect(await db.repos.robots.get('wecom', 'YJGLJ')).toBeUndefined();
    expect(await say('root', '绑定群机器人 县应急局 https://example.com/whatever')).toContain('无法识别');
    expect(await say('wang.yj', `绑定群机器人 县应急局 ${wecomUrl(CHAT_KEY)}`)).toContain('只有系统管理员可以绑定群机器人');
  });

  it('a DingTalk robot needs its 加签 secret; the group receives the test message', async () => {
    const url = `${dingtalk.url}/robot/send?access_token=grouptoken1234`;
    expect(await say('root', `绑定群机器人 县应急局 ${url}`)).toContain('加签');
    const before = dingtalk.groupMessages.length;
    const out = await say('root', `绑定群机器人 县应急局 ${url} SECgroupsecret99`);
    expect(out).toContain('已绑定县应急管理局的钉钉群机器人');
    expect(out).not.toContain('SECgroupsecret99');
    expect(dingtalk.groupMessages.slice(before).map((m) => m.accessToken)).toEqual(['grouptoken1234']);
    await announcer.announce('YJGLJ', { title: '通知', markdown: '钉钉群公告' });
    await drain();
    expect(dingtalk.groupMessages.at(-1)!.body).toMatchObject({ markdown: { text: '钉钉群公告' } });
  });

  it('the environment keeps working and takes precedence; 群机器人 lists both, masked', async () => {
    const out = await say('root', `绑定群机器人 县市管局 ${wecomUrl(CHAT_KEY)}`);
    expect(out).toContain('环境变量优先');
    const before = wecom.robotMessages.length;
    await announcer.announce('SCJGJ', { title: '通知', markdown: '市管局公告' });
    await drain();
    expect(wecom.robotMessages.slice(before).map((m) => m.key)).toEqual([ENV_KEY]);
    const list = await say('root', '群机器人');
    expect(list).toContain('县市管局：企业微信');
    expect(list).toContain('服务器环境变量');
    expect(list).toContain('县消防救援大队：企业微信');
    expect(list).toContain('县应急管理局：钉钉');
    for (const secret of [ENV_KEY, CHAT_KEY, 'grouptoken1234', 'SECgroupsecret99']) expect(list).not.toContain(secret);
  });

  it('without SECRETS_KEY a robot cannot be bound (it would be stored in the clear)', async () => {
    const bare = createServices({ repos: db.repos, now });
    const r = bare.robots.bind({ userId: 'root', name: '管理员', department: 'SCJGJ', roles: ['admin'], channel: 'shell' }, '县教体局', wecomUrl(CHAT_KEY), undefined, announcer.probe);
    await expect(r).rejects.toThrow('SECRETS_KEY');
  });

  it('建群: the app\'s own group chat of a department\'s WeCom people receives its announcements where it has no robot', async () => {
    expect(await say('root', '建群 县教体局')).toContain('不足2人');
    const cli = cliCaller('t');
    await services.users.save(cli, { userId: 'jt.a', name: '甲', department: '县教体局', roles: ['official'], wecomUserId: 'JtA' });
    await services.users.save(cli, { userId: 'jt.b', name: '乙', department: '县教体局', roles: ['leader'], wecomUserId: 'JtB' });
    expect(await say('wang.yj', '建群 县教体局')).toContain('只有系统管理员');
    expect(await say('root', '建群 县教体局')).toContain('已建立县教体局工作群（2人）');
    const [chatId, chat] = [...wecom.appChats][0]!;
    expect(chat.members).toEqual(['JtA', 'JtB']);
    expect(await announcer.channelsOf('JTJ')).toEqual({ wecom: true, dingtalk: false });
    await announcer.announce('JTJ', { title: '抽取结果', markdown: '教体局名单' });
    await drain();
    expect(wecom.appChats.get(chatId)!.messages.map((m) => (m.markdown as { content: string }).content)).toEqual(['**抽取结果**\n教体局名单']);
    expect(await say('root', '群机器人')).toContain('县教体局：企业微信（应用群聊，建群）');
    const [entry] = await db.repos.audit.forTarget('appchat:JTJ', 1);
    expect(entry).toMatchObject({ action: 'appchat.create', actor: 'root' });
  });
});
