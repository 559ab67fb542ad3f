/** Results published by their department (`公示`, R15): one document per task, _id = task number. */
import type { Models } from '../models';
import type { Publication } from '../../src/domain/publication';
import { insertOnce } from './keys';
import { date, keyed, num, str, type Stored } from './read';

/** The publications repo's one mapper: a stored publication → the record the services see. */
export function fromDoc(d: Stored): Publication {
  return {
    taskNo: str(d._id),
    department: str(d.department),
    creditCode: str(d.creditCode),
    entityName: str(d.entityName),
    round: num(d.round),
    publishedAt: date(d.publishedAt),
    publishedBy: str(d.publishedBy),
    version: num(d.version),
  };
}

export function publicationRepo(models: Models) {
  const col = keyed(models.Publication);
  const get = async (taskNo: string): Promise<Publication | undefined> => {
    const d = await col.findOne({ _id: taskNo });
    return d ? fromDoc(d) : undefined;
  };
  return {
    get,
    /** These tasks' publications (one `_id` read each: FerretDB serves only exact `_id` filters from an index). */
    async many(taskNos: readonly string[]): Promise<Map<string, Publication>> {
      const out = new Map<string, Publication>();
      for (const n of taskNos) {
        const p = await get(n);
        if (p) out.set(n, p);
      }
      return out;
    },
    /** Records the first publication; false when the task was published already (a retry or a second person). */
    create(p: Publication): Promise<boolean> {
      const { taskNo, ...rest } = p;
      return insertOnce(col, { _id: taskNo, ...rest });
    },
  };
}

export type PublicationRepo = ReturnType<typeof publicationRepo>;
