/**
 * The pools' year (R5, R6): adjustments (a header by `_id` TZ<年度>, its lines in
 * chunks `TZ<年度>:<n>`), applications for the A pool, the credit-risk class
 * history per entity and the list of class changes. Headers and applications
 * are small collections; the change list is read from the last adjustment on.
 */
import type { Models } from '../models';
import type { AdjustLine } from '../../src/domain/adjustment';
import type { AdjustmentHeader, PoolApplication, RiskClassEntry, RiskChange } from '../../src/domain/poolYear';

/** Lines per stored chunk (≈150 bytes a line: well under the 16 MB document limit). */
export const LINES_PER_CHUNK = 5000;

/** The stored header document as the services see it. */
export function adjustmentFromDoc(d: Record<string, unknown>): AdjustmentHeader {
  return {
    id: String(d._id),
    year: Number(d.year),
    status: d.status as AdjustmentHeader['status'],
    since: d.since instanceof Date ? d.since : undefined,
    createdBy: String(d.createdBy ?? ''),
    createdAt: d.createdAt as Date,
    total: Number(d.total ?? 0),
    chunks: Number(d.chunks ?? 0),
    counts: JSON.parse(String(d.counts || '{}')) as Record<string, number>,
    rejected: Array.isArray(d.rejected) ? d.rejected.map(Number) : [],
    rejectNote: String(d.rejectNote ?? ''),
    appliedBy: String(d.appliedBy ?? ''),
    appliedAt: d.appliedAt instanceof Date ? d.appliedAt : undefined,
    applied: Number(d.applied ?? 0),
    version: Number(d.version ?? 0),
  };
}

export function applicationFromDoc(d: Record<string, unknown>): PoolApplication {
  return {
    creditCode: String(d.creditCode), kind: d.kind as PoolApplication['kind'], department: String(d.department),
    reason: String(d.reason), by: String(d.by), at: d.at as Date, status: d.status as PoolApplication['status'],
  };
}

export function riskChangeFromDoc(d: Record<string, unknown>): RiskChange {
  return { creditCode: String(d.creditCode), from: String(d.from), to: String(d.to), date: String(d.date), source: String(d.source), at: d.at as Date };
}

export function adjustmentRepo(models: Models) {
  const head = models.PoolAdjustment.collection;
  const chunks = models.PoolAdjustmentLines.collection;
  return {
    async get(id: string): Promise<AdjustmentHeader | undefined> {
      const d = await head.findOne({ _id: id as never });
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
        await chunks.replaceOne({ _id: `${h.id}:${i}` as never }, { lines: JSON.stringify(part) }, { upsert: true });
      }
      const doc = {
        year: h.year, status: 'draft', ...(h.since ? { since: h.since } : {}), createdBy: h.createdBy, createdAt: h.createdAt,
        total: lines.length, chunks: n, counts: JSON.stringify(h.counts), rejected: [], rejectNote: '', appliedBy: '', applied: 0,
      };
      if (expected === undefined) {
        try {
          await head.insertOne({ _id: h.id as never, ...doc, version: 1 });
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === 11000) return false;
          throw err;
        }
      }
      const r = await head.replaceOne({ _id: h.id as never, version: expected, status: 'draft' }, { ...doc, version: expected + 1 });
      return r.modifiedCount === 1;
    },

    /** Every line of an adjustment, in order. */
    async lines(h: AdjustmentHeader): Promise<AdjustLine[]> {
      const out: AdjustLine[] = [];
      for (let i = 0; i < h.chunks; i++) {
        const d = await chunks.findOne({ _id: `${h.id}:${i}` as never });
        if (d) out.push(...(JSON.parse(String(d.lines)) as AdjustLine[]));
      }
      return out.slice(0, h.total);
    },

    /** Sets the rejected line numbers over the version read. */
    async reject(h: AdjustmentHeader, rejected: number[], note: string): Promise<boolean> {
      const r = await head.updateOne({ _id: h.id as never, version: h.version, status: 'draft' }, { $set: { rejected, rejectNote: note, version: h.version + 1 } });
      return r.modifiedCount === 1;
    },

    /** Claims the draft for applying (once, over the version read). */
    async startApplying(h: AdjustmentHeader, by: string, at: Date): Promise<boolean> {
      const r = await head.updateOne({ _id: h.id as never, version: h.version, status: 'draft' }, { $set: { status: 'applying', appliedBy: by, appliedAt: at, version: h.version + 1 } });
      return r.modifiedCount === 1;
    },

    async finishApplying(id: string, applied: number): Promise<void> {
      await head.updateOne({ _id: id as never, status: 'applying' }, { $set: { status: 'applied', applied }, $inc: { version: 1 } });
    },
  };
}

