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
  /** From the platform's directory, for matching people; never shown to other users. */
  mobile?: string;
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

const FIELD = { wecom: 'wecomUserId', dingtalk: 'dingtalkStaffId' } as const;

export function orgRepo(models: Models) {
  const users = models.User.collection;
  const depts = models.Department.collection;
  /**
   * "<platform>:<platform id>" → user id, so a sender is found by two exact-_id
   * reads (on FerretDB anything else is a pass over the users). Only a hint:
   * the user read by _id must still carry that id, else the users are searched.
   */
  const userKeys = () => models.User.db.db!.collection('user_keys');
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
      const field = FIELD[platform];
      const key = await userKeys().findOne({ _id: `${platform}:${id}` as never });
      if (key) {
        const d = await users.findOne({ _id: key.userId as never });
        if (d && d[field] === id) return userFrom(d);
      }
      const d = await users.findOne({ [field]: id });
      if (!d) return undefined;
      // Saved before the keys were kept (or the key write failed): keep it now.
      await userKeys().updateOne({ _id: `${platform}:${id}` as never }, { $set: { userId: String(d._id) } }, { upsert: true });
      return userFrom(d);
    },
    async users(): Promise<UserDoc[]> {
      return (await users.find({}).sort({ department: 1, _id: 1 }).toArray()).map(userFrom);
    },
    async saveUser(u: UserDoc): Promise<void> {
      const { userId, ...rest } = u;
      const before = await users.findOne({ _id: userId as never });
      const set: Record<string, unknown> = { ...rest };
      const unset: Record<string, ''> = {};
      for (const k of ['wecomUserId', 'dingtalkStaffId'] as const) {
        if (!u[k]) { delete set[k]; unset[k] = ''; }
      }
      await users.updateOne({ _id: userId as never }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
      // The user first, then its keys: a key is only a hint, checked against the user.
      for (const platform of ['wecom', 'dingtalk'] as const) {
        const id = u[FIELD[platform]];
        const old = before?.[FIELD[platform]] as string | undefined;
        if (id) await userKeys().updateOne({ _id: `${platform}:${id}` as never }, { $set: { userId } }, { upsert: true });
        if (old && old !== id) await userKeys().deleteOne({ _id: `${platform}:${old}` as never, userId });
      }
    },
  };
}

export type OrgRepo = ReturnType<typeof orgRepo>;
