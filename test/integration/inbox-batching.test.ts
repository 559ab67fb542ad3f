/**
 * The webhooks' group commit (bot/inbox.ts) on the real database: messages
 * accepted in one turn share one insert, each keeping its own verdict; while a
 * write is in flight a second one starts only with at least as many messages
 * as the first carries (fewer wait and go together), so a flood is written in
 * a few large batches. The repo's recordMany is the real one; the test only
 * counts its calls and, where it says so, holds the first back until released.
 */
import { createInbox } from '../../bot/inbox';
import type { InboundMessage } from '../../bot/channels/contracts';
import type { Repos } from '../../store/repos';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
const now = () => new Date();
let seq = 0;
const msg = (msgId = `m${++seq}`): InboundMessage => ({ platform: 'wecom', msgId, senderId: 'LiWx', kind: 'text', text: '我是谁' });
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** The real repos, with recordMany counted (batch sizes, in call order) and, while `held`, kept waiting. */
function counted(): { repos: Repos; sizes: number[]; hold(): void; release(): void } {
  const sizes: number[] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const inbound = db.repos.inbound;
  const repos = {
    ...db.repos,
    inbound: {
      ...inbound,
      recordMany: async (...args: Parameters<typeof inbound.recordMany>) => {
        sizes.push(args[0].length);
        if (gate) await gate;
        return inbound.recordMany(...args);
      },
    },
  } as Repos;
  return {
    repos, sizes,
    hold: () => { gate = new Promise((r) => { open = r; }); },
    release: () => { gate = undefined; open?.(); },
  };
}

beforeAll(async () => {
  db = await freshDb();
});

afterAll(async () => {
  await db?.close();
});

describe('inbox group commit', () => {
  it('messages accepted in one turn are one insert, each with its own verdict', async () => {
    const c = counted();
    const inbox = createInbox(c.repos, now, { claim: { owner: 'p1', leaseMs: 60_000 } });
    const before = msg();
    expect(await inbox.accept(before)).toBe('new');
    c.sizes.length = 0;
    const flood = Array.from({ length: 60 }, () => msg());
    const verdicts = await Promise.all([...flood, flood[0], before].map((m) => inbox.accept(m)));
    expect(c.sizes).toEqual([62]);
    expect(verdicts.slice(0, 60).every((v) => v === 'new')).toBe(true);
    expect(verdicts.slice(60)).toEqual(['duplicate', 'duplicate']); // a copy within the batch, and one recorded before
    for (const m of flood.slice(0, 5)) expect(await db.repos.inbound.seen('wecom', m.msgId)).toBe(true);
  });

  it('while a write is in flight, fewer messages than it carries wait for it and then go together', async () => {
    const c = counted();
    const inbox = createInbox(c.repos, now);
    c.hold();
    const first = Array.from({ length: 10 }, () => inbox.accept(msg()));
    await nextTurn();
    expect(c.sizes).toEqual([10]);
    // Three more, in later turns: not written beside the first (that would be a second write of three).
    const later: Promise<unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      later.push(inbox.accept(msg()));
      await nextTurn();
    }
    expect(c.sizes).toEqual([10]);
    c.release();
    expect(await Promise.all(first)).toEqual(Array(10).fill('new'));
    expect(await Promise.all(later)).toEqual(['new', 'new', 'new']);
    expect(c.sizes).toEqual([10, 3]);
  });

  it('as many waiting as the write in flight carries start a second write at once', async () => {
    const c = counted();
    const inbox = createInbox(c.repos, now);
    c.hold();
    const first = Array.from({ length: 10 }, () => inbox.accept(msg()));
    await nextTurn();
    const second = Array.from({ length: 10 }, () => inbox.accept(msg()));
    await nextTurn();
    expect(c.sizes).toEqual([10, 10]);
    c.release();
    expect(await Promise.all([...first, ...second])).toEqual(Array(20).fill('new'));
  });

  it('a write stays under its text budget (one insert command must fit the database\'s message limit)', async () => {
    const c = counted();
    const inbox = createInbox(c.repos, now, { maxBatchChars: 1000 });
    const long = (): InboundMessage => ({ ...msg(), text: '查'.repeat(400) });
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => inbox.accept(long())));
    expect(verdicts).toEqual(Array(5).fill('new'));
    expect(c.sizes).toEqual([2, 2, 1]);
    // One message over the budget still goes, alone.
    c.sizes.length = 0;
    expect(await inbox.accept({ ...msg(), text: '查'.repeat(1500) })).toBe('new');
    expect(c.sizes).toEqual([1]);
  });

  it('a lone message is written at once', async () => {
    const c = counted();
    const inbox = createInbox(c.repos, now);
    const t0 = Date.now();
    expect(await inbox.accept(msg())).toBe('new');
    expect(c.sizes).toEqual([1]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
