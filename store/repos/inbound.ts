/**
 * Inbound platform messages. The queue entry's _id is the platform's message
 * id, so a retry (reaching this or any other process) inserts nothing while the
 * message waits or is worked on; once done, the entry is deleted and an
 * insert-only key (inbound_keys) keeps recognising retries. Processing is
 * claimed with a lease: one process works on a message at a time, and a message
 * whose process died is picked up again when the lease runs out.
 */
import type { InboundMessage } from '../../bot/channels/contracts';
import type { Models } from '../models';

export interface InboundRecord extends InboundMessage {
  id: string;
  attempts: number;
}

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export function inboundRepo(models: Models) {
  const col = models.Inbound.collection;
  const keys = models.InboundKey.collection;
  /** Remembers a message id for good; false if it was already known. */
  async function remember(id: string, at: Date): Promise<boolean> {
    try {
      await keys.insertOne({ _id: id as never, at });
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }
  return {
    /** 'duplicate' when this platform message was already recorded (waiting, in work, or done). */
    async record(msg: InboundMessage, now: Date): Promise<'new' | 'duplicate'> {
      const id = `${msg.platform}:${msg.msgId}`;
      try {
        await col.insertOne({
          _id: id as never,
          platform: msg.platform, senderId: msg.senderId, kind: msg.kind, text: msg.text,
          actionKey: msg.actionKey ?? '', cardId: msg.cardId ?? '', responseCode: msg.responseCode ?? '',
          sessionWebhook: msg.sessionWebhook ?? '', sessionWebhookExpiresAt: msg.sessionWebhookExpiresAt ?? 0,
          conversationId: msg.conversationId ?? '',
          status: 'new', attempts: 0, leaseOwner: '', leaseUntil: now, receivedAt: now, error: '',
        });
      } catch (err) {
        if (isDuplicate(err)) return 'duplicate';
        throw err;
      }
      if (await remember(id, now)) return 'new';
      // A retry of a message already done: its queue entry was gone, so drop the one just made.
      await col.deleteOne({ _id: id as never, status: 'new' });
      return 'duplicate';
    },

    /** Whether a platform message was ever recorded. */
    async seen(platform: string, msgId: string): Promise<boolean> {
      return (await keys.countDocuments({ _id: `${platform}:${msgId}` as never })) > 0;
    },

    /** Claims the oldest message that is new, or whose worker's lease ran out. */
    async claim(owner: string, now: Date, leaseMs: number): Promise<InboundRecord | undefined> {
      const d = await col.findOneAndUpdate(
        { status: { $in: ['new', 'working'] }, leaseUntil: { $lte: now } },
        { $set: { status: 'working', leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { sort: { receivedAt: 1 }, returnDocument: 'after' },
      );
      if (!d) return undefined;
      const id = String(d._id);
      return {
        id, msgId: id.slice(id.indexOf(':') + 1), platform: d.platform, senderId: d.senderId, kind: d.kind, text: d.text,
        actionKey: d.actionKey || undefined, cardId: d.cardId || undefined, responseCode: d.responseCode || undefined,
        sessionWebhook: d.sessionWebhook || undefined, sessionWebhookExpiresAt: d.sessionWebhookExpiresAt || undefined,
        conversationId: d.conversationId || undefined, attempts: d.attempts,
      };
    },

    /**
     * Finishes a claimed message, only while the claim is still ours: a done one
     * leaves the queue (its key stays); a failed one stays for inspection.
     */
    async finish(id: string, owner: string, status: 'done' | 'failed', now: Date, error = ''): Promise<boolean> {
      if (status === 'done') {
        await remember(id, now); // normally there already; makes sure a later retry is known
        const r = await col.deleteOne({ _id: id as never, status: 'working', leaseOwner: owner });
        return r.deletedCount === 1;
      }
      const r = await col.updateOne(
        { _id: id as never, status: 'working', leaseOwner: owner },
        { $set: { status, doneAt: now, error, leaseOwner: '' } },
      );
      return r.modifiedCount === 1;
    },

    async get(platform: string, msgId: string) {
      return col.findOne({ _id: `${platform}:${msgId}` as never });
    },

    /** Forgets message ids and failed messages older than `before`: platforms retry within minutes, not days. */
    async purge(before: Date): Promise<number> {
      const a = await keys.deleteMany({ at: { $lt: before } });
      const b = await col.deleteMany({ status: 'failed', receivedAt: { $lt: before } });
      return a.deletedCount + b.deletedCount;
    },

    count(filter: Record<string, unknown> = {}): Promise<number> {
      return col.countDocuments(filter);
    },
  };
}

export type InboundRepo = ReturnType<typeof inboundRepo>;
