/** Registering users and resolving who is speaking (R19, R20). */
import { diff } from '../domain/audit';
import { findUnit, roleHomeDepartment, ROLES, unitName, type Role } from '../domain/organisation';
import type { UserDoc } from '../domain/records/org';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

export interface UserInput {
  userId: string;
  name: string;
  department: string;
  roles: string[];
  wecomUserId?: string;
  dingtalkStaffId?: string;
  active?: boolean;
}

export function userService({ repos, now }: Deps) {
  return {
    /** Finds the registered user behind a platform id (or our own user id for the shell). */
    async identify(platform: 'wecom' | 'dingtalk' | 'shell', id: string): Promise<UserDoc | undefined> {
      const u = platform === 'shell'
        ? (await repos.org.user(id)) ?? (await repos.org.userByPlatform('wecom', id)) ?? (await repos.org.userByPlatform('dingtalk', id))
        : await repos.org.userByPlatform(platform, id);
      return u?.active ? u : undefined;
    },

    /** Active users of a department holding any of these roles (e.g. whom to remind). */
    async inDepartment(department: string, roles: readonly Role[]): Promise<UserDoc[]> {
      return (await repos.org.users()).filter((u) => u.active && u.department === department && u.roles.some((r) => roles.includes(r)));
    },

    /** Active users holding a role (e.g. every 联席办 user, to receive an approval card). */
    async withRole(role: Role): Promise<UserDoc[]> {
      return (await repos.org.users()).filter((u) => u.active && u.roles.includes(role));
    },

    async save(by: Caller, input: UserInput): Promise<UserDoc> {
      requireRole(by, ['admin'], '登记用户');
      const userId = input.userId.trim();
      if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new Refusal(`用户ID“${userId}”无效：只能包含字母、数字和 _ . @ -`);
      const unit = findUnit(input.department);
      if (!unit) throw new Refusal(`部门“${input.department}”不是联席会议成员单位（R19）`);
      const roles = [...new Set(input.roles.map((r) => r.trim()).filter(Boolean))];
      if (roles.length === 0) throw new Refusal(`请至少指定一个角色：${ROLES.join(', ')}`);
      for (const r of roles) {
        if (!ROLES.includes(r as Role)) throw new Refusal(`角色“${r}”无效，可选：${ROLES.join(', ')}`);
        const home = roleHomeDepartment(r as Role);
        if (home && home !== unit.code) throw new Refusal(`角色 ${r} 只能属于${unitName(home)}（R19），不能属于${unit.name}`);
      }
      const name = input.name.trim() || userId;
      if (name.length > 50) throw new Refusal(`姓名过长（${name.length}字），最多50字`);
      // Ids are compared exactly as they will be stored: trimmed.
      const wecomUserId = input.wecomUserId?.trim() || undefined;
      const dingtalkStaffId = input.dingtalkStaffId?.trim() || undefined;
      for (const [platform, id] of [['wecom', wecomUserId], ['dingtalk', dingtalkStaffId]] as const) {
        if (!id) continue;
        const label = platform === 'wecom' ? '企业微信' : '钉钉';
        if (!/^[\x21-\x7e]{1,64}$/.test(id)) throw new Refusal(`${label}账号“${id.slice(0, 20)}”无效：应为64个字符以内的字母、数字或符号，不含空格`);
        const other = await repos.org.userByPlatform(platform, id);
        if (other && other.userId !== userId) throw new Refusal(`${label}账号“${id}”已绑定用户 ${other.userId}`);
      }
      const before = await repos.org.user(userId);
      const at = now();
      const user: UserDoc = {
        userId,
        name,
        department: unit.code,
        roles: roles as Role[],
        wecomUserId,
        dingtalkStaffId,
        active: input.active ?? true,
        createdAt: before?.createdAt ?? at,
        updatedAt: at,
      };
      await repos.org.saveUser(user);
      const { createdAt: _c, updatedAt: _u, ...afterFields } = user;
      const beforeFields = before ? (({ createdAt: _a, updatedAt: _b, ...rest }) => rest)(before) : undefined;
      void _c; void _u;
      await repos.audit.append({
        at, actor: by.userId, channel: by.channel, action: before ? 'user.update' : 'user.create',
        target: `user:${userId}`, changes: diff(beforeFields, afterFields), note: '',
      });
      return user;
    },
  };
}

export type UserService = ReturnType<typeof userService>;
