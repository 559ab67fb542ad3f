/**
 * The database goes away for 30 s while messages are queued: nothing is lost.
 * The server keeps running; a callback during the outage is refused with 503
 * within 3 s (WeCom waits 5 s, then retries) and /healthz says 503 and why
 * within 1 s; once the database is back every queued message goes out exactly
 * once and the retried callback is processed. The same when the database is
 * frozen (SIGSTOP) rather than gone.
 */
import { mkdtempSync } from 'node:fs';
import { outgoing } from '../../bot/channels/contracts';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../store/connection';
import { readRecord, startLocalDatabase, type Engine, type LocalDatabase } from '../../store/embedded';
import { createRepos, type Repos } from '../../store/repos';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { WecomEmulator } from '../emulators/wecom';
import { freePort, isStopped, pidListeningOn, startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

const OUTAGE_MS = 30_000;
const QUEUED = 20;

let dbServer: LocalDatabase;
let port: number;
let dataDir: string;
let wecom: WecomEmulator;
let server: ServerProcess;
let close: () => Promise<void>;
let repos: Repos;
const engine = (process.env.TEST_DB_ENGINE as Engine | undefined) ?? 'auto';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'outage-'));
  port = await freePort();
  dbServer = await startLocalDatabase({ dataDir, engine, port });
  const db = await connect(dbServer.uri, 'outage');
  close = db.close;
  repos = createRepos(db.models);
  await repos.org.seedDepartments();
  await createServices({ repos, now: () => new Date() }).users.save(cliCaller('e2e'), {
    userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'], wecomUserId: 'LiWx',
  });
  wecom = await new WecomEmulator().start();
  server = await startServerProcess({ MONGODB_URI: dbServer.uri, DB_NAME: 'outage', ...wecom.env() });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await wecom?.stop();
  await close?.().catch(() => undefined);
  await dbServer?.stop();
});

it(`a ${OUTAGE_MS / 1000} s database outage loses no queued message and no callback`, async () => {
  // Queue messages due shortly, then take the database away before they are sent.
  const due = new Date(Date.now() + 8000);
  for (let i = 0; i < QUEUED; i++) {
    await repos.outbox.enqueue(outgoing({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: `排队消息 ${i}` } }), due, `queued-${i}`);
  }
  await dbServer.stop();
  const downAt = Date.now();

  // A callback while the database is down is refused in time, so WeCom retries it later.
  const cb = wecom.textCallback({ from: 'LiWx', content: '我是谁', msgId: '9001' });
  let t = Date.now();
  const during = await fetch(`${server.url}${cb.path}`, { method: 'POST', body: cb.body });
  expect(during.status).toBe(503);
  expect(Date.now() - t).toBeLessThan(3000);
  expect(wecom.messages).toHaveLength(0);
  t = Date.now();
  const health = await fetch(`${server.url}/healthz`);
  expect(Date.now() - t).toBeLessThan(1000);
  expect(health.status).toBe(503);
  expect(((await health.json()) as { reason: string }).reason).toMatch(/database/);

  await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
  dbServer = await startLocalDatabase({ dataDir, engine, port });

  // WeCom's retry of the refused callback.
  await waitFor(async () => (await fetch(`${server.url}${cb.path}`, { method: 'POST', body: cb.body })).status === 200, 30_000, 'the retry to be accepted');

  await waitFor(() => wecom.messages.length >= QUEUED + 1, 60_000, 'every queued message and the reply');
  await new Promise((r) => setTimeout(r, 2000)); // room for a duplicate to show up
  const texts = wecom.messages.map((m) => m.text?.content ?? '');
  for (let i = 0; i < QUEUED; i++) expect(texts.filter((t) => t === `排队消息 ${i}`)).toHaveLength(1);
  expect(texts.filter((t) => t.includes('李经办'))).toHaveLength(1);
  expect(wecom.messages).toHaveLength(QUEUED + 1);
}, 180_000);

it('a frozen database (SIGSTOP): /healthz says so within 1 s, callbacks get 503 within 3 s, and the retry after it thaws is answered once', async () => {
  await waitFor(async () => (await fetch(`${server.url}/healthz`)).ok, 30_000, 'the server to be healthy again');
  // Freeze the process that serves the port (the data folder's record should name it; say so when it does not).
  const recorded = readRecord(dataDir)?.serverPid;
  const pid = pidListeningOn(port) ?? recorded!;
  if (pid !== recorded) console.warn(`the database record names pid ${recorded}, but pid ${pid} listens on ${port}`);
  process.kill(pid, 'SIGSTOP');
  await waitFor(() => isStopped(pid), 5_000, 'the database process to stop');
  try {
    let t = Date.now();
    const health = await fetch(`${server.url}/healthz`);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { reason: string }).reason).toContain('did not answer');

    const cb = wecom.textCallback({ from: 'LiWx', content: '我是谁', msgId: '9002' });
    t = Date.now();
    const during = await fetch(`${server.url}${cb.path}`, { method: 'POST', body: cb.body });
    expect(during.status).toBe(503);
    expect(Date.now() - t).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(pid, 'SIGCONT');

    const before = wecom.messages.length;
    await waitFor(async () => (await fetch(`${server.url}${cb.path}`, { method: 'POST', body: cb.body })).status === 200, 30_000, 'the retry to be accepted');
    await waitFor(() => wecom.messages.length > before, 30_000, 'the reply');
    await new Promise((r) => setTimeout(r, 2000)); // room for a duplicate to show up
    expect(wecom.messages.slice(before).filter((m) => (m.text?.content ?? '').includes('李经办'))).toHaveLength(1);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}, 120_000);
