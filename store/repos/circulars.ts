/**
 * Circulars (督查通报): one document per draft (`_id` = its number, e.g. "TB2026-0001"),
 * changed only over the version read. A small collection: the list is read whole.
 */
import type { Models } from '../models';
import { CIRCULAR_STATUSES, type Circular } from '../../src/domain/circular';
import type { Stats } from '../../src/domain/stats';
import { bool, date, json, num, oneOf, optDate, str, strs, type Keyed, type Stored } from './read';

/** The circulars repo's one mapper: a stored circular → the record the services see (the figures kept in JSON text: flat documents for FerretDB). */
export function fromDoc(d: Stored): Circular {
  const approvedAt = optDate(d.approvedAt);
  const sentAt = optDate(d.sentAt);
  return {
    circularNo: str(d._id),
    docNo: str(d.docNo),
    periodKey: str(d.periodKey),
    periodLabel: str(d.periodLabel),
    title: str(d.title),
    threshold: num(d.threshold),
    requirements: str(d.requirements),
    remarks: str(d.remarks),
    stats: json<Stats>(d.stats),
    author: str(d.author),
    authorName: str(d.authorName),
    auto: bool(d.auto),
    status: oneOf(CIRCULAR_STATUSES, d.status),
    sentTo: strs(d.sentTo),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    ...(approvedAt ? { approvedAt } : {}),
    ...(sentAt ? { sentAt } : {}),
    version: num(d.version),
  };
}

function toDoc(c: Circular): Keyed {
  const { circularNo, stats, ...rest } = c;
  const out: Keyed = { _id: circularNo, ...rest, stats: JSON.stringify(stats) };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function circularRepo(models: Models) {
  // No model of its own: the collection is reached through the connection, keyed by the circular's number.
  const col = models.Counter.db.collection<Keyed>('circulars');
  /** The same collection typed by its `sentTo` list, so `$addToSet` type-checks. */
  const sent = models.Counter.db.collection<{ _id: string; sentTo: string[] }>('circulars');
  return {
    async create(c: Circular): Promise<void> {
      await col.insertOne(toDoc(c));
    },
    async get(circularNo: string): Promise<Circular | undefined> {
      const d = await col.findOne({ _id: circularNo });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes the circular over the version read (the new one carries version + 1); false if it changed meanwhile. */
    async replace(c: Circular, expected: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(c);
      const r = await col.replaceOne({ _id, version: expected }, rest);
      return r.modifiedCount === 1;
    },
    /** Records that a department's group chats were sent the circular. */
    async markSentTo(circularNo: string, department: string): Promise<void> {
      await sent.updateOne({ _id: circularNo }, { $addToSet: { sentTo: department } });
    },
    /** Every circular, newest first (tens a year). */
    async all(): Promise<Circular[]> {
      return (await col.find({}).toArray()).map(fromDoc).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    },
  };
}

export type CircularRepo = ReturnType<typeof circularRepo>;
