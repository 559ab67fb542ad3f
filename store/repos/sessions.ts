/** Conversations in progress: one per user, written only over the version read, dropped when done or expired. */
import type { Models } from '../models';
import { insertOnce } from './keys';

export interface SessionDoc {
  userId: string;
  flow: string;
  step: string;
  data: Record<string, unknown>;
  expiresAt: Date;
  version: number;
  /** Set while a message's turn is being worked on: no other message may take the conversation until it ends. */
  busyUntil?: Date;
}

export function sessionRepo(models: Models) {
  const col = models.Session.collection;
  return {
    async get(userId: string): Promise<SessionDoc | undefined> {
      const d = await col.findOne({ _id: userId as never });
      if (!d) return undefined;
      return {
        userId, flow: String(d.flow), step: String(d.step), data: JSON.parse(String(d.data)) as Record<string, unknown>,
        expiresAt: d.expiresAt as Date, version: Number(d.version),
        ...(d.busyUntil ? { busyUntil: d.busyUntil as Date } : {}),
      };
    },

    /**
     * Saves the next state. `readVersion` undefined starts a conversation (fails if one exists);
     * otherwise it must still be the version read. Returns the new version, or undefined on a clash.
     */
    async save(s: Omit<SessionDoc, 'version'>, readVersion: number | undefined): Promise<number | undefined> {
      const fields = { flow: s.flow, step: s.step, data: JSON.stringify(s.data), expiresAt: s.expiresAt };
      if (readVersion === undefined) return (await insertOnce(col, { _id: s.userId, ...fields, version: 1 })) ? 1 : undefined;
      const set = { ...fields, version: readVersion + 1, ...(s.busyUntil ? { busyUntil: s.busyUntil } : {}) };
      const r = await col.updateOne(
        { _id: s.userId as never, version: readVersion },
        s.busyUntil ? { $set: set } : { $set: set, $unset: { busyUntil: '' } },
      );
      return r.modifiedCount === 1 ? readVersion + 1 : undefined;
    },

    /** Ends the conversation (only the version read, when given). */
    async end(userId: string, readVersion?: number): Promise<void> {
      await col.deleteOne(readVersion === undefined ? { _id: userId as never } : { _id: userId as never, version: readVersion });
    },

    async purgeExpired(now: Date): Promise<number> {
      return (await col.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    },
  };
}

export type SessionRepo = ReturnType<typeof sessionRepo>;
