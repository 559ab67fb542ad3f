/**
 * 部署检查 on the real database: a complete county has no gaps; a deliberately
 * incomplete one lists each gap with the command that fixes it.
 */
import { createRouter, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { createServices, type Services } from '../../src/app';
import { MEMBER_UNITS } from '../../src/domain/organisation';
import { createLogger } from '../../src/logger';
import { freshDb, type TestDb } from '../helpers/db';
import { inspectorDoc, itemDoc } from '../helpers/fixtures';
import { demoService } from '../../src/services/demo';
import { cliCaller } from '../../src/services/context';
import { sealer } from '../../src/services/secrets';

let db: TestDb;
let services: Services;
let router: Router;
let clock = Date.parse('2026-12-01T01:00:00Z');
const now = () => new Date((clock += 1000));
const say = async (who: string, t: string) => (await router.handle({ channel: 'shell', senderId: who, text: t })).map(replyText).join('\n');
const at = new Date('2026-11-01T00:00:00Z');
const user = (userId: string, department: string, roles: string[]) => ({ userId, name: userId, department, roles: roles as never, active: true, createdAt: at, updatedAt: at });

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  // Every unit's robot in the environment; a complete county's people, items and inspectors.
  const robots = MEMBER_UNITS.map((u, i) => `${u.code}=key-${String(i).padStart(4, '0')}-robot`).join(',');
  services = createServices({ repos: db.repos, now, settings: { WECOM_ROBOTS: robots } });
  router = createRouter({ services, log: createLogger('error', () => undefined), pageSize: 10 });
  await db.repos.org.saveUser(user('root', 'SCJGJ', ['admin']));
  for (const u of MEMBER_UNITS) {
    await db.repos.org.saveUser(user(`${u.code}.leader`, u.code, ['leader']));
    await db.repos.org.saveUser(user(`${u.code}.official`, u.code, ['official']));
  }
  for (const id of ['office1', 'office2']) await db.repos.org.saveUser(user(id, 'SCJGJ', ['office']));
  for (const id of ['justice1', 'justice2']) await db.repos.org.saveUser(user(id, 'SFJ', ['justice']));
  await db.repos.items.writer.insertNew([itemDoc('XFJYDD', '001', '消防检查')] as never);
  await db.repos.inspectors.writer.insertNew([inspectorDoc('XF-001', 'XFJYDD.official', 'XFJYDD')] as never);
  await db.repos.inspectorLinks.link({ inspectorNo: 'XF-001', userId: 'XFJYDD.official', how: 'manual', by: 'root', at });
}, 60_000);

afterAll(async () => {
  await db.close();
});

