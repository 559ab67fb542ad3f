/**
 * Sends what the outbox holds: claims a due message, respects its robot's
 * per-minute limit, sends it through the platform's Sender, and marks it sent,
 * due again after a backoff, or dead (the list an admin can resend from).
 *
 * Replies this process queued come claimed by it and are handed over in
 * memory (`handoff`, sent by `localStep` in batches); `step` claims from the
 * database what nobody alive holds (retries that came due, robot messages,
 * other processes' leftovers, anything queued elsewhere).
 *
 * Delivery is at least once. A send is recorded as sent (moved to outbox_sent)
 * in small groups: at most `recordEvery` sends, at most `recordWithinMs` after
 * the first of them. A process killed in between sends those again after a
 * restart (and one whose answer had not arrived): that is the bound on
 * duplicates. Each recipient's messages go one at a time in queue order
 * (`seq`), also across a restart: a dead process's leftovers for a recipient
 * are taken over and sent before anything newer for that recipient.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';
import type { OutboxEntry } from '../../store/repos/outbox';
import { SendError, recipientKey, type Platform, type Sender } from '../channels/contracts';

export interface OutboxWorkerOptions {
  repos: Repos;
  senders: Partial<Record<Platform, Sender>>;
  now: () => Date;
  log: Logger;
  owner: string;
  maxAttempts: number;
  ratePerMinute: number;
  leaseMs?: number;
  /** Messages sent per localStep. */
  batch?: number;
  /** While there is local work, look in the database at most this often. */
  busySweepMs?: number;
  /** Sends recorded together, at most (the bound on duplicates after a crash). */
  recordEvery?: number;
  /** A send is recorded at most this long after it succeeded. */
  recordWithinMs?: number;
}

/** Whose messages must arrive in order: one user, one conversation, one robot. */
function recipient(e: OutboxEntry): string {
  return recipientKey(e.payload);
}

/** 2 s, 4 s, 8 s … capped at 10 minutes. */
export const backoffMs = (attempt: number): number => Math.min(1000 * 2 ** attempt, 600_000);

/** Sends recorded together, at most, and how long after the first (see ARCHITECTURE.md, delivery guarantee). */
export const RECORD_EVERY = 10;
export const RECORD_WITHIN_MS = 200;

/** Owner ids are `<host>:<pid>:<random>` (src/runtime.ts): one on this host whose pid is gone is dead, heartbeat or not. */
function deadHere(owner: string, host: string): boolean {
  const [h, pid] = owner.split(':');
  if (h !== host || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // Killed but not yet reaped by its parent (a zombie): dead all the same.
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // no /proc here
  }
}

