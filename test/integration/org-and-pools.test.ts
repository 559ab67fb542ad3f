/**
 * The organisation (R19), users and their audit trail (R20), and placing
 * entities in pools (R1, R5) on the real database.
 */
import { MEMBER_UNITS } from '../../src/domain/organisation';
import type { Pool } from '../../src/domain/pools';
import { Refusal, type Caller, type Deps } from '../../src/services/context';
import { poolService } from '../../src/services/pools';
import { userService } from '../../src/services/users';
import type { Repos } from '../../store/repos';
import { freshDb, type TestDb } from '../helpers/db';
import { refusal } from '../helpers/refusal';
import { addEntities, code } from '../helpers/fixtures';

let db: TestDb;
/** A clock that moves one second per reading, so every write has its own time. */
const clock = { t: Date.parse('2026-03-02T01:00:00Z'), last: new Date(0) };
const now = () => (clock.last = new Date((clock.t += 1000)));
const deps = (): Deps => ({ repos: db.repos, now });

const caller = (userId: string, department: string, roles: Caller['roles'], channel: Caller['channel'] = 'wecom'): Caller =>
  ({ userId, name: userId, department, roles, channel });
const admin = caller('root.admin', 'SCJGJ', ['admin'], 'cli');
const office = caller('zhao.office', 'SCJGJ', ['office'], 'wecom');
const office2 = caller('qian.office', 'SCJGJ', ['office'], 'dingtalk');
const fireOfficial = caller('xf.official', 'XFJYDD', ['official'], 'dingtalk');
const safetyLeader = caller('yj.leader', 'YJGLJ', ['leader'], 'wecom');
const inspector = caller('sc.inspector', 'SCJGJ', ['inspector'], 'wecom');


beforeAll(async () => {
  db = await freshDb();
});

afterAll(async () => {
  await db.close();
});

describe('departments (R19)', () => {
  it('R19: seeds the 30 member units once; seeding again changes nothing', async () => {
    expect(await db.repos.org.seedDepartments()).toBe(30);
    expect(await db.repos.org.seedDepartments()).toBe(0);
    const depts = await db.repos.org.departments();
    expect(depts).toHaveLength(30);
    expect(depts.map((d) => [d.code, d.name])).toEqual(MEMBER_UNITS.map((u) => [u.code, u.name]));
    expect(depts.filter((d) => d.hostsJointOffice).map((d) => d.name)).toEqual(['县市管局']);
  });
});

