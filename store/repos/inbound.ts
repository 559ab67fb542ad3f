/**
 * Inbound platform messages. The _id is the platform's message id, so a retry
 * (reaching this or any other process) inserts nothing; processing is claimed
 * with a lease, so exactly one process works on a message at a time, and a
 * message whose process died is picked up again when the lease runs out.
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
  return {
    /** 'duplicate' when this platform message was already recorded. */
    async record(msg: InboundMessage, now: Date): Promise<'new' | 'duplicate'> {
      try {
        await col.insertOne({
          _id: `${msg.platform}:${msg.msgId}` as never,
          platform: msg.platform, senderId: msg.senderId, kind: msg.kind, text: msg.text,
          actionKey: msg.actionKey ?? '', cardId: msg.cardId ?? '', responseCode: msg.responseCode ?? '',
          sessionWebhook: msg.sessionWebhook ?? '', sessionWebhookExpiresAt: msg.sessionWebhookExpiresAt ?? 0,
          conversationId: msg.conversationId ?? '',
          status: 'new', attempts: 0, leaseOwner: '', leaseUntil: now, receivedAt: now, error: '',
        });
        return 'new';
      } catch (err) {
        if (isDuplicate(err)) return 'duplicate';
        throw err;
      }
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

    /** Marks a claimed message finished, only while the claim is still ours. */
    async finish(id: string, owner: string, status: 'done' | 'failed', now: Date, error = ''): Promise<boolean> {
      const r = await col.updateOne(
        { _id: id as never, status: 'working', leaseOwner: owner },
        { $set: { status, doneAt: now, error, leaseOwner: '' } },
      );
      return r.modifiedCount === 1;
    },

    async get(platform: string, msgId: string) {
      return col.findOne({ _id: `${platform}:${msgId}` as never });
    },

    /** Drops processed messages older than `before`: platforms retry within minutes, not days. */
    async purge(before: Date): Promise<number> {
      const r = await col.deleteMany({ status: { $in: ['done', 'failed'] }, receivedAt: { $lt: before } });
      return r.deletedCount;
    },

    count(filter: Record<string, unknown> = {}): Promise<number> {
      return col.countDocuments(filter);
    },
  };
}

export type InboundRepo = ReturnType<typeof inboundRepo>;
