/**
 * Writes shared by the three registries (entities, inspectors, items), keyed by
 * their natural key as _id and guarded by a digest of the imported row, so an
 * import is idempotent and a concurrent change is never overwritten silently.
 */
import type { Model } from 'mongoose';
import type { RegistryWriter, StoredDoc } from '../../src/domain/records/registry';
import { keyed } from './read';

export type { RegistryWriter, Stamp, StoredDoc } from '../../src/domain/records/registry';

export function registryWriter(model: Model<any>): RegistryWriter { // eslint-disable-line @typescript-eslint/no-explicit-any
  const col = keyed<StoredDoc>(model);
  return {
    async digests() {
      const out = new Map<string, string>();
      const cursor = col.find({}, { projection: { _id: 1, rowHash: 1 }, batchSize: 5000 });
      for await (const d of cursor) out.set(String(d._id), String(d.rowHash));
      return out;
    },
    async insertNew(docs) {
      if (docs.length === 0) return { inserted: 0, existing: [] };
      try {
        // Raw driver insert: rows are validated by the domain before they get here.
        const r = await col.insertMany(docs, { ordered: false });
        return { inserted: r.insertedCount, existing: [] };
      } catch (err) {
        const e = err as { code?: number; writeErrors?: { code?: number; index: number; err?: { index: number; code: number } }[]; insertedCount?: number; result?: { insertedCount?: number } };
        const writeErrors = e.writeErrors ?? [];
        if (writeErrors.length === 0 || writeErrors.some((w) => (w.code ?? w.err?.code) !== 11000)) throw err;
        const existing = writeErrors.map((w) => docs[w.index ?? w.err!.index]._id);
        return { inserted: docs.length - existing.length, existing };
      }
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      return (await col.find({ _id: { $in: ids } }).toArray());
    },
    async updateIfUnchanged(id, expectedHash, set, unset = []) {
      const update: Record<string, unknown> = { $set: set };
      if (unset.length) update.$unset = Object.fromEntries(unset.map((f) => [f, '']));
      const r = await col.updateOne({ _id: id, rowHash: expectedHash }, update);
      return r.matchedCount === 1;
    },
  };
}
