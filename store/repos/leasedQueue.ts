/**
 * What the three leased queues share (inbound messages, the outbox, scheduled
 * jobs): a claim is a lease (owner + until) written by a guarded update; an
 * entry is free once its lease ran out and its owner is not among the processes
 * alive; batch inserts and deletes keep each round trip short on FerretDB.
 * Only what the three do identically lives here; what differs (statuses,
 * ordering, retries) stays in each repo.
 */
import type { mongo } from 'mongoose';
import { DUPLICATE_KEY, isDuplicate } from './keys';
import type { Keyed } from './read';

/** A queue entry (or a kept key) as stored: keyed by a natural `_id`, counting its attempts. */
export type QueueDoc = Keyed & { attempts?: number };

/** A lease to take: who holds the entry, for how long. */
export interface Claim {
  owner: string;
  leaseMs: number;
}

/** The fields that give an entry to `owner` until `leaseMs` after `now`. */
export const lease = (owner: string, now: Date, leaseMs: number): { leaseOwner: string; leaseUntil: Date } =>
  ({ leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) });

/** Entries nobody holds: the lease ran out and the owner is not among `alive` (processes that renewed their heartbeat). */
export const unheld = (now: Date, alive: readonly string[]): Record<string, unknown> =>
  ({ leaseUntil: { $lte: now }, ...(alive.length ? { leaseOwner: { $nin: [...alive] } } : {}) });

/** An update that writes `set` and counts `attempts` up (or, with -1, gives back an attempt). */
export const setCounting = (set: Record<string, unknown>, attempts: number): mongo.Document => ({ $set: set, $inc: { attempts } });

/**
 * Claims the first entry matching `filter` in `sort` order: `set` written and
 * an attempt counted by one guarded update. Looked for with a read first: on
 * FerretDB both are a pass over the queue, but only a write holds up the others
 * (the webhooks' inserts among them), and mostly there is nothing to take.
 */
export async function claimFirst(col: mongo.Collection<QueueDoc>, filter: mongo.Filter<QueueDoc>, set: Record<string, unknown>, sort: mongo.Sort): Promise<QueueDoc | null> {
  if (!(await col.findOne(filter, { projection: { _id: 1 } }))) return null;
  return col.findOneAndUpdate(filter, setCounting(set, 1), { sort, returnDocument: 'after' });
}

interface WriteErrorLike { index: number; code: number; errmsg?: string }

/**
 * Runs an unordered insertMany and returns the indexes refused as duplicate
 * keys; any other failure is thrown (the caller cannot know what was stored).
 */
export async function insertManyUnordered(col: mongo.Collection<QueueDoc>, docs: QueueDoc[]): Promise<Set<number>> {
  const dups = new Set<number>();
  if (docs.length === 0) return dups;
  try {
    await col.insertMany(docs, { ordered: false });
  } catch (err) {
    const e = err as { writeErrors?: WriteErrorLike[] | WriteErrorLike; code?: number };
    const list = e.writeErrors === undefined ? undefined : Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
    if (!list || list.length === 0) {
      if (docs.length === 1 && isDuplicate(err)) return new Set([0]);
      throw err;
    }
    for (const w of list) {
      if (w.code !== DUPLICATE_KEY) throw err;
      dups.add(w.index);
    }
  }
  return dups;
}

/**
 * Deletes documents by exact _id, a few per round trip: FerretDB runs each as
 * its own transaction while holding up every other write (including the
 * webhooks'), so a round trip is kept short.
 */
export async function deleteByIds(col: mongo.Collection<QueueDoc>, ids: string[], perTrip = 8): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += perTrip) {
    const r = await col.bulkWrite(ids.slice(i, i + perTrip).map((id) => ({ deleteOne: { filter: { _id: id } } })), { ordered: false });
    n += r.deletedCount;
  }
  return n;
}
