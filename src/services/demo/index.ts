/**
 * The demo county for an empty database (`npm run cli -- demo`): Wannian
 * County's 30 member units (R19), about 30,000 market entities spread over pools
 * A/B/C with their provenance (R1, R6), an inspector directory with a joint pool
 * (R7, R8, R8a), item lists for every member unit (R9), and its people.
 *
 * It is set up the way a real county is (README “Setting up a county”), through
 * the same use cases: the first admin registered as `user add` does; the
 * registry rows through the importer's row path (a rejected row is a bug here);
 * people from the county's directory through the directory sync, WeCom then
 * DingTalk, with one department mapping; roles granted as 授权 does; inspectors
 * linked to people as 关联检查人员 确认 does; a group robot per unit bound as
 * 绑定群机器人 does (with SECRETS_KEY) — so 部署检查 finds nothing missing.
 * Deterministic: the tables are in ./fixtures, generation in ./generate and
 * ./directory (pure, seeded); time comes from deps.now().
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../domain/audit';
import { beijingDate } from '../../domain/calendar';
import { JOINT_OFFICE_HOST, MEMBER_UNITS, ROLE_LABELS, unitName, type Role } from '../../domain/organisation';
import { POOL_LABELS, type EntityKind, type Pool, type RiskClass } from '../../domain/pools';
import type { InspectorKind } from '../../domain/inspector';
import { hasAny, Refusal, type Caller, type Deps } from '../context';
import { directoryService } from '../directory';
import { importService } from '../importer';
import { inspectorLinkService } from '../inspectorLinks';
import { robotService, type RobotProbe } from '../robots';
import { roleService } from '../roles';
import { userService } from '../users';
import { demoDirectory, demoDirectorySource } from './directory';
import { FIRST_ADMIN, OFFICE_USER, PROPOSER, SUB_DEPARTMENT, USERS } from './fixtures';
import { generateDemoData, type Cells, type Placement } from './generate';

export { generateDemoData, type DemoData, type Placement } from './generate';
export { demoDirectory, type DemoDirectory, type DemoPerson } from './directory';

export interface DemoOptions {
  entities?: number;
  inspectors?: number;
  seed?: string;
  onProgress?: (msg: string) => void;
}

export interface DemoUser {
  userId: string;
  name: string;
  /** Department name, e.g. 县市管局. */
  department: string;
  roles: Role[];
  wecomUserId: string;
  dingtalkStaffId: string;
}

export interface DemoSummary {
  seed: string;
  counts: { departments: number; entities: number; inspectors: number; items: number; users: number };
  pools: Record<Pool, number>;
  entityKinds: Record<EntityKind, number>;
  riskClasses: Record<RiskClass, number>;
  inspectorKinds: Record<InspectorKind, number>;
  jointPoolInspectors: number;
  jointListItems: number;
  /** The people who hold a role (granted after the sync, or the first admin). */
  users: DemoUser[];
  /** How the county was set up: people synced from the directory, inspectors linked, group robots bound. */
  setup: { people: number; mappings: number; linkedInspectors: number; robots: number; robotsSkipped?: string };
  /** The importer's run ids (entities, inspectors, items). */
  importRuns: string[];
  tookMs: number;
}

export const DEMO_DEFAULTS = { entities: 30_000, inspectors: 300, seed: 'wannian-demo' } as const;
export const DEMO_LIMITS = { entities: [100, 500_000], inspectors: [60, 5_000] } as const;

