/**
 * The Inbox the webhooks write to: records each platform message once.
 *
 * Group commit: concurrent webhooks share one insert into the queue
 * (store/repos/inbound.ts `recordMany`) instead of a round trip each. The
 * messages accepted in one turn of the event loop are written together, at
 * the end of that turn (one wake-up per turn, not per message); a lone message
 * is written at once. Two writes may be in flight, so the next batch waits at
 * the database (whose front lets inserts go first) rather than here, but a
 * second write starts only once at least as many messages wait as the write in
 * flight carries: fewer wait for it and go together, so a flood is written in
 * a few large batches rather than alternating large ones and single messages
 * (each write costs the database and the driver about as much as a batch of 25).
 * Each webhook answers only after its own message is stored, with its own
 * verdict (a duplicate key is reported per message).
 *
 * With `claim`, a server records messages already claimed by itself and hands
 * the new ones to `onNew` (its dispatcher) to be processed from memory.
 */
import type { Repos } from '../store/repos';
import type { Claim, InboundRecord } from '../store/repos/inbound';
import type { Inbox, InboundMessage } from './channels/contracts';

export interface InboxOptions {
  claim?: Claim;
  onNew?: (claimed: InboundRecord[]) => void;
  /** Ids ("<platform>:<msgId>") of a batch whose write failed part-way: some may be stored, claimed, but not handed over. */
  onFailed?: (ids: string[]) => void;
  /** Most messages per write. */
  maxBatch?: number;
  /**
   * Most text per write, in characters (a message over it goes alone): one
   * insert command must stay under the database's 16 MB message limit.
   */
  maxBatchChars?: number;
  /** Writes in flight at once. */
  parallel?: number;
}

interface Waiting {
  msg: InboundMessage;
  resolve: (r: 'new' | 'duplicate') => void;
  reject: (err: unknown) => void;
}

export function createInbox(repos: Repos, now: () => Date, opts: InboxOptions = {}): Inbox {
  const maxBatch = opts.maxBatch ?? 200;
  const maxBatchChars = opts.maxBatchChars ?? 2_000_000;
  const parallel = opts.parallel ?? 2;
  const queue: Waiting[] = [];
  let inFlight = 0;

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const { results, claimed } = await repos.inbound.recordMany(batch.map((w) => w.msg), now(), opts.claim);
      if (claimed.length) opts.onNew?.(claimed);
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      if (opts.claim) opts.onFailed?.(batch.map((w) => `${w.msg.platform}:${w.msg.msgId}`));
      for (const w of batch) w.reject(err);
    }
  }

  // Sizes of the batches in flight, oldest first.
  const flying: number[] = [];
  let scheduled = false;

  function pump(): void {
    while (inFlight < parallel && queue.length > 0) {
      // With a write in flight, another starts only with at least as many messages as the newest one carries.
      if (inFlight > 0 && queue.length < Math.min(maxBatch, flying[flying.length - 1])) return;
      const batch = queue.splice(0, batchLength());
      inFlight++;
      flying.push(batch.length);
      void write(batch).finally(() => {
        inFlight--;
        flying.splice(flying.indexOf(batch.length), 1);
        pump();
      });
    }
  }

  /** How many of the waiting messages the next write takes: at most maxBatch, and maxBatchChars of text (at least one). */
  function batchLength(): number {
    const most = Math.min(maxBatch, queue.length);
    let chars = queue[0].msg.text.length;
    let n = 1;
    while (n < most && chars + queue[n].msg.text.length <= maxBatchChars) chars += queue[n++].msg.text.length;
    return n;
  }

  const flush = () => {
    scheduled = false;
    pump();
  };

  return {
    accept: (msg: InboundMessage) => new Promise<'new' | 'duplicate'>((resolve, reject) => {
      queue.push({ msg, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }),
  };
}
