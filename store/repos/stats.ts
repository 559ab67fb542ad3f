/** Counts for the metrics endpoint, read when it is scraped (small collections: the queues are purged weekly). */
import type { Models } from '../models';

export function statsRepo(models: Models) {
  return {
    /** Inbound messages not yet processed (new or in work). */
    inboundDepth: () => models.Inbound.collection.countDocuments({ status: { $in: ['new', 'working'] } }),
    /** Outbox messages waiting to be sent (pending or being sent). */
    outboxDepth: () => models.Outbox.collection.countDocuments({ status: { $in: ['pending', 'sending'] } }),
    /** Messages that kept failing (发送失败). */
    deadLetters: () => models.Outbox.collection.countDocuments({ status: 'dead' }),
    async drawsByStatus(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const status of ['committed', 'done', 'failed', 'voided']) out[status] = await models.Draw.collection.countDocuments({ status });
      return out;
    },
  };
}

export type StatsRepo = ReturnType<typeof statsRepo>;
