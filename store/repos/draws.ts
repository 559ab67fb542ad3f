/**
 * Draws: inserted once under their number, never deleted; revealing
 * and voiding are guarded state changes. A two-step draw is stored 'committed'
 * with its seed and frozen inputs sealed in a field that no read here returns
 * but `sealed`, until 开奖 makes it 'done' (or 'failed') and drops the seal.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Models } from '../models';
import { insertOnce } from './keys';
import type { DrawRecord } from '../../src/domain/draw';
import { POOLS } from '../../src/domain/pools';
import type { DrawDoc, DrawFailure, DrawStatus, SealedDraw } from '../../src/domain/records/draw';
import { bytes, date, json, keyed, num, oneOf, opt, optDate, str, strs, type Keyed, type Stored } from './read';

const STATUSES: readonly DrawStatus[] = ['committed', 'done', 'failed', 'voided'];

const JSON_FIELDS = ['record', 'failure'] as const;

/**
 * A record or seal whose JSON is longer than this is stored apart, gzip-compressed in chunks of
 * `draw_parts` (`_id` "<抽取编号>:<field>:<n>"), and the draw document says how many: a pool of
 * 1,000,000 eligible entities makes a record of ≈45 MB of JSON, past MongoDB's 16 MB a document.
 * Smaller ones (every county's ordinary draw) stay inline, read with the draw.
 */
const INLINE_MAX_CHARS = 4_000_000;
const PART_BYTES = 8_000_000;

/** The draws repo's one mapper: a stored draw document (its record put together again) → the domain's draw record. */
export function fromDoc(d: Stored): DrawDoc {
  const revealedAt = optDate(d.revealedAt);
  const voidedAt = optDate(d.voidedAt);
  return {
    drawNo: str(d._id),
    planNo: str(d.planNo),
    year: num(d.year),
    department: str(d.department),
    departments: strs(d.departments),
    pool: oneOf(POOLS, d.pool),
    status: oneOf(STATUSES, d.status),
    n: num(d.n),
    k: num(d.k),
    seedCommitment: str(d.seedCommitment),
    snapshotDigest: str(d.snapshotDigest),
    rosterDigest: str(d.rosterDigest),
    ...opt('announcementDigest', d.announcementDigest),
    ...(d.record ? { record: json<DrawRecord>(d.record) } : {}),
    ...opt('seed', d.seed),
    ...(d.failure ? { failure: json<DrawFailure>(d.failure) } : {}),
    createdBy: str(d.createdBy),
    createdAt: date(d.createdAt),
    ...opt('revealedBy', d.revealedBy),
    ...(revealedAt ? { revealedAt } : {}),
    voidedBy: str(d.voidedBy),
    ...(voidedAt ? { voidedAt } : {}),
    voidReason: str(d.voidReason),
    supersedes: str(d.supersedes),
  };
}

function toDoc(d: Partial<DrawDoc>): Stored {
  const out: Stored = {};
  for (const [key, value] of Object.entries(d)) {
    if (value === undefined) continue;
    out[key] = JSON_FIELDS.some((f) => f === key) ? JSON.stringify(value) : value;
  }
  return out;
}

/** Never returned by get/forPlan: the seed must not leave the database before 开奖. */
const NO_SEAL = { projection: { sealed: 0 } };

export function drawRepo(models: Models) {
  const col = keyed(models.Draw);
  const parts = () => models.Draw.db.collection<Keyed>('draw_parts');

  /** A JSON field as stored: inline, or (too long for a document) in compressed parts, leaving `{ parts: n }`. */
  async function store(drawNo: string, field: 'record' | 'sealed', value: unknown): Promise<string | { parts: number }> {
    const text = JSON.stringify(value);
    if (text.length <= INLINE_MAX_CHARS) return text;
    const packed = gzipSync(Buffer.from(text), { level: 1 });
    let n = 0;
    for (let at = 0; at < packed.length; at += PART_BYTES, n++) {
      const _id = `${drawNo}:${field}:${n}`;
      await parts().replaceOne({ _id: _id }, { data: packed.subarray(at, at + PART_BYTES) }, { upsert: true });
    }
    return { parts: n };
  }

  /** Reads a field `store` wrote: the JSON inline, or its parts put together again. */
  async function load(drawNo: string, field: 'record' | 'sealed', stored: unknown): Promise<string | undefined> {
    if (stored === undefined || stored === null) return undefined;
    if (typeof stored === 'string') return stored;
    const n = typeof stored === 'object' && 'parts' in stored ? num(stored.parts) : 0;
    const chunks: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const d = await parts().findOne({ _id: `${drawNo}:${field}:${i}` });
      if (!d) throw new Error(`draw ${drawNo}: part ${i} of its ${field} is missing`);
      chunks.push(bytes(d.data));
    }
    return gunzipSync(Buffer.concat(chunks)).toString('utf8');
  }

  /** A stored draw with its record put together again, when it was stored in parts. */
  async function whole(d: Stored): Promise<DrawDoc> {
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
      const d = await col.findOne({ _id: drawNo }, NO_SEAL);
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
        drawNo: str(d._id), planNo: str(d.planNo), status: oneOf(STATUSES, d.status), pool: oneOf(POOLS, d.pool),
        department: str(d.department), createdAt: date(d.createdAt), createdBy: str(d.createdBy),
      }));
    },

    /** A year's draws without their records or seals, oldest first: the public list of draws. */
    async listForYear(year: number): Promise<DrawDoc[]> {
      return (await col.find({ year }, { projection: { sealed: 0, record: 0 } }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
    },

    /** The seal of a committed draw (the seed and frozen inputs), for 开奖 or voiding only. */
    async sealed(drawNo: string): Promise<SealedDraw | undefined> {
      const d = await col.findOne({ _id: drawNo, status: 'committed' }, { projection: { sealed: 1 } });
      const text = await load(drawNo, 'sealed', d?.sealed);
      return text ? json<SealedDraw>(text) : undefined;
    },

    /**
     * 开奖: committed → done (with the record) or failed (with the seed and the reason), dropping
     * the seal; false when the draw was no longer committed (revealed or voided meanwhile).
     */
    async reveal(drawNo: string, change: Pick<DrawDoc, 'revealedBy' | 'revealedAt'> & (
      { status: 'done'; record: DrawRecord } | { status: 'failed'; seed: string; failure: DrawFailure })): Promise<boolean> {
      const { record, ...rest } = 'record' in change ? change : { ...change, record: undefined };
      const set = { ...toDoc(rest), ...(record ? { record: await store(drawNo, 'record', record) } : {}) };
      const r = await col.updateOne({ _id: drawNo, status: 'committed' }, { $set: set, $unset: { sealed: '' } });
      return r.modifiedCount === 1;
    },

    /**
     * Marks a done or committed draw voided; false if it was no longer in that state. A committed
     * draw's seed is revealed with the void (`seed`) and its seal dropped.
     */
    async markVoided(drawNo: string, from: 'done' | 'committed', by: string, at: Date, reason: string, seed?: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: drawNo, status: from },
        { $set: { status: 'voided', voidedBy: by, voidedAt: at, voidReason: reason, ...(seed ? { seed } : {}) }, $unset: { sealed: '' } },
      );
      return r.modifiedCount === 1;
    },
  };
}

export type DrawRepo = ReturnType<typeof drawRepo>;
