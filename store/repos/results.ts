/** Inspection results (one per task, _id = task number): written whole, over the version read. */
import type { Models } from '../models';
import { createChangeFeed } from './changeFeed';
import type { Handling, LenientEntry, ResultForm } from '../../src/domain/result';
import type { EarlierResult, FollowUpDoc, HistoryEntry, ResultDoc, ResultPart, ResultStatus, RiskProposalDoc } from '../../src/domain/records/result';
import { isDuplicate } from './keys';
import { bool, bytes, date, json, keyed, num, oneOf, optDate, str, strs, type Keyed, type Stored } from './read';

const RESULT_STATUSES: readonly ResultStatus[] = ['draft', 'pending', 'returned', 'approved'];
const SOURCES: readonly ResultDoc['source'][] = ['task', 'filing'];
const FOLLOW_UP_STATUSES: readonly FollowUpDoc['status'][] = ['open', 'awaiting', 'closed'];
const DIRECTIONS: readonly RiskProposalDoc['direction'][] = ['raise', 'lower'];
const PROPOSAL_STATUSES: readonly RiskProposalDoc['status'][] = ['pending', 'applied', 'rejected'];

/** The results repo's one mapper: a stored result document → the domain's result record. */
export function fromDoc(d: Stored): ResultDoc {
  const submittedAt = optDate(d.submittedAt);
  const approvedAt = optDate(d.approvedAt);
  return {
    taskNo: str(d._id),
    source: oneOf(SOURCES, d.source),
    lead: str(d.lead),
    departments: strs(d.departments),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    window: { from: str(d.windowFrom), to: str(d.windowTo) },
    status: oneOf(RESULT_STATUSES, d.status),
    form: d.form ? json<ResultForm>(d.form) : undefined,
    parts: json<Record<string, ResultPart>>(d.parts),
    earlier: json<EarlierResult[]>(d.earlier ?? '[]'),
    correctionReason: str(d.correctionReason),
    round: num(d.round),
    submittedBy: str(d.submittedBy),
    ...(submittedAt ? { submittedAt } : {}),
    ...(approvedAt ? { approvedAt } : {}),
    openFollowUps: num(d.openFollowUps),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    version: num(d.version),
  };
}

function toDoc(r: ResultDoc): Keyed {
  const { taskNo, window, form, parts, earlier, ...rest } = r;
  const out: Keyed = {
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
  const col = keyed(models.Result);
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
      const d = await col.findOne({ _id: taskNo });
      return d ? fromDoc(d) : undefined;
    },

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
      return (await this.createThen(r, async () => undefined)) !== undefined;
    },

    /**
     * Inserts a new result, then runs `alongside` (writes that need the result stored, not its
     * state logged) while its state is logged; both are done when it returns. Undefined when a
     * result already exists (a concurrent first entry): then `alongside` does not run.
     */
    async createThen<T>(r: ResultDoc, alongside: () => Promise<T>): Promise<{ value: T } | undefined> {
      await feed.loaded();
      try {
        await col.insertOne(toDoc(r));
      } catch (err) {
        if (isDuplicate(err)) return undefined;
        throw err;
      }
      const [log, value] = await Promise.allSettled([logged(true, r.taskNo), alongside()]);
      if (log.status === 'rejected') throw log.reason;
      if (value.status === 'rejected') throw value.reason;
      return { value: value.value };
    },

    /** Writes the result over the version read (the new doc carries version + 1); false if it changed meanwhile. */
    async replace(r: ResultDoc, expected: number): Promise<boolean> {
      await feed.loaded();
      const { _id, ...rest } = toDoc(r);
      const res = await col.replaceOne({ _id, version: expected }, rest);
      return logged(res.modifiedCount === 1, r.taskNo);
    },
  };
}

export type ResultRepo = ReturnType<typeof resultRepo>;

/** The follow-ups repo's one mapper: a stored follow-up document → the domain's follow-up record (R14). */
export function followUpFromDoc(d: Stored): FollowUpDoc {
  const acceptedAt = optDate(d.acceptedAt);
  const closedAt = optDate(d.closedAt);
  return {
    id: str(d._id),
    taskNo: str(d.taskNo),
    n: num(d.n),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    department: str(d.department),
    itemKey: str(d.itemKey),
    problem: str(d.problem),
    handling: json<Handling>(d.handling),
    owner: str(d.owner),
    status: oneOf(FOLLOW_UP_STATUSES, d.status),
    due: str(d.due),
    extended: bool(d.extended),
    extensionReason: str(d.extensionReason),
    acceptedBy: str(d.acceptedBy),
    ...(acceptedAt ? { acceptedAt } : {}),
    review: d.review ? json<FollowUpDoc['review']>(d.review) : undefined,
    closedBy: str(d.closedBy),
    ...(closedAt ? { closedAt } : {}),
    remindedOn: str(d.remindedOn),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    version: num(d.version),
  };
}
const followUpFrom = followUpFromDoc;

