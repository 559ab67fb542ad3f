/**
 * Which registered user an inspector is (执法检查人员 ↔ 用户), both ways by exact
 * _id: `no:<人员编号>` → userId and `user:<userId>` → inspectorNo.
 */
import type { Models } from '../models';
import type { Keyed } from './read';

export interface InspectorLinkDoc {
  inspectorNo: string;
  userId: string;
  /** How it was found: platform id, mobile, name+department, or set by hand. */
  how: 'platform' | 'mobile' | 'name' | 'manual';
  by: string;
  at: Date;
}

export function inspectorLinkRepo(models: Models) {
  const col = () => models.User.db.db!.collection<Keyed>('inspector_links');
  return {
    async userFor(inspectorNo: string): Promise<string | undefined> {
      const d = await col().findOne({ _id: `no:${inspectorNo}` });
      return d ? String(d.userId) : undefined;
    },
    async inspectorFor(userId: string): Promise<string | undefined> {
      const d = await col().findOne({ _id: `user:${userId}` });
      return d ? String(d.inspectorNo) : undefined;
    },
    /** Every link, inspector number → user (a few hundred: one pass, for a draw's task delivery or the checklist). */
    async all(): Promise<Map<string, string>> {
      const docs = await col().find({ kind: 'no' }).toArray();
      return new Map(docs.map((d) => [String(d.inspectorNo), String(d.userId)]));
    },
    /** Links an inspector to a user, replacing either side's earlier link. */
    async link(l: InspectorLinkDoc): Promise<void> {
      const oldUser = await this.userFor(l.inspectorNo);
      const oldNo = await this.inspectorFor(l.userId);
      if (oldUser && oldUser !== l.userId) await col().deleteOne({ _id: `user:${oldUser}` });
      if (oldNo && oldNo !== l.inspectorNo) await col().deleteOne({ _id: `no:${oldNo}` });
      await col().updateOne({ _id: `no:${l.inspectorNo}` }, { $set: { ...l, kind: 'no' } }, { upsert: true });
      await col().updateOne({ _id: `user:${l.userId}` }, { $set: { ...l, kind: 'user' } }, { upsert: true });
    },
  };
}

export type InspectorLinkRepo = ReturnType<typeof inspectorLinkRepo>;
