/**
 * The demo data (`npm run cli -- demo`) on the real database: valid credit codes
 * (GB 32100-2015), the three pools with their provenance (R1, R6, R20), the
 * inspector directory with experts and a joint pool (R7, R8, R8a), item lists
 * for all 30 member units (R9, R19), one user per role, determinism, and the
 * refusal to touch a database that already holds data. The county is set up as a
 * real one is: people from the directory sync (the same organisation the WeCom and
 * DingTalk emulators serve), roles granted, inspectors linked, robots bound.
 */
import { runTsx } from '../helpers/run';
import { checkCreditCode } from '../../src/domain/creditCode';
import { INSPECTOR_KINDS, isEnforcementOfficer, certificateValidOn } from '../../src/domain/inspector';
import { MEMBER_UNITS, ROLES } from '../../src/domain/organisation';
import { ENTITY_KINDS, POOLS, RISK_CLASSES } from '../../src/domain/pools';
import { cliCaller, Refusal, type Caller } from '../../src/services/context';
import { demoDirectory, demoRobotAddress, demoService, generateDemoData, type DemoSummary } from '../../src/services/demo';
import { directoryService } from '../../src/services/directory';
import { robotService } from '../../src/services/robots';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { directorySources } from '../../bot/channels/directory';
import { WecomEmulator } from '../emulators/wecom';
import { startDingtalkEmulator } from '../emulators/dingtalk';
import { dingtalkDirectoryOf, loadDirectory, wecomDirectoryOf } from '../emulators/directoryFixtures';
import { NEW_ENTITY_POOL_REASON } from '../../src/services/importer';
import { userService } from '../../src/services/users';
import type { EntityDoc } from '../../src/domain/records/entity';
import type { InspectorDoc, ItemDoc } from '../../src/domain/records/directory';
import type { UserDoc } from '../../src/domain/records/org';
import { freshDb, type TestDb } from '../helpers/db';
import { unstaffedStep, type StepSpec } from '../../src/domain/approval';
import { PLAN_STEPS } from '../../src/services/plans';
import { FILING_STEPS } from '../../src/services/filings';
import { POOL_STEPS } from '../../src/services/pools';

const NOW = new Date('2026-03-02T02:00:00Z');
const TODAY = '2026-03-02';
const WANNIAN_TOWNSHIPS = ['陈营镇', '石镇镇', '青云镇', '裴梅镇', '梓埠镇', '大源镇', '湖云乡', '上坊乡', '齐埠乡', '汪家乡', '珠田乡', '苏桥乡'];
const admin: Caller = cliCaller('demo-test');
const SECRETS_KEY = 'demo-test-secrets-key-0123456789abcdef';

let db: TestDb;
let summary: DemoSummary;
let entities: EntityDoc[];
let inspectors: InspectorDoc[];
let items: ItemDoc[];
let users: UserDoc[];

const fill = (d: TestDb, opts: Parameters<ReturnType<typeof demoService>['fill']>[1], caller: Caller = admin, settings: { SECRETS_KEY?: string } = { SECRETS_KEY }) =>
  demoService({ repos: d.repos, now: () => NOW, settings }).fill(caller, opts);

/** Every document of a collection, `_id` renamed to the natural key as the repos do. */
async function all<T>(d: TestDb, name: 'Entity' | 'Inspector' | 'Item', key: string): Promise<T[]> {
  const docs = await d.models[name].collection.find({}).sort({ _id: 1 }).toArray();
  return docs.map(({ _id, ...rest }) => ({ [key]: String(_id), ...rest }) as T);
}

