/** Departments (R19) and users with their platform identities and roles. */
import { JOINT_OFFICE_HOST, MEMBER_UNITS, type Role } from '../../src/domain/organisation';
import type { Models } from '../models';

export interface UserDoc {
  userId: string;
  name: string;
  department: string;
  roles: Role[];
  wecomUserId?: string;
  dingtalkStaffId?: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface DepartmentDoc {
  code: string;
  name: string;
  order: number;
  hostsJointOffice: boolean;
}

export function orgRepo(models: Models) {
  const users = models.User.collection;
  const depts = models.Department.collection;
  const userFrom = (d: Record<string, unknown>): UserDoc => {
    const { _id, ...rest } = d;
    return { userId: String(_id), ...(rest as Omit<UserDoc, 'userId'>) };
  };
  return {
    /** Writes the 30 member units; idempotent. */
    async seedDepartments(): Promise<number> {
      const ops = MEMBER_UNITS.map((u, i) => ({
        updateOne: {
          filter: { _id: u.code as never },
          update: { $set: { name: u.name, order: i + 1, hostsJointOffice: u.code === JOINT_OFFICE_HOST } },
          upsert: true,
        },
      }));
      const r = await depts.bulkWrite(ops, { ordered: false });
      return r.upsertedCount;
    },
    async departments(): Promise<DepartmentDoc[]> {
      const docs = await depts.find({}).sort({ order: 1 }).toArray();
      return docs.map((d) => ({ code: String(d._id), name: d.name, order: d.order, hostsJointOffice: d.hostsJointOffice }));
    },
    async user(userId: string): Promise<UserDoc | undefined> {
      const d = await users.findOne({ _id: userId as never });
      return d ? userFrom(d) : undefined;
    },
    async userByPlatform(platform: 'wecom' | 'dingtalk', id: string): Promise<UserDoc | undefined> {
      const field = platform === 'wecom' ? 'wecomUserId' : 'dingtalkStaffId';
      const d = await users.findOne({ [field]: id });
      return d ? userFrom(d) : undefined;
    },
    async users(): Promise<UserDoc[]> {
      return (await users.find({}).sort({ department: 1, _id: 1 }).toArray()).map(userFrom);
    },
    async saveUser(u: UserDoc): Promise<void> {
      const { userId, ...rest } = u;
      const set: Record<string, unknown> = { ...rest };
      const unset: Record<string, ''> = {};
      for (const k of ['wecomUserId', 'dingtalkStaffId'] as const) {
        if (!u[k]) { delete set[k]; unset[k] = ''; }
      }
      await users.updateOne({ _id: userId as never }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
    },
  };
}

export type OrgRepo = ReturnType<typeof orgRepo>;
