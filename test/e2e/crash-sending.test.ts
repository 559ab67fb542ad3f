/**
 * A server killed with -9 while it sends a user's replies, and started again
 * on the same database: every reply arrives (at least once); the only ones
 * sent twice are those sent in the last moments before the kill (recorded in
 * groups of at most RECORD_EVERY, within RECORD_WITHIN_MS); and the user gets
 * them in the order they were queued, the killed process's leftovers before
 * a reply to anything the user sends after the restart.
 */
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { RECORD_EVERY } from '../../bot/delivery/outboxWorker';
import { WecomEmulator } from '../emulators/wecom';
import { freshDb, type TestDb } from '../helpers/db';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

const N = 30;
let db: TestDb;
let wecom: WecomEmulator;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  await createServices({ repos: db.repos, now: () => new Date() }).users.save(cliCaller('e2e'), {
    userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx',
  });
  wecom = await new WecomEmulator().start();
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await wecom?.stop();
  await db?.close();
});

const label = (text: string) => /“(消息\d+|之后)”/.exec(text)?.[1] ?? `?${text.slice(0, 20)}`;

it('kill -9 during sending: nothing lost, duplicates only from the last moments, each user’s replies in queue order', async () => {
  const env = { MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env() };
  const a = await startServerProcess(env);
  servers.push(a);
  wecom.sendDelayMs = 100; // each send takes 0.1 s: the kill lands in the middle of the user's replies
  // When each message reached WeCom (to within 10 ms).
  const times: number[] = [];
  const tick = setInterval(() => { while (times.length < wecom.messages.length) times.push(Date.now()); }, 10);
  // All at once: their replies are queued together and sent as one batch.
  const statuses = await Promise.all(Array.from({ length: N }, async (_, i) => {
    const cb = wecom.textCallback({ from: 'LiWx', content: `查 消息${String(i).padStart(2, '0')}`, msgId: `crash-${i}` });
    return (await fetch(`${a.url}${cb.path}`, { method: 'POST', body: cb.body })).status;
  }));
  expect(statuses).toEqual(Array(N).fill(200));
  await waitFor(() => wecom.messages.length >= 15, 30_000, 'half the replies');
  await a.kill('SIGKILL');
  const killedAt = Date.now();
  const beforeKill = wecom.messages.length;
  expect(beforeKill).toBeLessThan(N); // killed mid-way

  wecom.sendDelayMs = 0;
  const b = await startServerProcess(env);
  servers.push(b);
  const after = wecom.textCallback({ from: 'LiWx', content: '查 之后', msgId: 'crash-after' });
  expect((await fetch(`${b.url}${after.path}`, { method: 'POST', body: after.body })).status).toBe(200);

  const labels = () => wecom.messages.map((m) => label(m.text?.content ?? ''));
  await waitFor(() => new Set(labels()).size >= N + 1, 90_000, 'every reply');
  await new Promise((r) => setTimeout(r, 2000)); // room for a late duplicate

  clearInterval(tick);
  while (times.length < wecom.messages.length) times.push(Date.now());
  const got = labels();
  // Nothing lost.
  expect(new Set(got).size).toBe(N + 1);
  // Duplicates: few, and only of replies sent shortly before the kill.
  const firstAt = new Map<string, number>();
  got.forEach((l, i) => { if (!firstAt.has(l)) firstAt.set(l, times[i]); });
  const twice = [...new Set(got.filter((l, i) => got.indexOf(l) !== i))];
  expect(got.length - N - 1).toBeLessThanOrEqual(RECORD_EVERY);
  for (const l of twice) expect({ l, msBeforeKill: killedAt - firstAt.get(l)! < 1000 }).toEqual({ l, msBeforeKill: true });
  // Order: as queued (the outbox's seq), with the reply to the message sent after the restart last.
  const queued = (await db.models.OutboxSent.collection.find({ to: 'wecom:LiWx' }).toArray())
    .sort((x, y) => Number(x.seq) - Number(y.seq))
    .map((d) => label((JSON.parse(String(d.payload)) as { reply: { text: string } }).reply.text));
  expect(queued).toHaveLength(N + 1);
  expect([...new Set(got)]).toEqual(queued);
  expect(queued[N]).toBe('之后');
}, 180_000);
