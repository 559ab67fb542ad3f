/**
 * Works through recorded inbound messages after the webhook has answered: runs
 * the router, and queues every reply, notice and card update in the outbox.
 * Outbox keys derive from the inbound id, so a message processed twice (its
 * worker died before marking it done) never sends anything twice.
 */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import type { InboundRecord } from '../../store/repos/inbound';
import type { OutboundPayload, Platform } from '../channels/contracts';
import type { Outcome, Router } from '../router';
import type { Reply } from '../types';

export interface DispatcherOptions {
  repos: Repos;
  router: Router;
  now: () => Date;
  log: Logger;
  /** This process's name, for leases. */
  owner: string;
  /** Which platforms can deliver (configured). */
  platforms: Record<Platform, boolean>;
  /** Called after something was queued, to wake the outbox worker. */
  queued?: () => void;
  leaseMs?: number;
  maxAttempts?: number;
}

export function createDispatcher(o: DispatcherOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 5;

  function replyTo(msg: InboundRecord, reply: Reply): OutboundPayload {
    if (msg.platform === 'wecom') return { platform: 'wecom', kind: 'app', toUser: msg.senderId, reply };
    if (msg.sessionWebhook && msg.sessionWebhookExpiresAt) {
      return { platform: 'dingtalk', kind: 'session', sessionWebhook: msg.sessionWebhook, expiresAt: msg.sessionWebhookExpiresAt, toUser: msg.senderId, reply };
    }
    return { platform: 'dingtalk', kind: 'robot_user', toUser: msg.senderId, reply };
  }

  /** Another user's message goes to WeCom if they have a WeCom id there, else to DingTalk. */
  async function noticeTo(userId: string, reply: Reply): Promise<OutboundPayload | undefined> {
    const u = await o.repos.org.user(userId);
    if (u?.wecomUserId && o.platforms.wecom) return { platform: 'wecom', kind: 'app', toUser: u.wecomUserId, reply };
    if (u?.dingtalkStaffId && o.platforms.dingtalk) return { platform: 'dingtalk', kind: 'robot_user', toUser: u.dingtalkStaffId, reply };
    o.log.warn('notice undeliverable: user has no id on a configured platform', { user: userId });
    return undefined;
  }

  async function deliver(msg: InboundRecord, outcome: Outcome): Promise<void> {
    let n = 0;
    const put = (p: OutboundPayload) => o.repos.outbox.enqueue(p, o.now(), `${msg.id}:${n++}`);
    if (outcome.cardOutcome && msg.platform === 'wecom' && msg.responseCode) {
      await put({ platform: 'wecom', kind: 'card_update', responseCode: msg.responseCode, toUser: msg.senderId, outcome: { cardId: msg.cardId ?? '', label: outcome.cardOutcome } });
    }
    for (const r of outcome.replies) await put(replyTo(msg, r));
    for (const notice of outcome.notices) {
      const p = await noticeTo(notice.userId, notice.reply);
      if (p) await put(p);
      else n++;
    }
  }

  return {
    /** Processes one message; false when there was none. */
    async step(): Promise<boolean> {
      const msg = await o.repos.inbound.claim(o.owner, o.now(), leaseMs);
      if (!msg) return false;
      if (msg.attempts > maxAttempts) {
        await o.repos.inbound.finish(msg.id, o.owner, 'failed', o.now(), 'too many attempts');
        o.log.error('inbound message given up', { id: msg.id, attempts: msg.attempts });
        return true;
      }
      const event = { channel: msg.platform, senderId: msg.senderId };
      const outcome = msg.kind === 'card_action'
        ? await o.router.tap(event, msg.actionKey ?? '')
        : await o.router.respond({ ...event, text: msg.text });
      await deliver(msg, outcome);
      await o.repos.inbound.finish(msg.id, o.owner, 'done', o.now());
      o.queued?.();
      return true;
    },
  };
}
