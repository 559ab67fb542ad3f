/** Natural keys as `_id`: a second insert of the same key is MongoDB's duplicate-key error (11000). */
import type { mongo } from 'mongoose';

export const DUPLICATE_KEY = 11000;

export const isDuplicate = (err: unknown): boolean => (err as { code?: number }).code === DUPLICATE_KEY;

/** Inserts unless a document with that `_id` exists; false then (a retry, or someone first). */
export async function insertOnce<T extends mongo.Document>(col: mongo.Collection<T>, doc: mongo.OptionalUnlessRequiredId<T>): Promise<boolean> {
  try {
    await col.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}
