/**
 * Sends what the outbox holds: claims a due message, respects its robot's
 * per-minute limit, sends it through the platform's Sender, and marks it sent,
 * due again after a backoff, or dead (the list an admin can resend from).
 *
 * Replies this process queued come claimed by it and are handed over in
 * memory (`handoff`, sent by `localStep` in batches: one insert into
 * outbox_sent and one delete per batch); `step` claims from the database what
 * nobody alive holds (retries that came due, robot messages, other processes'
 * leftovers, anything queued elsewhere).
 */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import type { OutboxEntry } from '../../store/repos/outbox';
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
  /** Messages sent per localStep. */
  batch?: number;
  /** While there is local work, look in the database at most this often. */
  busySweepMs?: number;
}

/** Whose messages must arrive in order: one user, one conversation, one robot. */
function recipient(e: OutboxEntry): string {
  const p = e.payload as { platform: string; toUser?: string; robot?: string };
  return `${p.platform}:${p.toUser ?? p.robot ?? e.rateKey}`;
}

/** 2 s, 4 s, 8 s … capped at 10 minutes. */
export const backoffMs = (attempt: number): number => Math.min(1000 * 2 ** attempt, 600_000);

export function createOutboxWorker(o: OutboxWorkerOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  const batch = o.batch ?? 50;
  const busySweepMs = o.busySweepMs ?? 5000;
  const local: OutboxEntry[] = [];
  /** Sent, not yet recorded as sent (the database refused): recorded before anything else is sent. */
  const unrecorded: OutboxEntry[] = [];
  let lastSweep = 0;
  let alive: { until: number; owners: string[] } = { until: 0, owners: [] };

  /** Sends one claimed message; true when sent (to be recorded), else it was rescheduled or declared dead. */
  async function send(e: OutboxEntry): Promise<boolean> {
    if (e.rateKey) {
      const wait = await o.repos.outbox.takeSlot(e.rateKey, o.ratePerMinute, o.now());
      if (wait > 0) {
        await o.repos.outbox.retryAt(e.id, o.owner, new Date(o.now().getTime() + wait), 'held back by the per-minute limit', false);
        return false;
      }
    }
    const sender = o.senders[e.payload.platform];
    if (!sender) {
      await o.repos.outbox.markDead(e.id, o.owner, `${e.payload.platform} is not configured`);
      return false;
    }
    try {
      await sender.send(e.payload);
      return true;
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
      return false;
    }
  }

  async function record(sent: OutboxEntry[]): Promise<void> {
    try {
      await o.repos.outbox.markSentMany(sent, o.now());
    } catch (err) {
      unrecorded.push(...sent);
      throw err;
    }
  }

  async function flushUnrecorded(): Promise<void> {
    if (unrecorded.length) await record(unrecorded.splice(0));
  }

  return {
    /** Messages queued claimed by this process, to send from memory. */
    handoff(entries: OutboxEntry[]): void {
      local.push(...entries);
    },

    pending: () => local.length,

    /**
     * Sends a batch of handed-over messages; false when there were none. Each
     * recipient's messages go one at a time, in the order queued (a message's
     * replies, and replies to consecutive messages, arrive in order);
     * different recipients' go at once.
     */
    async localStep(): Promise<boolean> {
      await flushUnrecorded();
      if (local.length === 0) return false;
      const entries = local.splice(0, batch);
      const lanes = new Map<string, number[]>();
      entries.forEach((e, i) => {
        const k = recipient(e);
        const lane = lanes.get(k);
        if (lane) lane.push(i);
        else lanes.set(k, [i]);
      });
      const sent = new Set<number>();
      const left = new Set<number>();
      let failure: unknown;
      await Promise.all([...lanes.values()].map(async (lane) => {
        for (let j = 0; j < lane.length; j++) {
          try {
            if (await send(entries[lane[j]])) sent.add(lane[j]);
          } catch (err) {
            // Not sent and not rescheduled (the database refused the reschedule): still ours, try again.
            for (const i of lane.slice(j)) left.add(i);
            failure = err;
            return;
          }
        }
      }));
      if (left.size) local.unshift(...entries.filter((_, i) => left.has(i)));
      await record(entries.filter((_, i) => sent.has(i)));
      if (failure) throw failure;
      return true;
    },

    /** Claims and sends one due message nobody alive holds; false when there was none (or it is not time to look). */
    async step(): Promise<boolean> {
      await flushUnrecorded();
      if (local.length > 0 && Date.now() - lastSweep < busySweepMs) return false;
      lastSweep = Date.now();
      if (alive.until < Date.now()) alive = { until: Date.now() + 2000, owners: await o.repos.inbound.aliveOwners(o.now()) };
      const e = await o.repos.outbox.claim(o.owner, o.now(), leaseMs, [...alive.owners, o.owner]);
      if (!e) return false;
      lastSweep = 0;
      let sent: boolean;
      try {
        sent = await send(e);
      } catch (err) {
        local.push(e); // ours now (nobody else takes it while we are alive): retried from memory
        throw err;
      }
      if (sent) await record([e]);
      return true;
    },
  };
}