export function createOutboxWorker(o: OutboxWorkerOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  const batch = o.batch ?? 50;
  const busySweepMs = o.busySweepMs ?? 5000;
  const recordEvery = o.recordEvery ?? RECORD_EVERY;
  const recordWithinMs = o.recordWithinMs ?? RECORD_WITHIN_MS;
  const host = o.owner.split(':')[0];
  const local: OutboxEntry[] = [];
  /** Per recipient, the send (or lane of sends) under way in this process: the next waits for it. */
  const inFlight = new Map<string, Promise<void>>();
  /** Sent, not yet recorded as sent (the database refused): recorded before anything else is sent. */
  const unrecorded: OutboxEntry[] = [];
  let lastSweep = 0;
  let alive: { until: number; owners: string[]; dead: string[] } = { until: 0, owners: [], dead: [] };
  /**
   * Until then, look for other processes' leftovers before sending to a
   * recipient: after start-up when the queue held others' messages (a previous
   * run may have died), and after an owner disappeared, for as long as its
   * leases could keep them from a sweep. Otherwise sending costs no extra read.
   */
  let leftoversUntil = 0;
  const leftoverWindow = () => Date.now() + leaseMs + 30_000;
  let startup: Promise<void> | undefined;
  function checkStartup(): Promise<void> {
    startup ??= o.repos.outbox.count({ status: { $in: ['pending', 'sending'] }, leaseOwner: { $ne: o.owner } }).then(
      (n) => { if (n > 0) leftoversUntil = leftoverWindow(); },
      (err: unknown) => { startup = undefined; throw err; },
    );
    return startup;
  }

  /** Marks a recipient busy in this process until the returned function is called. */
  function occupy(k: string): () => void {
    let release!: () => void;
    const p = new Promise<void>((r) => { release = r; });
    inFlight.set(k, p);
    return () => {
      release();
      if (inFlight.get(k) === p) inFlight.delete(k);
    };
  }

  /**
   * While leftovers may exist, the sweep's claims and a batch's take-overs run
   * one at a time, so a recipient's older message is never claimed by the sweep
   * just as a batch starts sending newer ones.
   */
  let gate: Promise<unknown> = Promise.resolve();
  function guarded<T>(fn: () => Promise<T>): Promise<T> {
    if (Date.now() > leftoversUntil) return fn();
    const run = gate.then(fn);
    gate = run.catch(() => undefined);
    return run;
  }

  async function refreshAlive(force = false): Promise<void> {
    if (!force && alive.until >= Date.now()) return;
    const listed = await o.repos.inbound.aliveOwners(o.now());
    const dead = listed.filter((w) => w !== o.owner && deadHere(w, host));
    const owners = listed.filter((w) => !dead.includes(w));
    if (alive.owners.some((w) => !owners.includes(w))) leftoversUntil = leftoverWindow();
    alive = { until: Date.now() + 2000, owners, dead };
  }

  /** Sends one claimed message; true when sent (to be recorded), else it was rescheduled or declared dead. */
  async function send(e: OutboxEntry): Promise<boolean> {
    if (e.rateKey) {
      const wait = await o.repos.outbox.takeSlot(e.rateKey, o.ratePerMinute, o.now());
      if (wait > 0) {
        await o.repos.outbox.retryAt(e.id, o.owner, new Date(o.now().getTime() + wait), 'held back by the per-minute limit', false);
        return false;
      }
    }
    const sender = o.senders[e.payload.platform];
    if (!sender) {
      await o.repos.outbox.markDead(e.id, o.owner, `${e.payload.platform} is not configured`);
      return false;
    }
    try {
      await sender.send(e.payload);
      return true;
    } catch (err) {
      const retryable = !(err instanceof SendError) || err.retryable;
      const message = (err as Error).message.slice(0, 300);
      if (e.rateKey && err instanceof SendError && err.retryable && err.retryAfterMs) {
        // The platform throttles this robot (DingTalk: 10 minutes after 20 a minute): pause the robot for
        // the penalty, in every process; the message waits for it and the attempt does not count.
        const until = new Date(o.now().getTime() + err.retryAfterMs);
        await o.repos.outbox.pauseSlot(e.rateKey, until, o.now());
        await o.repos.outbox.retryAt(e.id, o.owner, until, message, false);
        o.log.warn('group robot throttled by the platform; paused', { robot: e.rateKey, seconds: Math.round(err.retryAfterMs / 1000) });
        return false;
      }
      if (!retryable || e.attempts >= o.maxAttempts) {
        await o.repos.outbox.markDead(e.id, o.owner, message);
        o.log.warn('outbox message dead', { id: e.id, kind: e.payload.kind, attempts: e.attempts, error: message });
      } else {
        const wait = err instanceof SendError && err.retryAfterMs ? err.retryAfterMs : backoffMs(e.attempts);
        await o.repos.outbox.retryAt(e.id, o.owner, new Date(o.now().getTime() + wait), message);
      }
      return false;
    }
  }

  async function record(sent: OutboxEntry[]): Promise<void> {
    if (sent.length === 0) return;
    try {
      await o.repos.outbox.markSentMany(sent, o.now());
    } catch (err) {
      unrecorded.push(...sent);
      throw err;
    }
  }

  async function flushUnrecorded(): Promise<void> {
    if (unrecorded.length) await record(unrecorded.splice(0));
  }

  /** Records sends in groups: when `recordEvery` are waiting, or `recordWithinMs` after the first. */
  function groupRecorder() {
    let waiting: OutboxEntry[] = [];
    let timer: NodeJS.Timeout | undefined;
    let chain: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const group = waiting;
      waiting = [];
      chain = chain.then(() => record(group)).catch((err: unknown) => { failure ??= err; });
      return chain;
    };
    return {
      async add(e: OutboxEntry): Promise<void> {
        waiting.push(e);
        if (waiting.length >= recordEvery) return flush();
        timer ??= setTimeout(() => void flush(), recordWithinMs);
      },
      async close(): Promise<void> {
        await flush();
        if (failure) throw failure;
      },
    };
  }

  /**
   * Other processes' messages for these recipients that are due or whose
   * holder is dead, taken over, to go before this batch's (in queue order).
   */
  async function leftoversFor(recipients: string[]): Promise<OutboxEntry[]> {
    if (Date.now() > leftoversUntil || recipients.length === 0) return [];
    const found = await o.repos.outbox.waitingFor(recipients, o.owner, o.now());
    if (found.length === 0) return [];
    await refreshAlive(true);
    const taken: OutboxEntry[] = [];
    for (const e of found.sort((a, b) => a.seq - b.seq)) {
      if (e.rateKey) continue; // rate-limited ones are the sweep's
      const holderGone = e.status === 'pending' || alive.dead.includes(e.leaseOwner) || !alive.owners.includes(e.leaseOwner);
      if (!holderGone) continue;
      const t = await o.repos.outbox.takeOver(e.id, e.status === 'pending' ? '' : e.leaseOwner, o.owner, o.now(), leaseMs);
      if (t) taken.push(t);
    }
    if (taken.length) o.log.info('outbox: took over earlier messages for the same recipients', { count: taken.length });
    return taken;
  }

  return {
    /** Messages queued claimed by this process, to send from memory. */
    handoff(entries: OutboxEntry[]): void {
      local.push(...entries);
    },

    pending: () => local.length,

    /**
     * Sends a batch of handed-over messages; false when there were none. Each
     * recipient's messages go one at a time, in queue order (a message's
     * replies, and replies to consecutive messages, arrive in order; earlier
     * leftovers of a dead process first); different recipients' go at once.
     */
    async localStep(): Promise<boolean> {
      await flushUnrecorded();
      if (local.length === 0) return false;
      await checkStartup();
      const entries = local.splice(0, batch);
      // Under the gate: the leftovers taken over and the lanes registered before the sweep claims anything more.
      const planned = await guarded(async () => {
        const earlier = await leftoversFor([...new Set(entries.map(recipient))]);
        const all = [...earlier, ...entries];
        const byRecipient = new Map<string, number[]>();
        all.forEach((e, i) => {
          const k = recipient(e);
          const lane = byRecipient.get(k);
          if (lane) lane.push(i);
          else byRecipient.set(k, [i]);
        });
        const lanes = [...byRecipient.entries()].map(([k, lane]) => {
          lane.sort((a, b) => all[a].seq - all[b].seq);
          return { k, lane, before: inFlight.get(k), done: occupy(k) };
        });
        return { all, lanes };
      }).catch((err: unknown) => {
        local.unshift(...entries);
        throw err;
      });
      const { all, lanes } = planned;
      const recorder = groupRecorder();
      const left = new Set<number>();
      let failure: unknown;
      await Promise.all(lanes.map(async ({ lane, before, done }) => {
        try {
          await before; // a message of this recipient the sweep is sending goes first
          for (let j = 0; j < lane.length; j++) {
            try {
              if (await send(all[lane[j]])) await recorder.add(all[lane[j]]);
            } catch (err) {
              // Not sent and not rescheduled (the database refused the reschedule): still ours, try again.
              for (const i of lane.slice(j)) left.add(i);
              failure = err;
              return;
            }
          }
        } finally {
          done();
        }
      }));
      if (left.size) local.unshift(...all.filter((_, i) => left.has(i)));
      await recorder.close();
      if (failure) throw failure;
      return true;
    },

    /** Claims and sends one due message nobody alive holds; false when there was none (or it is not time to look). */
    async step(): Promise<boolean> {
      await flushUnrecorded();
      if (local.length > 0 && Date.now() - lastSweep < busySweepMs) return false;
      lastSweep = Date.now();
      await checkStartup();
      await refreshAlive();
      const claimed = await guarded(async () => {
        const e = await o.repos.outbox.claim(o.owner, o.now(), leaseMs, [...alive.owners, o.owner], alive.dead);
        if (!e) return undefined;
        const k = recipient(e);
        if (inFlight.has(k) || local.some((x) => recipient(x) === k)) {
          local.push(e); // this recipient has messages in hand here: sent with them, in queue order
          return { e, done: undefined };
        }
        return { e, done: occupy(k) };
      });
      if (!claimed) return false;
      lastSweep = 0;
      const { e, done } = claimed;
      if (!done) return true;
      let sent: boolean;
      try {
        sent = await send(e);
      } catch (err) {
        local.push(e); // ours now (nobody else takes it while we are alive): retried from memory
        throw err;
      } finally {
        done();
      }
      if (sent) await record([e]);
      return true;
    },
  };
}
