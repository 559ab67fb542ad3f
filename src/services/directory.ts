/**
 * Directory sync (通讯录): people come from the platform's organisation, not one
 * CLI line each. Each platform department is tied to a member unit (by its name,
 * or by a mapping an admin stored with 部门映射); people in a mapped department
 * are created or updated with their platform id, name, unit and mobile; people
 * no longer in the directory (or disabled there) are deactivated — never
 * deleted, so their history stays attributable (R20). A dry run only reports.
 */
import { diff } from '../domain/audit';
import { findUnit, unitName } from '../domain/organisation';
import type { UserDoc } from '../domain/records/org';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

export type DirectoryPlatform = 'wecom' | 'dingtalk';

export interface DirectoryPerson {
  platformId: string;
  name: string;
  mobile?: string;
  /** Names of the platform departments the person is in, main department first. */
  departments: string[];
  /** Still working there (WeCom status 1 or 4; DingTalk lists only active people). */
  active: boolean;
}

/** A platform's organisation as its contact APIs return it (bot/channels/*\/directory.ts). */
export interface DirectorySource {
  platform: DirectoryPlatform;
  fetch(): Promise<{ departments: string[]; people: DirectoryPerson[] }>;
}

export interface SyncChange {
  userId: string;
  name: string;
  department: string;
  /** Fields that change (updates); never their values, which may be mobiles. */
  fields?: string[];
}

export interface SyncReport {
  platform: DirectoryPlatform;
  dryRun: boolean;
  created: SyncChange[];
  updated: SyncChange[];
  deactivated: SyncChange[];
  unchanged: number;
  /** Platform departments tied to no member unit, with how many people are in them. */
  unmapped: { platformDept: string; people: number }[];
}

const FIELD = { wecom: 'wecomUserId', dingtalk: 'dingtalkStaffId' } as const;
const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

