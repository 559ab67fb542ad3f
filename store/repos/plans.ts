/** Submitted plans. Changes are guarded by `version`, so two officials cannot overwrite each other silently. */
import type { Models } from '../models';
import type { TargetFilter } from '../../src/domain/plan';
import { POOLS } from '../../src/domain/pools';
import type { PlanDoc } from '../../src/domain/records/plan';
import { date, json, keyed, num, oneOf, str, strs, type Stored } from './read';

/** The plans repo's one mapper: a stored plan document → the domain's plan record. */
export function fromDoc(d: Stored): PlanDoc {
  const sampling = d.count != null ? { count: num(d.count) } : { ratioPermille: num(d.ratioPermille) };
  return {
    planNo: str(d._id),
    year: num(d.year),
    department: str(d.department),
    pool: oneOf(POOLS, d.pool),
    filter: json<TargetFilter>(d.filter),
    items: strs(d.items),
    sampling,
    window: { from: str(d.windowFrom), to: str(d.windowTo) },
    jointDepartments: strs(d.jointDepartments),
    ...(d.specialReason ? { special: { reason: str(d.specialReason) } } : {}),
    predictedTargets: num(d.predictedTargets),
    duplicates: strs(d.duplicates),
    createdBy: str(d.createdBy),
    createdAt: date(d.createdAt),
    updatedBy: str(d.updatedBy),
    updatedAt: date(d.updatedAt),
    version: num(d.version),
  };
}

function toFields(p: PlanDoc): Record<string, unknown> {
  return {
    year: p.year,
    department: p.department,
    pool: p.pool,
    filter: JSON.stringify(p.filter),
    items: p.items,
    ...('count' in p.sampling ? { count: p.sampling.count, ratioPermille: null } : { ratioPermille: p.sampling.ratioPermille, count: null }),
    windowFrom: p.window.from,
    windowTo: p.window.to,
    jointDepartments: p.jointDepartments,
    specialReason: p.special?.reason ?? '',
    predictedTargets: p.predictedTargets,
    duplicates: p.duplicates,
    createdBy: p.createdBy,
    createdAt: p.createdAt,
    updatedBy: p.updatedBy,
    updatedAt: p.updatedAt,
    version: p.version,
  };
}

export function planRepo(models: Models) {
  const col = keyed(models.Plan);
  return {
    async create(p: PlanDoc): Promise<void> {
      await col.insertOne({ _id: p.planNo, ...toFields(p) });
    },

    async get(planNo: string): Promise<PlanDoc | undefined> {
      const d = await col.findOne({ _id: planNo });
      return d ? fromDoc(d) : undefined;
    },

    /** Replaces a plan only over the version the editor started from; false if someone changed it meanwhile. */
    async update(p: PlanDoc, readVersion: number): Promise<boolean> {
      const r = await col.updateOne({ _id: p.planNo, version: readVersion }, { $set: toFields({ ...p, version: readVersion + 1 }) });
      return r.modifiedCount === 1;
    },

    async forYear(year: number): Promise<PlanDoc[]> {
      return (await col.find({ year }).sort({ _id: 1 }).toArray()).map(fromDoc);
    },

    /** Plans a department makes or joins in a year. */
    async forDepartment(year: number, department: string): Promise<PlanDoc[]> {
      const docs = await col.find({ year, $or: [{ department }, { jointDepartments: department }] }).sort({ _id: 1 }).toArray();
      return docs.map(fromDoc);
    },
  };
}

export type PlanRepo = ReturnType<typeof planRepo>;
