/**
 * Draws: inserted once under their number, never deleted; revealing
 * and voiding are guarded state changes. A two-step draw is stored 'committed'
 * with its seed and frozen inputs sealed in a field that no read here returns
 * but `sealed`, until 开奖 makes it 'done' (or 'failed') and drops the seal.
 */
import type { Models } from '../models';
import { insertOnce } from './keys';
import type { AssignmentParams, DrawCommitment, DrawRecord } from '../../src/domain/draw';
import type { Pool } from '../../src/domain/pools';

/**
 * committed: the commitment is public, the seed secret, nothing drawn yet (two-step form);
 * done: drawn, the record is public; failed: revealed, but the officers could not be
 * assigned (kept, with the seed, because the commitment was public); voided: by 联席办.
 */
export type DrawStatus = 'committed' | 'done' | 'failed' | 'voided';

/** Why a revealed two-step draw could not be completed (docs/draw.md §4.6). */
export interface DrawFailure {
  publicValue?: string;
  effectiveSeed: string;
  creditCode: string;
  department: string;
  constraint: string;
  rule: string;
  message: string;
}

export interface DrawDoc {
  drawNo: string;
  planNo: string;
  year: number;
  department: string;
  /** Participating departments, the lead first. */
  departments: string[];
  pool: Pool;
  status: DrawStatus;
  n: number;
  k: number;
  seedCommitment: string;
  snapshotDigest: string;
  rosterDigest: string;
  /** SHA-256 over every announced field (docs/draw.md §1.5), as posted with the commitment. */
  announcementDigest?: string;
  /** The public record (docs/draw.md §5): present once drawn (done, or voided after it was done). */
  record?: DrawRecord;
  /** The seed once revealed and no record holds it: a failed draw, or one voided before 开奖. */
  seed?: string;
  failure?: DrawFailure;
  createdBy: string;
  createdAt: Date;
  /** Who ran 开奖 and when (two-step draws). */
  revealedBy?: string;
  revealedAt?: Date;
  voidedBy: string;
  voidedAt?: Date;
  voidReason: string;
  supersedes: string;
}

/** What a committed draw keeps secret until 开奖: the seed, and the inputs frozen with the commitment. */
export interface SealedDraw {
  seed: string;
  commitment: DrawCommitment;
  /** The roster people's records, conflicts and last inspections, as read at commit time. */
  assignment: AssignmentParams;
}

const JSON_FIELDS = ['record', 'failure'] as const;

function fromDoc(d: Record<string, unknown>): DrawDoc {
  const { _id, record, failure, sealed: _sealed, ...rest } = d;
  return {
    ...(rest as Omit<DrawDoc, 'drawNo' | 'record' | 'failure'>),
    drawNo: String(_id),
    ...(record ? { record: JSON.parse(String(record)) as DrawRecord } : {}),
    ...(failure ? { failure: JSON.parse(String(failure)) as DrawFailure } : {}),
  };
}

function toDoc(d: Partial<DrawDoc>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(d)) {
    if (value === undefined) continue;
    out[key] = (JSON_FIELDS as readonly string[]).includes(key) ? JSON.stringify(value) : value;
  }
  return out;
}

/** Never returned by get/forPlan: the seed must not leave the database before 开奖. */
const NO_SEAL = { projection: { sealed: 0 } };

export function drawRepo(models: Models) {
  const col = models.Draw.collection;
  return {
    /** False when the number is taken: another draw of the plan got there first. A committed draw carries its seal. */
    create(d: DrawDoc, sealed?: SealedDraw): Promise<boolean> {
      const { drawNo, ...rest } = d;
      return insertOnce(col, { _id: drawNo, ...toDoc(rest), ...(sealed ? { sealed: JSON.stringify(sealed) } : {}) });
    },

    async get(drawNo: string): Promise<DrawDoc | undefined> {
      const d = await col.findOne({ _id: drawNo as never }, NO_SEAL);
      return d ? fromDoc(d) : undefined;
    },

    /** A plan's draws, oldest first (voided and failed ones included). */
    async forPlan(planNo: string): Promise<DrawDoc[]> {
      return (await col.find({ planNo }, NO_SEAL).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** A year's draws in brief (no record, no seal): what waits for 开奖, and which plans were drawn. */
    async briefForYear(year: number): Promise<Pick<DrawDoc, 'drawNo' | 'planNo' | 'status' | 'pool' | 'department' | 'createdAt' | 'createdBy'>[]> {
      const docs = await col.find({ year }, { projection: { planNo: 1, status: 1, pool: 1, department: 1, createdAt: 1, createdBy: 1 } }).toArray();
      return docs.map((d) => ({
        drawNo: String(d._id), planNo: String(d.planNo), status: d.status as DrawStatus, pool: d.pool as Pool,
        department: String(d.department), createdAt: d.createdAt as Date, createdBy: String(d.createdBy),
      }));
    },

    /** A year's draws without their records or seals, oldest first: the public list of draws. */
    async listForYear(year: number): Promise<DrawDoc[]> {
      return (await col.find({ year }, { projection: { sealed: 0, record: 0 } }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** The seal of a committed draw (the seed and frozen inputs), for 开奖 or voiding only. */
    async sealed(drawNo: string): Promise<SealedDraw | undefined> {
      const d = await col.findOne({ _id: drawNo as never, status: 'committed' }, { projection: { sealed: 1 } });
      return d?.sealed ? (JSON.parse(String(d.sealed)) as SealedDraw) : undefined;
    },

    /**
     * 开奖: committed → done (with the record) or failed (with the seed and the reason), dropping
     * the seal; false when the draw was no longer committed (revealed or voided meanwhile).
     */
    async reveal(drawNo: string, change: Pick<DrawDoc, 'revealedBy' | 'revealedAt'> & (
      { status: 'done'; record: DrawRecord } | { status: 'failed'; seed: string; failure: DrawFailure })): Promise<boolean> {
      const r = await col.updateOne({ _id: drawNo as never, status: 'committed' }, { $set: toDoc(change), $unset: { sealed: '' } });
      return r.modifiedCount === 1;
    },

    /**
     * Marks a done or committed draw voided; false if it was no longer in that state. A committed
     * draw's seed is revealed with the void (`seed`) and its seal dropped.
     */
    async markVoided(drawNo: string, from: 'done' | 'committed', by: string, at: Date, reason: string, seed?: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: drawNo as never, status: from },
        { $set: { status: 'voided', voidedBy: by, voidedAt: at, voidReason: reason, ...(seed ? { seed } : {}) }, $unset: { sealed: '' } },
      );
      return r.modifiedCount === 1;
    },
  };
}

export type DrawRepo = ReturnType<typeof drawRepo>;
