/**
 * The durable outbox: every message we send is first a document here; workers
 * in any process claim due ones with a lease, send, and mark them sent (moved
 * to outbox_sent), to be retried (with backoff), or dead (the dead-letter list
 * an admin can resend from). The queue holds only live work, so claims stay cheap.
 *
 * A server queues its replies already claimed by itself and sends them from
 * memory (`enqueueMany` with a claim, bot/delivery/outboxWorker.ts); other
 * processes claim only what nobody alive holds (see store/repos/inbound.ts).
 */
import { randomBytes } from 'node:crypto';
import { isDuplicate } from './keys';
import type { OutboundPayload, Outgoing } from '../../bot/channels/contracts';
import type { Models } from '../models';
import { claimFirst, deleteByIds, insertManyUnordered, lease, setCounting, unheld, type Claim, type QueueDoc } from './leasedQueue';
import { date, json, keyed, num, oneOf, str, type Stored } from './read';

export interface OutboxEntry {
  id: string;
  payload: OutboundPayload;
  attempts: number;
  rateKey: string;
  /** The recipient whose messages go in queue order. */
  to: string;
  status: 'pending' | 'sending' | 'sent' | 'dead';
  lastError: string;
  createdAt: Date;
  nextAttemptAt: Date;
  /** Queue order (increasing in this process; by time across processes): a recipient's messages go in this order. */
  seq: number;
  /** Who held it when read (a leftover's owner, for a guarded take-over). */
  leaseOwner: string;
}

let lastSeq = 0;
/** Increasing within this process, and by time across processes. */
function nextSeq(now: Date): number {
  lastSeq = Math.max(lastSeq + 1, now.getTime() * 1000);
  return lastSeq;
}


const STATUSES: readonly OutboxEntry['status'][] = ['pending', 'sending', 'sent', 'dead'];

/** The outbox repo's one mapper: a queued (or sent) document → the entry the worker sends. */
export function fromDoc(d: Stored): OutboxEntry {
  return {
    id: str(d._id),
    payload: json<OutboundPayload>(d.payload),
    attempts: num(d.attempts),
    rateKey: str(d.rateKey),
    to: str(d.to),
    status: oneOf(STATUSES, d.status),
    lastError: str(d.lastError),
    createdAt: date(d.createdAt),
    nextAttemptAt: date(d.nextAttemptAt),
    seq: num(d.seq),
    leaseOwner: str(d.leaseOwner),
  };
}

function toDoc({ payload, rateKey, to }: Outgoing, id: string, now: Date, claim?: Claim): QueueDoc {
  return {
    _id: id, payload: JSON.stringify(payload), platform: payload.platform, kind: payload.kind,
    rateKey, to, seq: nextSeq(now), status: claim ? 'sending' : 'pending', attempts: claim ? 1 : 0, nextAttemptAt: now,
    ...(claim ? lease(claim.owner, now, claim.leaseMs) : { leaseOwner: '', leaseUntil: now }), lastError: '', createdAt: now,
  };
}

