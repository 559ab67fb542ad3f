/** Platform access tokens cached in the database, so every process shares one. */
import type { Models } from '../models';
import { date, keyed, str } from './read';

export interface CachedToken {
  value: string;
  expiresAt: Date;
}

export function tokenRepo(models: Models) {
  const col = keyed(models.Token);
  return {
    async get(key: string): Promise<CachedToken | undefined> {
      const d = await col.findOne({ _id: key });
      return d ? { value: str(d.value), expiresAt: date(d.expiresAt) } : undefined;
    },
    async put(key: string, value: string, expiresAt: Date, fetchedAt: Date): Promise<void> {
      await col.updateOne({ _id: key }, { $set: { value, expiresAt, fetchedAt } }, { upsert: true });
    },
    /** Forgets a token the platform rejected, unless another process already replaced it. */
    async invalidate(key: string, value: string): Promise<void> {
      await col.deleteOne({ _id: key, value });
    },
  };
}

export type TokenRepo = ReturnType<typeof tokenRepo>;
