/** Draws (issue 5): inserted once under their number, never deleted; voiding is a guarded state change. */
import type { Models } from '../models';
import { insertOnce } from './keys';
import type { DrawRecord } from '../../src/domain/draw';
import type { Pool } from '../../src/domain/pools';

export interface DrawDoc {
  drawNo: string;
  planNo: string;
  year: number;
  department: string;
  /** Participating departments, the lead first. */
  departments: string[];
  pool: Pool;
  status: 'done' | 'voided';
  n: number;
  k: number;
  seedCommitment: string;
  snapshotDigest: string;
  rosterDigest: string;
  /** The public record (docs/draw.md §5). */
  record: DrawRecord;
  createdBy: string;
  createdAt: Date;
  voidedBy: string;
  voidedAt?: Date;
  voidReason: string;
  supersedes: string;
}

function fromDoc(d: Record<string, unknown>): DrawDoc {
  const { _id, record, ...rest } = d;
  return { ...(rest as Omit<DrawDoc, 'drawNo' | 'record'>), drawNo: String(_id), record: JSON.parse(String(record)) as DrawRecord };
}

export function drawRepo(models: Models) {
  const col = models.Draw.collection;
  return {
    /** False when the number is taken: another draw of the plan got there first. */
    create(d: DrawDoc): Promise<boolean> {
      const { drawNo, record, voidedAt, ...rest } = d;
      return insertOnce(col, { _id: drawNo, ...rest, ...(voidedAt ? { voidedAt } : {}), record: JSON.stringify(record) });
    },

    async get(drawNo: string): Promise<DrawDoc | undefined> {
      const d = await col.findOne({ _id: drawNo as never });
      return d ? fromDoc(d) : undefined;
    },

    /** A plan's draws, oldest first (voided ones included). */
    async forPlan(planNo: string): Promise<DrawDoc[]> {
      return (await col.find({ planNo }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** Marks a done draw voided; false if it was not done (voided meanwhile). */
    async markVoided(drawNo: string, by: string, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne({ _id: drawNo as never, status: 'done' }, { $set: { status: 'voided', voidedBy: by, voidedAt: at, voidReason: reason } });
      return r.modifiedCount === 1;
    },
  };
}

export type DrawRepo = ReturnType<typeof drawRepo>;
