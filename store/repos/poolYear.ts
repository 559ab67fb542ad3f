/**
 * The pools' year (R5, R6): adjustments (a header by `_id` TZ<年度>, its lines in
 * chunks `TZ<年度>:<n>`), applications for the A pool, the credit-risk class
 * history per entity and the list of class changes. Headers and applications
 * are small collections; the change list is read from the last adjustment on.
 */
import type { Models } from '../models';
import type { AdjustLine } from '../../src/domain/adjustment';
import {
  ADJUSTMENT_STATUSES, POOL_APPLICATION_KINDS, POOL_APPLICATION_STATUSES,
  type AdjustmentHeader, type PoolApplication, type RiskClassEntry, type RiskChange,
} from '../../src/domain/poolYear';
import { insertOnce, isDuplicate } from './keys';
import { date, json, keyed, num, oneOf, optDate, str, strs, type Stored } from './read';
import { riskProposalFromDoc } from './results';

/** Lines per stored chunk (≈150 bytes a line: well under the 16 MB document limit). */
export const LINES_PER_CHUNK = 5000;

/** The adjustments repo's one mapper: a stored header document → the header the services see. */
export function adjustmentFromDoc(d: Stored): AdjustmentHeader {
  return {
    id: str(d._id),
    year: num(d.year),
    status: oneOf(ADJUSTMENT_STATUSES, d.status),
    since: optDate(d.since),
    createdBy: str(d.createdBy),
    createdAt: date(d.createdAt),
    total: num(d.total),
    chunks: num(d.chunks),
    counts: json<Record<string, number>>(d.counts || '{}'),
    rejected: Array.isArray(d.rejected) ? d.rejected.map(num) : [],
    rejectNote: str(d.rejectNote),
    appliedBy: str(d.appliedBy),
    appliedAt: optDate(d.appliedAt),
    applied: num(d.applied),
    version: num(d.version),
  };
}

/** The A-pool applications repo's one mapper. */
export function applicationFromDoc(d: Stored): PoolApplication {
  return {
    creditCode: str(d.creditCode), kind: oneOf(POOL_APPLICATION_KINDS, d.kind), department: str(d.department),
    reason: str(d.reason), by: str(d.by), at: date(d.at), status: oneOf(POOL_APPLICATION_STATUSES, d.status),
  };
}

/** The risk-class repo's mapper of a stored class change. */
export function riskChangeFromDoc(d: Stored): RiskChange {
  return { creditCode: str(d.creditCode), from: str(d.from), to: str(d.to), date: str(d.date), source: str(d.source), at: date(d.at) };
}

/** An entity's stored class history → its entries, oldest first (each entry stored in JSON text: flat documents for FerretDB). */
export function riskHistoryFromDoc(d: Stored): RiskClassEntry[] {
  return strs(d.entries).map((e) => json<RiskClassEntry>(e));
}

/** The milestones repo's one mapper. */
export function milestoneFromDoc(d: Stored): { at: Date; by: string; note: string } {
  return { at: date(d.at), by: str(d.by), note: str(d.note) };
}

/** A stored header, field by field (no index signature, so `$inc: { version }` type-checks). */
type HeaderDoc = {
  _id: string; year: number; status: string; since?: Date; createdBy: string; createdAt: Date; total: number; chunks: number;
  counts: string; rejected: number[]; rejectNote: string; appliedBy: string; appliedAt?: Date; applied: number; version: number;
};

export function adjustmentRepo(models: Models) {
  const head = keyed<HeaderDoc>(models.PoolAdjustment);
  const chunks = keyed(models.PoolAdjustmentLines);
  return {
    async get(id: string): Promise<AdjustmentHeader | undefined> {
      const d = await head.findOne({ _id: id });
      return d ? adjustmentFromDoc(d) : undefined;
    },

    /** The most recently applied adjustment. */
    async lastApplied(): Promise<AdjustmentHeader | undefined> {
      const [d] = await head.find({ status: 'applied' }).sort({ appliedAt: -1 }).limit(1).toArray();
      return d ? adjustmentFromDoc(d) : undefined;
    },

    /**
     * Stores a new draft (or replaces a draft over the version read): lines first, then the
     * header, so a header always names lines that exist. False when it changed meanwhile
     * or was applied.
     */
    async saveDraft(h: AdjustmentHeader, lines: readonly AdjustLine[], expected?: number): Promise<boolean> {
      const n = Math.ceil(lines.length / LINES_PER_CHUNK);
      for (let i = 0; i < n; i++) {
        const part = lines.slice(i * LINES_PER_CHUNK, (i + 1) * LINES_PER_CHUNK);
        await chunks.replaceOne({ _id: `${h.id}:${i}` }, { lines: JSON.stringify(part) }, { upsert: true });
      }
      const doc = {
        year: h.year, status: 'draft', ...(h.since ? { since: h.since } : {}), createdBy: h.createdBy, createdAt: h.createdAt,
        total: lines.length, chunks: n, counts: JSON.stringify(h.counts), rejected: [], rejectNote: '', appliedBy: '', applied: 0,
      };
      if (expected === undefined) return insertOnce(head, { _id: h.id, ...doc, version: 1 });
      const r = await head.replaceOne({ _id: h.id, version: expected, status: 'draft' }, { ...doc, version: expected + 1 });
      return r.modifiedCount === 1;
    },

    /** Every line of an adjustment, in order. */
    async lines(h: AdjustmentHeader): Promise<AdjustLine[]> {
      const out: AdjustLine[] = [];
      for (let i = 0; i < h.chunks; i++) {
        const d = await chunks.findOne({ _id: `${h.id}:${i}` });
        if (d) out.push(...json<AdjustLine[]>(d.lines));
      }
      return out.slice(0, h.total);
    },

    /** Sets the rejected line numbers over the version read. */
    async reject(h: AdjustmentHeader, rejected: number[], note: string): Promise<boolean> {
      const r = await head.updateOne({ _id: h.id, version: h.version, status: 'draft' }, { $set: { rejected, rejectNote: note, version: h.version + 1 } });
      return r.modifiedCount === 1;
    },

    /** Claims the draft for applying (once, over the version read). */
    async startApplying(h: AdjustmentHeader, by: string, at: Date): Promise<boolean> {
      const r = await head.updateOne({ _id: h.id, version: h.version, status: 'draft' }, { $set: { status: 'applying', appliedBy: by, appliedAt: at, version: h.version + 1 } });
      return r.modifiedCount === 1;
    },

    async finishApplying(id: string, applied: number): Promise<void> {
      await head.updateOne({ _id: id, status: 'applying' }, { $set: { status: 'applied', applied }, $inc: { version: 1 } });
    },
  };
}

