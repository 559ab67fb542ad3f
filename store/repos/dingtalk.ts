/**
 * DingTalk's own records, shared by every process through the database:
 *
 * - `dingtalk_signs`: each (timestamp, sign) pair a DingTalk callback carried,
 *   `_id` = SHA-256 of the pair, inserted once. DingTalk's sign covers only the
 *   timestamp and the secret, so a captured pair would otherwise authenticate
 *   any body for as long as the timestamp window lasts; a pair already here is
 *   refused (unless it is the very same request again: same body digest).
 *   Purged once the window is over (FerretDB has no TTL indexes).
 * - `dingtalk_cards`: each interactive card we delivered, `_id` = its
 *   outTrackId: where it went (one user's robot chat or a group) and the
 *   button keys it carries, so a tap is checked against what was really sent.
 * - `dingtalk_card_keys`: button key → the outTrackIds of every card carrying
 *   it (the same decision sent to several approvers, or again into a group),
 *   so a decision updates all of them.
 */
import type { Models } from '../models';
import { insertOnce } from './keys';
import { date, oneOf, str, strs, type Keyed, type Stored } from './read';

export interface DingtalkCardRecord {
  outTrackId: string;
  /** 'IM_ROBOT': one user's chat with the robot (target = that user's staffId); 'IM_GROUP': a group (target = conversationId). */
  space: 'IM_ROBOT' | 'IM_GROUP';
  target: string;
  keys: string[];
  createdAt: Date;
}

const SPACES: readonly DingtalkCardRecord['space'][] = ['IM_ROBOT', 'IM_GROUP'];

/** The DingTalk repo's one mapper: a stored card instance → its record. */
export function fromDoc(d: Stored): DingtalkCardRecord {
  return { outTrackId: str(d._id), space: oneOf(SPACES, d.space), target: str(d.target), keys: strs(d.keys), createdAt: date(d.createdAt) };
}

export function dingtalkRepo(models: Models) {
  const db = () => models.Token.db.db!;
  const signs = () => db().collection<Keyed>('dingtalk_signs');
  const cards = () => db().collection<Keyed>('dingtalk_cards');
  const cardKeys = () => db().collection<{ _id: string; tracks: string[]; createdAt: Date }>('dingtalk_card_keys');

  return {
    /**
     * Records a callback's (timestamp, sign) pair under `pairId`: 'new' the first
     * time, 'same' when that pair was recorded with the same body digest (the
     * same request sent again), 'replayed' when it came with another body.
     */
    async recordSign(pairId: string, bodyDigest: string, at: Date): Promise<'new' | 'same' | 'replayed'> {
      if (await insertOnce(signs(), { _id: pairId, body: bodyDigest, at })) return 'new';
      const prior = await signs().findOne({ _id: pairId });
      return prior && prior.body === bodyDigest ? 'same' : 'replayed';
    },

    /** Forgets pairs recorded before `before` (their timestamps are out of the window by then). */
    async purgeSigns(before: Date): Promise<number> {
      return (await signs().deleteMany({ at: { $lt: before } })).deletedCount;
    },

    /** Records a card about to be delivered (idempotent: a resend keeps the first record). */
    async putCard(c: DingtalkCardRecord): Promise<void> {
      await cards().updateOne(
        { _id: c.outTrackId },
        { $setOnInsert: { space: c.space, target: c.target, keys: c.keys, createdAt: c.createdAt } },
        { upsert: true },
      );
      for (const key of c.keys) {
        await cardKeys().updateOne({ _id: key }, { $addToSet: { tracks: c.outTrackId }, $setOnInsert: { createdAt: c.createdAt } }, { upsert: true });
      }
    },

    /** Every card that carries one of this card's buttons (this one included): they show the same decision. */
    async sameDecision(outTrackId: string): Promise<string[]> {
      const c = await cards().findOne({ _id: outTrackId });
      const out = new Set([outTrackId]);
      for (const key of strs(c?.keys)) {
        const k = await cardKeys().findOne({ _id: key });
        for (const t of strs(k?.tracks)) out.add(t);
      }
      return [...out];
    },

    async card(outTrackId: string): Promise<DingtalkCardRecord | undefined> {
      const d = await cards().findOne({ _id: outTrackId });
      if (!d) return undefined;
      return fromDoc(d);
    },

    async purgeCards(before: Date): Promise<number> {
      await cardKeys().deleteMany({ createdAt: { $lt: before } });
      return (await cards().deleteMany({ createdAt: { $lt: before } })).deletedCount;
    },
  };
}

export type DingtalkRepo = ReturnType<typeof dingtalkRepo>;
