/**
 * Complaints (R22): one document per complaint, read by its number (`_id`); a year's complaints
 * and the open ones (small collections: hundreds a year); the public form's per-address counters
 * and its signing key. State changes are guarded by `version`.
 */
import type { Complaint, ComplaintSource, ComplaintStatus } from '../../src/domain/complaint';
import type { Models } from '../models';
import { insertOnce } from './keys';
import { keyed } from './read';

/** The stored document as the services see it (the one mapper). */
export function fromDoc(d: Record<string, unknown>): Complaint {
  const date = (v: unknown) => (v instanceof Date ? v : v ? new Date(String(v)) : undefined);
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    complaintNo: String(d._id),
    source: d.source as ComplaintSource,
    queryHash: s(d.queryHash),
    receivedAt: date(d.receivedAt)!,
    receivedBy: s(d.receivedBy),
    entityText: s(d.entityText),
    creditCode: s(d.creditCode),
    entityName: s(d.entityName),
    content: s(d.content),
    contact: s(d.contact),
    matter: s(d.matter),
    department: s(d.department),
    routeNote: s(d.routeNote),
    status: d.status as ComplaintStatus,
    ackDue: s(d.ackDue),
    routedAt: date(d.routedAt),
    acknowledgedAt: date(d.acknowledgedAt),
    acknowledgedBy: s(d.acknowledgedBy),
    filingNo: s(d.filingNo),
    outcome: s(d.outcome),
    closedAt: date(d.closedAt),
    closedBy: s(d.closedBy),
    version: Number(d.version ?? 1),
  };
}

function toDoc(c: Complaint): Record<string, unknown> {
  const { complaintNo, ...rest } = c;
  const doc: Record<string, unknown> = { _id: complaintNo, year: Number(complaintNo.slice(2, 6)), ...rest };
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc;
}

const OPEN: ComplaintStatus[] = ['unrouted', 'received', 'acknowledged'];

export function complaintRepo(models: Models) {
  const col = models.Complaint.collection;
  const gate = keyed<{ _id: string; count?: number; expiresAt?: Date; key?: string }>(models.ComplaintGate);
  return {
    /** False when the number exists already. */
    create: (c: Complaint): Promise<boolean> => insertOnce(col, toDoc(c)),
    async get(no: string): Promise<Complaint | undefined> {
      const d = await col.findOne({ _id: no as never });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes `next` (its version one more) only over the version read; false when someone changed it meanwhile. */
    async update(next: Complaint, expectedVersion: number): Promise<boolean> {
      const r = await col.replaceOne({ _id: next.complaintNo as never, version: expectedVersion }, toDoc({ ...next, version: expectedVersion + 1 }));
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