export function outboxRepo(models: Models) {
  const col = keyed<QueueDoc>(models.Outbox);
  const sentCol = keyed<QueueDoc>(models.OutboxSent);
  const keys = keyed<QueueDoc>(models.OutboxKey);
  const windows = keyed<{ _id: string; sent: Date[]; v: number; at?: Date; pausedUntil?: Date }>(models.RateWindow);
  return {
    /**
     * Queues a batch of messages under their keys (one insert into the queue,
     * one into the kept keys); a key queued before is skipped. With `claim`,
     * the ones without a rate limit are queued as claimed by that owner and
     * returned, for it to send from memory; the others wait for a worker's claim.
     */
    async enqueueMany(items: (Outgoing & { key: string })[], now: Date, claim?: Claim): Promise<OutboxEntry[]> {
      const docs = items.map((it) => toDoc(it, it.key, now, claim && !it.rateKey ? claim : undefined));
      const dupDocs = await insertManyUnordered(col, docs);
      const fresh = docs.filter((_, k) => !dupDocs.has(k)); // a duplicate is still queued
      const dupKeys = await insertManyUnordered(keys, fresh.map((d) => ({ _id: d._id, at: now })));
      // Queued (and sent) before: drop the copies just made, unless a worker already took one.
      for (const j of dupKeys) {
        const d = fresh[j];
        if (d.status === 'sending') await deleteByIds(col, [String(d._id)]);
        else await col.deleteOne({ _id: d._id, status: 'pending', attempts: 0 });
      }
      return fresh.filter((d, j) => !dupKeys.has(j) && d.status === 'sending').map((d) => fromDoc(d));
    },

    /**
     * Queues a message. With a key, queuing the same key again is a no-op
     * (a re-processed inbound message never sends its replies twice).
     */
    async enqueue(out: Outgoing, now: Date, key?: string): Promise<string> {
      const id = key ?? randomBytes(12).toString('hex');
      try {
        await col.insertOne(toDoc(out, id, now));
      } catch (err) {
        if (!isDuplicate(err)) throw err;
        return id; // still queued
      }
      if (key) {
        try {
          await keys.insertOne({ _id: key, at: now });
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          // Queued (and sent) before: drop the copy just made, unless a worker already took it.
          await col.deleteOne({ _id: id, status: 'pending', attempts: 0 });
        }
      }
      return id;
    },

    /**
     * Claims the most overdue message whose time has come and that nobody holds
     * (its lease ran out and its owner is not among `alive`).
     */
    async claim(owner: string, now: Date, leaseMs: number, alive: string[] = [], dead: string[] = []): Promise<OutboxEntry | undefined> {
      const free = unheld(now, alive);
      // Known dead (`dead`: a process on this machine that is gone): its messages need not wait for their lease.
      const filter = { status: { $in: ['pending', 'sending'] }, nextAttemptAt: { $lte: now }, ...(dead.length ? { $or: [free, { leaseOwner: { $in: dead } }] } : free) };
      // Oldest first, and in queue order among equals: a dead process's leftovers go out in the order queued.
      const d = await claimFirst(col, filter, { status: 'sending', ...lease(owner, now, leaseMs) }, { nextAttemptAt: 1, seq: 1 });
      return d ? fromDoc(d) : undefined;
    },

    /**
     * Due messages for these recipients that this process does not hold (a
     * dead process's leftovers, retries come due): one read; the queue holds only live work.
     */
    async waitingFor(recipients: string[], owner: string, now: Date): Promise<OutboxEntry[]> {
      if (recipients.length === 0) return [];
      const docs = await col.find({ to: { $in: recipients }, status: { $in: ['pending', 'sending'] }, leaseOwner: { $ne: owner }, nextAttemptAt: { $lte: now } }).toArray();
      return docs.map(fromDoc);
    },

    /** Takes over a message from `from` (a dead process, or nobody: ''), if it still holds it; the entry as taken, else undefined. */
    async takeOver(id: string, from: string, owner: string, now: Date, leaseMs: number): Promise<OutboxEntry | undefined> {
      const d = await col.findOneAndUpdate(
        { _id: id, leaseOwner: from, status: { $in: ['pending', 'sending'] } },
        setCounting({ status: 'sending', ...lease(owner, now, leaseMs) }, 1),
        { returnDocument: 'after' },
      );
      return d ? fromDoc(d) : undefined;
    },

    /** Moves a sent message out of the queue into outbox_sent. */
    async markSent(id: string, owner: string, now: Date): Promise<void> {
      const d = await col.findOne({ _id: id, leaseOwner: owner });
      if (!d) return;
      try {
        await sentCol.insertOne({ ...d, status: 'sent', sentAt: now, leaseOwner: '', lastError: '' });
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      await col.deleteOne({ _id: id, leaseOwner: owner });
    },

    /**
     * Moves sent messages out of the queue into outbox_sent, in two round trips
     * (no guard needed: sent is final, whoever holds the claim now).
     */
    async markSentMany(entries: OutboxEntry[], now: Date): Promise<void> {
      if (entries.length === 0) return;
      await insertManyUnordered(sentCol, entries.map((e) => ({
        ...toDoc(e, e.id, e.createdAt), seq: e.seq, status: 'sent', attempts: e.attempts, nextAttemptAt: e.nextAttemptAt,
        leaseUntil: now, sentAt: now,
      })));
      await deleteByIds(col, entries.map((e) => e.id));
    },

    /** Back to pending at `at`; `countAttempt` false when it was only held back by a rate limit. */
    async retryAt(id: string, owner: string, at: Date, error: string, countAttempt = true): Promise<void> {
      const back = { status: 'pending', nextAttemptAt: at, leaseUntil: at, leaseOwner: '', lastError: error };
      await col.updateOne(
        { _id: id, leaseOwner: owner },
        countAttempt ? { $set: back } : setCounting(back, -1),
      );
    },

    async markDead(id: string, owner: string, error: string): Promise<void> {
      await col.updateOne({ _id: id, leaseOwner: owner }, { $set: { status: 'dead', leaseOwner: '', lastError: error } });
    },

    async dead(limit: number): Promise<OutboxEntry[]> {
      return (await col.find({ status: 'dead' }).sort({ createdAt: -1 }).limit(limit).toArray()).map(fromDoc);
    },

    /** Puts a dead message back in the queue; false if there is no such dead message. */
    async resend(id: string, now: Date): Promise<boolean> {
      const r = await col.updateOne(
        { _id: id, status: 'dead' },
        { $set: { status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: now, lastError: '' } },
      );
      return r.modifiedCount === 1;
    },

    async get(id: string): Promise<OutboxEntry | undefined> {
      const d = (await col.findOne({ _id: id })) ?? (await sentCol.findOne({ _id: id }));
      return d ? fromDoc(d) : undefined;
    },

    countSent(): Promise<number> {
      return sentCol.countDocuments({});
    },

    /**
     * Drops the record of messages sent before `before`, old dedupe keys, and
     * rate windows unused since (dead messages stay until an admin resends them).
     */
    async purge(before: Date): Promise<number> {
      const a = await sentCol.deleteMany({ sentAt: { $lt: before } });
      await keys.deleteMany({ at: { $lt: before } });
      // Windows from before they were stamped carried a robot's key as their id: those go at once.
      await windows.deleteMany({ $or: [{ at: { $lt: before } }, { at: { $exists: false } }] });
      return a.deletedCount;
    },

    /** Messages in the queue (pending, sending or dead), by filter. */
    count(filter: Record<string, unknown> = {}): Promise<number> {
      return col.countDocuments(filter);
    },

    /**
     * Pauses a rate-limited destination until `until` (the platform's penalty
     * for sending too fast): no slot is given before then, in any process.
     */
    async pauseSlot(key: string, until: Date, now: Date): Promise<void> {
      await windows.updateOne(
        { _id: key },
        { $set: { pausedUntil: until, at: now }, $inc: { v: 1 }, $setOnInsert: { sent: [] } },
        { upsert: true },
      );
    },

    /**
     * Takes a send slot for a rate-limited destination: at most `limit` sends in
     * any 60 s. Returns 0 when a slot was taken, else how many ms until one frees.
     * A guarded update on one document, so processes never over-book.
     */
    async takeSlot(key: string, limit: number, now: Date): Promise<number> {
      for (let tries = 0; tries < 20; tries++) {
        const doc = await windows.findOne({ _id: key });
        const paused = doc?.pausedUntil?.getTime() ?? 0;
        if (paused > now.getTime()) return paused - now.getTime();
        const since = now.getTime() - 60_000;
        const recent = (doc?.sent ?? []).filter((t) => t.getTime() > since).sort((a, b) => a.getTime() - b.getTime());
        if (recent.length >= limit) return recent[recent.length - limit].getTime() + 60_000 - now.getTime();
        const v = Number(doc?.v ?? 0);
        if (!doc) {
          try {
            await windows.insertOne({ _id: key, sent: [now], v: 1, at: now });
            return 0;
          } catch (err) {
            if (!isDuplicate(err)) throw err;
            continue;
          }
        }
        const r = await windows.updateOne({ _id: key, v }, { $set: { sent: [...recent, now], v: v + 1, at: now } });
        if (r.modifiedCount === 1) return 0;
      }
      return 1000; // heavy contention: try again shortly
    },
  };
}

export type OutboxRepo = ReturnType<typeof outboxRepo>;
