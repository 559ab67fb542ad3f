/** Platform department (as the directory names it) → member unit, edited by admins (部门映射). */
import type { Models } from '../models';
import { date, str, type Keyed, type Stored } from './read';

export interface DeptMappingDoc {
  platformDept: string;
  unit: string;
  by: string;
  at: Date;
}

/** The mappings repo's one mapper: a stored mapping → its record. */
export function fromDoc(d: Stored): DeptMappingDoc {
  return { platformDept: str(d._id), unit: str(d.unit), by: str(d.by), at: date(d.at) };
}

export function deptMappingRepo(models: Models) {
  const col = () => models.User.db.db!.collection<Keyed>('dept_mappings');
  const runs = () => models.User.db.db!.collection<Keyed>('directory_runs');
  return {
    async save(m: DeptMappingDoc): Promise<DeptMappingDoc | undefined> {
      const before = await col().findOne({ _id: m.platformDept });
      await col().updateOne({ _id: m.platformDept }, { $set: { unit: m.unit, by: m.by, at: m.at } }, { upsert: true });
      return before ? fromDoc(before) : undefined;
    },
    /** The last sync that changed the users, per platform (the daily job keeps up only what an admin has started). */
    async lastRun(platform: string): Promise<{ at: Date; by: string } | undefined> {
      const d = await runs().findOne({ _id: platform });
      return d ? { at: date(d.at), by: str(d.by) } : undefined;
    },
    async recordRun(platform: string, run: { at: Date; by: string; created: number; updated: number; deactivated: number }): Promise<void> {
      await runs().updateOne({ _id: platform }, { $set: run }, { upsert: true });
    },
    /** All mappings (one per platform department: a small collection). */
    async all(): Promise<DeptMappingDoc[]> {
      return (await col().find({}).sort({ _id: 1 }).toArray()).map(fromDoc);
    },
  };
}

export type DeptMappingRepo = ReturnType<typeof deptMappingRepo>;
