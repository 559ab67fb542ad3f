/**
 * Inbound messages from the webhook's one insert to the reply, on the real
 * database, with two "processes" (inboxes, dispatchers and outbox workers under
 * two owners) and the WeCom emulator: a platform retry is processed once
 * whenever it comes — while the message waits or is worked on, after it was
 * finished, at the other process — and a dead process's half-done message is
 * taken over and answered once.
 */
import { loadConfig } from '../../src/config';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { createLogger } from '../../src/logger';
import { wecomApi } from '../../bot/channels/wecom/api';
import { createAnnouncer } from '../../bot/delivery/announcer';
import { createDispatcher } from '../../bot/delivery/dispatcher';
import { createOutboxWorker } from '../../bot/delivery/outboxWorker';
import { createInbox } from '../../bot/inbox';
import { createRouter, type Router } from '../../bot/router';
import type { Inbox, InboundMessage } from '../../bot/channels/contracts';
import { WecomEmulator } from '../emulators/wecom';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let wecom: WecomEmulator;
let router: Router;
let clock = Date.now();
const now = () => new Date(clock);
const log = createLogger('error', () => undefined);
const LEASE_MS = 60_000;

interface Proc {
  inbox: Inbox;
  dispatcher: ReturnType<typeof createDispatcher>;
  outbox: ReturnType<typeof createOutboxWorker>;
}
let senders: Parameters<typeof createOutboxWorker>[0]['senders'];

/** Messages routed, however often (replies are keyed, so a second routing would not show in the replies). */
let routed = 0;
const counting: Pick<Router, 'respond' | 'tap'> = {
  respond: (e) => { routed++; return router.respond(e); },
  tap: (e, key) => { routed++; return router.tap(e, key); },
};

/** One server process's delivery parts, wired as src/runtime.ts wires them (no loops: the test steps them). */
function proc(owner: string, r: Pick<Router, 'respond' | 'tap'> = counting): Proc {
  const outbox = createOutboxWorker({ repos: db.repos, senders, now, log, owner, maxAttempts: 3, ratePerMinute: 20, leaseMs: LEASE_MS });
  const dispatcher = createDispatcher({
    repos: db.repos, router: r as Router, now, log, owner, platforms: { wecom: true, dingtalk: false }, leaseMs: LEASE_MS,
    queued: (claimed) => outbox.handoff(claimed),
  });
  const inbox = createInbox(db.repos, now, { claim: { owner, leaseMs: LEASE_MS }, onNew: (c) => dispatcher.handoff(c) });
  return { inbox, dispatcher, outbox };
}

async function work(p: Proc): Promise<void> {
  while (await p.dispatcher.localStep());
  while (await p.outbox.localStep());
}

const msg = (msgId: string): InboundMessage => ({ platform: 'wecom', msgId, senderId: 'LiWx', kind: 'text', text: '我是谁' });
const repliesTo = (user: string) => wecom.messages.filter((m) => m.touser === user).length;

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  wecom = await new WecomEmulator({ knownUsers: ['LiWx'] }).start();
  const config = loadConfig({ ...wecom.env() });
  senders = { wecom: wecomApi({ config, tokens: db.repos.tokens, files: db.repos.files, now, log }) };
  const services = createServices({ repos: db.repos, now });
  await services.users.save(cliCaller('t'), { userId: 'li', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx' });
  router = createRouter({ services, log, pageSize: 10, announcer: createAnnouncer({ config, repos: db.repos, now }) });
});

afterAll(async () => {
  await wecom?.stop();
  await db?.close();
});

beforeEach(() => {
  wecom.messages.length = 0;
  routed = 0;
});

