/** Inspection results (one per task, _id = task number): written whole, over the version read. */
import type { Models } from '../models';
import { createChangeFeed } from './changeFeed';
import type { Handling, ItemFinding, LenientEntry, ResultForm } from '../../src/domain/result';

/** One department's share of the form: its items, who entered them and when. */
export interface ResultPart {
  findings: ItemFinding[];
  by: string;
  byName: string;
  at: string;
  /** Evidence files (images, documents) kept with the result: file ids and their SHA-256. */
  evidence: { name: string; sha256: string; bytes: number }[];
}

/** An approved version replaced by a correction (R20): kept whole, with why it was corrected. */
export interface EarlierResult {
  round: number;
  form?: ResultForm;
  parts: Record<string, ResultPart>;
  approvedAt?: string;
  correctedBy: string;
  correctedAt: string;
  reason: string;
}

export type ResultStatus = 'draft' | 'pending' | 'returned' | 'approved';

export interface ResultDoc {
  taskNo: string;
  source: 'task' | 'filing';
  lead: string;
  departments: string[];
  creditCode: string;
  entityName: string;
  window: { from: string; to: string };
  status: ResultStatus;
  form?: ResultForm;
  parts: Record<string, ResultPart>;
  earlier: EarlierResult[];
  correctionReason: string;
  /** 1 for the first version; each correction adds one. */
  round: number;
  submittedBy: string;
  submittedAt?: Date;
  approvedAt?: Date;
  openFollowUps: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

function fromDoc(d: Record<string, unknown>): ResultDoc {
  const { _id, windowFrom, windowTo, form, parts, earlier, ...rest } = d;
  return {
    ...(rest as Omit<ResultDoc, 'taskNo' | 'window' | 'form' | 'parts' | 'earlier'>),
    taskNo: String(_id),
    window: { from: String(windowFrom), to: String(windowTo) },
    form: form ? (JSON.parse(String(form)) as ResultForm) : undefined,
    parts: JSON.parse(String(parts)) as Record<string, ResultPart>,
    earlier: JSON.parse(String(earlier ?? '[]')) as EarlierResult[],
  };
}

function toDoc(r: ResultDoc): Record<string, unknown> {
  const { taskNo, window, form, parts, earlier, ...rest } = r;
  const out: Record<string, unknown> = {
    _id: taskNo, ...rest, windowFrom: window.from, windowTo: window.to,
    form: form ? JSON.stringify(form) : '', parts: JSON.stringify(parts), earlier: JSON.stringify(earlier),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * What a task's state needs of its result, and its timing for the oversight statistics (R15:
 * first submitted, first approved — made public — and the inspection's last day, epoch ms and
 * 'YYYY-MM-DD'): kept for every result in each process's memory.
 */
export type ResultState = Pick<ResultDoc, 'status' | 'openFollowUps'> & { submittedAt?: number; publishedAt?: number; end?: string; timed?: boolean };
type StateRow = ResultState & { taskNo: string };

const STATE_PROJECTION = { _id: 1, status: 1, openFollowUps: 1, submittedAt: 1, approvedAt: 1, form: 1, earlier: 1 } as const;

/** A stored result's state row: the first approval is the first version's (a correction keeps it in `earlier`). */
function stateRowOf(d: Record<string, unknown>): StateRow {
  const earlier = typeof d.earlier === 'string' && d.earlier ? (JSON.parse(d.earlier) as EarlierResult[]) : [];
  const form = typeof d.form === 'string' && d.form ? (JSON.parse(d.form) as ResultForm) : undefined;
  const firstApproved = earlier.find((e) => e.approvedAt)?.approvedAt;
  const ms = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'string' && v ? Date.parse(v) : undefined);
  const publishedAt = ms(firstApproved) ?? ms(d.approvedAt);
  // A correction is submitted again after approval: the first submission was no later than the first approval.
  const submitted = ms(d.submittedAt);
  const submittedAt = submitted !== undefined && publishedAt !== undefined ? Math.min(submitted, publishedAt) : submitted ?? publishedAt;
  return {
    taskNo: String(d._id), status: d.status as ResultDoc['status'], openFollowUps: Number(d.openFollowUps ?? 0),
    submittedAt, publishedAt, end: earlier[0]?.form?.end ?? form?.end, timed: true,
  };
}

/**
 * Results are read whole by `_id`; their states (status and open follow-ups, all a task's
 * state needs) also live in each process's memory through a change feed (changeFeed.ts:
 * `result_state_log`, `result_state_snapshot`), so 我的任务, 我的计划's progress and the
 * reminders never read one result per task.
 */
export function resultRepo(models: Models) {
  const col = models.Result.collection;
  const states = new Map<string, ResultState>();
  const feed = createChangeFeed<StateRow>('result_state', { source: models.Result, counters: models.Counter }, {
    projection: STATE_PROJECTION,
    rowOf: stateRowOf,
    apply: (r) => { const { taskNo, ...st } = r; states.set(taskNo, st); },
    clear: () => states.clear(),
    rows: () => [...states].map(([taskNo, st]) => ({ taskNo, ...st })),
  });
  /** After a write of one result: its state as it now is, for every process. */
  const logged = (changed: boolean, taskNo: string) => feed.logChanged(changed, taskNo);
  return {
    /** Writes a new snapshot of the states when their log has grown (a periodic job). */
    compactIndex: (minEntries?: number) => feed.compact(minEntries),
    async get(taskNo: string): Promise<ResultDoc | undefined> {
      const d = await col.findOne({ _id: taskNo as never });
      return d ? fromDoc(d) : undefined;
    },

    /** Results of these tasks (one `_id` lookup each: FerretDB serves only exact `_id` filters from an index). */
    /** The states of these tasks' results (those that have one), from memory. */
    async many(taskNos: string[]): Promise<Map<string, ResultState>> {
      await feed.fresh();
      const out = new Map<string, ResultState>();
      for (const n of taskNos) {
        const st = states.get(n);
        if (st) out.set(n, st);
      }
      return out;
    },

    /**
     * The states of these tasks' results with their timing (oversight statistics), from memory. A state
     * from a snapshot written before timings were kept (no `timed`) is read once by `_id` and kept, so
     * the next snapshot holds it.
     */
    async timings(taskNos: string[]): Promise<Map<string, ResultState>> {
      await feed.fresh();
      const out = new Map<string, ResultState>();
      for (const n of taskNos) {
        let st = states.get(n);
        if (!st) continue;
        if (!st.timed) {
          const d = await col.findOne({ _id: n as never }, { projection: STATE_PROJECTION });
          if (d) {
            const { taskNo, ...row } = stateRowOf(d);
            states.set(taskNo, (st = row));
          }
        }
        out.set(n, st);
      }
      return out;
    },

    /** Inserts a new result; false when one already exists (a concurrent first entry). */
    async create(r: ResultDoc): Promise<boolean> {
      await feed.loaded();
      try {
        await col.insertOne(toDoc(r) as never);
        return logged(true, r.taskNo);
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },

    /** Writes the result over the version read (the new doc carries version + 1); false if it changed meanwhile. */
    async replace(r: ResultDoc, expected: number): Promise<boolean> {
      await feed.loaded();
      const { _id, ...rest } = toDoc(r);
      const res = await col.replaceOne({ _id: _id as never, version: expected }, rest as never);
      return logged(res.modifiedCount === 1, r.taskNo);
    },
  };
}

export type ResultRepo = ReturnType<typeof resultRepo>;

/** A problem's handling followed until closed (R14). */
export interface FollowUpDoc {
  id: string;
  taskNo: string;
  n: number;
  creditCode: string;
  entityName: string;
  department: string;
  itemKey: string;
  problem: string;
  handling: Handling;
  /** The department that must act now: the inspecting one, or the one a transfer went to. */
  owner: string;
  /** awaiting: a transfer not yet accepted. */
  status: 'open' | 'awaiting' | 'closed';
  due: string;
  extended: boolean;
  extensionReason: string;
  acceptedBy: string;
  acceptedAt?: Date;
  review?: { start: string; end: string; outcome: string; by: string; byName: string };
  closedBy: string;
  closedAt?: Date;
  remindedOn: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

function followUpFrom(d: Record<string, unknown>): FollowUpDoc {
  const { _id, handling, review, ...rest } = d;
  return {
    ...(rest as Omit<FollowUpDoc, 'id' | 'handling' | 'review'>),
    id: String(_id),
    handling: JSON.parse(String(handling)) as Handling,
    review: review ? (JSON.parse(String(review)) as FollowUpDoc['review']) : undefined,
  };
}

function followUpTo(f: FollowUpDoc): Record<string, unknown> {
  const { id, handling, review, ...rest } = f;
  const out: Record<string, unknown> = { _id: id, ...rest, handling: JSON.stringify(handling), review: review ? JSON.stringify(review) : '' };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function followUpRepo(models: Models) {
  const col = models.FollowUp.collection;
  return {
    async get(id: string): Promise<FollowUpDoc | undefined> {
      const d = await col.findOne({ _id: id as never });
      return d ? followUpFrom(d) : undefined;
    },
    /** Inserts the follow-ups not yet stored (a retry inserts nothing twice); returns those inserted now. */
    async createMissing(list: FollowUpDoc[]): Promise<FollowUpDoc[]> {
      const inserted: FollowUpDoc[] = [];
      for (const f of list) {
        try {
          await col.insertOne(followUpTo(f) as never);
          inserted.push(f);
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
        }
      }
      return inserted;
    },
    async forTask(taskNo: string): Promise<FollowUpDoc[]> {
      return (await col.find({ taskNo }).sort({ n: 1 }).toArray()).map(followUpFrom);
    },
    /** Not yet closed, owned by a department (or every department when absent). */
    async unclosed(owner?: string): Promise<FollowUpDoc[]> {
      const filter = { status: { $in: ['open', 'awaiting'] }, ...(owner ? { owner } : {}) };
      return (await col.find(filter).sort({ due: 1, _id: 1 }).toArray()).map(followUpFrom);
    },
    async replace(f: FollowUpDoc, expected: number): Promise<boolean> {
      const { _id, ...rest } = followUpTo(f);
      return (await col.replaceOne({ _id: _id as never, version: expected }, rest as never)).modifiedCount === 1;
    },
  };
}

const CHUNK = 255 * 1024;

/** Evidence files stored by content (SHA-256) in chunks: storing the same file twice writes nothing new. */
export function evidenceRepo(models: Models) {
  const col = models.EvidenceChunk.collection;
  return {
    async put(sha256: string, data: Buffer): Promise<void> {
      const of = Math.max(1, Math.ceil(data.length / CHUNK));
      for (let n = 0; n < of; n++) {
        try {
          await col.insertOne({ _id: `${sha256}:${n}` as never, sha256, n, of, data: data.subarray(n * CHUNK, (n + 1) * CHUNK) });
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
        }
      }
    },
    /** The file's bytes, read chunk by chunk by `_id`; undefined if any chunk is missing. */
    async get(sha256: string): Promise<Buffer | undefined> {
      const first = await col.findOne({ _id: `${sha256}:0` as never });
      if (!first) return undefined;
      const parts: Buffer[] = [];
      for (let n = 0; n < Number(first.of); n++) {
        const d = n === 0 ? first : await col.findOne({ _id: `${sha256}:${n}` as never });
        if (!d) return undefined;
        const b = d.data as { buffer?: Uint8Array } | Buffer;
        parts.push(Buffer.isBuffer(b) ? b : Buffer.from((b as { buffer: Uint8Array }).buffer));
      }
      return Buffer.concat(parts);
    },
  };
}

/** One approved inspection of an entity, as every department sees it (R16). */
export interface HistoryEntry {
  taskNo: string;
  source: 'task' | 'filing';
  lead: string;
  departments: string[];
  start: string;
  end: string;
  categories: string[];
  round: number;
  /** 免罚清单 entries ('DEPT:no') this inspection recorded a violation of (R18). */
  lenient?: string[];
}

/** Each entity's approved results, read by `_id` (the credit code): one lookup for 查 <代码>. */
export function historyRepo(models: Models) {
  const col = models.EntityResults.collection;
  return {
    async get(creditCode: string): Promise<HistoryEntry[]> {
      const d = await col.findOne({ _id: creditCode as never });
      return d ? (d.entries as string[]).map((e) => JSON.parse(e) as HistoryEntry) : [];
    },
    /** Adds or replaces the task's entry (a correction replaces it), over the version read. */
    async record(creditCode: string, entry: HistoryEntry): Promise<void> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const d = await col.findOne({ _id: creditCode as never });
        const entries = ((d?.entries as string[] | undefined) ?? []).filter((e) => (JSON.parse(e) as HistoryEntry).taskNo !== entry.taskNo);
        entries.push(JSON.stringify(entry));
        if (!d) {
          try {
            await col.insertOne({ _id: creditCode as never, entries, version: 1 });
            return;
          } catch (err) {
            if ((err as { code?: number }).code !== 11000) throw err;
            continue;
          }
        }
        const r = await col.updateOne({ _id: creditCode as never, version: d.version }, { $set: { entries, version: Number(d.version) + 1 } });
        if (r.modifiedCount === 1) return;
      }
      throw new Error(`entity history of ${creditCode} kept changing`);
    },
  };
}

/** The 免罚清单 (R18): upserted by natural key, read per department. */
export function lenientRepo(models: Models) {
  const col = models.Lenient.collection;
  return {
    async upsert(entries: LenientEntry[], by: string, at: Date): Promise<void> {
      for (const e of entries) {
        await col.replaceOne({ _id: `${e.department}:${e.no}` as never }, { ...e, updatedAt: at, updatedBy: by }, { upsert: true });
      }
    },
    async byDepartment(department: string): Promise<LenientEntry[]> {
      const docs = await col.find({ department }).sort({ no: 1 }).toArray();
      return docs.map((d) => ({ department: d.department, no: d.no, itemCode: d.itemCode, violation: d.violation, conditions: d.conditions, legalBasis: d.legalBasis }));
    },
  };
}

/** R17: a proposal to move an entity's credit-risk class, decided by 联席办. */
export interface RiskProposalDoc {
  id: string;
  creditCode: string;
  entityName: string;
  taskNo: string;
  direction: 'raise' | 'lower';
  from: string;
  to: string;
  reason: string;
  status: 'pending' | 'applied' | 'rejected';
  createdAt: Date;
  decidedBy: string;
  decidedAt?: Date;
  version: number;
}

export function riskProposalRepo(models: Models) {
  const col = models.RiskProposal.collection;
  const from = (d: Record<string, unknown>): RiskProposalDoc => {
    const { _id, ...rest } = d;
    return { id: String(_id), ...(rest as Omit<RiskProposalDoc, 'id'>) };
  };
  return {
    /** Inserts the proposal unless one for the same result exists (a retry). */
    async create(p: RiskProposalDoc): Promise<void> {
      const { id, ...rest } = p;
      try {
        const doc: Record<string, unknown> = { _id: id, ...rest };
        if (doc.decidedAt === undefined) delete doc.decidedAt;
        await col.insertOne(doc as never);
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    },
    async get(id: string): Promise<RiskProposalDoc | undefined> {
      const d = await col.findOne({ _id: id as never });
      return d ? from(d) : undefined;
    },
    async pending(): Promise<RiskProposalDoc[]> {
      return (await col.find({ status: 'pending' }).sort({ createdAt: 1, _id: 1 }).toArray()).map(from);
    },
    async decide(p: RiskProposalDoc, status: 'applied' | 'rejected', by: string, at: Date): Promise<boolean> {
      const r = await col.updateOne({ _id: p.id as never, version: p.version, status: 'pending' }, { $set: { status, decidedBy: by, decidedAt: at, version: p.version + 1 } });
      return r.modifiedCount === 1;
    },
  };
}
