/** The rest of the last long list each user was shown, so 更多 continues it in any process. */
import type { Models } from '../models';

export interface ListPageDoc {
  userId: string;
  title: string;
  lines: string[];
  /** The next line to show. */
  offset: number;
  expiresAt: Date;
  version: number;
}

export function listPageRepo(models: Models) {
  const col = models.ListPage.collection;
  return {
    async get(userId: string): Promise<ListPageDoc | undefined> {
      const d = await col.findOne({ _id: userId as never });
      if (!d) return undefined;
      return {
        userId, title: String(d.title), lines: JSON.parse(String(d.lines)) as string[], offset: Number(d.offset),
        expiresAt: d.expiresAt as Date, version: Number(d.version),
      };
    },
    /** The user's new list, replacing any earlier one. */
    async put(p: Omit<ListPageDoc, 'version'>): Promise<void> {
      const fields = { title: p.title, lines: JSON.stringify(p.lines), offset: p.offset, expiresAt: p.expiresAt };
      await col.replaceOne({ _id: p.userId as never }, { ...fields, version: 1 }, { upsert: true });
    },
    /** Moves the offset over the version read; false if another message moved it first. */
    async advance(userId: string, readVersion: number, offset: number): Promise<boolean> {
      const r = await col.updateOne({ _id: userId as never, version: readVersion }, { $set: { offset, version: readVersion + 1 } });
      return r.modifiedCount === 1;
    },
    async drop(userId: string): Promise<void> {
      await col.deleteOne({ _id: userId as never });
    },
    async purgeExpired(now: Date): Promise<number> {
      return (await col.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    },
  };
}

export type ListPageRepo = ReturnType<typeof listPageRepo>;
