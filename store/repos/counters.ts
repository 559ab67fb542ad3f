/** Sequence numbers: an atomic $inc per series ("plan:2026:SCJGJ"), so two submissions never share a number. */
import type { Models } from '../models';
import { keyed, num, type CounterDoc } from './read';

export function counterRepo(models: Models) {
  const col = keyed<CounterDoc>(models.Counter);
  return {
    async next(series: string): Promise<number> {
      const r = await col.findOneAndUpdate({ _id: series }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
      return num(r?.seq);
    },
  };
}

export type CounterRepo = ReturnType<typeof counterRepo>;
