/** Platform access tokens cached in the database, so every process shares one. */
import type { Models } from '../models';

export interface CachedToken {
  value: string;
  expiresAt: Date;
}

export function tokenRepo(models: Models) {
  const col = models.Token.collection;
  return {
    async get(key: string): Promise<CachedToken | undefined> {
      const d = await col.findOne({ _id: key as never });
      return d ? { value: d.value as string, expiresAt: d.expiresAt as Date } : undefined;
    },
    async put(key: string, value: string, expiresAt: Date, fetchedAt: Date): Promise<void> {
      await col.updateOne({ _id: key as never }, { $set: { value, expiresAt, fetchedAt } }, { upsert: true });
    },
    /** Forgets a token the platform rejected, unless another process already replaced it. */
    async invalidate(key: string, value: string): Promise<void> {
      await col.deleteOne({ _id: key as never, value });
    },
  };
}

export type TokenRepo = ReturnType<typeof tokenRepo>;