export function poolApplicationRepo(models: Models) {
  const col = models.PoolApplication.collection;
  return {
    /** One application per entity and unit (`_id` code:department); a new one replaces an open one. */
    async put(a: PoolApplication): Promise<void> {
      await col.replaceOne({ _id: `${a.creditCode}:${a.department}` as never }, { ...a }, { upsert: true });
    },
    async open(): Promise<PoolApplication[]> {
      return (await col.find({ status: 'open' }).toArray()).map(applicationFromDoc);
    },
    /** Closes the applications an applied adjustment decided. */
    async markUsed(keys: { creditCode: string; department: string }[]): Promise<void> {
      for (const k of keys) await col.updateOne({ _id: `${k.creditCode}:${k.department}` as never }, { $set: { status: 'used' } });
    },
  };
}

export function riskClassRepo(models: Models) {
  const hist = models.RiskHistory.collection;
  const changes = models.RiskChange.collection;
  const rp = models.RiskProposal.collection;
  return {
    async history(creditCode: string): Promise<RiskClassEntry[]> {
      const d = await hist.findOne({ _id: creditCode as never });
      return d ? (d.entries as string[]).map((e) => JSON.parse(e) as RiskClassEntry) : [];
    },

    /** Appends a class entry (a re-import of the same date and source changes nothing). Over the version read. */
    async record(creditCode: string, entry: RiskClassEntry): Promise<boolean> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const d = await hist.findOne({ _id: creditCode as never });
        const entries = (d?.entries as string[] | undefined) ?? [];
        if (entries.some((e) => { const x = JSON.parse(e) as RiskClassEntry; return x.date === entry.date && x.source === entry.source && x.riskClass === entry.riskClass; })) return false;
        const next = [...entries, JSON.stringify(entry)];
        if (!d) {
          try {
            await hist.insertOne({ _id: creditCode as never, entries: next, version: 1 });
            return true;
          } catch (err) {
            if ((err as { code?: number }).code !== 11000) throw err;
            continue;
          }
        }
        const r = await hist.updateOne({ _id: creditCode as never, version: d.version }, { $set: { entries: next, version: Number(d.version) + 1 } });
        if (r.modifiedCount === 1) return true;
      }
      throw new Error(`risk history of ${creditCode} kept changing`);
    },

    /** A class change, for the next adjustment (idempotent by entity, date and source). */
    async change(c: RiskChange): Promise<void> {
      await changes.replaceOne({ _id: `${c.creditCode}:${c.date}:${c.source}` as never }, { ...c }, { upsert: true });
    },

    /** Class changes recorded after an instant: imports, and R17 proposals applied by 联席办. */
    async changesSince(since: Date): Promise<RiskChange[]> {
      const imported = (await changes.find({ at: { $gt: since } }).toArray()).map(riskChangeFromDoc);
      const proposals = await rp.find({ status: 'applied' }).toArray();
      const fromResults = proposals
        .filter((p) => p.decidedAt instanceof Date && p.decidedAt.getTime() > since.getTime())
        .map((p) => ({ creditCode: String(p.creditCode), from: String(p.from), to: String(p.to), date: new Date((p.decidedAt as Date).getTime() + 8 * 3600_000).toISOString().slice(0, 10), source: `检查结果${String(p.taskNo)}（R17：${String(p.reason)}）`, at: p.decidedAt as Date }));
      return [...imported, ...fromResults];
    },
  };
}

export type AdjustmentRepo = ReturnType<typeof adjustmentRepo>;
export type PoolApplicationRepo = ReturnType<typeof poolApplicationRepo>;
export type RiskClassRepo = ReturnType<typeof riskClassRepo>;

/** Yearly milestones done once (R8: the joint inspector pool confirmed), by `_id`. */
export function milestoneRepo(models: Models) {
  const col = models.YearMilestone.collection;
  return {
    async get(id: string): Promise<{ at: Date; by: string; note: string } | undefined> {
      const d = await col.findOne({ _id: id as never });
      return d ? { at: d.at as Date, by: String(d.by), note: String(d.note ?? '') } : undefined;
    },
    /** Records it once; false when it was already recorded. */
    async record(id: string, at: Date, by: string, note: string): Promise<boolean> {
      try {
        await col.insertOne({ _id: id as never, at, by, note });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },
  };
}

export type MilestoneRepo = ReturnType<typeof milestoneRepo>;

