/** Departments (R19) and users with their platform identities and roles. */
import { JOINT_OFFICE_HOST, MEMBER_UNITS, ROLES } from '../../src/domain/organisation';
import type { DepartmentDoc, UserDoc } from '../../src/domain/records/org';
import type { Models } from '../models';
import { bool, date, keyed, num, oneOf, optStr, str, strs, type CounterDoc, type Keyed, type Stored } from './read';

/** The org repo's one mapper: a stored user document → the domain's user record. */
export function fromDoc(d: Stored): UserDoc {
  const wecomUserId = optStr(d.wecomUserId);
  const dingtalkStaffId = optStr(d.dingtalkStaffId);
  const mobile = optStr(d.mobile);
  return {
    userId: str(d._id),
    name: str(d.name),
    department: str(d.department),
    roles: strs(d.roles).map((r) => oneOf(ROLES, r)),
    ...(wecomUserId !== undefined ? { wecomUserId } : {}),
    ...(dingtalkStaffId !== undefined ? { dingtalkStaffId } : {}),
    ...(mobile !== undefined ? { mobile } : {}),
    active: d.active === undefined ? true : bool(d.active),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
  };
}

const departmentFrom = (d: Stored): DepartmentDoc => ({ code: str(d._id), name: str(d.name), order: num(d.order), hostsJointOffice: bool(d.hostsJointOffice) });

const FIELD = { wecom: 'wecomUserId', dingtalk: 'dingtalkStaffId' } as const;
/** The counter bumped by every user write: a process's cached list is good while it has not moved. */
const USERS_VERSION = 'users:version';

function freezeUser(u: UserDoc): UserDoc {
  Object.freeze(u.roles);
  return Object.freeze(u);
}

export function orgRepo(models: Models) {
  const users = keyed(models.User);
  const depts = keyed(models.Department);
  /**
   * "<platform>:<platform id>" → user id, so a sender is found by two exact-_id
   * reads (on FerretDB anything else is a pass over the users). Only a hint:
   * the user read by _id must still carry that id, else the users are searched.
   */
  const userKeys = () => models.User.db.db!.collection<Keyed>('user_keys');
  const userFrom = fromDoc;
  const counters = keyed<CounterDoc>(models.Counter);
  let cached: { version: number; list: UserDoc[] } | undefined;
  return {
    /** Writes the 30 member units; idempotent. */
    async seedDepartments(): Promise<number> {
      const ops = MEMBER_UNITS.map((u, i) => ({
        updateOne: {
          filter: { _id: u.code },
          update: { $set: { name: u.name, order: i + 1, hostsJointOffice: u.code === JOINT_OFFICE_HOST } },
          upsert: true,
        },
      }));
      const r = await depts.bulkWrite(ops, { ordered: false });
      return r.upsertedCount;
    },
    async departments(): Promise<DepartmentDoc[]> {
      const docs = await depts.find({}).sort({ order: 1 }).toArray();
      return docs.map(departmentFrom);
    },
    async user(userId: string): Promise<UserDoc | undefined> {
      const d = await users.findOne({ _id: userId });
      return d ? userFrom(d) : undefined;
    },
    async userByPlatform(platform: 'wecom' | 'dingtalk', id: string): Promise<UserDoc | undefined> {
      const field = FIELD[platform];
      const key = await userKeys().findOne({ _id: `${platform}:${id}` });
      if (key) {
        const d = await users.findOne({ _id: str(key.userId) });
        if (d && d[field] === id) return userFrom(d);
      }
      const d = await users.findOne({ [field]: id });
      if (!d) return undefined;
      // Saved before the keys were kept (or the key write failed): keep it now.
      await userKeys().updateOne({ _id: `${platform}:${id}` }, { $set: { userId: String(d._id) } }, { upsert: true });
      return userFrom(d);
    },
    /**
     * Every user, by department. Kept in memory under the users' version (one `_id` read per call):
     * approvals ask for it twice per request, and on FerretDB the whole list is a pass over every user.
     */
    async users(): Promise<UserDoc[]> {
      const version = (await counters.findOne({ _id: USERS_VERSION }))?.seq ?? 0;
      if (cached?.version !== version) {
        // Frozen: the records are shared by every caller until the next write.
        cached = { version, list: (await users.find({}).sort({ department: 1, _id: 1 }).toArray()).map((d) => freezeUser(userFrom(d))) };
      }
      return [...cached.list];
    },
    async saveUser(u: UserDoc): Promise<void> {
      const { userId, ...rest } = u;
      const before = await users.findOne({ _id: userId });
      const set: Record<string, unknown> = { ...rest };
      const unset: Record<string, ''> = {};
      for (const k of ['wecomUserId', 'dingtalkStaffId'] as const) {
        if (!u[k]) { delete set[k]; unset[k] = ''; }
      }
      await users.updateOne({ _id: userId }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
      // Every process's cached list is stale from here (read after the write, so a list read before it is refreshed).
      await counters.updateOne({ _id: USERS_VERSION }, { $inc: { seq: 1 } }, { upsert: true });
      // The user first, then its keys: a key is only a hint, checked against the user.
      for (const platform of ['wecom', 'dingtalk'] as const) {
        const id = u[FIELD[platform]];
        const old = optStr(before?.[FIELD[platform]]);
        if (id) await userKeys().updateOne({ _id: `${platform}:${id}` }, { $set: { userId } }, { upsert: true });
        if (old && old !== id) await userKeys().deleteOne({ _id: `${platform}:${old}`, userId });
      }
    },
  };
}

export type OrgRepo = ReturnType<typeof orgRepo>;