export function poolApplicationRepo(models: Models) {
  const col = keyed(models.PoolApplication);
  return {
    /** One application per entity and unit (`_id` code:department); a new one replaces an open one. */
    async put(a: PoolApplication): Promise<void> {
      await col.replaceOne({ _id: `${a.creditCode}:${a.department}` }, { ...a }, { upsert: true });
    },
    async open(): Promise<PoolApplication[]> {
      return (await col.find({ status: 'open' }).toArray()).map(applicationFromDoc);
    },
    /** Closes the applications an applied adjustment decided. */
    async markUsed(keys: { creditCode: string; department: string }[]): Promise<void> {
      for (const k of keys) await col.updateOne({ _id: `${k.creditCode}:${k.department}` }, { $set: { status: 'used' } });
    },
  };
}

export function riskClassRepo(models: Models) {
  const hist = keyed(models.RiskHistory);
  const changes = keyed(models.RiskChange);
  const rp = keyed(models.RiskProposal);
  return {
    async history(creditCode: string): Promise<RiskClassEntry[]> {
      const d = await hist.findOne({ _id: creditCode });
      return d ? riskHistoryFromDoc(d) : [];
    },

    /** Appends a class entry (a re-import of the same date and source changes nothing). Over the version read. */
    async record(creditCode: string, entry: RiskClassEntry): Promise<boolean> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const d = await hist.findOne({ _id: creditCode });
        const entries = d ? riskHistoryFromDoc(d) : [];
        if (entries.some((x) => x.date === entry.date && x.source === entry.source && x.riskClass === entry.riskClass)) return false;
        const next = [...strs(d?.entries), JSON.stringify(entry)];
        if (!d) {
          try {
            await hist.insertOne({ _id: creditCode, entries: next, version: 1 });
            return true;
          } catch (err) {
            if (!isDuplicate(err)) throw err;
            continue;
          }
        }
        const r = await hist.updateOne({ _id: creditCode, version: d.version }, { $set: { entries: next, version: num(d.version) + 1 } });
        if (r.modifiedCount === 1) return true;
      }
      throw new Error(`risk history of ${creditCode} kept changing`);
    },

    /** A class change, for the next adjustment (idempotent by entity, date and source). */
    async change(c: RiskChange): Promise<void> {
      await changes.replaceOne({ _id: `${c.creditCode}:${c.date}:${c.source}` }, { ...c }, { upsert: true });
    },

    /** Class changes recorded after an instant: imports, and R17 proposals applied by 联席办. */
    async changesSince(since: Date): Promise<RiskChange[]> {
      const imported = (await changes.find({ at: { $gt: since } }).toArray()).map(riskChangeFromDoc);
      const proposals = (await rp.find({ status: 'applied' }).toArray()).map(riskProposalFromDoc);
      const fromResults: RiskChange[] = [];
      for (const p of proposals) {
        const at = p.decidedAt;
        if (!at || at.getTime() <= since.getTime()) continue;
        fromResults.push({ creditCode: p.creditCode, from: p.from, to: p.to, date: new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10), source: `检查结果${p.taskNo}（R17：${p.reason}）`, at });
      }
      return [...imported, ...fromResults];
    },
  };
}

export type AdjustmentRepo = ReturnType<typeof adjustmentRepo>;
export type PoolApplicationRepo = ReturnType<typeof poolApplicationRepo>;
export type RiskClassRepo = ReturnType<typeof riskClassRepo>;

/** Yearly milestones done once (R8: the joint inspector pool confirmed), by `_id`. */
export function milestoneRepo(models: Models) {
  const col = keyed(models.YearMilestone);
  return {
    async get(id: string): Promise<{ at: Date; by: string; note: string } | undefined> {
      const d = await col.findOne({ _id: id });
      return d ? milestoneFromDoc(d) : undefined;
    },
    /** Records it once; false when it was already recorded. */
    record(id: string, at: Date, by: string, note: string): Promise<boolean> {
      return insertOnce(col, { _id: id, at, by, note });
    },
  };
}

export type MilestoneRepo = ReturnType<typeof milestoneRepo>;

