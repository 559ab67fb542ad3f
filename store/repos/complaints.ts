/**
 * Complaints (R22): one document per complaint, read by its number (`_id`); a year's complaints
 * and the open ones (small collections: hundreds a year); the public form's per-address counters
 * and its signing key. State changes are guarded by `version`.
 */
import { COMPLAINT_SOURCES, COMPLAINT_STATUSES, type Complaint, type ComplaintStatus } from '../../src/domain/complaint';
import type { Models } from '../models';
import { insertOnce } from './keys';
import { date, keyed, num, oneOf, optDate, str, type Keyed, type Stored } from './read';

/** The complaints repo's one mapper: a stored complaint → the record the services see. */
export function fromDoc(d: Stored): Complaint {
  return {
    complaintNo: str(d._id),
    source: oneOf(COMPLAINT_SOURCES, d.source),
    queryHash: str(d.queryHash),
    receivedAt: date(d.receivedAt),
    receivedBy: str(d.receivedBy),
    entityText: str(d.entityText),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    content: str(d.content),
    contact: str(d.contact),
    matter: str(d.matter),
    department: str(d.department),
    routeNote: str(d.routeNote),
    status: oneOf(COMPLAINT_STATUSES, d.status),
    ackDue: str(d.ackDue),
    routedAt: optDate(d.routedAt),
    acknowledgedAt: optDate(d.acknowledgedAt),
    acknowledgedBy: str(d.acknowledgedBy),
    filingNo: str(d.filingNo),
    outcome: str(d.outcome),
    closedAt: optDate(d.closedAt),
    closedBy: str(d.closedBy),
    version: num(d.version ?? 1),
  };
}

function toDoc(c: Complaint): Keyed {
  const { complaintNo, ...rest } = c;
  const doc: Keyed = { _id: complaintNo, year: Number(complaintNo.slice(2, 6)), ...rest };
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc;
}

const OPEN: ComplaintStatus[] = COMPLAINT_STATUSES.filter((s) => s !== 'closed');

export function complaintRepo(models: Models) {
  const col = keyed(models.Complaint);
  const gate = keyed<{ _id: string; count?: number; expiresAt?: Date; key?: string }>(models.ComplaintGate);
  return {
    /** False when the number exists already. */
    create: (c: Complaint): Promise<boolean> => insertOnce(col, toDoc(c)),
    async get(no: string): Promise<Complaint | undefined> {
      const d = await col.findOne({ _id: no });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes `next` (its version one more) only over the version read; false when someone changed it meanwhile. */
    async update(next: Complaint, expectedVersion: number): Promise<boolean> {
      const r = await col.replaceOne({ _id: next.complaintNo, version: expectedVersion }, toDoc({ ...next, version: expectedVersion + 1 }));
      return r.modifiedCount === 1;
    },
    async forYears(years: number[]): Promise<Complaint[]> {
      const docs = await col.find({ year: { $in: years } }).toArray();
      return docs.map(fromDoc).sort((a, b) => a.complaintNo.localeCompare(b.complaintNo));
    },
    async open(): Promise<Complaint[]> {
      const docs = await col.find({ status: { $in: OPEN } }).toArray();
      return docs.map(fromDoc).sort((a, b) => a.complaintNo.localeCompare(b.complaintNo));
    },
    /** One more hit under `key` (an address digest and an hour); returns the count so far. */
    async hit(key: string, expiresAt: Date): Promise<number> {
      const r = await gate.findOneAndUpdate({ _id: key }, { $inc: { count: 1 }, $setOnInsert: { expiresAt } }, { upsert: true, returnDocument: 'after' });
      return Number(r?.count ?? 1);
    },
    /** The form's signing key: made once (the first process's `fresh` wins), then read by every process. */
    async formKey(fresh: string): Promise<string> {
      await insertOnce(gate, { _id: 'form-key', key: fresh });
      const d = await gate.findOne({ _id: 'form-key' });
      return String(d?.key);
    },
    async purgeGate(before: Date): Promise<number> {
      return (await gate.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
    },
  };
}

export type ComplaintRepo = ReturnType<typeof complaintRepo>;
