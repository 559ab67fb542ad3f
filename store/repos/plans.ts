/** Submitted plans. Changes are guarded by `version`, so two officials cannot overwrite each other silently. */
import type { Models } from '../models';
import type { PlanDraft, TargetFilter } from '../../src/domain/plan';
import type { Pool } from '../../src/domain/pools';

export interface PlanDoc extends PlanDraft {
  planNo: string;
  predictedTargets: number;
  /** Plans this one overlaps (R13), flagged to the 联席办 reviewer. */
  duplicates: string[];
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
  version: number;
}

function fromDoc(d: Record<string, unknown>): PlanDoc {
  const sampling = d.count != null ? { count: Number(d.count) } : { ratioPermille: Number(d.ratioPermille) };
  return {
    planNo: String(d._id),
    year: Number(d.year),
    department: String(d.department),
    pool: d.pool as Pool,
    filter: JSON.parse(String(d.filter)) as TargetFilter,
    items: d.items as string[],
    sampling,
    window: { from: String(d.windowFrom), to: String(d.windowTo) },
    jointDepartments: d.jointDepartments as string[],
    ...(d.specialReason ? { special: { reason: String(d.specialReason) } } : {}),
    predictedTargets: Number(d.predictedTargets),
    duplicates: d.duplicates as string[],
    createdBy: String(d.createdBy),
    createdAt: d.createdAt as Date,
    updatedBy: String(d.updatedBy),
    updatedAt: d.updatedAt as Date,
    version: Number(d.version),
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
  const col = models.Plan.collection;
  return {
    async create(p: PlanDoc): Promise<void> {
      await col.insertOne({ _id: p.planNo as never, ...toFields(p) });
    },

    async get(planNo: string): Promise<PlanDoc | undefined> {
      const d = await col.findOne({ _id: planNo as never });
      return d ? fromDoc(d) : undefined;
    },

    /** Replaces a plan only over the version the editor started from; false if someone changed it meanwhile. */
    async update(p: PlanDoc, readVersion: number): Promise<boolean> {
      const r = await col.updateOne({ _id: p.planNo as never, version: readVersion }, { $set: toFields({ ...p, version: readVersion + 1 }) });
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
