/**
 * One database server per data folder, with real processes and no
 * MONGODB_URI: the server (`npm start`) starts the embedded database; a CLI
 * import and a chat session started while it runs connect to that server
 * instead of starting a second one on the same files, and everything all three
 * write is there. When the database process dies, the server notices, says
 * so, and starts it again where every client looks for it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo } from 'mongoose';
import { readRecord } from '../../store/embedded';
import { code } from '../helpers/fixtures';
import { runTsx } from '../helpers/run';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let dataDir: string;
let server: ServerProcess | undefined;
const engine = process.env.TEST_DB_ENGINE === 'mongod' ? 'mongod' : 'ferretdb';

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'one-folder-'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({ MONGODB_URI: '', DATA_DIR: dataDir, DB_ENGINE: engine, DB_NAME: 'folder' });
const cli = (args: string[], input?: string) => runTsx('src/cli/main.ts', args, { env: { ...env(), LOG_LEVEL: 'info' }, input });
const chat = (as: string, input: string) => runTsx('bot/channels/shell/main.ts', ['--as', as], { env: { ...env(), LOG_LEVEL: 'info' }, input });

/** Database server processes whose data is in this folder. */
function serversOnFolder(): number {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dataDir) && /ferretdb-embedded|mongod /.test(l)).length;
}

const COLUMNS = ['统一社会信用代码', '名称', '类型', '行业', '乡镇', '地址', '信用风险分类', '领域标签', '监管部门'];
function entitiesCsv(from: number, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => [code(from + i), `万年县测试${from + i}有限公司`, '企业', '制造业', '陈营镇', `万年县陈营镇${from + i}号`, '一般', '', '县市管局']);
  const file = path.join(dataDir, `entities-${from}.csv`);
  writeFileSync(file, [COLUMNS, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n');
  return file;
}

it('the server, a CLI import and a chat at once share the one database server of the data folder', async () => {
  server = await startServerProcess(env());
  const record = readRecord(dataDir)!;
  expect(record).toMatchObject({ state: 'ready', ownerPid: server.pid(), engine });
  expect(serversOnFolder()).toBe(1);

  const added = await cli(['user', 'add', '--id', 'li.official', '--name', '李经办', '--dept', '县市管局', '--roles', 'official']);
  expect(added.code).toBe(0);
  expect(added.err).toContain(`already serving this data folder (started by process ${server.pid()})`);
  // 联席办 to confirm the proposals (R20: nobody confirms their own, so one must be registered).
  expect((await cli(['user', 'add', '--id', 'zhao.office', '--name', '赵联席', '--dept', '县市管局', '--roles', 'office'])).code).toBe(0);
  expect((await cli(['import', 'entities', entitiesCsv(1, 20)])).code).toBe(0);

  // At once: a larger import, and a chat proposing C placements for the first twenty.
  let most = 0;
  const sampler = setInterval(() => { most = Math.max(most, serversOnFolder()); }, 200);
  const lines = Array.from({ length: 20 }, (_, i) => `调库 ${code(1 + i)} C类 多次投诉食品安全问题`).join('\n') + '\n退出\n';
  const [imported, talked] = await Promise.all([cli(['import', 'entities', entitiesCsv(1000, 400), '--json']), chat('li.official', lines)]);
  clearInterval(sampler);
  expect(imported.code).toBe(0);
  expect(JSON.parse(imported.out)).toMatchObject({ imported: 400, rejected: [] });
  expect(talked.code).toBe(0);
  expect(most).toBe(1); // never a second database server on these files

  const client = new mongo.MongoClient(record.uri!, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db('folder');
    expect(await db.collection('entities').countDocuments({})).toBe(420);
    // Every proposal the chat made is written, and the entity carries it.
    expect(await db.collection('audit').countDocuments({ action: 'pool.propose' })).toBe(20);
    expect(await db.collection('entities').countDocuments({ pendingPool: 'C' })).toBe(20);
  } finally {
    await client.close();
  }
}, 180_000);

it('the server notices its database process died, says why, and starts it again; the data is still there', async () => {
  const before = readRecord(dataDir)!;
  process.kill(before.serverPid!, 'SIGKILL');
  await waitFor(() => server!.logs().includes('exited (signal SIGKILL); restarting it'), 10_000, 'the server to notice');
  await waitFor(() => readRecord(dataDir)?.serverPid !== before.serverPid && readRecord(dataDir)?.state === 'ready', 30_000, 'a new database process');
  expect(readRecord(dataDir)!.uri).toBe(before.uri);
  await waitFor(async () => (await fetch(`${server!.url}/healthz`)).ok, 30_000, 'the server healthy again');
  const listed = await cli(['user', 'list']);
  expect(listed.out).toContain('li.official');
  expect(serversOnFolder()).toBe(1);
}, 120_000);

it('once the server stops, the next process starts the database itself, and leaves no record behind', async () => {
  await server!.stop();
  server = undefined;
  expect(readRecord(dataDir)).toBeUndefined();
  const listed = await cli(['user', 'list']);
  expect(listed.code).toBe(0);
  expect(listed.out).toContain('li.official');
  expect(readRecord(dataDir)).toBeUndefined();
  expect(serversOnFolder()).toBe(0);
}, 120_000);

it('a database process that keeps dying: the server exits with status 1 and says why, for a process manager to restart it', async () => {
  server = await startServerProcess(env());
  const exited = server.exited;
  for (let i = 0; i < 4; i++) {
    const r = readRecord(dataDir);
    if (!r?.serverPid) break;
    process.kill(r.serverPid, 'SIGKILL');
    await waitFor(() => readRecord(dataDir)?.serverPid !== r.serverPid || server!.logs().includes('database lost'), 20_000, 'a restart or the end');
    await waitFor(() => readRecord(dataDir)?.state === 'ready' || server!.logs().includes('database lost'), 20_000, 'a restart or the end');
  }
  expect(await exited).toBe(1);
  expect(server.logs()).toMatch(/"msg":"database lost; exiting".*"reason":"the local database .* exited \(signal SIGKILL\), 3 times within 60 s"/);
  server = undefined;
}, 120_000);
