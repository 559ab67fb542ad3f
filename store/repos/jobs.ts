/** Scheduled jobs with a lease: whichever process claims a due job runs it; the others skip it. */
import type { Models } from '../models';

export function jobRepo(models: Models) {
  const col = models.Job.collection;
  return {
    /** Creates the job if it does not exist yet (first run at `firstRunAt`). */
    async ensure(name: string, firstRunAt: Date): Promise<void> {
      await col.updateOne({ _id: name as never }, { $setOnInsert: { nextRunAt: firstRunAt, leaseOwner: '', leaseUntil: firstRunAt, lastResult: '' } }, { upsert: true });
    },
    /** True if this owner now holds the due job. */
    async claim(name: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
      const r = await col.updateOne(
        { _id: name as never, nextRunAt: { $lte: now }, leaseUntil: { $lte: now } },
        { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) } },
      );
      return r.modifiedCount === 1;
    },
    async done(name: string, owner: string, now: Date, nextRunAt: Date, result: string): Promise<void> {
      await col.updateOne(
        { _id: name as never, leaseOwner: owner },
        { $set: { nextRunAt, lastRunAt: now, lastResult: result, leaseOwner: '', leaseUntil: now }, $inc: { runs: 1 } },
      );
    },
    async get(name: string) {
      return col.findOne({ _id: name as never });
    },
  };
}

export type JobRepo = ReturnType<typeof jobRepo>;
