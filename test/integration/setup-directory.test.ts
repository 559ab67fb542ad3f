/**
 * Directory sync (通讯录) against the WeCom and DingTalk emulators on the real
 * database: people created, updated (a department moved) and deactivated (left,
 * or disabled) — never deleted, so their history stays (R20) — the mapping
 * table applied, paging followed, and a dry run that changes nothing.
 */
import { loadConfig } from '../../src/config';
import { createServices, type Services } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import type { DirectorySource } from '../../src/services/directory';
import { directorySources, directorySyncJob } from '../../bot/channels/directory';
import { createRouter, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator, type DingtalkEmulator } from '../emulators/dingtalk';
import { freshDb, type TestDb } from '../helpers/db';
import { refusal } from '../helpers/refusal';

let db: TestDb;
let wecom: WecomEmulator;
let dingtalk: DingtalkEmulator;
let services: Services;
let router: Router;
let sources: { wecom: DirectorySource; dingtalk: DirectorySource };
let clock = Date.parse('2026-12-01T01:00:00Z');
const now = () => new Date((clock += 1000));
const log = createLogger('error', () => undefined);
const admin = cliCaller('t');
const say = async (who: string, t: string) => (await router.handle({ channel: 'shell', senderId: who, text: t })).map(replyText).join('\n');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  wecom = await new WecomEmulator().start();
  dingtalk = await startDingtalkEmulator({ appKey: 'dingkey', appSecret: 'dingsecret' });
  const config = loadConfig({
    ...wecom.env(),
    DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret', DINGTALK_CARDS: 'actioncard',
    DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url,
  });
  services = createServices({ repos: db.repos, now });
  router = createRouter({ services, log, pageSize: 10 });
  const s = directorySources({ config, repos: db.repos, now, log });
  sources = { wecom: s.wecom!, dingtalk: s.dingtalk! };
  // The first admin, registered with the CLI before any sync (no platform id yet).
  await services.users.save(admin, { userId: 'root', name: '张管理', department: '县市管局', roles: ['admin'] });

  wecom.directory.departments.push(
    { id: 1, name: '万年县', parentid: 0 },
    { id: 2, name: '县市管局', parentid: 1 },
    { id: 3, name: '县应急管理局', parentid: 1 },
    { id: 4, name: '综合执法大队', parentid: 2 },
  );
  wecom.directory.users.push(
    { userid: 'ZhangGL', name: '张管理', department: [2], mobile: '13800000001', status: 1 },
    { userid: 'LiNa', name: '李娜', department: [2], mobile: '13800000002', status: 1 },
    { userid: 'WangWei', name: '王伟', department: [3], mobile: '13800000003', status: 1 },
    { userid: 'ZhaoQ', name: '赵强', department: [3], status: 1 },
    { userid: 'SunLi', name: '孙丽', department: [4], mobile: '13800000005', status: 1 },
    { userid: 'Boss', name: '县长', department: [1], status: 1 },
  );
});

afterAll(async () => {
  await wecom.stop();
  await dingtalk.close();
  await db.close();
});

