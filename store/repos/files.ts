/** Files we send (full lists as xlsx), kept until they expire. */
import { Types } from 'mongoose';
import type { Models } from '../models';
import { bytes, date, str } from './read';

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

export function fileRepo(models: Models) {
  const col = models.File.collection;
  return {
    async put(f: Omit<StoredFile, 'id'>): Promise<string> {
      const r = await col.insertOne({ ...f });
      return String(r.insertedId);
    },
    async get(id: string): Promise<StoredFile | undefined> {
      if (!Types.ObjectId.isValid(id)) return undefined;
      const d = await col.findOne({ _id: new Types.ObjectId(id) });
      if (!d) return undefined;
      return { id, name: str(d.name), contentType: str(d.contentType), data: bytes(d.data), createdAt: date(d.createdAt), expiresAt: date(d.expiresAt) };
    },
    /** Removes expired files (FerretDB has no TTL index: a job calls this). */
    async purgeExpired(now: Date): Promise<number> {
      const r = await col.deleteMany({ expiresAt: { $lt: now } });
      return r.deletedCount;
    },
  };
}

export type FileRepo = ReturnType<typeof fileRepo>;