describe('部署检查', () => {
  it('a complete county has no gaps; only admins ask', async () => {
    expect(await services.checklist.gaps({ userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'], channel: 'shell' })).toEqual([]);
    expect(await say('root', '部署检查')).toContain('部署检查通过');
    expect(await say('office1', '部署检查')).toContain('只有系统管理员可以做部署检查');
  });

  it('R19, R20, R9, R8a: an incomplete county lists each gap with the command that fixes it', async () => {
    await db.repos.org.saveUser({ ...user('YJGLJ.leader', 'YJGLJ', ['leader']), active: false });
    await db.repos.org.saveUser(user('SFJ.official', 'SFJ', []));
    await db.repos.org.saveUser({ ...user('office2', 'SCJGJ', ['office']), active: false });
    await db.repos.items.writer.insertNew([itemDoc('XFJYDD', '002', '无编码事项', { powerListCode: '' })] as never);
    await db.repos.inspectors.writer.insertNew([inspectorDoc('XF-002', '过期', 'XFJYDD', { certificateExpiry: '2025-12-31' })] as never);
    const bare = createServices({ repos: db.repos, now, settings: { WECOM_ROBOTS: 'SCJGJ=key-only-one-robot' } });
    const gaps = await bare.checklist.gaps({ userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'], channel: 'shell' });
    const text = gaps.map((g) => `${g.what} → ${g.fix}`).join('\n');
    expect(text).toContain('没有部门领导的部门：县应急管理局 → 授权 <姓名> 部门领导 县应急管理局');
    expect(text).toContain('没有经办人的部门：县司法局 → 授权 <姓名> 经办人 县司法局');
    expect(text).toMatch(/没有工作群机器人的部门：.*等29个 → 绑定群机器人 \S+ <webhook地址>/);
    expect(text).toContain('联席办只有1人');
    expect(gaps.find((g) => g.what.startsWith('联席办'))!.rule).toBe('R20');
    expect(text).not.toContain('司法局审核只有');
    expect(text).toContain('1项检查事项没有权力清单编码（如 XFJYDD:002） → npm run cli -- import items');
    expect(text).toContain('1名执法人员执法证已过期或未填有效期（如 过期，XF-002）');
    expect(text).toContain('1名检查人员没有对应的用户，收不到检查任务（如 过期，XF-002） → 关联检查人员');
    expect(gaps).toHaveLength(7);
  });

  it('R7, R9, R19: an empty county is a gap too: the directory sync and the import commands', async () => {
    const empty = await freshDb();
    try {
      await empty.repos.org.seedDepartments();
      const s = createServices({ repos: empty.repos, now });
      const text = (await s.checklist.gaps({ userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'], channel: 'shell' })).map((g) => `${g.what} → ${g.fix}`).join('\n');
      expect(text).toContain('还没有导入检查事项清单 → npm run cli -- import items');
      expect(text).toContain('还没有导入执法检查人员名录 → npm run cli -- import inspectors');
      expect(text).toContain('联席办只有0人');
      expect(text).toContain('除系统管理员外还没有登记人员 → npm run cli -- directory sync --dry-run');
    } finally {
      await empty.close();
    }
  });

  it('R19, R20, R9, R8a: the demo county has no gaps — 部署检查 passes on what `npm run cli -- demo` builds', async () => {
    const x = await freshDb();
    try {
      const deps = { repos: x.repos, now, settings: { SECRETS_KEY: 'checklist-test-secrets-key-0123456789' } };
      await demoService(deps).fill(cliCaller('demo'), { entities: 100, inspectors: 60 });
      const s = createServices(deps);
      const r = createRouter({ services: s, log: createLogger('error', () => undefined), pageSize: 10 });
      expect(await s.checklist.gaps({ userId: 'admin', name: '李振宇', department: 'SCJGJ', roles: ['admin'], channel: 'shell' })).toEqual([]);
      expect((await r.handle({ channel: 'shell', senderId: 'admin', text: '部署检查' })).map(replyText).join('\n')).toContain('部署检查通过');
    } finally {
      await x.close();
    }
  }, 120_000);

  it('R15: a year without holiday data is a gap, with where to enter it', async () => {
    const later = createServices({ repos: db.repos, now: () => new Date('2040-03-02T02:00:00Z'), settings: { WECOM_ROBOTS: MEMBER_UNITS.map((u, i) => `${u.code}=key-${String(i).padStart(4, '0')}-robot`).join(',') } });
    const gaps = await later.checklist.gaps({ userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'], channel: 'shell' });
    const gap = gaps.find((g) => g.rule === 'R15');
    expect(gap?.what).toContain('2040年的节假日安排尚未录入');
    expect(gap?.fix).toContain('config/holidays.json');
    const now2026 = await services.checklist.gaps({ userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'], channel: 'shell' });
    expect(now2026.some((g) => g.rule === 'R15')).toBe(false);
  });

  it('robots bound from the chat but unusable — no SECRETS_KEY, or another one — are named, with how to fix it', async () => {
    const x = await freshDb();
    try {
      await x.repos.org.seedDepartments();
      const at = new Date('2026-11-01T00:00:00Z');
      await x.repos.robots.save({ platform: 'wecom', department: 'XFJYDD', sealed: sealer('the-key-used-when-binding-0123456789').seal('abcdefgh-robot'), hint: '****obot', boundBy: 'root', boundAt: at });
      const root = { userId: 'root', name: 'root', department: 'SCJGJ', roles: ['admin'] as never, channel: 'shell' as const };
      const text = async (settings: { SECRETS_KEY?: string }) => (await createServices({ repos: x.repos, now, settings }).checklist.gaps(root)).map((g) => `${g.what} → ${g.fix}`).join('\n');
      expect(await text({})).toContain('聊天中绑定的1个群机器人无法使用：服务器未设置 SECRETS_KEY → 在 .env 中设置绑定时所用的 SECRETS_KEY 后重启');
      const other = await text({ SECRETS_KEY: 'another-key-set-later-0123456789abcdef' });
      expect(other).toContain('群机器人无法解密的部门（SECRETS_KEY 与绑定时不同）：县消防救援大队');
      expect(other).not.toContain('服务器未设置 SECRETS_KEY');
      expect(other).toMatch(/没有工作群机器人的部门：.*等30个/);
      const same = await text({ SECRETS_KEY: 'the-key-used-when-binding-0123456789' });
      expect(same).toMatch(/没有工作群机器人的部门：.*等29个/);
      expect(same).not.toContain('SECRETS_KEY');
    } finally {
      await x.close();
    }
  });
});