/** The demo's group robot of a unit: a WeCom webhook address on the local machine, its key derived from the seed. */
export function demoRobotAddress(seed: string, unitCode: string): string {
  const h = createHash('sha256').update(`${seed}:robot:${unitCode}`).digest('hex');
  return `http://127.0.0.1/cgi-bin/webhook/send?key=${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function* rowsOf(list: readonly Cells[]): AsyncIterable<{ row: number; cells: Record<string, string> }> {
  // Row 1 would be the header of a spreadsheet.
  for (let i = 0; i < list.length; i++) yield { row: i + 2, cells: list[i] };
}

function count<T extends string>(values: Iterable<string>, keys: readonly T[]): Record<T, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
  for (const v of values) if (v in out) out[v as T]++;
  return out;
}

export function demoService(deps: Deps) {
  const { repos, now } = deps;
  const importer = importService(deps);
  const users = userService(deps);
  const directory = directoryService(deps);
  const roles = roleService(deps);
  const links = inspectorLinkService(deps);
  const robots = robotService(deps);

  return {
    async fill(caller: Caller, opts: DemoOptions = {}): Promise<DemoSummary> {
      const started = Date.now();
      const progress = opts.onProgress ?? (() => undefined);
      if (!hasAny(caller, ['admin'])) throw new Refusal('只有系统管理员可以生成演示数据（R20）');
      const nEntities = opts.entities ?? DEMO_DEFAULTS.entities;
      const nInspectors = opts.inspectors ?? DEMO_DEFAULTS.inspectors;
      const seed = (opts.seed ?? DEMO_DEFAULTS.seed).trim() || DEMO_DEFAULTS.seed;
      if (!Number.isInteger(nEntities) || nEntities < DEMO_LIMITS.entities[0] || nEntities > DEMO_LIMITS.entities[1]) {
        throw new Refusal(`市场主体数量应为${DEMO_LIMITS.entities[0]}至${DEMO_LIMITS.entities[1]}之间的整数`);
      }
      if (!Number.isInteger(nInspectors) || nInspectors < DEMO_LIMITS.inspectors[0] || nInspectors > DEMO_LIMITS.inspectors[1]) {
        throw new Refusal(`执法检查人员数量应为${DEMO_LIMITS.inspectors[0]}至${DEMO_LIMITS.inspectors[1]}之间的整数（每个成员单位至少2名执法人员，R8a）`);
      }

      // Only an empty database: demo data must never mix with a county's real lists.
      const [e, i, it, us] = await Promise.all([
        repos.entities.count({}), repos.inspectors.count(), repos.items.count(), repos.org.users(),
      ]);
      if (e + i + it + us.length > 0) {
        throw new Refusal(`数据库中已有数据（市场主体${e}户、执法检查人员${i}名、检查事项${it}项、用户${us.length}个），演示数据只能填入空数据库；请换一个空数据库（如 DB_NAME=demo）后再运行`);
      }

      const today = beijingDate(now());
      progress(`生成演示数据（种子 ${seed}）…`);
      const g = generateDemoData(nEntities, nInspectors, seed, today);

      await repos.org.seedDepartments();
      // The first admin, as `npm run cli -- user add` registers them; everything else comes from the directory and the chat.
      progress('登记第一位系统管理员…');
      await users.save(caller, { userId: FIRST_ADMIN.userId, name: FIRST_ADMIN.name, department: unitName(FIRST_ADMIN.department), roles: ['admin'] });

      const source = `演示数据（种子 ${seed}）`;
      const runIds: string[] = [];
      const run = async (kind: 'entities' | 'inspectors' | 'items', rows: readonly Cells[], label: string, initial?: (key: string) => Record<string, unknown> | undefined) => {
        progress(`导入${label} ${rows.length} 条…`);
        let last = 0;
        const r = await importer.importRows(caller, kind, rowsOf(rows), {
          source,
          initial,
          onProgress: (n) => {
            if (n - last >= 5000 || n === rows.length) {
              last = n;
              progress(`  ${label} ${n}/${rows.length}`);
            }
          },
        });
        runIds.push(r.runId);
        if (r.rejected.length > 0 || r.imported !== rows.length) {
          const first = r.rejected.slice(0, 5).map((x) => `第${x.row}行：${x.reason}`).join('；');
          throw new Error(`demo generator bug: the importer took ${r.imported} of ${rows.length} ${kind} rows and rejected ${r.rejected.length}: ${first}`);
        }
      };
      await run('items', g.items, '检查事项');
      await run('inspectors', g.inspectors, '执法检查人员');
      const setup = await setUpCounty(caller, g, seed, progress);
      progress('按R1确定A类、C类名单…');
      const initial = placementsOf(caller, g.placements);
      await run('entities', g.entities, '市场主体', (code) => initial.fields.get(code));
      await repos.audit.append(initial.audits);

      // Every write above was checked row by row (import counts, batch counts), so the pools are known exactly.
      const pools: Record<Pool, number> = { A: 0, B: g.entities.length - g.placements.length, C: 0 };
      for (const p of g.placements) pools[p.pool]++;
      const at = now();
      const registered = await repos.org.users();
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'demo.fill', target: 'database',
        changes: [], note: `演示数据（种子 ${seed}）：成员单位${MEMBER_UNITS.length}个，市场主体${g.entities.length}户（A类${pools.A}、B类${pools.B}、C类${pools.C}），执法检查人员${g.inspectors.length}名，检查事项${g.items.length}项，用户${registered.length}个，群机器人${setup.robots}个`,
      });
      progress('完成');
      // In the order of the fixtures (the first admin, 县市管局, 司法局, …), the inspector user last.
      const order = [FIRST_ADMIN.userId, ...USERS.map((u) => u.userId)];
      const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
      const demoUsers: DemoUser[] = registered.filter((u) => u.roles.length > 0).sort((a, b) => rank(a.userId) - rank(b.userId)).map((u) => ({
        userId: u.userId, name: u.name, department: unitName(u.department), roles: u.roles, wecomUserId: u.wecomUserId ?? '', dingtalkStaffId: u.dingtalkStaffId ?? '',
      }));
      return {
        seed,
        counts: { departments: MEMBER_UNITS.length, entities: g.entities.length, inspectors: g.inspectors.length, items: g.items.length, users: registered.length },
        pools,
        entityKinds: count(g.entities.map((r) => r.kind), ['企业', '个体工商户', '农民专业合作社'] as const),
        riskClasses: count(g.entities.map((r) => r.riskClass), ['低', '一般', '较高', '高'] as const),
        inspectorKinds: count(g.inspectors.map((r) => r.kind), ['civil_servant', 'qualified_staff', 'daily_supervision', 'expert'] as const),
        jointPoolInspectors: g.inspectors.filter((r) => r.jointPool === '是').length,
        jointListItems: g.items.filter((r) => r.jointListA === '是').length,
        users: demoUsers,
        setup,
        importRuns: runIds,
        tookMs: Date.now() - started,
      };
    },
  };

  /**
   * The county's people, roles, inspector links and group robots, set up through the
   * same use cases an admin drives from the CLI and the chat; anything they refuse is
   * a bug in the demo's data, so it stops the demo.
   */
  async function setUpCounty(caller: Caller, g: ReturnType<typeof generateDemoData>, seed: string, progress: (msg: string) => void): Promise<DemoSummary['setup']> {
    const dir = demoDirectory(g);
    progress(`同步通讯录（企业微信、钉钉）${dir.people.length} 人…`);
    await directory.map(caller, SUB_DEPARTMENT.name, unitName(SUB_DEPARTMENT.unit));
    for (const platform of ['wecom', 'dingtalk'] as const) {
      const r = await directory.sync(caller, demoDirectorySource(dir, platform));
      if (r.unmapped.length > 0) throw new Error(`demo directory bug: unmapped departments ${r.unmapped.map((u) => u.platformDept).join(', ')}`);
    }
    progress('授权角色…');
    for (const p of dir.people) {
      for (const role of p.roles) await roles.grant(caller, p.wecomUserId, ROLE_LABELS[role]);
    }
    progress('关联执法检查人员…');
    const linked = await links.apply(caller);
    if (linked.ambiguous.length + linked.unlinked.length > 0) {
      throw new Error(`demo directory bug: ${linked.ambiguous.length} ambiguous and ${linked.unlinked.length} unlinked inspectors (${[...linked.ambiguous, ...linked.unlinked].slice(0, 3).map((x) => x.inspectorNo).join(', ')})`);
    }
    const out: DemoSummary['setup'] = { people: dir.people.length, mappings: 1, linkedInspectors: linked.proposed.length + linked.alreadyLinked, robots: 0 };
    if (!deps.settings?.SECRETS_KEY) {
      out.robotsSkipped = '未设置 SECRETS_KEY，未绑定群机器人';
      return out;
    }
    progress('绑定各部门工作群机器人…');
    // The demo's groups do not exist: the check message a binding sends goes nowhere (no robot server
    // need be listening, so it cannot fail the demo); announcements later go to the outbox like any county's.
    const probe: RobotProbe = async () => undefined;
    for (const u of MEMBER_UNITS) {
      if ((await robots.channelsOf(u.code)).wecom) continue; // listed in WECOM_ROBOTS, which takes precedence
      await robots.bind(caller, u.name, demoRobotAddress(seed, u.code), undefined, probe);
      out.robots++;
    }
    return out;
  }

  /**
   * The demo's A and C entities with the provenance R1 asks for, set when they
   * are imported: A decided by 联席办; C proposed by the member unit in charge
   * and confirmed by 联席办 (the reason keeps the proposer, as
   * poolService.decide() writes it); and one audit entry per batch (R20).
   */
  function placementsOf(caller: Caller, placements: Placement[]): { fields: Map<string, Record<string, unknown>>; audits: AuditEntry[] } {
    const groups = new Map<string, Placement[]>();
    for (const p of placements) {
      const key = `${p.pool}|${p.proposerDept ?? ''}|${p.reason}`;
      const list = groups.get(key) ?? [];
      list.push(p);
      groups.set(key, list);
    }
    const note = (what: string, codes: string[]) => `演示数据批量操作：${what}，共${codes.length}户：${codes.join('、')}`;
    const at = now();
    const fields = new Map<string, Record<string, unknown>>();
    const audits: AuditEntry[] = [];
    for (const list of groups.values()) {
      const { pool, reason } = list[0];
      const codes = list.map((p) => p.code);
      if (pool === 'A') {
        for (const c of codes) fields.set(c, { pool: 'A', poolPlacedBy: OFFICE_USER, poolPlacedAt: at, poolReason: reason });
        audits.push({
          at, actor: OFFICE_USER, channel: caller.channel, action: 'pool.place.batch', target: 'pool:A',
          changes: [{ field: 'pool', from: '"B"', to: '"A"' }], note: note(`联席办确定列入${POOL_LABELS.A}（${reason}）`, codes),
        });
        continue;
      }
      const dept = list[0].proposerDept ?? JOINT_OFFICE_HOST;
      const proposer = PROPOSER[dept];
      for (const c of codes) fields.set(c, { pool: 'C', poolPlacedBy: OFFICE_USER, poolPlacedAt: at, poolReason: `${reason}（${proposer}提出，联席办确认）` });
      audits.push(
        {
          at, actor: proposer, channel: caller.channel, action: 'pool.propose.batch', target: 'pool:C',
          changes: [{ field: 'pendingPool', from: '""', to: '"C"' }], note: note(`${unitName(dept)}提出拟入${POOL_LABELS.C}（${reason}）`, codes),
        },
        {
          at, actor: OFFICE_USER, channel: caller.channel, action: 'pool.confirm.batch', target: 'pool:C',
          changes: [{ field: 'pool', from: '"B"', to: '"C"' }], note: note(`联席办确认${unitName(dept)}（${proposer}）提出的${POOL_LABELS.C}名单（${reason}）`, codes),
        },
      );
    }
    return { fields, audits };
  }
}

export type DemoService = ReturnType<typeof demoService>;