function followUpTo(f: FollowUpDoc): Keyed {
  const { id, handling, review, ...rest } = f;
  const out: Keyed = { _id: id, ...rest, handling: JSON.stringify(handling), review: review ? JSON.stringify(review) : '' };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function followUpRepo(models: Models) {
  const col = keyed(models.FollowUp);
  return {
    async get(id: string): Promise<FollowUpDoc | undefined> {
      const d = await col.findOne({ _id: id });
      return d ? followUpFrom(d) : undefined;
    },
    /** Inserts the follow-ups not yet stored (a retry inserts nothing twice); returns those inserted now. */
    async createMissing(list: FollowUpDoc[]): Promise<FollowUpDoc[]> {
      const inserted: FollowUpDoc[] = [];
      for (const f of list) {
        try {
          await col.insertOne(followUpTo(f));
          inserted.push(f);
        } catch (err) {
          if (!isDuplicate(err)) throw err;
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
      return (await col.replaceOne({ _id, version: expected }, rest)).modifiedCount === 1;
    },
  };
}

const CHUNK = 255 * 1024;

/** Evidence files stored by content (SHA-256) in chunks: storing the same file twice writes nothing new. */
export function evidenceRepo(models: Models) {
  const col = keyed(models.EvidenceChunk);
  return {
    async put(sha256: string, data: Buffer): Promise<void> {
      const of = Math.max(1, Math.ceil(data.length / CHUNK));
      for (let n = 0; n < of; n++) {
        try {
          await col.insertOne({ _id: `${sha256}:${n}`, sha256, n, of, data: data.subarray(n * CHUNK, (n + 1) * CHUNK) });
        } catch (err) {
          if (!isDuplicate(err)) throw err;
        }
      }
    },
    /** The file's bytes, read chunk by chunk by `_id`; undefined if any chunk is missing. */
    async get(sha256: string): Promise<Buffer | undefined> {
      const first = await col.findOne({ _id: `${sha256}:0` });
      if (!first) return undefined;
      const parts: Buffer[] = [];
      for (let n = 0; n < Number(first.of); n++) {
        const d = n === 0 ? first : await col.findOne({ _id: `${sha256}:${n}` });
        if (!d) return undefined;
        parts.push(bytes(d.data));
      }
      return Buffer.concat(parts);
    },
  };
}

/** Each entity's approved results, read by `_id` (the credit code): one lookup for 查 <代码>. */
export function historyRepo(models: Models) {
  const col = keyed(models.EntityResults);
  const entriesOf = (d: Stored | null): HistoryEntry[] => strs(d?.entries).map((e) => json<HistoryEntry>(e));
  return {
    async get(creditCode: string): Promise<HistoryEntry[]> {
      const d = await col.findOne({ _id: creditCode });
      return entriesOf(d);
    },
    /** Adds or replaces the task's entry (a correction replaces it), over the version read. */
    async record(creditCode: string, entry: HistoryEntry): Promise<void> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const d = await col.findOne({ _id: creditCode });
        const entries = strs(d?.entries).filter((e) => json<HistoryEntry>(e).taskNo !== entry.taskNo);
        entries.push(JSON.stringify(entry));
        if (!d) {
          try {
            await col.insertOne({ _id: creditCode, entries, version: 1 });
            return;
          } catch (err) {
            if (!isDuplicate(err)) throw err;
            continue;
          }
        }
        const r = await col.updateOne({ _id: creditCode, version: d.version }, { $set: { entries, version: Number(d.version) + 1 } });
        if (r.modifiedCount === 1) return;
      }
      throw new Error(`entity history of ${creditCode} kept changing`);
    },
  };
}

/** The 免罚清单 repo's one mapper: a stored entry → the domain's 免罚清单 entry (R18). */
export const lenientFromDoc = (d: Stored): LenientEntry => ({
  department: str(d.department), no: num(d.no), itemCode: str(d.itemCode), violation: str(d.violation), conditions: str(d.conditions), legalBasis: str(d.legalBasis),
});

/** The 免罚清单 (R18): upserted by natural key, read per department. */
export function lenientRepo(models: Models) {
  const col = keyed(models.Lenient);
  return {
    async upsert(entries: LenientEntry[], by: string, at: Date): Promise<void> {
      for (const e of entries) {
        await col.replaceOne({ _id: `${e.department}:${e.no}` }, { ...e, updatedAt: at, updatedBy: by }, { upsert: true });
      }
    },
    async byDepartment(department: string): Promise<LenientEntry[]> {
      const docs = await col.find({ department }).sort({ no: 1 }).toArray();
      return docs.map(lenientFromDoc);
    },
  };
}

/** The risk proposals repo's one mapper: a stored proposal → the domain's risk proposal (R17). */
export function riskProposalFromDoc(d: Stored): RiskProposalDoc {
  const decidedAt = optDate(d.decidedAt);
  return {
    id: str(d._id), creditCode: str(d.creditCode), entityName: str(d.entityName), taskNo: str(d.taskNo),
    direction: oneOf(DIRECTIONS, d.direction), from: str(d.from), to: str(d.to), reason: str(d.reason),
    status: oneOf(PROPOSAL_STATUSES, d.status), createdAt: date(d.createdAt), decidedBy: str(d.decidedBy),
    ...(decidedAt ? { decidedAt } : {}), version: num(d.version),
  };
}

export function riskProposalRepo(models: Models) {
  const col = keyed(models.RiskProposal);
  const from = riskProposalFromDoc;
  return {
    /** Inserts the proposal unless one for the same result exists (a retry). */
    async create(p: RiskProposalDoc): Promise<void> {
      const { id, ...rest } = p;
      try {
        const doc: Keyed = { _id: id, ...rest };
        if (doc.decidedAt === undefined) delete doc.decidedAt;
        await col.insertOne(doc);
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
    },
    async get(id: string): Promise<RiskProposalDoc | undefined> {
      const d = await col.findOne({ _id: id });
      return d ? from(d) : undefined;
    },
    async pending(): Promise<RiskProposalDoc[]> {
      return (await col.find({ status: 'pending' }).sort({ createdAt: 1, _id: 1 }).toArray()).map(from);
    },
    async decide(p: RiskProposalDoc, status: 'applied' | 'rejected', by: string, at: Date): Promise<boolean> {
      const r = await col.updateOne({ _id: p.id, version: p.version, status: 'pending' }, { $set: { status, decidedBy: by, decidedAt: at, version: p.version + 1 } });
      return r.modifiedCount === 1;
    },
  };
}
