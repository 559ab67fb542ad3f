/** Sequence numbers: an atomic $inc per series ("plan:2026:SCJGJ"), so two submissions never share a number. */
import type { Models } from '../models';

export function counterRepo(models: Models) {
  const col = models.Counter.collection;
  return {
    async next(series: string): Promise<number> {
      const r = await col.findOneAndUpdate({ _id: series as never }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
      return Number(r?.seq);
    },
  };
}

export type CounterRepo = ReturnType<typeof counterRepo>;
