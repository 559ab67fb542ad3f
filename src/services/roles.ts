/**
 * Roles granted and revoked from the chat by admins (R19, R20): every change is
 * audited with who made it, through which channel, and what changed.
 */
import { diff } from '../domain/audit';
import { findUnit, roleHomeDepartment, ROLE_LABELS, ROLES, unitName, type Role } from '../domain/organisation';
import type { UserDoc } from '../domain/records/org';
import type { RuleId } from '../domain/rules';
import { Refusal, type Caller, type Deps } from './context';

/** "经办人、部门领导或联席办". */
export function roleWords(roles: readonly Role[]): string {
  const labels = roles.map((r) => ROLE_LABELS[r]);
  return labels.length > 1 ? `${labels.slice(0, -1).join('、')}或${labels[labels.length - 1]}` : labels.join('');
}

/**
 * The one guard for who may do what: refuses unless the caller holds one of the
 * roles. `what` says what they tried, in Chinese; `who` words the roles when
 * their labels alone would not ("成员单位的经办人…"); `rule` is the rule the
 * restriction rests on (R20 — duties by role, every grant audited — when none is named).
 */
export function requireRole(caller: Caller, roles: readonly Role[], what: string, opts: { who?: string; rule?: RuleId } = {}): void {
  if (caller.roles.some((r) => roles.includes(r))) return;
  throw new Refusal(`只有${opts.who ?? roleWords(roles)}可以${what}；每项授权都记录在案，请联系系统管理员。`, opts.rule ?? 'R20');
}

/** A role from its Chinese label (部门领导), a short form (领导) or its code (leader). */
export function parseRole(word: string): Role | undefined {
  const w = word.trim();
  if ((ROLES as readonly string[]).includes(w.toLowerCase())) return w.toLowerCase() as Role;
  const short: Record<string, Role> = { 领导: 'leader', 经办: 'official', 经办人员: 'official', 管理员: 'admin', 检查人员: 'inspector', 执法人员: 'inspector', 司法局: 'justice', 司法审核: 'justice', 合法性审核: 'justice' };
  return (Object.entries(ROLE_LABELS).find(([, label]) => label === w)?.[0] as Role | undefined) ?? short[w];
}

const ROLE_WORDS = ROLES.map((r) => ROLE_LABELS[r]).join('、');

export function roleService({ repos, now }: Deps) {
  /** The one active or inactive user a name or account stands for; refuses when none or several. */
  async function findPerson(who: string, department?: string): Promise<UserDoc> {
    const byId = await repos.org.user(who);
    if (byId) return byId;
    const dept = department ? findUnit(department) : undefined;
    if (department && !dept) throw new Refusal(`部门“${department}”不是联席会议成员单位，请用如“县市管局”的名称`, 'R19');
    const all = (await repos.org.users()).filter((u) => u.name === who && (!dept || u.department === dept.code));
    const active = all.filter((u) => u.active);
    const hits = active.length ? active : all;
    if (hits.length === 0) throw new Refusal(`找不到姓名或账号为“${who}”的登记用户${dept ? `（${dept.name}）` : ''}；请先同步通讯录（npm run cli -- directory sync）或用 user add 登记。`);
    if (hits.length > 1) {
      const list = hits.map((u) => `${u.userId}（${unitName(u.department)}）`).join('、');
      throw new Refusal(`“${who}”有${hits.length}人同名：${list}。请改用账号，或在角色后加部门。`);
    }
    return hits[0]!;
  }

  async function change(by: Caller, who: string, roleWord: string, department: string | undefined, grant: boolean): Promise<{ user: UserDoc; changed: boolean }> {
    requireRole(by, ['admin'], grant ? '授权' : '撤销角色');
    const role = parseRole(roleWord);
    if (!role) throw new Refusal(`角色“${roleWord}”无效，可选：${ROLE_WORDS}`);
    const user = await findPerson(who, department);
    if (user.userId === by.userId) throw new Refusal('不能给自己授权或撤销自己的角色，请由另一位系统管理员办理。', 'R20');
    if (grant && !user.active) throw new Refusal(`${user.name}（${user.userId}）的账号已停用，不能授权；如已返岗，请先同步通讯录。`, 'R20');
    const home = roleHomeDepartment(role);
    if (grant && home && home !== user.department) {
      throw new Refusal(`角色“${ROLE_LABELS[role]}”只能授予${unitName(home)}的人员，${user.name}属于${unitName(user.department)}。`, 'R19');
    }
    const has = user.roles.includes(role);
    if (grant === has) return { user, changed: false };
    const roles = grant ? [...user.roles, role] : user.roles.filter((r) => r !== role);
    const at = now();
    const after: UserDoc = { ...user, roles, updatedAt: at };
    await repos.org.saveUser(after);
    await repos.audit.append({
      at, actor: by.userId, channel: by.channel, action: grant ? 'user.role.grant' : 'user.role.revoke',
      target: `user:${user.userId}`, changes: diff({ roles: user.roles }, { roles }), note: ROLE_LABELS[role],
    });
    return { user: after, changed: true };
  }

  return {
    requireRole,
    grant: (by: Caller, who: string, role: string, department?: string) => change(by, who, role, department, true),
    revoke: (by: Caller, who: string, role: string, department?: string) => change(by, who, role, department, false),
    /** Active users with their roles, of one department or all. */
    async list(by: Caller, department?: string): Promise<UserDoc[]> {
      requireRole(by, ['admin', 'office'], '查看人员角色');
      const dept = department ? findUnit(department) : undefined;
      if (department && !dept) throw new Refusal(`部门“${department}”不是联席会议成员单位，请用如“县市管局”的名称`, 'R19');
      return (await repos.org.users()).filter((u) => u.active && (!dept || u.department === dept.code));
    },
  };
}

export type RoleService = ReturnType<typeof roleService>;
