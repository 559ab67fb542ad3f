/** Queries and pool placements of market entities. */
import type { Models } from '../models';
import type { Pool, RiskClass } from '../../src/domain/pools';
import type { EntityRecord } from '../../src/domain/entity';
import type { TargetFilter } from '../../src/domain/plan';
import { registryWriter } from './registry';

export interface EntityDoc extends EntityRecord {
  pool: Pool;
  poolPlacedBy: string;
  poolPlacedAt: Date;
  poolReason: string;
  pendingPool: '' | Pool;
  pendingBy: string;
  pendingDepartment: string;
  pendingAt?: Date;
  pendingReason: string;
  lastInspectedAt?: Date;
  rowHash: string;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export interface EntityFilter {
  pool?: Pool;
  industry?: string;
  township?: string;
  riskClass?: RiskClass;
  department?: string;
  /** One of the entity's sector tags (领域标签). */
  sectorTag?: string;
  /** Part of the name. */
  keyword?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function toQuery(f: EntityFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (f.pool) q.pool = f.pool;
  if (f.industry) q.industry = f.industry;
  if (f.township) q.township = f.township;
  if (f.riskClass) q.riskClass = f.riskClass;
  if (f.department) q.departments = f.department;
  if (f.sectorTag) q.sectorTags = f.sectorTag;
  if (f.keyword) q.name = { $regex: escape(f.keyword) };
  return q;
}

/** What a plan targets (R3, R4): its pool and filter; for B and C, only entities its departments supervise. */
export interface PlanTargets {
  pool: Pool;
  filter: TargetFilter;
  /** Supervising departments to match (any of them); empty = every entity of the pool (A: joint by construction). */
  departments: string[];
  /** Leave out entities inspected at or after this instant. */
  inspectedSince?: Date;
}

function planQuery(t: PlanTargets): Record<string, unknown> {
  const q: Record<string, unknown> = { pool: t.pool };
  if (t.filter.industries.length) q.industry = { $in: t.filter.industries };
  if (t.filter.townships.length) q.township = { $in: t.filter.townships };
  if (t.filter.riskClasses.length) q.riskClass = { $in: t.filter.riskClasses };
  if (t.filter.sectorTags.length) q.sectorTags = { $in: t.filter.sectorTags };
  if (t.departments.length) q.departments = { $in: t.departments };
  if (t.inspectedSince) q.$or = [{ lastInspectedAt: { $exists: false } }, { lastInspectedAt: { $lt: t.inspectedSince } }];
  return q;
}

/** What a task shows of an entity. */
export type EntitySummary = Pick<EntityDoc, 'creditCode' | 'name' | 'township' | 'address'>;
const SUMMARY = { _id: 1, name: 1, township: 1, address: 1 };
const toSummary = (d: Record<string, unknown>): EntitySummary =>
  ({ creditCode: String(d._id), name: String(d.name ?? ''), township: String(d.township ?? ''), address: String(d.address ?? '') });

const NO_PENDING = { pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '' } as const;

/** Matches an entity only while it is where the caller saw it, with the proposal the caller saw. */
function proposalGuard(seen: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date }): Record<string, unknown> {
  return {
    pool: seen.pool,
    pendingPool: seen.pendingPool,
    pendingBy: seen.pendingBy,
    ...(seen.pendingAt ? { pendingAt: seen.pendingAt } : {}),
  };
}

function fromDoc(d: Record<string, unknown>): EntityDoc {
  const { _id, ...rest } = d;
  return { creditCode: String(_id), ...(rest as Omit<EntityDoc, 'creditCode'>) };
}

export function entityRepo(models: Models) {
  const col = models.Entity.collection;
  return {
    writer: registryWriter(models.Entity),

    async get(creditCode: string): Promise<EntityDoc | undefined> {
      const d = await col.findOne({ _id: creditCode as never });
      return d ? fromDoc(d) : undefined;
    },

    async find(filter: EntityFilter, limit: number): Promise<EntityDoc[]> {
      const docs = await col.find(toQuery(filter)).sort({ _id: 1 }).limit(limit).toArray();
      return docs.map(fromDoc);
    },

    count(filter: EntityFilter): Promise<number> {
      return col.countDocuments(toQuery(filter));
    },

    countTargets(t: PlanTargets): Promise<number> {
      return col.countDocuments(planQuery(t));
    },

    /**
     * What the draw needs of every entity a plan targets, ascending by credit code: the codes
     * are the snapshot; names and addresses go on the tasks. One scan.
     */
    async targetSummaries(t: PlanTargets): Promise<EntitySummary[]> {
      const docs = await col.find(planQuery(t), { projection: SUMMARY }).toArray();
      return docs.map(toSummary).sort((a, b) => (a.creditCode < b.creditCode ? -1 : a.creditCode > b.creditCode ? 1 : 0));
    },

    /** Names and addresses of the given entities (a revealed two-step draw's selection), in no particular order. */
    async summaries(codes: readonly string[]): Promise<EntitySummary[]> {
      if (codes.length === 0) return [];
      return (await col.find({ _id: { $in: [...codes] as never[] } }, { projection: SUMMARY }).toArray()).map(toSummary);
    },

    /** The values a text field holds across all entities, with how many entities hold each, most common first. */
    async valueCounts(field: 'industry' | 'township' | 'sectorTags'): Promise<{ value: string; n: number }[]> {
      const rows = await col.aggregate<{ _id: string; n: number }>([
        ...(field === 'sectorTags' ? [{ $unwind: '$sectorTags' }] : []),
        { $group: { _id: `$${field}`, n: { $sum: 1 } } },
      ]).toArray();
      return rows
        .filter((r) => typeof r._id === 'string' && r._id !== '')
        .map((r) => ({ value: r._id, n: r.n }))
        .sort((a, b) => b.n - a.n || a.value.localeCompare(b.value, 'zh'));
    },

    async countByPool(filter: Omit<EntityFilter, 'pool'>): Promise<Record<Pool, number>> {
      const rows = await col.aggregate<{ _id: Pool; n: number }>([
        { $match: toQuery(filter) },
        { $group: { _id: '$pool', n: { $sum: 1 } } },
      ]).toArray();
      const out: Record<Pool, number> = { A: 0, B: 0, C: 0 };
      for (const r of rows) out[r._id] = r.n;
      return out;
    },

    /**
     * Moves an entity to a pool only if it is still where the caller saw it
     * (a guard in place of a transaction). Returns false if it moved meanwhile.
     */
    async place(creditCode: string, from: Pool, to: Pool, by: string, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode as never, pool: from },
        { $set: { pool: to, poolPlacedBy: by, poolPlacedAt: at, poolReason: reason, ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return r.modifiedCount === 1;
    },

    /**
     * Carries out the pending proposal the caller saw: only if the entity is
     * still in `seen.pool` and that very proposal (same pool, proposer and time)
     * is still pending. False if anyone moved it, or rejected or replaced the
     * proposal meanwhile.
     */
    async confirmPending(
      creditCode: string,
      seen: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date },
      by: string,
      at: Date,
      reason: string,
    ): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode as never, ...proposalGuard(seen) },
        { $set: { pool: seen.pendingPool, poolPlacedBy: by, poolPlacedAt: at, poolReason: reason, ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return r.modifiedCount === 1;
    },

    /** Records a proposal (C) if none is pending. */
    async propose(creditCode: string, pool: Pool, by: string, department: string, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode as never, pendingPool: '' },
        { $set: { pendingPool: pool, pendingBy: by, pendingDepartment: department, pendingAt: at, pendingReason: reason, updatedAt: at, updatedBy: by } },
      );
      return r.modifiedCount === 1;
    },

    /**
     * Drops a pending proposal (rejected by 联席办): any proposal, or with `seen`
     * only the one the caller saw, so a newer proposal is never dropped unseen.
     */
    async clearPending(
      creditCode: string,
      by: string,
      at: Date,
      seen?: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date },
    ): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode as never, ...(seen ? proposalGuard(seen) : { pendingPool: { $ne: '' } }) },
        { $set: { ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return r.modifiedCount === 1;
    },

    async pending(limit: number): Promise<EntityDoc[]> {
      const docs = await col.find({ pendingPool: { $ne: '' } }).sort({ pendingAt: 1 }).limit(limit).toArray();
      return docs.map(fromDoc);
    },
  };
}

export type EntityRepo = ReturnType<typeof entityRepo>;