describe('WeCom directory sync', () => {
  it('a dry run shows what would change and changes nothing', async () => {
    const usersBefore = await db.repos.org.users();
    const r = await services.directory.sync(admin, sources.wecom, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.created.map((c) => c.userId).sort()).toEqual(['LiNa', 'WangWei', 'ZhaoQ']);
    expect(r.updated.map((c) => c.userId)).toEqual(['root']);
    expect(r.unmapped).toEqual(expect.arrayContaining([{ platformDept: '综合执法大队', people: 1 }, { platformDept: '万年县', people: 1 }]));
    expect(r.unmapped).toHaveLength(2);
    expect(await db.repos.org.users()).toEqual(usersBefore);
    expect(await db.repos.audit.recent('user.sync.create')).toEqual([]);
    expect(await services.directory.lastRun('wecom')).toBeUndefined();
  });

  it('creates people with their platform id, unit and mobile; links the CLI-registered admin instead of duplicating', async () => {
    const r = await services.directory.sync(admin, sources.wecom);
    expect(r.created).toHaveLength(3);
    const wang = (await db.repos.org.user('WangWei'))!;
    expect(wang).toMatchObject({ name: '王伟', department: 'YJGLJ', wecomUserId: 'WangWei', mobile: '13800000003', roles: [], active: true });
    const root = (await db.repos.org.user('root'))!;
    expect(root).toMatchObject({ wecomUserId: 'ZhangGL', roles: ['admin'], mobile: '13800000001' });
    expect((await db.repos.org.users()).filter((u) => u.name === '张管理')).toHaveLength(1);
    // The synced person is known on WeCom at once.
    expect((await services.users.identify('wecom', 'WangWei'))?.userId).toBe('WangWei');
    const [entry] = await db.repos.audit.forTarget('user:WangWei', 1);
    expect(entry).toMatchObject({ action: 'user.sync.create', actor: admin.userId, note: 'directory:wecom' });
    // A second sync changes nothing.
    const again = await services.directory.sync(admin, sources.wecom);
    expect([again.created.length, again.updated.length, again.deactivated.length, again.unchanged]).toEqual([0, 0, 0, 4]);
  });

  it('部门映射 in chat ties a platform department to a member unit (admins only); the next sync applies it', async () => {
    expect(await say('WangWei', '部门映射 综合执法大队 县市管局')).toContain('只有系统管理员可以设置部门映射');
    expect(await say('root', '部门映射 综合执法大队 县市管局')).toContain('已设置');
    expect(await say('root', '部门映射')).toContain('综合执法大队 → 县市管局');
    const r = await services.directory.sync(admin, sources.wecom);
    expect(r.created.map((c) => [c.userId, c.department])).toEqual([['SunLi', 'SCJGJ']]);
    expect(r.unmapped).toEqual([{ platformDept: '万年县', people: 1 }]);
  });

  it('R20: a moved person is updated; people who left or were disabled are deactivated, never deleted, and can no longer act', async () => {
    await services.roles.grant({ ...admin, userId: 'root' }, 'ZhaoQ', '经办人');
    expect(await say('ZhaoQ', '我是谁')).toContain('县应急管理局');
    wecom.directory.users.find((u) => u.userid === 'WangWei')!.department = [2];
    wecom.directory.users.splice(wecom.directory.users.findIndex((u) => u.userid === 'ZhaoQ'), 1);
    wecom.directory.users.find((u) => u.userid === 'LiNa')!.status = 5;
    const r = await services.directory.sync(admin, sources.wecom);
    expect(r.updated).toEqual([{ userId: 'WangWei', name: '王伟', department: 'SCJGJ', fields: ['department'] }]);
    expect(r.deactivated.map((c) => c.userId).sort()).toEqual(['LiNa', 'ZhaoQ']);
    const zhao = (await db.repos.org.user('ZhaoQ'))!;
    expect(zhao).toMatchObject({ active: false, roles: ['official'], name: '赵强' });
    expect(await say('ZhaoQ', '我是谁')).toContain('尚未在监管助手中登记（或账号已停用）');
    expect(await services.users.identify('wecom', 'ZhaoQ')).toBeUndefined();
    // History stays: creation, grant and deactivation, in order.
    const history = (await db.repos.audit.forTarget('user:ZhaoQ')).map((e) => e.action).reverse();
    expect(history).toEqual(['user.sync.create', 'user.role.grant', 'user.sync.deactivate']);
  });

  it('an empty directory (a visible range gone wrong) refuses and deactivates nobody', async () => {
    const saved = wecom.directory.users.splice(0);
    const e = await refusal(services.directory.sync(admin, sources.wecom));
    expect(e.message).toContain('可见范围');
    wecom.directory.users.push(...saved);
    expect((await db.repos.org.user('WangWei'))!.active).toBe(true);
  });

  it('mobiles are kept for matching but never shown: 角色 lists names, accounts and roles only', async () => {
    const out = await say('root', '角色');
    expect(out).toContain('王伟（WangWei）');
    expect(out).not.toMatch(/1380000000\d/);
  });
});

describe('DingTalk directory sync', () => {
  beforeAll(() => {
    dingtalk.directory.departments.push(
      { dept_id: 10, name: '县消防救援大队', parent_id: 1 },
      { dept_id: 11, name: '市场监管', parent_id: 1 },
      { dept_id: 12, name: '城东分局', parent_id: 11 },
    );
    for (let i = 0; i < 205; i++) dingtalk.directory.users.push({ userid: `fire${String(i).padStart(3, '0')}`, name: `消防员${i}`, mobile: `139${String(i).padStart(8, '0')}`, dept_id_list: [10] });
    dingtalk.directory.users.push({ userid: 'east01', name: '陈东', dept_id_list: [12] });
  });

  it('follows paging (205 people in pages of 100) and nested departments; the daily job leaves an unsynced platform alone', async () => {
    const job = directorySyncJob(services.directory, { dingtalk: sources.dingtalk });
    expect(await job()).toBe('no platform');
    expect(await db.repos.org.user('fire000')).toBeUndefined();
    await services.directory.map(admin, '城东分局', '县市管局');
    const r = await services.directory.sync(admin, sources.dingtalk);
    expect(r.created).toHaveLength(206);
    expect(r.unmapped).toEqual([]);
    expect(await db.repos.org.user('fire204')).toMatchObject({ department: 'XFJYDD', dingtalkStaffId: 'fire204', mobile: '13900000204' });
    expect(await db.repos.org.user('east01')).toMatchObject({ department: 'SCJGJ', dingtalkStaffId: 'east01' });
  }, 60_000);

  it('the daily job keeps a synced platform up: a person who left is deactivated', async () => {
    dingtalk.directory.users.splice(dingtalk.directory.users.findIndex((u) => u.userid === 'fire100'), 1);
    const job = directorySyncJob(services.directory, { dingtalk: sources.dingtalk });
    expect(await job()).toBe('dingtalk: +0 ~0 -1');
    expect(await db.repos.org.user('fire100')).toMatchObject({ active: false });
    const [entry] = await db.repos.audit.forTarget('user:fire100', 1);
    expect(entry).toMatchObject({ action: 'user.sync.deactivate', actor: 'system:directory', channel: 'system' });
  }, 60_000);
});
