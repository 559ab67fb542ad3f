/** Files we send (full lists as xlsx), kept until they expire. */
import { Types } from 'mongoose';
import type { Models } from '../models';

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
      const data = d.data as { buffer?: Uint8Array } | Buffer;
      return {
        id, name: d.name, contentType: d.contentType,
        data: Buffer.isBuffer(data) ? data : Buffer.from((data as { buffer: Uint8Array }).buffer),
        createdAt: d.createdAt, expiresAt: d.expiresAt,
      };
    },
    /** Removes expired files (FerretDB has no TTL index: a job calls this). */
    async purgeExpired(now: Date): Promise<number> {
      const r = await col.deleteMany({ expiresAt: { $lt: now } });
      return r.deletedCount;
    },
  };
}

export type FileRepo = ReturnType<typeof fileRepo>;
