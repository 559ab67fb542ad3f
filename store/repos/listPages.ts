/** The rest of the last long list each user was shown, so 更多 continues it in any process. */
import type { Models } from '../models';
import { date, json, keyed, num, str, type Stored } from './read';

export interface ListPageDoc {
  userId: string;
  title: string;
  lines: string[];
  /** The next line to show. */
  offset: number;
  expiresAt: Date;
  version: number;
}

/** The list pages repo's one mapper: a stored page → the user's list page record. */
export function fromDoc(d: Stored): ListPageDoc {
  return { userId: str(d._id), title: str(d.title), lines: json<string[]>(d.lines), offset: num(d.offset), expiresAt: date(d.expiresAt), version: num(d.version) };
}

export function listPageRepo(models: Models) {
  const col = keyed(models.ListPage);
  return {
    async get(userId: string): Promise<ListPageDoc | undefined> {
      const d = await col.findOne({ _id: userId });
      return d ? fromDoc(d) : undefined;
    },
    /** The user's new list, replacing any earlier one. */
    async put(p: Omit<ListPageDoc, 'version'>): Promise<void> {
      const fields = { title: p.title, lines: JSON.stringify(p.lines), offset: p.offset, expiresAt: p.expiresAt };
      await col.replaceOne({ _id: p.userId }, { ...fields, version: 1 }, { upsert: true });
    },
    /** Moves the offset over the version read; false if another message moved it first. */
    async advance(userId: string, readVersion: number, offset: number): Promise<boolean> {
      const r = await col.updateOne({ _id: userId, version: readVersion }, { $set: { offset, version: readVersion + 1 } });
      return r.modifiedCount === 1;
    },
    async drop(userId: string): Promise<void> {
      await col.deleteOne({ _id: userId });
    },
    async purgeExpired(now: Date): Promise<number> {
      return (await col.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    },
  };
}

export type ListPageRepo = ReturnType<typeof listPageRepo>;
