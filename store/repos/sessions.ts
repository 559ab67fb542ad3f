/** Conversations in progress: one per user, written only over the version read, dropped when done or expired. */
import type { Models } from '../models';
import { insertOnce } from './keys';
import type { SessionDoc } from '../../src/domain/records/session';
import { date, json, keyed, num, optDate, str, type Stored } from './read';

/** The sessions repo's one mapper: a stored conversation → the domain's session record. */
export function fromDoc(d: Stored): SessionDoc {
  const busyUntil = optDate(d.busyUntil);
  return {
    userId: str(d._id), flow: str(d.flow), step: str(d.step), data: json<Record<string, unknown>>(d.data),
    expiresAt: date(d.expiresAt), version: num(d.version),
    ...(busyUntil ? { busyUntil } : {}),
  };
}

export function sessionRepo(models: Models) {
  const col = keyed(models.Session);
  return {
    async get(userId: string): Promise<SessionDoc | undefined> {
      const d = await col.findOne({ _id: userId });
      return d ? fromDoc(d) : undefined;
    },

    /**
     * Saves the next state. `readVersion` undefined starts a conversation at version `first` (fails
     * if one exists); otherwise it must still be the version read. Returns the new version, or
     * undefined on a clash.
     */
    async save(s: Omit<SessionDoc, 'version'>, readVersion: number | undefined, first = 1): Promise<number | undefined> {
      const fields = { flow: s.flow, step: s.step, data: JSON.stringify(s.data), expiresAt: s.expiresAt };
      if (readVersion === undefined) return (await insertOnce(col, { _id: s.userId, ...fields, version: first })) ? first : undefined;
      const set = { ...fields, version: readVersion + 1, ...(s.busyUntil ? { busyUntil: s.busyUntil } : {}) };
      const r = await col.updateOne(
        { _id: s.userId, version: readVersion },
        s.busyUntil ? { $set: set } : { $set: set, $unset: { busyUntil: '' } },
      );
      return r.modifiedCount === 1 ? readVersion + 1 : undefined;
    },

    /** Ends the conversation (only the version read, when given); false if there was none to end. */
    async end(userId: string, readVersion?: number): Promise<boolean> {
      const r = await col.deleteOne(readVersion === undefined ? { _id: userId } : { _id: userId, version: readVersion });
      return r.deletedCount === 1;
    },

    async purgeExpired(now: Date): Promise<number> {
      return (await col.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    },
  };
}

export type SessionRepo = ReturnType<typeof sessionRepo>;