beforeAll(async () => {
  db = await freshDb();
  summary = await fill(db, { entities: 2000, inspectors: 100 });
  entities = await all<EntityDoc>(db, 'Entity', 'creditCode');
  inspectors = await all<InspectorDoc>(db, 'Inspector', 'inspectorNo');
  items = (await db.models.Item.collection.find({}).toArray()) as unknown as ItemDoc[];
  users = await db.repos.org.users();
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe('market entities (R1, R6)', () => {
  it('every credit code is valid under GB 32100-2015 and matches the kind and Wannian (361129)', () => {
    expect(entities).toHaveLength(2000);
    const prefix = { 企业: '91', 个体工商户: '92', 农民专业合作社: '93' } as const;
    for (const e of entities) {
      expect(checkCreditCode(e.creditCode)).toEqual({ ok: true, code: e.creditCode });
      expect(e.creditCode.slice(0, 2)).toBe(prefix[e.kind]);
      expect(e.creditCode.slice(2, 8)).toBe('361129');
    }
  });

  it('are varied and realistic: all kinds, Wannian townships, unique names, risk mostly 一般/低 (R6)', () => {
    const kinds = new Set(entities.map((e) => e.kind));
    expect([...kinds].sort()).toEqual([...ENTITY_KINDS].sort());
    for (const e of entities) {
      expect(WANNIAN_TOWNSHIPS).toContain(e.township);
      expect(e.address).toMatch(/^万年县/);
      expect(e.name.length).toBeGreaterThan(4);
      expect(e.departments.length).toBeGreaterThan(0);
      for (const d of e.departments) expect(MEMBER_UNITS.map((u) => u.code)).toContain(d);
    }
    expect(new Set(entities.map((e) => e.name)).size).toBe(entities.length);
    expect(new Set(entities.map((e) => e.township)).size).toBe(WANNIAN_TOWNSHIPS.length);
    expect(new Set(entities.map((e) => e.industry)).size).toBeGreaterThanOrEqual(8);
    const risk = Object.fromEntries(RISK_CLASSES.map((r) => [r, entities.filter((e) => e.riskClass === r).length]));
    expect(risk['一般']).toBeGreaterThan(risk['低']);
    expect(risk['低']).toBeGreaterThan(risk['较高']);
    expect(risk['较高']).toBeGreaterThan(risk['高']);
    expect(risk['一般'] + risk['低']).toBeGreaterThan(entities.length * 0.8);
    const tags = new Set(entities.flatMap((e) => e.sectorTags));
    for (const t of ['制造业', '旅游业', '数字经济', '招商引资', '纳税大户', '食品安全', '特种设备', '危险化学品', '消防安全']) expect(tags).toContain(t);
    expect(entities.some((e) => e.name.startsWith('万年县') && e.name.endsWith('有限公司'))).toBe(true);
    expect(entities.some((e) => e.name.endsWith('专业合作社'))).toBe(true);
  });

  it('R1: every entity sits in exactly one of A/B/C, roughly 10% A, 10% C, the rest B', () => {
    const n = Object.fromEntries(POOLS.map((p) => [p, entities.filter((e) => e.pool === p).length]));
    expect(n.A + n.B + n.C).toBe(entities.length);
    expect(n.A / entities.length).toBeGreaterThan(0.05);
    expect(n.A / entities.length).toBeLessThan(0.16);
    expect(n.C / entities.length).toBeGreaterThan(0.05);
    expect(n.C / entities.length).toBeLessThan(0.16);
    expect(summary.pools).toEqual(n);
    expect(entities.every((e) => e.pendingPool === '')).toBe(true);
  });

  it('R1: the A list is decided by 联席办, for good credit or a priority sector', () => {
    const office = users.filter((u) => u.roles.includes('office')).map((u) => u.userId);
    const a = entities.filter((e) => e.pool === 'A');
    for (const e of a) {
      expect(office).toContain(e.poolPlacedBy);
      expect(e.poolReason).toMatch(/^R1：/);
      const priority = ['制造业', '旅游业', '数字经济', '招商引资', '纳税大户'].some((t) => e.sectorTags.includes(t));
      expect(priority || e.riskClass === '低').toBe(true);
      expect(['低', '一般']).toContain(e.riskClass);
    }
  });

  it('R1: the C list is proposed by the member unit in charge and confirmed by 联席办, proposer recorded', () => {
    const office = users.filter((u) => u.roles.includes('office')).map((u) => u.userId);
    const c = entities.filter((e) => e.pool === 'C');
    const proposers = new Set<string>();
    for (const e of c) {
      expect(office).toContain(e.poolPlacedBy);
      const m = /^(R1：.+)（(\S+)提出，联席办确认）$/.exec(e.poolReason);
      expect(m).not.toBeNull();
      const proposer = users.find((u) => u.userId === m![2]);
      expect(proposer?.roles).toContain('official');
      // The proposing unit supervises the entity (R1: 根据监管职责提出).
      expect(e.departments).toContain(proposer!.department);
      proposers.add(proposer!.userId);
      const poorCredit = e.riskClass === '较高' || e.riskClass === '高';
      const domain = ['食品安全', '特种设备', '危险化学品', '消防安全'].some((t) => e.sectorTags.includes(t));
      expect(poorCredit || domain).toBe(true);
    }
    expect(proposers.size).toBeGreaterThanOrEqual(2);
  });

  it('R1: B is the default pool, placed by the import', () => {
    for (const e of entities.filter((x) => x.pool === 'B')) {
      expect(e.poolPlacedBy).toBe(admin.userId);
      expect(e.poolReason).toBe(NEW_ENTITY_POOL_REASON);
    }
  });

  it('R20: one audit entry per placement batch, together covering every A and C entity', async () => {
    const place = await db.repos.audit.recent('pool.place.batch', 100);
    const propose = await db.repos.audit.recent('pool.propose.batch', 100);
    const confirm = await db.repos.audit.recent('pool.confirm.batch', 100);
    const covered = (list: typeof place) => list.flatMap((a) => a.note.split('：').pop()!.split('、'));
    const a = entities.filter((e) => e.pool === 'A').map((e) => e.creditCode).sort();
    const c = entities.filter((e) => e.pool === 'C').map((e) => e.creditCode).sort();
    expect(covered(place).sort()).toEqual(a);
    expect(covered(propose).sort()).toEqual(c);
    expect(covered(confirm).sort()).toEqual(c);
    expect(place.every((x) => x.actor === 'lxb.office' && x.target === 'pool:A')).toBe(true);
    expect(confirm.every((x) => x.actor === 'lxb.office' && x.target === 'pool:C')).toBe(true);
    expect(new Set(propose.map((x) => x.actor)).size).toBeGreaterThanOrEqual(2);
    for (const x of [...place, ...propose, ...confirm]) {
      const n = Number(/共(\d+)户/.exec(x.note)![1]);
      expect(x.note.split('：').pop()!.split('、')).toHaveLength(n);
    }
    const fillAudit = await db.repos.audit.recent('demo.fill', 5);
    expect(fillAudit).toHaveLength(1);
    expect(fillAudit[0].actor).toBe(admin.userId);
  });
});

describe('member units and their item lists (R9, R19)', () => {
  it('all 30 member units exist, each with 2–6 items tied to a legal basis and a power-list code', async () => {
    const depts = await db.repos.org.departments();
    expect(depts.map((d) => d.code)).toEqual(MEMBER_UNITS.map((u) => u.code));
    for (const u of MEMBER_UNITS) {
      const own = items.filter((i) => i.department === u.code);
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(own.length).toBeLessThanOrEqual(6);
      for (const i of own) {
        expect(i.legalBasis).toMatch(/^《.+》/);
        expect(i.powerListCode).toMatch(/^361129-XZJC-\d{5}$/);
        expect(i.pools.length).toBeGreaterThan(0);
      }
    }
    expect(summary.counts.items).toBe(items.length);
  });

  it('R9: the A joint list is filed by 31 March and only holds items for pool A', () => {
    const joint = items.filter((i) => i.jointListA);
    expect(joint.length).toBeGreaterThanOrEqual(10);
    expect(new Set(joint.map((i) => i.department)).size).toBeGreaterThanOrEqual(8);
    for (const i of joint) {
      expect(i.pools).toContain('A');
      expect(i.jointListFiledOn! <= '2026-03-31').toBe(true);
      expect(i.jointListFiledOn! <= TODAY).toBe(true);
    }
    expect(items.filter((i) => !i.jointListA).every((i) => i.jointListFiledOn === undefined)).toBe(true);
  });
});

describe('the inspector directory (R7, R8, R8a)', () => {
  it('R7: holds civil servants, qualified staff, daily-supervision staff and experts without certificates', () => {
    expect(inspectors).toHaveLength(100);
    for (const k of INSPECTOR_KINDS) expect(inspectors.some((i) => i.kind === k)).toBe(true);
    for (const i of inspectors) {
      if (i.kind === 'expert') {
        expect(i.certificateNo).toBe('');
        expect(isEnforcementOfficer(i)).toBe(false);
      }
      if (i.kind === 'civil_servant' || i.kind === 'qualified_staff') {
        expect(i.certificateNo).not.toBe('');
        expect(i.certificateExpiry).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      expect(i.specialties.length).toBeGreaterThan(0);
    }
    expect(inspectors.some((i) => i.certificateNo && !certificateValidOn(i, TODAY))).toBe(true);
    expect(inspectors.some((i) => !i.active)).toBe(true);
  });

  it('R8a: every member unit can field two active officers with a valid certificate', () => {
    for (const u of MEMBER_UNITS) {
      const officers = inspectors.filter((i) => i.department === u.code && i.active && isEnforcementOfficer(i) && certificateValidOn(i, TODAY));
      expect(officers.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('R8: 联席办 keeps a joint pool of valid officers, updated by 31 March', () => {
    const joint = inspectors.filter((i) => i.jointPool);
    expect(joint.length).toBe(20);
    expect(summary.jointPoolInspectors).toBe(20);
    for (const i of joint) {
      expect(i.active).toBe(true);
      expect(isEnforcementOfficer(i)).toBe(true);
      expect(certificateValidOn(i, TODAY)).toBe(true);
      expect(i.jointPoolUpdatedOn! <= '2026-03-31').toBe(true);
    }
  });

  it('R8a: a few inspectors declare conflicts with demo entities their unit supervises', () => {
    const byCode = new Map(entities.map((e) => [e.creditCode, e]));
    const declared = inspectors.filter((i) => i.conflicts.length > 0);
    expect(declared.length).toBeGreaterThanOrEqual(3);
    for (const i of declared) {
      for (const c of i.conflicts) {
        expect(byCode.has(c)).toBe(true);
        expect(byCode.get(c)!.departments).toContain(i.department);
      }
    }
  });
});

describe('demo users', () => {
  it('at least one user per role, each with a WeCom and a DingTalk id, as the summary says', async () => {
    for (const r of ROLES) expect(users.some((u) => u.roles.includes(r))).toBe(true);
    expect(summary.users.map((u) => u.userId).sort()).toEqual(users.filter((u) => u.roles.length > 0).map((u) => u.userId).sort());
    expect(summary.counts.users).toBe(users.length);
    const svc = userService({ repos: db.repos, now: () => NOW });
    for (const u of summary.users) {
      expect((await svc.identify('wecom', u.wecomUserId))?.userId).toBe(u.userId);
      expect((await svc.identify('dingtalk', u.dingtalkStaffId))?.userId).toBe(u.userId);
    }
    const official = users.find((u) => u.roles.includes('official') && u.department === 'SCJGJ');
    expect(official).toBeDefined();
    expect(users.some((u) => u.roles.includes('leader') && u.department === 'SCJGJ')).toBe(true);
    expect(users.some((u) => u.roles.includes('office') && u.department === 'SCJGJ')).toBe(true);
    expect(users.some((u) => u.roles.includes('justice') && u.department === 'SFJ')).toBe(true);
    expect(users.some((u) => u.roles.includes('official') && u.department === 'XFJYDD')).toBe(true);
    expect(users.some((u) => u.roles.includes('leader') && u.department === 'XFJYDD')).toBe(true);
  });

  it('R20: every request a demo official or 联席办 member can start has someone else for every step (plans with any joint unit, filings, C placements)', () => {
    // (A leader alone in their unit drafting a plan is refused at submission: nobody else could approve it.)
    const starters = users.filter((u) => u.roles.some((r) => r === 'official' || r === 'office'));
    expect(starters.length).toBeGreaterThan(3);
    for (const u of starters) {
      const chains: StepSpec[][] = [FILING_STEPS(u.department), POOL_STEPS];
      for (const joint of MEMBER_UNITS.map((m) => m.code).filter((c) => c !== u.department)) chains.push(PLAN_STEPS(u.department, [joint]));
      // 联席办's A plan with every member unit joint.
      if (u.roles.includes('office')) chains.push(PLAN_STEPS(u.department, MEMBER_UNITS.map((m) => m.code).filter((c) => c !== u.department)));
      for (const steps of chains) {
        const i = unstaffedStep(steps, users, u.userId);
        expect(i < 0 ? 'staffed' : `${u.userId}: ${steps[i].label} (${steps[i].department})`).toBe('staffed');
      }
    }
  });

  it('the inspector user is linked to its directory record by the link service (not by user id = inspector number)', async () => {
    const u = users.find((x) => x.roles.includes('inspector'))!;
    const no = await db.repos.inspectorLinks.inspectorFor(u.userId);
    const rec = inspectors.find((i) => i.inspectorNo === no)!;
    expect(rec).toBeDefined();
    expect(u.userId).not.toBe(rec.inspectorNo);
    expect(rec.name).toBe(u.name);
    expect(rec.department).toBe(u.department);
    expect(rec.active && rec.jointPool && certificateValidOn(rec, TODAY)).toBe(true);
  });
});

describe('set up as a real county is, through the same use cases', () => {
  it('people come from the directory sync (WeCom, then DingTalk linked by name and unit), the CLI-registered admin linked, not duplicated', async () => {
    const created = await db.repos.audit.recent('user.sync.create', 1000);
    const active = inspectors.filter((i) => i.active).length;
    expect(created.length).toBe(summary.setup.people - 1); // all but the first admin, whom the sync links
    expect(created.every((a) => a.note === 'directory:wecom' && a.actor === admin.userId)).toBe(true);
    expect(summary.setup.people).toBe(summary.users.length - 1 + active); // the inspector user is one of the inspectors
    const root = users.find((u) => u.userId === 'admin')!;
    expect(root).toMatchObject({ roles: ['admin'], wecomUserId: 'LiZhenYu', dingtalkStaffId: '112901019999' });
    expect(users.filter((u) => u.name === root.name)).toHaveLength(1);
    for (const u of users) {
      expect(u.wecomUserId).toBeTruthy();
      expect(u.dingtalkStaffId).toBeTruthy();
      expect(u.mobile).toMatch(/^1[3-9]\d{9}$/);
    }
    // 县市管局's enforcement team is a sub-department tied to the unit by a stored mapping (部门映射).
    expect(await db.repos.deptMappings.all()).toEqual([expect.objectContaining({ platformDept: '市场监管综合执法大队', unit: 'SCJGJ' })]);
    expect(users.filter((u) => u.department === 'SCJGJ').length).toBeGreaterThan(10);
  });

  it('R20: every role was granted through the role service, audited, and every unit has a leader and an official', async () => {
    const grants = await db.repos.audit.recent('user.role.grant', 1000);
    const granted = users.filter((u) => u.roles.length > 0 && u.userId !== 'admin');
    expect(grants.length).toBe(granted.reduce((n, u) => n + u.roles.length, 0));
    for (const u of MEMBER_UNITS) {
      expect(users.some((x) => x.department === u.code && x.roles.includes('leader'))).toBe(true);
      expect(users.some((x) => x.department === u.code && x.roles.includes('official'))).toBe(true);
    }
    expect(users.filter((u) => u.roles.includes('office'))).toHaveLength(2);
    expect(users.filter((u) => u.roles.includes('justice'))).toHaveLength(2);
  });

  it('every inspector on duty is linked to a user by the link service (platform id or mobile), audited; lapsed certificates are off duty (R8a)', async () => {
    const onDuty = inspectors.filter((i) => i.active);
    const links = await db.repos.inspectorLinks.all();
    for (const i of onDuty) {
      const userId = links.get(i.inspectorNo);
      expect(userId).toBeDefined();
      const u = users.find((x) => x.userId === userId)!;
      expect([u.name, u.department]).toEqual([i.name, i.department]);
    }
    expect(summary.setup.linkedInspectors).toBe(onDuty.length);
    const audits = await db.repos.audit.recent('inspector.link', 1000);
    expect(audits).toHaveLength(onDuty.length);
    expect(new Set(audits.map((a) => a.note))).toEqual(new Set(['平台账号一致', '手机号一致']));
    expect(onDuty.filter((i) => isEnforcementOfficer(i) && !certificateValidOn(i, TODAY))).toEqual([]);
  });

  it('each unit\'s group robot is bound through the robot service: sealed, masked, audited, its check message sent nowhere', async () => {
    expect(summary.setup.robots).toBe(MEMBER_UNITS.length);
    const stored = await db.repos.robots.all();
    expect(stored).toHaveLength(MEMBER_UNITS.length);
    for (const r of stored) {
      expect(r.platform).toBe('wecom');
      expect(r.sealed).not.toContain(demoRobotAddress('wannian-demo', r.department).split('key=')[1]);
      expect(r.hint).toMatch(/^\*{4}.{4}$/);
    }
    expect(await db.repos.audit.recent('robot.bind', 100)).toHaveLength(MEMBER_UNITS.length);
    const robots = robotService({ repos: db.repos, now: () => NOW, settings: { SECRETS_KEY } });
    expect((await robots.resolve('wecom', 'XFJYDD'))?.value).toBe(demoRobotAddress('wannian-demo', 'XFJYDD').split('key=')[1]);
  });

  it('without SECRETS_KEY the demo binds no robot and says so', async () => {
    const x = await freshDb();
    try {
      const s = await fill(x, { entities: 100, inspectors: 60 }, admin, {});
      expect(s.setup.robots).toBe(0);
      expect(s.setup.robotsSkipped).toContain('SECRETS_KEY');
      expect(await x.repos.robots.all()).toEqual([]);
    } finally {
      await x.close();
    }
  }, 120_000);

  it('the demo directory, served by the WeCom and DingTalk emulators, syncs over HTTP to the same people as the demo', async () => {
    const wecom = await new WecomEmulator().start();
    const dingtalk = await startDingtalkEmulator({ appKey: 'dingkey', appSecret: 'dingsecret' });
    const x = await freshDb();
    try {
      const dir = demoDirectory(generateDemoData(2000, 100, 'wannian-demo', TODAY));
      loadDirectory(wecom.directory, wecomDirectoryOf(dir));
      loadDirectory(dingtalk.directory, dingtalkDirectoryOf(dir));
      const config = loadConfig({ ...wecom.env(), DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'dingsecret', DINGTALK_CARDS: 'actioncard', DINGTALK_API_BASE: dingtalk.url, DINGTALK_OAPI_BASE: dingtalk.url });
      const deps = { repos: x.repos, now: () => NOW };
      await x.repos.org.seedDepartments();
      await userService(deps).save(admin, { userId: 'admin', name: '李振宇', department: '县市管局', roles: ['admin'] });
      const directory = directoryService(deps);
      await directory.map(admin, '市场监管综合执法大队', '县市管局');
      const sources = directorySources({ config, repos: x.repos, now: () => NOW, log: createLogger('error', () => undefined) });
      for (const source of [sources.wecom!, sources.dingtalk!]) expect((await directory.sync(admin, source)).unmapped).toEqual([]);
      const shape = (list: UserDoc[]) => list.map((u) => [u.userId, u.name, u.department, u.wecomUserId, u.dingtalkStaffId, u.mobile, u.active].join('|')).sort();
      expect(shape(await x.repos.org.users())).toEqual(shape(users));
    } finally {
      await x.close();
      await wecom.stop();
      await dingtalk.close();
    }
  }, 120_000);
});

describe('determinism and safety', () => {
  it('the same seed gives the same data; another seed gives other data', () => {
    const a = generateDemoData(300, 60, 'wannian-demo', TODAY);
    const b = generateDemoData(300, 60, 'wannian-demo', TODAY);
    const c = generateDemoData(300, 60, 'another-seed', TODAY);
    expect(b).toEqual(a);
    expect(c.entities.slice(0, 5).map((e) => e.creditCode)).not.toEqual(a.entities.slice(0, 5).map((e) => e.creditCode));
    // The database holds exactly what the generator made for the default seed.
    const full = generateDemoData(2000, 100, 'wannian-demo', TODAY);
    expect(entities.map((e) => e.creditCode)).toEqual(full.entities.map((e) => e.creditCode).sort());
  });

  it('two fills with the same seed and clock write identical registries', async () => {
    const [x, y] = [await freshDb(), await freshDb()];
    try {
      await fill(x, { entities: 150, inspectors: 60, seed: 'same' });
      await fill(y, { entities: 150, inspectors: 60, seed: 'same' });
      for (const [name, key] of [['Entity', 'creditCode'], ['Inspector', 'inspectorNo'], ['Item', 'itemCode']] as const) {
        const dx = await all(x, name, key);
        expect(dx.length).toBeGreaterThan(0);
        expect(await all(y, name, key)).toEqual(dx);
      }
    } finally {
      await x.close();
      await y.close();
    }
  }, 120_000);

  it('refuses a database that already holds data, and writes nothing then', async () => {
    const before = await Promise.all(['entities', 'inspectors', 'items', 'users', 'audit', 'import_runs']
      .map((c) => db.models.Entity.db.db!.collection(c).countDocuments({})));
    await expect(fill(db, { entities: 150, inspectors: 60 })).rejects.toThrow(Refusal);
    await expect(fill(db, { entities: 150, inspectors: 60 })).rejects.toThrow(/演示数据只能填入空数据库/);
    const after = await Promise.all(['entities', 'inspectors', 'items', 'users', 'audit', 'import_runs']
      .map((c) => db.models.Entity.db.db!.collection(c).countDocuments({})));
    expect(after).toEqual(before);
  }, 60_000);

  it('R20: only an admin may fill, and the counts must make sense (R8a: two officers per unit)', async () => {
    const x = await freshDb();
    try {
      const official: Caller = { userId: 'someone', name: '某人', department: 'SCJGJ', roles: ['official'], channel: 'cli' };
      await expect(fill(x, { entities: 150 }, official)).rejects.toThrow(/只有系统管理员/);
      await expect(fill(x, { entities: 150, inspectors: 30 })).rejects.toThrow(/至少2名执法人员/);
      await expect(fill(x, { entities: 5 })).rejects.toThrow(Refusal);
      expect(await x.repos.entities.count({})).toBe(0);
      expect(await x.repos.org.users()).toHaveLength(0);
    } finally {
      await x.close();
    }
  });
});

describe('npm run cli -- demo', () => {
  const cli = (dbName: string, args: string[]) => runTsx('src/cli/main.ts', args, { dbName });

  it('fills a fresh database, prints the demo users with their ids and roles, and then refuses to run again', async () => {
    const x = await freshDb();
    try {
      const r = await cli(x.dbName, ['demo', '--entities', '500', '--inspectors', '60']);
      expect(r.err).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      expect(r.out).toContain('市场主体 500 户');
      expect(r.out).toContain('执法检查人员 60 名');
      const registered = (await x.repos.org.users()).filter((u) => u.roles.length > 0);
      expect(registered.length).toBeGreaterThanOrEqual(ROLES.length);
      for (const u of registered) {
        const line = r.out.split('\n').find((l) => l.startsWith(`${u.userId} `));
        expect(line).toBeDefined();
        for (const role of u.roles) expect(line).toContain(`(${role})`);
        expect(line).toContain(u.wecomUserId!);
        expect(line).toContain(u.dingtalkStaffId!);
      }
      expect(r.out).toContain('npm run chat -- --as scj.official');
      expect(await x.repos.entities.count({})).toBe(500);

      const again = await cli(x.dbName, ['demo', '--entities', '500', '--inspectors', '60']);
      expect(again.code).toBe(1);
      expect(again.err).toContain('演示数据只能填入空数据库');
    } finally {
      await x.close();
    }
  }, 120_000);
});
