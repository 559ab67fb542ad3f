/** Results published by their department (`公示`, R15): one document per task, _id = task number. */
import type { Models } from '../models';
import type { Publication } from '../../src/domain/publication';

/** A stored publication as the services see it. */
export function fromDoc(d: Record<string, unknown>): Publication {
  return {
    taskNo: String(d._id),
    department: String(d.department),
    creditCode: String(d.creditCode),
    entityName: String(d.entityName ?? ''),
    round: Number(d.round),
    publishedAt: new Date(d.publishedAt as Date),
    publishedBy: String(d.publishedBy),
    version: Number(d.version),
  };
}

export function publicationRepo(models: Models) {
  const col = models.Publication.collection;
  const get = async (taskNo: string): Promise<Publication | undefined> => {
    const d = await col.findOne({ _id: taskNo as never });
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
    async create(p: Publication): Promise<boolean> {
      const { taskNo, ...rest } = p;
      try {
        await col.insertOne({ _id: taskNo as never, ...rest });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return false;
        throw err;
      }
    },
  };
}

export type PublicationRepo = ReturnType<typeof publicationRepo>;
