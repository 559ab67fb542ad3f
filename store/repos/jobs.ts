/** Scheduled jobs with a lease: whichever process claims a due job runs it; the others skip it. */
import type { Models } from '../models';
import { lease } from './leasedQueue';
import { keyed } from './read';

export function jobRepo(models: Models) {
  const col = keyed<{ _id: string; nextRunAt: Date; leaseOwner: string; leaseUntil: Date; lastRunAt?: Date; lastResult: string; runs?: number }>(models.Job);
  return {
    /** Creates the job if it does not exist yet (first run at `firstRunAt`). */
    async ensure(name: string, firstRunAt: Date): Promise<void> {
      await col.updateOne({ _id: name }, { $setOnInsert: { nextRunAt: firstRunAt, leaseOwner: '', leaseUntil: firstRunAt, lastResult: '' } }, { upsert: true });
    },
    /** True if this owner now holds the due job. */
    async claim(name: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
      const r = await col.updateOne(
        { _id: name, nextRunAt: { $lte: now }, leaseUntil: { $lte: now } },
        { $set: lease(owner, now, leaseMs) },
      );
      return r.modifiedCount === 1;
    },
    async done(name: string, owner: string, now: Date, nextRunAt: Date, result: string): Promise<void> {
      await col.updateOne(
        { _id: name, leaseOwner: owner },
        { $set: { nextRunAt, lastRunAt: now, lastResult: result, leaseOwner: '', leaseUntil: now }, $inc: { runs: 1 } },
      );
    },
    async get(name: string) {
      return col.findOne({ _id: name });
    },
  };
}

export type JobRepo = ReturnType<typeof jobRepo>;