describe('a platform retry is processed once', () => {
  it('while the message waits, and while it is being processed, in either process', async () => {
    const b = proc('B');
    const during: string[] = [];
    const a = proc('A', {
      respond: async (e) => {
        during.push(await a.inbox.accept(msg('h1')), await b.inbox.accept(msg('h1')));
        return counting.respond(e);
      },
      tap: counting.tap,
    });
    expect(await a.inbox.accept(msg('h1'))).toBe('new');
    expect(await a.inbox.accept(msg('h1'))).toBe('duplicate');
    expect(await b.inbox.accept(msg('h1'))).toBe('duplicate');
    await work(a);
    await work(b);
    expect(during).toEqual(['duplicate', 'duplicate']);
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
    expect(await db.repos.inbound.count({})).toBe(0);
    expect(await db.repos.inbound.seen('wecom', 'h1')).toBe(true);
  });

  it('after it was finished: recorded again, then dropped unprocessed, in either process', async () => {
    const a = proc('A');
    const b = proc('B');
    expect(await a.inbox.accept(msg('h2'))).toBe('new');
    await work(a);
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
    expect(await db.repos.inbound.count({})).toBe(0);
    // The entry is gone, its key stays: the retry's insert succeeds, its processing finds the key.
    for (const p of [a, b]) {
      await p.inbox.accept(msg('h2'));
      await work(p);
    }
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
    expect(await db.repos.inbound.count({})).toBe(0);
    expect(await db.repos.outbox.count({})).toBe(0);
  });

  it('after it was finished, when the retry is recorded unclaimed and found by a sweep', async () => {
    const a = proc('A');
    const b = proc('B');
    await a.inbox.accept(msg('h3'));
    await work(a);
    expect(await db.repos.inbound.record(msg('h3'), now())).toBe('new');
    while (await b.dispatcher.step());
    while (await b.outbox.localStep());
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
    expect(await db.repos.inbound.count({})).toBe(0);
  });
});

describe('a dead process’s message', () => {
  it('begun (its key written) but not finished is taken over once its lease has run out, and answered once', async () => {
    const a = proc('A');
    const b = proc('B');
    expect(await a.inbox.accept(msg('h4'))).toBe('new');
    // A writes the key and dies before routing.
    const [claimed] = await db.repos.inbound.get('wecom', 'h4').then((d) => (d ? [d] : []));
    expect(claimed).toBeDefined();
    const rec = { ...msg('h4'), id: 'wecom:h4', attempts: 1, tok: String(claimed.tok) };
    expect((await db.repos.inbound.begin([rec], now())).go).toHaveLength(1);
    // A retry now is still a duplicate: the entry lives.
    expect(await b.inbox.accept(msg('h4'))).toBe('duplicate');
    // B does not take it while A's lease runs…
    expect(await b.dispatcher.step()).toBe(false);
    clock += LEASE_MS + 1000;
    // …and does once it has run out (A never renewed a heartbeat): its own earlier attempt, so processed.
    expect(await b.dispatcher.step()).toBe(true);
    while (await b.outbox.localStep());
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
    expect(await db.repos.inbound.count({})).toBe(0);
    // A retry after that is dropped.
    await b.inbox.accept(msg('h4'));
    await work(b);
    expect(repliesTo('LiWx')).toBe(1);
    expect(routed).toBe(1);
  });
});

describe('processing under a flood of callbacks', () => {
  it('at a county’s pace handed-over messages are processed at once, without a pause', async () => {
    const a = proc('A');
    for (const id of ['q1', 'q2', 'q3']) await a.inbox.accept(msg(id));
    expect(a.dispatcher.overloaded()).toBe(false);
    const started = Date.now();
    // Three loops at once: the first takes all three, the others find nothing left.
    expect(await Promise.all([a.dispatcher.localStep(), a.dispatcher.localStep(), a.dispatcher.localStep()])).toEqual([true, false, false]);
    expect(Date.now() - started).toBeLessThan(2000);
    while (await a.outbox.localStep());
    expect(repliesTo('LiWx')).toBe(3);
  });

  it('at 100 messages a second or more: one batch at a time, then a pause; nothing starves', async () => {
    const a = proc('A');
    const ids = Array.from({ length: 120 }, (_, i) => `f${i}`);
    await Promise.all(ids.map((id) => a.inbox.accept(msg(id))));
    expect(a.dispatcher.overloaded()).toBe(true);
    // A second loop is turned away while the first batch runs and rests.
    const first = a.dispatcher.localStep();
    expect(await a.dispatcher.localStep()).toBe(false);
    const t0 = Date.now();
    expect(await first).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100); // the pause after a batch while overloaded
    expect(a.dispatcher.pending()).toBe(120 - 25);
    // When the flood stops (nothing handed over for two seconds), the rest is worked off without pauses.
    await new Promise((r) => setTimeout(r, 2100));
    expect(a.dispatcher.overloaded()).toBe(false);
    await work(a);
    expect(a.dispatcher.pending()).toBe(0);
    expect(repliesTo('LiWx')).toBe(120);
    expect(routed).toBe(120);
  });
});
