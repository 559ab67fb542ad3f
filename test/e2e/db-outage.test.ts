/**
 * The database goes away for 30 s while messages are queued: nothing is lost.
 * The server keeps running; a callback during the outage is refused with 503
 * (so the platform retries it); once the database is back every queued message
 * goes out exactly once and the retried callback is processed.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../store/connection';
import { startLocalDatabase, type Engine, type LocalDatabase } from '../../store/embedded';
import { createRepos, type Repos } from '../../store/repos';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { WecomEmulator } from '../emulators/wecom';
import { freePort, startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

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
    await repos.outbox.enqueue({ platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: `排队消息 ${i}` } }, due, `queued-${i}`);
  }
  await dbServer.stop();
  const downAt = Date.now();

  // A callback while the database is down is refused, so WeCom retries it later.
  const cb = wecom.textCallback({ from: 'LiWx', content: '我是谁', msgId: '9001' });
  const during = await fetch(`${server.url}${cb.path}`, { method: 'POST', body: cb.body });
  expect(during.status).toBe(503);
  expect(wecom.messages).toHaveLength(0);

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
