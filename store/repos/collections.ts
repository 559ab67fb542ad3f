/**
 * Whole collections, document by document, as stored (no schema): what backup
 * and restore read and write. Not part of createRepos: only the backup use
 * case needs it, over the raw database handle.
 */
import type { mongo } from 'mongoose';

export type RawDocument = mongo.Document;

export function collectionsRepo(db: mongo.Db) {
  return {
    /** Every collection of the database but the server's own (system.*), by name. */
    async names(): Promise<string[]> {
      const list = await db.listCollections({}, { nameOnly: true }).toArray();
      return list.map((c) => c.name).filter((n) => !n.startsWith('system.')).sort();
    },
    count(name: string): Promise<number> {
      return db.collection(name).countDocuments({});
    },
    /** Every document, in batches (a cursor: a large collection never sits in memory whole). */
    all(name: string): AsyncIterable<RawDocument> {
      return db.collection(name).find({}, { batchSize: 1000 });
    },
    async insert(name: string, docs: RawDocument[]): Promise<void> {
      if (docs.length) await db.collection(name).insertMany(docs, { ordered: true });
    },
    async clear(name: string): Promise<void> {
      await db.collection(name).deleteMany({});
    },
  };
}

export type CollectionsRepo = ReturnType<typeof collectionsRepo>;