export function directoryService({ repos, now }: Deps) {
  async function mappingTable(): Promise<Map<string, string>> {
    return new Map((await repos.deptMappings.all()).map((m) => [m.platformDept, m.unit]));
  }
  /** The unit a platform department stands for: the stored mapping, else its own name if it is a member unit. */
  const unitOf = (table: Map<string, string>, dept: string) => table.get(dept) ?? findUnit(dept)?.code;

  return {
    /** 部门映射 <平台部门> <成员单位> (admins). */
    async map(by: Caller, platformDept: string, unitWord: string): Promise<{ unit: string; before?: string }> {
      requireRole(by, ['admin'], '设置部门映射');
      const dept = platformDept.trim();
      if (!dept || dept.length > 64) throw new Refusal('请写出通讯录中的部门名称（64字以内），例如：部门映射 市场监管综合执法大队 县市管局');
      const unit = findUnit(unitWord);
      if (!unit) throw new Refusal(`“${unitWord}”不是联席会议成员单位，请用如“县市管局”的名称`, 'R19');
      const at = now();
      const before = await repos.deptMappings.save({ platformDept: dept, unit: unit.code, by: by.userId, at });
      await repos.audit.append({
        at, actor: by.userId, channel: by.channel, action: 'directory.map', target: `dept-mapping:${dept}`,
        changes: diff(before ? { unit: before.unit } : undefined, { unit: unit.code }), note: '',
      });
      return { unit: unit.code, before: before?.unit };
    },

    /** When a platform was last synced for real (undefined: never, so the daily job leaves it alone). */
    lastRun: (platform: DirectoryPlatform) => repos.deptMappings.lastRun(platform),

    async mappings(): Promise<{ platformDept: string; unit: string }[]> {
      return (await repos.deptMappings.all()).map(({ platformDept, unit }) => ({ platformDept, unit }));
    },

    /** Fetches the platform's organisation and brings the users in line with it (or only reports, dryRun). */
    async sync(by: Caller, source: DirectorySource, opts: { dryRun?: boolean } = {}): Promise<SyncReport> {
      requireRole(by, ['admin'], '同步通讯录');
      const platform = source.platform;
      const field = FIELD[platform];
      const { people } = await source.fetch();
      // An empty answer is a misconfigured visible range, not everybody leaving.
      if (people.length === 0) throw new Refusal('通讯录返回0人，未作任何改动：请检查应用的可见范围（企业微信）或通讯录权限（钉钉）。');
      const table = await mappingTable();
      const users = await repos.org.users();
      const byPlatformId = new Map(users.filter((u) => u[field]).map((u) => [u[field]!, u]));
      const takenIds = new Set(users.map((u) => u.userId));
      const report: SyncReport = { platform, dryRun: Boolean(opts.dryRun), created: [], updated: [], deactivated: [], unchanged: 0, unmapped: [] };
      const unmapped = new Map<string, number>();
      const seen = new Set<string>();
      const at = now();
      const actor = { actor: by.userId, channel: by.channel };
      const write = async (before: UserDoc | undefined, after: UserDoc, action: string) => {
        if (opts.dryRun) return;
        await repos.org.saveUser(after);
        const strip = (u: UserDoc) => { const { createdAt: _c, updatedAt: _u, ...rest } = u; void _c; void _u; return rest; };
        await repos.audit.append({ at, ...actor, action, target: `user:${after.userId}`, changes: diff(before && strip(before), strip(after)), note: `directory:${platform}` });
      };

      for (const p of people) {
        seen.add(p.platformId);
        const existing = byPlatformId.get(p.platformId);
        const dept = p.departments.find((d) => unitOf(table, d));
        const unit = dept ? unitOf(table, dept)! : undefined;
        if (!unit) {
          if (!existing) for (const d of p.departments.slice(0, 1)) unmapped.set(d, (unmapped.get(d) ?? 0) + 1);
          if (!existing) continue;
        }
        if (!existing) {
          if (!p.active) continue;
          // Registered by hand (the first admin) with the same name in the same unit, no platform id yet: linked.
          const manual = users.filter((u) => !u[field] && u.name === p.name && u.department === unit);
          if (manual.length === 1) {
            const before = manual[0]!;
            const after: UserDoc = { ...before, [field]: p.platformId, mobile: p.mobile ?? before.mobile, active: true, updatedAt: at };
            report.updated.push({ userId: before.userId, name: p.name, department: unit!, fields: [field, ...(p.mobile && p.mobile !== before.mobile ? ['mobile'] : [])] });
            byPlatformId.set(p.platformId, after);
            await write(before, after, 'user.sync.update');
            continue;
          }
          let userId = USER_ID.test(p.platformId) ? p.platformId : `${platform}.${Buffer.from(p.platformId).toString('hex').slice(0, 48)}`;
          if (takenIds.has(userId)) userId = `${platform}.${userId}`.slice(0, 64);
          takenIds.add(userId);
          const user: UserDoc = {
            userId, name: p.name.slice(0, 50) || userId, department: unit!, roles: [], [field]: p.platformId,
            ...(p.mobile ? { mobile: p.mobile } : {}), active: true, createdAt: at, updatedAt: at,
          };
          report.created.push({ userId, name: user.name, department: unit! });
          await write(undefined, user, 'user.sync.create');
          continue;
        }
        const after: UserDoc = {
          ...existing,
          name: p.name.slice(0, 50) || existing.name,
          department: unit ?? existing.department,
          ...(p.mobile ? { mobile: p.mobile } : {}),
          active: p.active,
        };
        const fields = (['name', 'department', 'mobile', 'active'] as const).filter((f) => after[f] !== existing[f]);
        if (fields.length === 0) { report.unchanged++; continue; }
        after.updatedAt = at;
        const change = { userId: existing.userId, name: after.name, department: after.department, fields: [...fields] };
        if (!p.active && existing.active) report.deactivated.push(change);
        else report.updated.push(change);
        await write(existing, after, p.active ? 'user.sync.update' : 'user.sync.deactivate');
      }

      // Left the organisation: deactivated, never deleted (R20).
      for (const u of users) {
        const id = u[field];
        if (!id || seen.has(id) || !u.active) continue;
        const after: UserDoc = { ...u, active: false, updatedAt: at };
        report.deactivated.push({ userId: u.userId, name: u.name, department: u.department, fields: ['active'] });
        await write(u, after, 'user.sync.deactivate');
      }
      report.unmapped = [...unmapped].map(([platformDept, n]) => ({ platformDept, people: n }));
      if (!opts.dryRun) await repos.deptMappings.recordRun(platform, { at, by: by.userId, created: report.created.length, updated: report.updated.length, deactivated: report.deactivated.length });
      return report;
    },
  };
}

/** The report as a few Chinese lines (CLI and chat); names and units only, never mobiles. */
export function syncReportText(r: SyncReport, limit = 20): string {
  const who = (list: SyncChange[]) => list.slice(0, limit).map((c) => `${c.name}（${c.userId}，${unitName(c.department)}）`).join('、') + (list.length > limit ? ` 等${list.length}人` : '');
  const label = r.platform === 'wecom' ? '企业微信' : '钉钉';
  const lines = [`${label}通讯录${r.dryRun ? '试同步（未作任何改动）' : '同步完成'}：新增${r.created.length}人，更新${r.updated.length}人，停用${r.deactivated.length}人，未变${r.unchanged}人。`];
  if (r.created.length) lines.push(`新增：${who(r.created)}`);
  if (r.updated.length) lines.push(`更新：${who(r.updated)}`);
  if (r.deactivated.length) lines.push(`停用（已离开或被禁用，记录保留）：${who(r.deactivated)}`);
  if (r.unmapped.length) {
    lines.push(`以下通讯录部门未对应成员单位，其人员未登记：${r.unmapped.map((u) => `${u.platformDept}（${u.people}人）`).join('、')}。请管理员发送“部门映射 <通讯录部门> <成员单位>”后再同步。`);
  }
  return lines.join('\n');
}

export type DirectoryService = ReturnType<typeof directoryService>;
