/**
 * Inspectors linked to the people who receive their tasks (R7, R20): an
 * inspector is matched to the one active user with its platform id, else its
 * mobile, else its name in the same unit; several such users are listed for review (an admin links one by hand),
 * none means the inspector cannot receive tasks and is listed too. Proposals
 * are shown first (关联检查人员) and applied on confirmation (关联检查人员 确认).
 */
import { MEMBER_UNITS, unitName } from '../domain/organisation';
import type { InspectorDoc } from '../domain/records/directory';
import type { Repos } from '../../store/repos';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

export type LinkHow = 'platform' | 'mobile' | 'name';
const HOW_NOTE: Record<LinkHow, string> = { platform: '平台账号一致', mobile: '手机号一致', name: '姓名+部门唯一匹配' };

export interface LinkProposal {
  /** Unique matches (platform id, mobile, or name + unit), not yet linked. */
  proposed: { inspectorNo: string; name: string; department: string; userId: string; how: LinkHow }[];
  /** Several users could be this inspector: an admin decides. */
  ambiguous: { inspectorNo: string; name: string; department: string; candidates: string[] }[];
  /** Nobody to link: these inspectors cannot receive tasks. */
  unlinked: { inspectorNo: string; name: string; department: string }[];
  alreadyLinked: number;
}

/**
 * The active users who receive these inspectors' tasks, inspector number → user id:
 * the stored link, else (registrations made before links) a user whose id is the inspector number.
 */
export async function usersOfInspectors(repos: Repos, inspectorNos: Iterable<string>): Promise<Map<string, string>> {
  const links = await repos.inspectorLinks.all();
  const active = new Set((await repos.org.users()).filter((u) => u.active).map((u) => u.userId));
  const out = new Map<string, string>();
  for (const no of inspectorNos) {
    const userId = links.get(no) ?? no;
    if (active.has(userId)) out.set(no, userId);
  }
  return out;
}

/** The inspector a user is: the stored link, else the inspector whose number is the user id. */
export async function inspectorOfUser(repos: Repos, userId: string): Promise<string | undefined> {
  return (await repos.inspectorLinks.inspectorFor(userId)) ?? ((await repos.inspectors.get(userId)) ? userId : undefined);
}

export function inspectorLinkService({ repos, now }: Deps) {
  /** The user who receives an inspector's tasks: the stored link, else (older registrations) the user whose id is the inspector number. */
  async function userFor(inspectorNo: string): Promise<string | undefined> {
    return (await repos.inspectorLinks.userFor(inspectorNo)) ?? ((await repos.org.user(inspectorNo))?.active ? inspectorNo : undefined);
  }

  async function propose(): Promise<LinkProposal> {
    const links = await repos.inspectorLinks.all();
    const users = (await repos.org.users()).filter((u) => u.active);
    const byId = new Set(users.map((u) => u.userId));
    const linkedUsers = new Set(links.values());
    const out: LinkProposal = { proposed: [], ambiguous: [], unlinked: [], alreadyLinked: 0 };
    const inspectors: InspectorDoc[] = [];
    for (const u of MEMBER_UNITS) inspectors.push(...(await repos.inspectors.byDepartment(u.code, { activeOnly: true })));
    for (const i of inspectors) {
      const linked = links.get(i.inspectorNo);
      if ((linked && byId.has(linked)) || (!linked && byId.has(i.inspectorNo))) { out.alreadyLinked++; continue; }
      const free = users.filter((u) => !linkedUsers.has(u.userId));
      // By platform id, then mobile, then name + unit: the first way that finds anyone decides.
      const ways: [LinkHow, typeof free][] = [
        ['platform', i.platformId ? free.filter((u) => u.wecomUserId === i.platformId || u.dingtalkStaffId === i.platformId) : []],
        ['mobile', i.mobile ? free.filter((u) => u.mobile === i.mobile) : []],
        ['name', free.filter((u) => u.name === i.name && u.department === i.department)],
      ];
      const [how, candidates] = ways.find(([, c]) => c.length > 0) ?? ['name', []];
      const base = { inspectorNo: i.inspectorNo, name: i.name, department: i.department };
      if (candidates.length === 1) out.proposed.push({ ...base, userId: candidates[0]!.userId, how });
      else if (candidates.length > 1) out.ambiguous.push({ ...base, candidates: candidates.map((c) => c.userId) });
      else out.unlinked.push(base);
    }
    return out;
  }

  return {
    userFor,
    /** The inspector a user is (我的任务): the stored link, else the inspector whose number is the user id. */
    inspectorFor: (userId: string) => inspectorOfUser(repos, userId),
    async propose(by: Caller): Promise<LinkProposal> {
      requireRole(by, ['admin', 'office'], '查看检查人员关联');
      return propose();
    },
    /** Applies the unique matches (never the ambiguous ones); audited. */
    async apply(by: Caller): Promise<LinkProposal> {
      requireRole(by, ['admin'], '关联检查人员');
      const p = await propose();
      const at = now();
      for (const m of p.proposed) {
        await repos.inspectorLinks.link({ inspectorNo: m.inspectorNo, userId: m.userId, how: m.how, by: by.userId, at });
        await repos.audit.append({ at, actor: by.userId, channel: by.channel, action: 'inspector.link', target: `inspector:${m.inspectorNo}`, changes: [{ field: 'userId', from: '', to: JSON.stringify(m.userId) }], note: HOW_NOTE[m.how] });
      }
      return p;
    },
    /** An admin links one inspector to one user by hand (the ambiguous ones). */
    async linkOne(by: Caller, inspectorNo: string, userId: string): Promise<{ name: string; userName: string }> {
      requireRole(by, ['admin'], '关联检查人员');
      const i = await repos.inspectors.get(inspectorNo.trim());
      if (!i) throw new Refusal(`没有编号为“${inspectorNo.trim().slice(0, 30)}”的检查人员`);
      const u = await repos.org.user(userId.trim());
      if (!u || !u.active) throw new Refusal(`没有账号为“${userId.trim().slice(0, 30)}”的在岗用户；请先同步通讯录`);
      if (u.department !== i.department) throw new Refusal(`${i.name}属于${unitName(i.department)}，${u.name}属于${unitName(u.department)}，不能关联`, 'R19');
      const at = now();
      const before = await repos.inspectorLinks.userFor(i.inspectorNo);
      await repos.inspectorLinks.link({ inspectorNo: i.inspectorNo, userId: u.userId, how: 'manual', by: by.userId, at });
      await repos.audit.append({ at, actor: by.userId, channel: by.channel, action: 'inspector.link', target: `inspector:${i.inspectorNo}`, changes: [{ field: 'userId', from: before ? JSON.stringify(before) : '', to: JSON.stringify(u.userId) }], note: '管理员指定' });
      return { name: i.name, userName: u.name };
    },
  };
}

export type InspectorLinkService = ReturnType<typeof inspectorLinkService>;
