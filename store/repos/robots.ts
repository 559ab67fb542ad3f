/** Group robots bound from the chat: one per platform and department, the secret sealed (AES-GCM). */
import type { Models } from '../models';
import { date, oneOf, str, type Keyed, type Stored } from './read';

export interface StoredRobotDoc {
  platform: 'wecom' | 'dingtalk';
  department: string;
  /** The robot's key (WeCom) or "access_token:secret" (DingTalk), sealed. */
  sealed: string;
  /** The last characters, for lists. */
  hint: string;
  boundBy: string;
  boundAt: Date;
}

const PLATFORMS: readonly StoredRobotDoc['platform'][] = ['wecom', 'dingtalk'];

/** The robots repo's one mapper: a stored robot binding → its record (the secret still sealed). */
export function fromDoc(d: Stored): StoredRobotDoc {
  return { platform: oneOf(PLATFORMS, d.platform), department: str(d.department), sealed: str(d.sealed), hint: str(d.hint), boundBy: str(d.boundBy), boundAt: date(d.boundAt) };
}

export function robotRepo(models: Models) {
  const col = () => models.User.db.db!.collection<Keyed>('group_robots');
  const from = fromDoc;
  return {
    async get(platform: 'wecom' | 'dingtalk', department: string): Promise<StoredRobotDoc | undefined> {
      const d = await col().findOne({ _id: `${platform}:${department}` });
      return d ? from(d) : undefined;
    },
    async save(r: StoredRobotDoc): Promise<void> {
      await col().updateOne({ _id: `${r.platform}:${r.department}` }, { $set: { ...r } }, { upsert: true });
    },
    /** Every bound robot (at most two per department: a small collection). */
    async all(): Promise<StoredRobotDoc[]> {
      return (await col().find({}).sort({ _id: 1 }).toArray()).filter((d) => d.sealed).map(from);
    },
    /** A department's WeCom application group chat (appchat), if one was created. */
    async appChat(department: string): Promise<{ chatId: string; members: number } | undefined> {
      const d = await col().findOne({ _id: `appchat:${department}` });
      return d ? { chatId: String(d.chatId), members: Number(d.members) } : undefined;
    },
    async saveAppChat(department: string, chat: { chatId: string; members: number; by: string; at: Date }): Promise<void> {
      await col().updateOne({ _id: `appchat:${department}` }, { $set: { platform: 'appchat', department, ...chat } }, { upsert: true });
    },
    async appChats(): Promise<{ department: string; chatId: string }[]> {
      return (await col().find({ platform: 'appchat' }).toArray()).map((d) => ({ department: String(d.department), chatId: String(d.chatId) }));
    },
  };
}

export type RobotRepo = ReturnType<typeof robotRepo>;
