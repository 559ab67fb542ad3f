/**
 * Works through recorded inbound messages after the webhook has answered: runs
 * the router, and queues every reply, notice and card update in the outbox.
 * Outbox keys derive from the inbound id, so a message processed twice (its
 * worker died before marking it done) never sends anything twice.
 *
 * Every batch first writes its messages' kept keys (store/repos/inbound.ts
 * `begin`): a platform retry that arrived after its message was finished is
 * dropped there, unprocessed.
 *
 * Two sources of work: what this process's webhooks just recorded, claimed at
 * insert time and handed over in memory (`handoff`, worked by `localStep` in
 * batches: one key insert, one outbox insert and the queue deletes per batch;
 * under a flood of webhooks, one batch at a time taking at most a fifth of the
 * time, so they go first), and,
 * now and then, what nobody alive holds in the database (`step`: unclaimed
 * messages, a dead process's, ones given back after an error).
 */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import type { InboundRecord } from '../../store/repos/inbound';
import type { OutboxEntry } from '../../store/repos/outbox';
import { outgoing, type OutboundPayload, type Platform } from '../channels/contracts';
import type { Outcome, Router } from '../router';
import type { Reply } from '../types';
import { noticePayload } from './notices';

export interface DispatcherOptions {
  repos: Repos;
  router: Router;
  now: () => Date;
  log: Logger;
  /** This process's name, for leases. */
  owner: string;
  /** Which platforms can deliver (configured). */
  platforms: Record<Platform, boolean>;
  /** Called after something was queued, with what was queued claimed by this process (to send from memory). */
  queued?: (claimed: OutboxEntry[]) => void;
  leaseMs?: number;
  maxAttempts?: number;
  /** Messages processed per localStep. */
  batch?: number;
  /**
   * Overload: while webhooks hand over at least `busyRate` messages a second
   * (far above a county's traffic), at most this many local batches run at
   * once, however many loops call localStep, and after each batch processing
   * pauses so that it takes at most `busyShare` of the time: the webhooks get
   * the CPU and the database, and the backlog is worked off when they slow down.
   * Below that rate messages are processed at once.
   */
  busyParallel?: number;
  busyRate?: number;
  busyShare?: number;
  /** While overloaded, the least pause after each local batch. */
  busyPauseMs?: number;
  /** While there is local work, look for others' in the database at most this often. */
  busySweepMs?: number;
}

/** How long a heartbeat keeps this process's claims its own. */
export const HEARTBEAT_MS = 30_000;

