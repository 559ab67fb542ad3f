/**
 * A message to a registered user outside any conversation (reminders, notices):
 * to WeCom if they have a WeCom id and WeCom is configured, else DingTalk.
 */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import { outgoing, type OutboundPayload, type Platform } from '../channels/contracts';
import type { Reply } from '../types';

export type Notifier = (userId: string, reply: Reply, key?: string) => Promise<boolean>;

export async function noticePayload(repos: Repos, platforms: Record<Platform, boolean>, userId: string, reply: Reply): Promise<OutboundPayload | undefined> {
  const u = await repos.org.user(userId);
  if (u?.wecomUserId && platforms.wecom) return { platform: 'wecom', kind: 'app', toUser: u.wecomUserId, reply };
  if (u?.dingtalkStaffId && platforms.dingtalk) return { platform: 'dingtalk', kind: 'robot_user', toUser: u.dingtalkStaffId, reply };
  return undefined;
}

/** Queues in the outbox; `key` makes a retry of the same notice a no-op. False when the user cannot be reached. */
export function createNotifier(o: { repos: Repos; platforms: Record<Platform, boolean>; now: () => Date; log: Logger }): Notifier {
  return async (userId, reply, key) => {
    const p = await noticePayload(o.repos, o.platforms, userId, reply);
    if (!p) {
      o.log.warn('notice undeliverable: user has no id on a configured platform', { user: userId });
      return false;
    }
    await o.repos.outbox.enqueue(outgoing(p), o.now(), key);
    return true;
  };
}