describe('userService.save (R19, R20)', () => {
  const users = () => userService(deps());

  it('R20: only an admin registers users; a refusal writes nothing', async () => {
    for (const by of [office, fireOfficial, inspector]) {
      const r = await refusal(users().save(by, { userId: 'x.user', name: '某人', department: '县市管局', roles: ['official'] }));
      expect(r.message).toContain('系统管理员');
    }
    expect(await db.repos.org.user('x.user')).toBeUndefined();
    expect(await db.repos.audit.forTarget('user:x.user')).toEqual([]);
  });

  it('R19: validates roles and department: unknown role, no role, non-member unit refused', async () => {
    expect((await refusal(users().save(admin, { userId: 'a1', name: 'a', department: '县市管局', roles: ['boss'] }))).message).toContain('角色“boss”无效');
    expect((await refusal(users().save(admin, { userId: 'a1', name: 'a', department: '县市管局', roles: [' ', ''] }))).message).toContain('至少指定一个角色');
    expect((await refusal(users().save(admin, { userId: 'a1', name: 'a', department: '县宣传部', roles: ['official'] }))).message).toContain('R19');
    expect((await refusal(users().save(admin, { userId: 'bad id!', name: 'a', department: '县市管局', roles: ['official'] }))).message).toContain('用户ID');
    expect(await db.repos.org.user('a1')).toBeUndefined();
  });

  it('R19: the office role only in 县市管局, the justice role only in 司法局', async () => {
    const office = await refusal(users().save(admin, { userId: 'o1', name: 'o', department: '县司法局', roles: ['official', 'office'] }));
    expect(office.message).toContain('R19');
    expect(office.message).toContain('县市管局');
    const justice = await refusal(users().save(admin, { userId: 'j1', name: 'j', department: '县市管局', roles: ['justice'] }));
    expect(justice.message).toContain('R19');
    expect(justice.message).toContain('县司法局');
    expect(await db.repos.org.user('o1')).toBeUndefined();
    expect(await db.repos.org.user('j1')).toBeUndefined();

    const o = await users().save(admin, { userId: 'zhao.office', name: '赵联席', department: '市场监督管理局', roles: ['office', 'official'] });
    expect(o).toMatchObject({ department: 'SCJGJ', roles: ['office', 'official'] });
    const j = await users().save(admin, { userId: 'sun.justice', name: '孙审核', department: '司法局', roles: ['justice'] });
    expect(j.department).toBe('SFJ');
  });

  it('R20: writes the user and an audit entry with who, when, channel and the changes', async () => {
    const saved = await users().save(admin, {
      userId: 'li.official', name: ' 李经办 ', department: 'scjgj', roles: ['official'], wecomUserId: ' LiWx ', dingtalkStaffId: 'li-dd',
    });
    const createdAt = clock.last;
    expect(saved).toMatchObject({ userId: 'li.official', name: '李经办', department: 'SCJGJ', wecomUserId: 'LiWx', dingtalkStaffId: 'li-dd', active: true });
    expect(await db.repos.org.user('li.official')).toMatchObject({ name: '李经办', wecomUserId: 'LiWx', createdAt, updatedAt: createdAt });

    const [created] = await db.repos.audit.forTarget('user:li.official');
    expect(created).toMatchObject({ actor: 'root.admin', channel: 'cli', action: 'user.create', at: createdAt });
    expect(created.changes).toEqual(expect.arrayContaining([
      { field: 'roles', from: '', to: '["official"]' },
      { field: 'department', from: '', to: '"SCJGJ"' },
      { field: 'wecomUserId', from: '', to: '"LiWx"' },
    ]));
    expect(created.changes.map((c) => c.field)).not.toContain('createdAt');

    // An update records only what changed; removing an id records it gone.
    await users().save({ ...admin, channel: 'wecom' }, { userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official', 'leader'], dingtalkStaffId: 'li-dd' });
    const updatedAt = clock.last;
    const [updated] = await db.repos.audit.forTarget('user:li.official');
    expect(updated).toMatchObject({ actor: 'root.admin', channel: 'wecom', action: 'user.update', at: updatedAt });
    expect(updated.changes).toEqual([
      { field: 'roles', from: '["official"]', to: '["official","leader"]' },
      { field: 'wecomUserId', from: '"LiWx"', to: '' },
    ]);
    const stored = await db.repos.org.user('li.official');
    expect(stored).toMatchObject({ createdAt, updatedAt, roles: ['official', 'leader'] });
    expect(stored?.wecomUserId).toBeUndefined();
    expect(await db.repos.audit.forTarget('user:li.official')).toHaveLength(2);
  });

  it('a WeCom or DingTalk account belongs to one user only', async () => {
    await users().save(admin, { userId: 'zhang', name: '张', department: '县应急管理局', roles: ['official'], wecomUserId: 'ZhangWx', dingtalkStaffId: 'zhang-dd' });
    for (const wecomUserId of ['ZhangWx', ' ZhangWx ']) {
      const r = await refusal(users().save(admin, { userId: 'wang', name: '王', department: '县应急管理局', roles: ['official'], wecomUserId }));
      expect(r.message).toContain('已绑定用户 zhang');
    }
    const dd = await refusal(users().save(admin, { userId: 'wang', name: '王', department: '县应急管理局', roles: ['official'], dingtalkStaffId: 'zhang-dd' }));
    expect(dd.message).toContain('钉钉');
    expect(await db.repos.org.user('wang')).toBeUndefined();
    // Saving the owner again with the same ids is fine.
    await users().save(admin, { userId: 'zhang', name: '张三', department: '县应急管理局', roles: ['official'], wecomUserId: 'ZhangWx', dingtalkStaffId: 'zhang-dd' });
    expect((await db.repos.org.user('zhang'))?.name).toBe('张三');
  });

  it('refuses an absurdly long name or platform id', async () => {
    await refusal(users().save(admin, { userId: 'long1', name: '名'.repeat(10_000), department: '县市管局', roles: ['official'] }));
    await refusal(users().save(admin, { userId: 'long2', name: 'n', department: '县市管局', roles: ['official'], wecomUserId: 'w'.repeat(10_000) }));
    expect(await db.repos.org.user('long1')).toBeUndefined();
    expect(await db.repos.org.user('long2')).toBeUndefined();
  });
});

describe('userService.identify', () => {
  const users = () => userService(deps());

  beforeAll(async () => {
    await users().save(admin, { userId: 'wu', name: '吴', department: '县交运局', roles: ['official'], wecomUserId: 'WuWx', dingtalkStaffId: 'wu-dd' });
    await users().save(admin, { userId: 'gone', name: '已调离', department: '县交运局', roles: ['official'], wecomUserId: 'GoneWx', dingtalkStaffId: 'gone-dd', active: false });
  });

  it('finds a user by WeCom id, DingTalk id, or (shell) user id', async () => {
    expect((await users().identify('wecom', 'WuWx'))?.userId).toBe('wu');
    expect((await users().identify('dingtalk', 'wu-dd'))?.userId).toBe('wu');
    expect((await users().identify('shell', 'wu'))?.userId).toBe('wu');
    expect((await users().identify('shell', 'WuWx'))?.userId).toBe('wu');
  });

  it('does not mix platforms, and knows no stranger', async () => {
    expect(await users().identify('wecom', 'wu-dd')).toBeUndefined();
    expect(await users().identify('dingtalk', 'WuWx')).toBeUndefined();
    expect(await users().identify('wecom', 'nobody')).toBeUndefined();
    expect(await users().identify('shell', '')).toBeUndefined();
  });

  it('an inactive user is not identified anywhere', async () => {
    expect(await users().identify('wecom', 'GoneWx')).toBeUndefined();
    expect(await users().identify('dingtalk', 'gone-dd')).toBeUndefined();
    expect(await users().identify('shell', 'gone')).toBeUndefined();
  });
});

describe('poolService (R1, R5, R20)', () => {
  const pools = () => poolService(deps());
  const entity = (n: number) => db.repos.entities.get(code(n));
  const audits = async (n: number) => db.repos.audit.forTarget(`entity:${code(n)}`);

  beforeAll(async () => {
    await addEntities(db.repos, [
      { n: 1, pool: 'B' }, { n: 2, pool: 'B' }, { n: 3, pool: 'B' }, { n: 4, pool: 'A' }, { n: 5, pool: 'B' },
      { n: 6, pool: 'B' }, { n: 7, pool: 'B' }, { n: 8, pool: 'B' }, { n: 9, pool: 'C' },
    ]);
  });

  it('R1, R20: 联席办 proposes A; another 联席办 member confirms it (never the proposer), with who, when and why recorded', async () => {
    if (!(await db.repos.org.user('qian.office'))) await userService(deps()).save(admin, { userId: 'qian.office', name: '钱联席', department: '县市管局', roles: ['office'] });
    const r = await pools().place(office, code(1).toLowerCase(), 'A', ' 纳税大户，信用良好 ');
    expect(r).toMatchObject({ effective: false, pending: 'A', name: '万年县测试1有限公司' });
    expect(await entity(1)).toMatchObject({ pool: 'B', pendingPool: 'A', pendingBy: 'zhao.office' });
    expect((await refusal(pools().decide(office, code(1), true, ''))).rule).toBe('R20');
    expect(await pools().decide(office2, code(1), true, '')).toBe('A');
    const at = clock.last;
    expect(await entity(1)).toMatchObject({ pool: 'A', poolPlacedBy: 'qian.office', poolPlacedAt: at, updatedBy: 'qian.office', pendingPool: '' });
    expect((await entity(1))?.poolReason).toContain('纳税大户，信用良好');
    const [a] = await audits(1);
    expect(a).toMatchObject({ actor: 'qian.office', action: 'pool.confirm', at, changes: [{ field: 'pool', from: '"B"', to: '"A"' }] });
  });

  it('R1: a member unit cannot put an entity into A; nothing changes, nothing is logged', async () => {
    for (const by of [fireOfficial, safetyLeader, admin, inspector]) {
      const r = await refusal(pools().place(by, code(2), 'A', '推荐'));
      expect(r.rule).toBe('R1');
      expect(r.message).toContain('R1');
    }
    expect(await entity(2)).toMatchObject({ pool: 'B', poolPlacedBy: 'test', pendingPool: '' });
    expect(await audits(2)).toEqual([]);
  });

  it('R5: only 联席办 moves an entity back to B', async () => {
    const r = await refusal(pools().place(fireOfficial, code(4), 'B', '发现一般违法'));
    expect(r.rule).toBe('R5');
    expect(await pools().place(office, code(4), 'B', '检查发现一般违法行为（R5）')).toMatchObject({ effective: false, pending: 'B' });
    expect((await entity(4))?.pool).toBe('A');
    expect(await pools().decide(office2, code(4), true, '')).toBe('B');
    expect((await entity(4))?.pool).toBe('B');
  });

  it('R1: a C proposal by a member unit stays pending until 联席办 confirms', async () => {
    const r = await pools().place(fireOfficial, code(3), 'C', '消防重点单位');
    const proposedAt = (await audits(3))[0].at;
    expect(r).toMatchObject({ effective: false, pending: 'C' });
    expect(await entity(3)).toMatchObject({
      pool: 'B', pendingPool: 'C', pendingBy: 'xf.official', pendingDepartment: 'XFJYDD', pendingAt: proposedAt, pendingReason: '消防重点单位',
    });
    expect((await audits(3))[0]).toMatchObject({ actor: 'xf.official', channel: 'dingtalk', action: 'pool.propose', at: proposedAt, changes: [{ field: 'pendingPool', to: '"C"' }] });

    // A second proposal waits for the first; the proposer cannot confirm it.
    expect((await refusal(pools().place(safetyLeader, code(3), 'C', '危化品'))).message).toContain('待联席办确认');
    expect((await refusal(pools().decide(fireOfficial, code(3), true, ''))).rule).toBe('R1');
    expect((await refusal(pools().decide(admin, code(3), true, ''))).rule).toBe('R1');
    expect((await entity(3))?.pool).toBe('B');

    expect(await pools().decide(office2, code(3), true, '同意')).toBe('C');
    const at = clock.last;
    const e = await entity(3);
    expect(e).toMatchObject({ pool: 'C', poolPlacedBy: 'qian.office', poolPlacedAt: at, pendingPool: '', pendingBy: '', pendingDepartment: '' });
    expect(e?.poolReason).toContain('消防重点单位');
    expect(e?.poolReason).toContain('xf.official');
    expect(e?.pendingAt).toBeUndefined();
    expect((await audits(3))[0]).toMatchObject({
      actor: 'qian.office', channel: 'dingtalk', action: 'pool.confirm', at, note: '同意', changes: [{ field: 'pool', from: '"B"', to: '"C"' }],
    });
  });

  it('R1: 联席办 rejecting a proposal keeps the pool and clears the proposal', async () => {
    await pools().place(safetyLeader, code(5), 'C', '涉危化品');
    expect(await pools().decide(office, code(5), false, '证据不足')).toBe('B');
    const at = clock.last;
    const e = await entity(5);
    expect(e).toMatchObject({ pool: 'B', poolPlacedBy: 'test', pendingPool: '', pendingBy: '', pendingReason: '', updatedBy: 'zhao.office' });
    expect(e?.pendingAt).toBeUndefined();
    expect((await audits(5)).map((a) => a.action)).toEqual(['pool.reject', 'pool.propose']);
    expect((await audits(5))[0]).toMatchObject({ actor: 'zhao.office', at, note: '证据不足', changes: [{ field: 'pendingPool', from: '"C"', to: '""' }] });
    // Nothing left to decide.
    expect((await refusal(pools().decide(office, code(5), true, ''))).message).toContain('没有待确认');
  });

  it('R1, R20: a concurrent change is detected: the guarded update fails, the user is told, nothing is logged', async () => {
    // Between our read and our write, someone else acts on the same entity.
    const racing = (meanwhile: (c: string, seen: { pool: Pool }) => Promise<unknown>) => {
      const repos: Repos = {
        ...db.repos,
        entities: {
          ...db.repos.entities,
          async get(c: string) {
            const seen = await db.repos.entities.get(c);
            if (seen) await meanwhile(c, seen);
            return seen;
          },
        },
      };
      return poolService({ repos, now });
    };

    // A confirmation of an A proposal for an entity that another 联席办 user just moved.
    await pools().place(office, code(8), 'A', '纳入联合库');
    const moved = await refusal(racing((c) => db.repos.entities.place(c, 'B', 'C', 'someone.else', new Date(), '同时调整')).decide(office2, code(8), true, '同意'));
    expect(moved.message).toMatch(/刚被他人|没有待确认/);
    expect(await entity(8)).toMatchObject({ pool: 'C', poolPlacedBy: 'someone.else' });

    // A proposal against an entity that another unit just proposed.
    const proposed = await refusal(racing((c) => db.repos.entities.propose(c, 'C', 'other.unit', 'YJGLJ', new Date(), '危化品')).place(fireOfficial, code(7), 'C', '消防'));
    expect(proposed.message).toContain('刚被他人提出');
    expect(await entity(7)).toMatchObject({ pool: 'B', pendingPool: 'C', pendingBy: 'other.unit' });

    // A confirmation of a proposal that another 联席办 user just rejected.
    const rejected = await refusal(racing((c) => db.repos.entities.clearPending(c, 'qian.office', new Date())).decide(office, code(7), true, '同意'));
    expect(rejected.message).toContain('刚被他人');
    expect(await entity(7)).toMatchObject({ pool: 'B', pendingPool: '' });

    expect(await audits(7)).toEqual([]);
    expect((await audits(8)).map((a) => a.action)).toEqual(['pool.propose']); // the proposal only: the failed confirmation logs nothing
  });

  it('R1: two 联席办 users confirming at once: exactly one succeeds', async () => {
    await pools().place(fireOfficial, code(2), 'C', '人员密集场所');
    const results = await Promise.allSettled([pools().decide(office, code(2), true, ''), pools().decide(office2, code(2), true, '')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(Refusal);
    expect((await entity(2))?.pool).toBe('C');
    expect((await audits(2)).filter((a) => a.action === 'pool.confirm')).toHaveLength(1);
  });

  it('R1: two member units proposing at once: exactly one proposal is recorded', async () => {
    const results = await Promise.allSettled([
      pools().place(fireOfficial, code(4), 'C', '消防'),
      pools().place(safetyLeader, code(4), 'C', '安全生产'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await audits(4)).filter((a) => a.action === 'pool.propose' && a.changes[0].to === '"C"')).toHaveLength(1);
  });

  it('R20: refuses a bad credit code with the check-character message (the code format, not R1), an unknown entity, and no reason', async () => {
    const bad = code(1).slice(0, 17) + (code(1)[17] === 'A' ? 'B' : 'A');
    const r = await refusal(pools().place(office, bad, 'A', '理由'));
    expect(r.rule).toBeUndefined();
    expect(r.message).toContain('GB 32100-2015');
    expect(r.message).toContain('校验位错误');
    expect(r.message).toContain(`应为“${code(1)[17]}”`);
    expect((await refusal(pools().place(office, code(999), 'A', '理由'))).message).toContain('未找到');
    expect((await refusal(pools().place(office, code(9), 'A', '  '))).message).toContain('R20');
    expect((await refusal(pools().place(office, code(9), 'A', '理'.repeat(10_000)))).message).toContain('理由');
    expect((await refusal(pools().place(office, code(9), 'C', '已在C'))).message).toContain('已在');
    expect(await entity(9)).toMatchObject({ pool: 'C', poolPlacedBy: 'test' });
    expect(await audits(9)).toEqual([]);
  });
});
