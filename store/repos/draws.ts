/**
 * Draws: inserted once under their number, never deleted; revealing
 * and voiding are guarded state changes. A two-step draw is stored 'committed'
 * with its seed and frozen inputs sealed in a field that no read here returns
 * but `sealed`, until 开奖 makes it 'done' (or 'failed') and drops the seal.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { mongo } from 'mongoose';
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

/**
 * A record or seal whose JSON is longer than this is stored apart, gzip-compressed in chunks of
 * `draw_parts` (`_id` "<抽取编号>:<field>:<n>"), and the draw document says how many: a pool of
 * 1,000,000 eligible entities makes a record of ≈45 MB of JSON, past MongoDB's 16 MB a document.
 * Smaller ones (every county's ordinary draw) stay inline, read with the draw.
 */
const INLINE_MAX_CHARS = 4_000_000;
const PART_BYTES = 8_000_000;

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
  const parts = () => models.Draw.db.collection('draw_parts') as unknown as mongo.Collection;

  /** A JSON field as stored: inline, or (too long for a document) in compressed parts, leaving `{ parts: n }`. */
  async function store(drawNo: string, field: 'record' | 'sealed', value: unknown): Promise<string | { parts: number }> {
    const json = JSON.stringify(value);
    if (json.length <= INLINE_MAX_CHARS) return json;
    const packed = gzipSync(Buffer.from(json), { level: 1 });
    let n = 0;
    for (let at = 0; at < packed.length; at += PART_BYTES, n++) {
      const _id = `${drawNo}:${field}:${n}`;
      await parts().replaceOne({ _id: _id as never }, { data: packed.subarray(at, at + PART_BYTES) }, { upsert: true });
    }
    return { parts: n };
  }

  /** Reads a field `store` wrote: the JSON inline, or its parts put together again. */
  async function load(drawNo: string, field: 'record' | 'sealed', stored: unknown): Promise<string | undefined> {
    if (stored === undefined || stored === null) return undefined;
    if (typeof stored === 'string') return stored;
    const n = Number((stored as { parts?: number }).parts ?? 0);
    const chunks: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const d = await parts().findOne({ _id: `${drawNo}:${field}:${i}` as never });
      if (!d) throw new Error(`draw ${drawNo}: part ${i} of its ${field} is missing`);
      const b = d.data as { buffer?: Uint8Array } | Uint8Array;
      chunks.push(Buffer.from(b instanceof Uint8Array ? b : (b as { buffer: Uint8Array }).buffer));
    }
    return gunzipSync(Buffer.concat(chunks)).toString('utf8');
  }

  /** A stored draw with its record put together again, when it was stored in parts. */
  async function whole(d: Record<string, unknown>): Promise<DrawDoc> {
    if (d.record && typeof d.record !== 'string') return fromDoc({ ...d, record: await load(String(d._id), 'record', d.record) });
    return fromDoc(d);
  }

  return {
    /** False when the number is taken: another draw of the plan got there first. A committed draw carries its seal. */
    async create(d: DrawDoc, sealed?: SealedDraw): Promise<boolean> {
      const { drawNo, record, ...rest } = d;
      return insertOnce(col, {
        _id: drawNo, ...toDoc(rest),
        ...(record ? { record: await store(drawNo, 'record', record) } : {}),
        ...(sealed ? { sealed: await store(drawNo, 'sealed', sealed) } : {}),
      });
    },

    async get(drawNo: string): Promise<DrawDoc | undefined> {
      const d = await col.findOne({ _id: drawNo as never }, NO_SEAL);
      return d ? whole(d) : undefined;
    },

    /** A plan's draws, oldest first (voided and failed ones included). */
    async forPlan(planNo: string): Promise<DrawDoc[]> {
      return Promise.all((await col.find({ planNo }, NO_SEAL).sort({ createdAt: 1, _id: 1 }).toArray()).map(whole));
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
      const json = await load(drawNo, 'sealed', d?.sealed);
      return json ? (JSON.parse(json) as SealedDraw) : undefined;
    },

    /**
     * 开奖: committed → done (with the record) or failed (with the seed and the reason), dropping
     * the seal; false when the draw was no longer committed (revealed or voided meanwhile).
     */
    async reveal(drawNo: string, change: Pick<DrawDoc, 'revealedBy' | 'revealedAt'> & (
      { status: 'done'; record: DrawRecord } | { status: 'failed'; seed: string; failure: DrawFailure })): Promise<boolean> {
      const { record, ...rest } = change as typeof change & { record?: DrawRecord };
      const set = { ...toDoc(rest), ...(record ? { record: await store(drawNo, 'record', record) } : {}) };
      const r = await col.updateOne({ _id: drawNo as never, status: 'committed' }, { $set: set, $unset: { sealed: '' } });
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
