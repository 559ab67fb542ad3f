/**
 * Circulars (督查通报): one document per draft (`_id` = its number, e.g. "TB2026-0001"),
 * changed only over the version read. A small collection: the list is read whole.
 */
import type { mongo } from 'mongoose';
import type { Models } from '../models';
import type { Circular } from '../../src/domain/circular';
import type { Stats } from '../../src/domain/stats';

/** A stored circular as the services see it (the figures are kept as JSON: flat documents for FerretDB). */
export function fromDoc(d: Record<string, unknown>): Circular {
  const { _id, stats, sentTo, ...rest } = d;
  return {
    ...(rest as Omit<Circular, 'circularNo' | 'stats' | 'sentTo'>),
    circularNo: String(_id),
    stats: JSON.parse(String(stats)) as Stats,
    sentTo: Array.isArray(sentTo) ? sentTo.map(String) : [],
  };
}

function toDoc(c: Circular): Record<string, unknown> {
  const { circularNo, stats, ...rest } = c;
  const out: Record<string, unknown> = { _id: circularNo, ...rest, stats: JSON.stringify(stats) };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export function circularRepo(models: Models) {
  const col = models.Counter.db.collection('circulars') as unknown as mongo.Collection;
  return {
    async create(c: Circular): Promise<void> {
      await col.insertOne(toDoc(c) as never);
    },
    async get(circularNo: string): Promise<Circular | undefined> {
      const d = await col.findOne({ _id: circularNo as never });
      return d ? fromDoc(d) : undefined;
    },
    /** Writes the circular over the version read (the new one carries version + 1); false if it changed meanwhile. */
    async replace(c: Circular, expected: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(c);
      const r = await col.replaceOne({ _id: _id as never, version: expected }, rest as never);
      return r.modifiedCount === 1;
    },
    /** Records that a department's group chats were sent the circular. */
    async markSentTo(circularNo: string, department: string): Promise<void> {
      await col.updateOne({ _id: circularNo as never }, { $addToSet: { sentTo: department } });
    },
    /** Every circular, newest first (tens a year). */
    async all(): Promise<Circular[]> {
      return (await col.find({}).toArray()).map(fromDoc).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    },
  };
}

export type CircularRepo = ReturnType<typeof circularRepo>;
