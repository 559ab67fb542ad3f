/**
 * Inspectors linked to the people who receive their tasks, on the real
 * database: unique name+department matches proposed and applied only on
 * confirmation (audited, R20), same-name ones left for an admin, inspectors
 * without a user listed; 我的任务 follows the link.
 */
import { createRouter, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import { createServices, type Services } from '../../src/app';
import { createLogger } from '../../src/logger';
import { freshDb, type TestDb } from '../helpers/db';
import { inspectorDoc, saveUsers } from '../helpers/fixtures';
import { usersOfInspectors } from '../../src/services/inspectorLinks';
import { parseInspectorRow } from '../../src/domain/inspector';

let db: TestDb;
let services: Services;
let router: Router;
let clock = Date.parse('2026-12-01T01:00:00Z');
const now = () => new Date((clock += 1000));
const say = async (who: string, t: string) => (await router.handle({ channel: 'shell', senderId: who, text: t })).map(replyText).join('\n');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  services = createServices({ repos: db.repos, now });
  router = createRouter({ services, log: createLogger('error', () => undefined), pageSize: 10 });
  await db.repos.inspectors.writer.insertNew([
    inspectorDoc('XF-001', '王伟', 'XFJYDD'), inspectorDoc('XF-002', '李娜', 'XFJYDD'), inspectorDoc('XF-003', '赵强', 'XFJYDD'),
  ] as never);
  await saveUsers(services, [
    { userId: 'root', name: '管理员', department: '县市管局', roles: ['admin'] },
    { userId: 'wang', name: '王伟', department: '县消防救援大队', roles: ['inspector'] },
    { userId: 'li1', name: '李娜', department: '县消防救援大队', roles: ['inspector'] },
    { userId: 'li2', name: '李娜', department: '县消防救援大队', roles: ['official'] },
    { userId: 'zhao.other', name: '赵强', department: '县应急局', roles: ['inspector'] },
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('inspectors linked to people', () => {
  it('shows unique matches for review, same-name ones as ambiguous and unlinked inspectors, and links nothing yet', async () => {
    const out = await say('root', '关联检查人员');
    expect(out).toContain('王伟（XF-001，县消防救援大队）→ wang（同名同部门）');
    expect(out).toContain('同名需人工确认 1 名');
    expect(out).toContain('李娜（XF-002，县消防救援大队）：li1、li2');
    expect(out).toContain('收不到检查任务的 1 名');
    expect(out).toContain('赵强（XF-003，县消防救援大队）');
    expect(await db.repos.inspectorLinks.userFor('XF-001')).toBeUndefined();
    expect((await services.tasks.mine({ userId: 'wang', name: '王伟', department: 'XFJYDD', roles: ['inspector'], channel: 'shell' })).mode).toBe('department');
  });

  it('R20: 确认 applies only the unique matches, audited; an ambiguous name is refused for review and linked by hand', async () => {
    expect(await say('wang', '关联检查人员 确认')).toContain('只有系统管理员可以关联检查人员');
    const out = await say('root', '关联检查人员 确认');
    expect(out).toContain('已按平台账号、手机号或姓名+部门关联 1 名');
    expect(await db.repos.inspectorLinks.userFor('XF-001')).toBe('wang');
    expect(await db.repos.inspectorLinks.userFor('XF-002')).toBeUndefined();
    const [entry] = await db.repos.audit.forTarget('inspector:XF-001', 1);
    expect(entry).toMatchObject({ action: 'inspector.link', actor: 'root', note: '姓名+部门唯一匹配' });
    // 我的任务 now knows wang is inspector XF-001.
    expect((await services.tasks.mine({ userId: 'wang', name: '王伟', department: 'XFJYDD', roles: ['inspector'], channel: 'shell' })).mode).toBe('officer');

    expect(await say('root', '关联检查人员 XF-003 zhao.other')).toContain('不能关联');
    expect(await say('root', '关联检查人员 XF-002 li2')).toContain('已关联');
    expect(await db.repos.inspectorLinks.userFor('XF-002')).toBe('li2');
    expect(await db.repos.inspectorLinks.inspectorFor('li2')).toBe('XF-002');
    const after = await say('root', '关联检查人员');
    expect(after).toContain('已关联 2 名');
    expect(after).not.toContain('同名需人工确认');
    expect(after).toContain('赵强（XF-003');
  });

  it('a draw\'s tasks go to the linked user; an inspector without an active user gets none', async () => {
    const to = await usersOfInspectors(db.repos, ['XF-001', 'XF-002', 'XF-003']);
    expect([...to]).toEqual([['XF-001', 'wang'], ['XF-002', 'li2']]);
    await db.repos.org.saveUser({ ...(await db.repos.org.user('li2'))!, active: false });
    expect([...(await usersOfInspectors(db.repos, ['XF-002']))]).toEqual([]);
  });

  it('a platform id or mobile links before the name does, settling a same-name pair without review', async () => {
    await db.repos.inspectors.writer.insertNew([
      inspectorDoc('XF-004', '陈晨', 'XFJYDD', { platformId: 'ChenWx' }),
      inspectorDoc('XF-005', '周洁', 'XFJYDD', { mobile: '13900000009' }),
    ] as never);
    const at = new Date();
    const u = (userId: string, name: string, extra: Record<string, string>) => ({ userId, name, department: 'XFJYDD', roles: ['inspector' as const], active: true, createdAt: at, updatedAt: at, ...extra });
    await db.repos.org.saveUser(u('chen.a', '陈晨', {}));
    await db.repos.org.saveUser(u('chen.b', '陈晨', { wecomUserId: 'ChenWx' }));
    await db.repos.org.saveUser(u('zhou.a', '周洁', {}));
    await db.repos.org.saveUser(u('zhou.b', '周洁', { mobile: '13900000009' }));
    const out = await say('root', '关联检查人员');
    expect(out).toContain('陈晨（XF-004，县消防救援大队）→ chen.b（账号一致）');
    expect(out).toContain('周洁（XF-005，县消防救援大队）→ zhou.b（手机号一致）');
    expect(out).not.toMatch(/1390000000\d/);
    await say('root', '关联检查人员 确认');
    expect(await db.repos.inspectorLinks.userFor('XF-005')).toBe('zhou.b');
    const [entry] = await db.repos.audit.forTarget('inspector:XF-005', 1);
    expect(entry!.note).toBe('手机号一致');
    expect(parseInspectorRow({ inspectorNo: 'X', name: '某', department: '县消防救援大队', kind: '专家', mobile: '电话' }).ok).toBe(false);
    expect(parseInspectorRow({ inspectorNo: 'X', name: '某', department: '县消防救援大队', kind: '专家', mobile: '13900000001', platformId: 'Mou' })).toMatchObject({ ok: true, value: { mobile: '13900000001', platformId: 'Mou' } });
  });
});
