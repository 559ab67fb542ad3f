/**
 * Inbound platform messages. The queue entry's _id is the platform's message
 * id, so a retry (reaching this or any other process) inserts nothing while the
 * message waits or is worked on: the webhook's one write is that insert.
 *
 * Once done, the entry is deleted and an insert-only key (inbound_keys) keeps
 * recognising retries. The key is written when processing begins (`begin`,
 * one batched insert, off the webhook path), before anything is routed, and so
 * before the entry can be deleted: at every instant one of the two exists.
 * Each entry carries a random `tok` that its key copies: a key with another
 * entry's tok means this entry is a retry of a message already processed (its
 * entry came and went), and it is dropped unprocessed; a key with the same tok
 * is this entry's own earlier attempt (an error, a dead process), and it is
 * processed again (replies are keyed, so nothing is sent twice).
 *
 * Processing is claimed with a lease: one process works on a message at a time.
 * A server records what its webhooks accept already claimed by itself and works
 * on it from memory (bot/inbox.ts, bot/delivery/dispatcher.ts): its claims stay
 * its own while it is alive, i.e. while it renews its entry in delivery_owners
 * (`heartbeat`), however long its backlog. Other processes claim only messages
 * nobody holds: unclaimed ones, and those whose lease ran out and whose owner
 * is no longer alive (a dead process's work).
 *
 * Every hot-path operation is a batch or an exact-_id one: on FerretDB only
 * those avoid a pass over the whole queue (see BENCHMARKS.md).
 */
import { randomBytes } from 'node:crypto';
import { claimFirst, deleteByIds, insertManyUnordered, lease, unheld, type Claim, type QueueDoc } from './leasedQueue';
import { date, keyed, num, oneOf, str, type Stored } from './read';
import type { InboundMessage, Platform } from '../../bot/channels/contracts';
import { insertUnordered } from './insertCommand';
import type { Models } from '../models';

export type { Claim } from './leasedQueue';

export interface InboundRecord extends InboundMessage {
  id: string;
  attempts: number;
  /** This entry's token, copied into its key by `begin` ('' for entries older than tokens). */
  tok: string;
}

const PLATFORMS: readonly Platform[] = ['wecom', 'dingtalk'];
const KINDS: readonly InboundMessage['kind'][] = ['text', 'card_action'];
const ATTACHMENTS: readonly NonNullable<InboundMessage['attachment']>[] = ['image', 'file'];
const CONVERSATION_TYPES: readonly NonNullable<InboundMessage['conversationType']>[] = ['1', '2'];
/** An optional field: stored only when the message has it. */
const given = (v: unknown): string | undefined => (v ? str(v) : undefined);

/** The inbound repo's one mapper: a queued document → the message as the dispatcher works on it. */
export function fromDoc(d: Stored): InboundRecord {
  const id = str(d._id);
  return {
    id, msgId: id.slice(id.indexOf(':') + 1), platform: oneOf(PLATFORMS, d.platform), senderId: str(d.senderId),
    kind: oneOf(KINDS, d.kind), text: str(d.text),
    actionKey: given(d.actionKey), cardId: given(d.cardId), responseCode: given(d.responseCode),
    sessionWebhook: given(d.sessionWebhook), sessionWebhookExpiresAt: d.sessionWebhookExpiresAt ? num(d.sessionWebhookExpiresAt) : undefined,
    conversationId: given(d.conversationId),
    conversationType: d.conversationType ? oneOf(CONVERSATION_TYPES, d.conversationType) : undefined,
    attachment: d.attachment ? oneOf(ATTACHMENTS, d.attachment) : undefined,
    mediaRef: given(d.mediaRef), mediaName: given(d.mediaName), attempts: num(d.attempts),
    tok: str(d.tok),
  };
}