export function createDispatcher(o: DispatcherOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 5;
  const batch = o.batch ?? 25;
  const busyParallel = o.busyParallel ?? 1;
  const busyRate = o.busyRate ?? 100;
  const busyShare = o.busyShare ?? 0.2;
  const busyPauseMs = o.busyPauseMs ?? 100;
  const busySweepMs = o.busySweepMs ?? 30_000;

  function replyTo(msg: InboundRecord, reply: Reply): OutboundPayload {
    if (msg.platform === 'wecom') return { platform: 'wecom', kind: 'app', toUser: msg.senderId, reply };
    if (msg.sessionWebhook && msg.sessionWebhookExpiresAt) {
      return {
        platform: 'dingtalk', kind: 'session', sessionWebhook: msg.sessionWebhook, expiresAt: msg.sessionWebhookExpiresAt, toUser: msg.senderId, reply,
        ...(msg.conversationId ? { conversationId: msg.conversationId } : {}), ...(msg.conversationType ? { conversationType: msg.conversationType } : {}),
      };
    }
    return { platform: 'dingtalk', kind: 'robot_user', toUser: msg.senderId, reply };
  }

  /** Another user's message goes to WeCom if they have a WeCom id there, else to DingTalk. */
  async function noticeTo(userId: string, reply: Reply): Promise<OutboundPayload | undefined> {
    const p = await noticePayload(o.repos, o.platforms, userId, reply);
    if (!p) o.log.warn('notice undeliverable: user has no id on a configured platform', { user: userId });
    return p;
  }

  /** What one message's outcome queues, under keys derived from its id. */
  async function plan(msg: InboundRecord, outcome: Outcome): Promise<{ payload: OutboundPayload; key: string }[]> {
    const out: { payload: OutboundPayload; key: string }[] = [];
    let n = 0;
    const put = (payload: OutboundPayload) => out.push({ payload, key: `${msg.id}:${n++}` });
    if (outcome.cardOutcome && msg.platform === 'wecom' && msg.responseCode) {
      put({ platform: 'wecom', kind: 'card_update', responseCode: msg.responseCode, toUser: msg.senderId, outcome: { cardId: msg.cardId ?? '', label: outcome.cardOutcome } });
    }
    if (outcome.cardOutcome && msg.platform === 'dingtalk' && msg.kind === 'card_action' && msg.cardId) {
      put({ platform: 'dingtalk', kind: 'card_update', outTrackId: msg.cardId, outcome: { cardId: msg.cardId, label: outcome.cardOutcome } });
    }
    for (const r of outcome.replies) put(replyTo(msg, r));
    for (const notice of outcome.notices) {
      const p = await noticeTo(notice.userId, notice.reply);
      if (p) put(p);
      else n++;
    }
    return out;
  }

  async function route(msg: InboundRecord): Promise<Outcome> {
    const event = { channel: msg.platform, senderId: msg.senderId };
    return msg.kind === 'card_action'
      ? o.router.tap(event, msg.actionKey ?? '')
      : o.router.respond({ ...event, text: msg.text, ...(msg.attachment ? { attachment: msg.attachment } : {}), ...(msg.mediaRef ? { media: { ref: msg.mediaRef, name: msg.mediaName } } : {}) });
  }

  /**
   * Processes claimed messages: writes their keys (a retry of a message done
   * before is dropped there, unprocessed), routes each, then queues all their
   * replies in one go and takes them out of the queue. A message whose routing
   * fails is given back (claimable again after a pause, its attempts counted);
   * if even that fails (the database is gone), the error is thrown and the
   * caller keeps the whole batch, still ours, to retry.
   */
  async function processBatch(msgs: InboundRecord[]): Promise<void> {
    const { go } = await o.repos.inbound.begin(msgs, o.now());
    const items: { payload: OutboundPayload; key: string }[] = [];
    const done: string[] = [];
    for (const msg of go) {
      try {
        items.push(...(await plan(msg, await route(msg))));
        done.push(msg.id);
      } catch (err) {
        o.log.warn('inbound message failed; given back', { id: msg.id, error: (err as Error).message });
        await o.repos.inbound.release(msg.id, o.owner, new Date(o.now().getTime() + 1000));
      }
    }
    // Handed over at once: queued claimed by us, nobody else would send them while we are alive.
    await enqueue(items);
    await o.repos.inbound.finishDone(done, o.now(), true);
  }

  /**
   * Queues replies and hands them to the outbox worker, one batch after another: an
   * entry's queue order is taken when it is queued, so batches processed side by side
   * reach the worker in the order of their numbers (a recipient's replies in queue order).
   */
  let queueing: Promise<unknown> = Promise.resolve();
  function enqueue(items: { payload: OutboundPayload; key: string }[]): Promise<void> {
    const queued = items.map((it) => ({ ...outgoing(it.payload), key: it.key }));
    const done = queueing.then(async () => { o.queued?.(await o.repos.outbox.enqueueMany(queued, o.now(), { owner: o.owner, leaseMs })); });
    queueing = done.catch(() => undefined);
    return done;
  }

  const local: InboundRecord[] = [];
  let running = 0;
  // Arrival rate: messages handed over in the current second, and in the last whole one.
  let windowStart = 0;
  let windowCount = 0;
  let lastRate = 0;
  const overloaded = (): boolean => {
    const elapsed = Date.now() - windowStart;
    if (elapsed >= 2000) return false; // nothing for a second or more
    return windowCount >= busyRate || (elapsed < 1000 ? lastRate >= busyRate : windowCount * 1000 / elapsed >= busyRate);
  };
  const orphans = new Set<string>();
  let lastSweep = 0;
  let alive: { until: number; owners: string[] } = { until: 0, owners: [] };

  return {
    /** Messages this process recorded, claimed by it, to work on from memory. */
    handoff(msgs: InboundRecord[]): void {
      local.push(...msgs);
      const t = Date.now();
      if (t - windowStart >= 1000) {
        lastRate = t - windowStart < 2000 ? (windowCount * 1000) / (t - windowStart) : 0;
        windowStart = t;
        windowCount = 0;
      }
      windowCount += msgs.length;
    },

    /** Whether webhooks are arriving faster than processing is allowed to keep up with at once. */
    overloaded,

    /** How many handed-over messages wait. */
    pending: () => local.length,

    /** Processes a batch of handed-over messages; false when there were none. */
    async localStep(): Promise<boolean> {
      if (local.length === 0) return false;
      if (running >= busyParallel && overloaded()) return false; // poked again by the next handoff
      const msgs = local.splice(0, batch);
      running++;
      try {
        const started = Date.now();
        await processBatch(msgs);
        // Still overloaded: leave the webhooks the rest of the time before the next batch.
        if (overloaded()) {
          const spent = Date.now() - started;
          await new Promise((r) => setTimeout(r, Math.max(busyPauseMs, (spent * (1 - busyShare)) / busyShare)));
        }
      } catch (err) {
        local.unshift(...msgs); // still ours: the database is gone or refused; try again
        throw err;
      } finally {
        running--;
      }
      return true;
    },

    /**
     * Messages whose recording failed part-way (the webhook answered an error):
     * they may be stored claimed by us without being in memory, so they are
     * given back (by `heartbeat`) for any process to claim.
     */
    orphaned(ids: string[]): void {
      for (const id of ids) orphans.add(id);
    },

    /** Renews this process's claims and gives back orphaned ones (run every few seconds). */
    async heartbeat(): Promise<boolean> {
      await o.repos.inbound.heartbeat(o.owner, new Date(o.now().getTime() + HEARTBEAT_MS));
      for (const id of [...orphans]) {
        await o.repos.inbound.release(id, o.owner, o.now());
        orphans.delete(id);
      }
      return false;
    },

    /** Claims and processes one message nobody alive holds; false when there was none (or it is not time to look). */
    async step(): Promise<boolean> {
      if (local.length > 0 && Date.now() - lastSweep < busySweepMs) return false;
      lastSweep = Date.now();
      if (alive.until < Date.now()) alive = { until: Date.now() + 2000, owners: await o.repos.inbound.aliveOwners(o.now()) };
      // Our own claims are ours (in memory) whatever their lease says.
      const msg = await o.repos.inbound.claim(o.owner, o.now(), leaseMs, [...alive.owners, o.owner]);
      if (!msg) return false;
      if (msg.attempts > maxAttempts) {
        await o.repos.inbound.finish(msg.id, o.owner, 'failed', o.now(), 'too many attempts');
        o.log.error('inbound message given up', { id: msg.id, attempts: msg.attempts });
        return true;
      }
      try {
        await processBatch([msg]);
      } catch (err) {
        local.push(msg); // ours now: retried from memory
        throw err;
      }
      lastSweep = 0; // found one: look again at once
      return true;
    },
  };
}
