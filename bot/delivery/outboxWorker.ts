/**
 * Sends what the outbox holds: claims a due message, respects its robot's
 * per-minute limit, sends it through the platform's Sender, and marks it sent,
 * due again after a backoff, or dead (the list an admin can resend from).
 */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import { SendError, type Platform, type Sender } from '../channels/contracts';

export interface OutboxWorkerOptions {
  repos: Repos;
  senders: Partial<Record<Platform, Sender>>;
  now: () => Date;
  log: Logger;
  owner: string;
  maxAttempts: number;
  ratePerMinute: number;
  leaseMs?: number;
}

/** 2 s, 4 s, 8 s … capped at 10 minutes. */
export const backoffMs = (attempt: number): number => Math.min(1000 * 2 ** attempt, 600_000);

export function createOutboxWorker(o: OutboxWorkerOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  return {
    async step(): Promise<boolean> {
      const e = await o.repos.outbox.claim(o.owner, o.now(), leaseMs);
      if (!e) return false;
      if (e.rateKey) {
        const wait = await o.repos.outbox.takeSlot(e.rateKey, o.ratePerMinute, o.now());
        if (wait > 0) {
          await o.repos.outbox.retryAt(e.id, o.owner, new Date(o.now().getTime() + wait), 'held back by the per-minute limit', false);
          return true;
        }
      }
      const sender = o.senders[e.payload.platform];
      if (!sender) {
        await o.repos.outbox.markDead(e.id, o.owner, `${e.payload.platform} is not configured`);
        return true;
      }
      try {
        await sender.send(e.payload);
        await o.repos.outbox.markSent(e.id, o.owner, o.now());
      } catch (err) {
        const retryable = !(err instanceof SendError) || err.retryable;
        const message = (err as Error).message.slice(0, 300);
        if (!retryable || e.attempts >= o.maxAttempts) {
          await o.repos.outbox.markDead(e.id, o.owner, message);
          o.log.warn('outbox message dead', { id: e.id, kind: e.payload.kind, attempts: e.attempts, error: message });
        } else {
          const wait = err instanceof SendError && err.retryAfterMs ? err.retryAfterMs : backoffMs(e.attempts);
          await o.repos.outbox.retryAt(e.id, o.owner, new Date(o.now().getTime() + wait), message);
        }
      }
      return true;
    },
  };
}