export function inboundRepo(models: Models) {
  const col = keyed<QueueDoc>(models.Inbound);
  const keys = keyed<QueueDoc>(models.InboundKey);
  /** Which processes are alive (renewed lately): their claims are not taken from them. */
  const owners = () => models.Inbound.db.db!.collection<QueueDoc>('delivery_owners');

  /**
   * Records a batch of platform messages with one insert into the queue. Each
   * is 'duplicate' when its entry is there (waiting or in work; also a second
   * copy within the batch). A retry of a message already done and gone is
   * recorded again and recognised by `begin`. With `claim`, the new ones are
   * recorded as claimed by that owner (status 'working', one attempt) and
   * returned, for it to process from memory.
   */
  async function recordMany(msgs: InboundMessage[], now: Date, claim?: Claim): Promise<{ results: ('new' | 'duplicate')[]; claimed: InboundRecord[] }> {
    const results: ('new' | 'duplicate')[] = msgs.map(() => 'duplicate');
    const seen = new Set<string>();
    const docs: QueueDoc[] = [];
    const at: number[] = []; // docs[k] is msgs[at[k]]
    const toks = randomBytes(6 * msgs.length).toString('base64url');
    msgs.forEach((msg, i) => {
      const id = `${msg.platform}:${msg.msgId}`;
      if (seen.has(id)) return;
      seen.add(id);
      // Only the fields a message has: every field is work per document for FerretDB.
      const optional = {
        actionKey: msg.actionKey, cardId: msg.cardId, responseCode: msg.responseCode,
        sessionWebhook: msg.sessionWebhook, sessionWebhookExpiresAt: msg.sessionWebhookExpiresAt, conversationId: msg.conversationId,
        conversationType: msg.conversationType, attachment: msg.attachment, mediaRef: msg.mediaRef, mediaName: msg.mediaName,
      };
      docs.push({
        _id: id,
        platform: msg.platform, senderId: msg.senderId, kind: msg.kind, text: msg.text,
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v)),
        status: claim ? 'working' : 'new', attempts: claim ? 1 : 0,
        ...(claim ? lease(claim.owner, now, claim.leaseMs) : { leaseOwner: '', leaseUntil: now }), receivedAt: now,
        tok: toks.slice(8 * i, 8 * i + 8),
      });
      at.push(i);
    });
    // One insert command (store/repos/insertCommand.ts): the webhooks' one write, at the driver's least cost.
    const dupDocs = await insertUnordered(models.Inbound.db.db!, col.collectionName, docs);
    const claimed: InboundRecord[] = [];
    docs.forEach((d, k) => {
      if (dupDocs.has(k)) return;
      results[at[k]] = 'new';
      if (claim) claimed.push(fromDoc(d));
    });
    return { results, claimed };
  }

  /**
   * Writes the keys of claimed messages about to be processed (one insert) and
   * sorts them: `go` to be processed (first time, or this entry's own earlier
   * attempt), `gone` retries of messages processed before, whose entries are
   * deleted here, unprocessed. `first` are the ids whose key this call wrote:
   * nothing was ever queued under their reply keys.
   */
  async function begin(msgs: InboundRecord[], now: Date): Promise<{ go: InboundRecord[]; gone: string[]; first: Set<string> }> {
    const dupKeys = await insertManyUnordered(keys, msgs.map((m) => ({ _id: m.id, at: now, tok: m.tok })));
    const first = new Set(msgs.filter((_, i) => !dupKeys.has(i)).map((m) => m.id));
    const go: InboundRecord[] = [];
    const gone: string[] = [];
    for (const [i, m] of msgs.entries()) {
      if (!dupKeys.has(i)) { go.push(m); continue; }
      const k = await keys.findOne({ _id: m.id });
      if (k && String(k.tok ?? '') === m.tok) go.push(m);
      else gone.push(m.id);
    }
    if (gone.length) await deleteByIds(col, gone);
    return { go, gone, first };
  }

  return {
    recordMany,
    begin,

    /** 'duplicate' when this platform message was already recorded (waiting, in work, or done). */
    async record(msg: InboundMessage, now: Date): Promise<'new' | 'duplicate'> {
      return (await recordMany([msg], now)).results[0];
    },

    /** Whether a platform message was ever recorded (it waits, is in work, or its key is kept). */
    async seen(platform: string, msgId: string): Promise<boolean> {
      const id = `${platform}:${msgId}`;
      return (await col.countDocuments({ _id: id })) > 0 || (await keys.countDocuments({ _id: id })) > 0;
    },

    /**
     * Claims the oldest message nobody holds: new, or whose lease ran out and
     * whose owner is not among `alive` (processes that renewed their heartbeat).
     */
    async claim(owner: string, now: Date, leaseMs: number, alive: string[] = []): Promise<InboundRecord | undefined> {
      const filter = { status: { $in: ['new', 'working'] }, ...unheld(now, alive) };
      const d = await claimFirst(col, filter, { status: 'working', ...lease(owner, now, leaseMs) }, { receivedAt: 1 });
      return d ? fromDoc(d) : undefined;
    },

    /**
     * Finishes a claimed message. A failed one stays for inspection, only while
     * the claim is still ours. A done one leaves the queue (its key stays); that
     * needs no guard: done is final, and a process that took the message over
     * meanwhile queues its replies under the same keys, so nothing is sent twice.
     */
    async finish(id: string, owner: string, status: 'done' | 'failed', now: Date, error = ''): Promise<boolean> {
      if (status === 'done') return (await this.finishDone([id], now, false)) === 1;
      const r = await col.updateOne(
        { _id: id, status: 'working', leaseOwner: owner },
        { $set: { status, doneAt: now, error, leaseOwner: '' } },
      );
      return r.modifiedCount === 1;
    },

    /**
     * Takes done messages out of the queue. `keyed`: their keys are known to be
     * kept (written by `begin`), else they are made sure of first, so a later
     * retry is recognised.
     */
    async finishDone(ids: string[], now: Date, keyed: boolean): Promise<number> {
      if (!keyed) await insertManyUnordered(keys, ids.map((id) => ({ _id: id, at: now, tok: '' })));
      return deleteByIds(col, ids);
    },

    /**
     * Gives a message back if `owner` holds it: anyone may claim it again from
     * `at` (attempts are counted by that claim). Rare (after errors), so its
     * guard may cost a pass over the queue on FerretDB.
     */
    async release(id: string, owner: string, at: Date): Promise<void> {
      await col.updateOne({ _id: id, leaseOwner: owner }, { $set: { leaseOwner: '', leaseUntil: at } });
    },

    /** Renews this process's heartbeat: its claims stay its own until `until`. */
    async heartbeat(owner: string, until: Date): Promise<void> {
      await owners().updateOne({ _id: owner }, { $set: { until } }, { upsert: true });
    },

    /** The processes alive at `now`; forgets those dead for a day. */
    async aliveOwners(now: Date): Promise<string[]> {
      const all = await owners().find({}).toArray();
      const stale = all.filter((d) => date(d.until).getTime() < now.getTime() - 86_400_000).map((d) => String(d._id));
      if (stale.length) await deleteByIds(owners(), stale);
      return all.filter((d) => date(d.until).getTime() > now.getTime()).map((d) => String(d._id));
    },

    async get(platform: string, msgId: string) {
      return col.findOne({ _id: `${platform}:${msgId}` });
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
