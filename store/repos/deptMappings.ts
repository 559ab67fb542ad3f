/** Platform department (as the directory names it) → member unit, edited by admins (部门映射). */
import type { Models } from '../models';

export interface DeptMappingDoc {
  platformDept: string;
  unit: string;
  by: string;
  at: Date;
}

export function deptMappingRepo(models: Models) {
  const col = () => models.User.db.db!.collection('dept_mappings');
  return {
    async save(m: DeptMappingDoc): Promise<DeptMappingDoc | undefined> {
      const before = await col().findOne({ _id: m.platformDept as never });
      await col().updateOne({ _id: m.platformDept as never }, { $set: { unit: m.unit, by: m.by, at: m.at } }, { upsert: true });
      return before ? { platformDept: m.platformDept, unit: before.unit, by: before.by, at: before.at } : undefined;
    },
    /** The last sync that changed the users, per platform (the daily job keeps up only what an admin has started). */
    async lastRun(platform: string): Promise<{ at: Date; by: string } | undefined> {
      const d = await models.User.db.db!.collection('directory_runs').findOne({ _id: platform as never });
      return d ? { at: d.at, by: d.by } : undefined;
    },
    async recordRun(platform: string, run: { at: Date; by: string; created: number; updated: number; deactivated: number }): Promise<void> {
      await models.User.db.db!.collection('directory_runs').updateOne({ _id: platform as never }, { $set: run }, { upsert: true });
    },
    /** All mappings (one per platform department: a small collection). */
    async all(): Promise<DeptMappingDoc[]> {
      return (await col().find({}).sort({ _id: 1 }).toArray()).map((d) => ({ platformDept: String(d._id), unit: d.unit, by: d.by, at: d.at }));
    },
  };
}

export type DeptMappingRepo = ReturnType<typeof deptMappingRepo>;
