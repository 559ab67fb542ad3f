/**
 * The local database launcher used when no MONGODB_URI is given (`npm start`):
 * data written survives a stop and a restart on the same folder; single
 * documents change atomically, as the guarded state changes need; and an
 * engine that is not there fails with a clear message.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo } from 'mongoose';
import { freePort, readRecord, recordPath, startLocalDatabase, type LocalDatabase } from '../../store/embedded';

const dirs: string[] = [];
const running: LocalDatabase[] = [];

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'embedded-test-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string, engine: 'ferretdb' | 'mongod'): Promise<LocalDatabase> {
  const db = await startLocalDatabase({ dataDir, engine });
  running.push(db);
  return db;
}

async function stop(db: LocalDatabase): Promise<void> {
  await db.stop();
  if (running.includes(db)) running.splice(running.indexOf(db), 1);
}

async function withClient<T>(uri: string, fn: (c: mongo.MongoClient) => Promise<T>, timeoutMs = 5000): Promise<T> {
  const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, retryWrites: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => {
    try {
      return statSync(path.join(d, cmd)).isFile();
    } catch {
      return false;
    }
  });
}

afterAll(async () => {
  for (const db of running.splice(0)) await db.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('startLocalDatabase', () => {
  it('FerretDB: data survives a stop and a restart on the same folder (npm start keeps ./data)', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir, 'ferretdb');
    expect(first.engine).toBe('ferretdb');
    expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    await withClient(first.uri, async (c) => {
      await c.db('supervision').collection('entities').insertMany([
        { _id: '91361129000000001X' as never, name: '万年县华达食品有限公司', pool: 'C', poolPlacedAt: new Date('2026-03-02T01:00:00Z') },
        { _id: '91361129000000002X' as never, name: '万年县青云旅游发展有限公司', pool: 'A', sectorTags: ['旅游业'] },
      ]);
      await c.db('supervision').collection('entities').updateOne({ _id: '91361129000000001X' as never }, { $set: { pool: 'B' } });
    });
    await stop(first);
    // Stopped means stopped: nothing answers on the old address.
    await expect(withClient(first.uri, (c) => c.db('x').command({ ping: 1 }), 500)).rejects.toThrow();

    const second = await start(dataDir, 'ferretdb');
    const docs = await withClient(second.uri, (c) => c.db('supervision').collection('entities').find({}).sort({ _id: 1 }).toArray());
    expect(docs).toEqual([
      { _id: '91361129000000001X', name: '万年县华达食品有限公司', pool: 'B', poolPlacedAt: new Date('2026-03-02T01:00:00Z') },
      { _id: '91361129000000002X', name: '万年县青云旅游发展有限公司', pool: 'A', sectorTags: ['旅游业'] },
    ]);
    // Each engine keeps its data in its own subfolder.
    expect(statSync(path.join(dataDir, 'ferretdb')).isDirectory()).toBe(true);
    await stop(second);
  });

  it('FerretDB: a guarded update wins once and concurrent writes to one document are never lost (R20: no silent overwrite)', async () => {
    const db = await start(tempDir(), 'ferretdb');
    await withClient(db.uri, async (c) => {
      const col = c.db('supervision').collection<{ _id: string; pool: string; n: number; by?: number }>('entities');
      for (let round = 0; round < 5; round++) {
        await col.deleteMany({});
        await col.insertOne({ _id: 'x', pool: 'B', n: 0 });
        // Eight 联席办 users confirm B -> C at the same moment: exactly one may succeed.
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => col.updateOne({ _id: 'x', pool: 'B' }, { $set: { pool: 'C', by: i } })));
        expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(1);
        // Eight increments at once all count.
        await Promise.all(Array.from({ length: 8 }, () => col.updateOne({ _id: 'x' }, { $inc: { n: 1 } })));
        expect((await col.findOne({ _id: 'x' }))?.n).toBe(8);
      }
    });
    await stop(db);
  });

  if (onPath('mongod')) {
    it('mongod on PATH: forcing it starts it, and its data survives a restart', async () => {
      const dataDir = tempDir();
      const first = await start(dataDir, 'mongod');
      expect(first.engine).toBe('mongod');
      await withClient(first.uri, (c) => c.db('supervision').collection('t').insertOne({ _id: 'kept' as never }));
      await stop(first);
      const second = await start(dataDir, 'mongod');
      expect(await withClient(second.uri, (c) => c.db('supervision').collection('t').countDocuments({ _id: 'kept' as never }))).toBe(1);
      await stop(second);
    });
  } else {
    it('mongod forced but not on PATH: a clear error that says so and what to do', async () => {
      const started = Date.now();
      const err = await startLocalDatabase({ dataDir: tempDir(), engine: 'mongod' }).then(
        (db) => { running.push(db); throw new Error(`started ${db.engine} although mongod is not on PATH`); },
        (e: Error) => e,
      );
      expect(err.message).toContain('mongod');
      expect(err.message).toContain('PATH');
      expect(err.message).toContain('MONGODB_URI');
      expect(err.message).toContain('DB_ENGINE');
      expect(err.message).not.toContain('\n');
      // It did not fall back to another engine, and it did not wait for anything.
      expect(Date.now() - started).toBeLessThan(2000);
    });
  }
});

describe('one database server per data folder', () => {
  it('a second start on the same folder connects to the first server instead of starting another', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir, 'ferretdb');
    const second = await startLocalDatabase({ dataDir, engine: 'auto' });
    running.push(second);
    expect(first.owner).toBe(true);
    expect(second.owner).toBe(false);
    expect(second.uri).toBe(first.uri);
    expect(second.engine).toBe('ferretdb');
    const record = readRecord(dataDir)!;
    expect(record).toMatchObject({ state: 'ready', ownerPid: process.pid, uri: first.uri, engine: 'ferretdb' });
    expect(record.serverPid).toBeGreaterThan(0);
    // What one writes, the other reads: the same server.
    await withClient(first.uri, (c) => c.db('supervision').collection('t').insertOne({ _id: 'one' as never }));
    expect(await withClient(second.uri, (c) => c.db('supervision').collection('t').countDocuments({}))).toBe(1);

    // The owner stops: the other process starts the next server on the same port, so its connections carry on.
    await stop(first);
    await waitUntil(() => readRecord(dataDir)?.state === 'ready' && second.owner, 20_000);
    expect(readRecord(dataDir)!.uri).toBe(second.uri);
    expect(await withClient(second.uri, (c) => c.db('supervision').collection('t').countDocuments({}))).toBe(1);
    await stop(second);
    expect(readRecord(dataDir)).toBeUndefined();
  });

  it('a stale record (its server process is gone) is replaced', async () => {
    const dataDir = tempDir();
    // A record left behind by a process killed with -9: its pids are dead.
    writeFileSync(recordPath(dataDir), JSON.stringify({ state: 'ready', ownerPid: 999_999_9, token: 'old', at: Date.now() - 60_000, engine: 'ferretdb', uri: 'mongodb://127.0.0.1:1/', port: 1, serverPid: 999_999_9 }));
    const db = await startLocalDatabase({ dataDir, engine: 'ferretdb', port: await freePort() });
    running.push(db);
    expect(db.owner).toBe(true);
    expect(readRecord(dataDir)).toMatchObject({ ownerPid: process.pid, uri: db.uri });
    expect(await withClient(db.uri, (c) => c.db('x').command({ ping: 1 }))).toMatchObject({ ok: 1 });
    await stop(db);
  });

  it('its server killed with -9, the owner notices, says why, and starts it again where its clients look', async () => {
    const dataDir = tempDir();
    const lines: string[] = [];
    const db = await startLocalDatabase({ dataDir, engine: 'ferretdb', log: (l) => lines.push(l) });
    running.push(db);
    await withClient(db.uri, (c) => c.db('supervision').collection('t').insertOne({ _id: 'kept' as never }));
    const before = readRecord(dataDir)!;
    process.kill(before.serverPid!, 'SIGKILL');
    await waitUntil(() => readRecord(dataDir)?.state === 'ready' && readRecord(dataDir)?.serverPid !== before.serverPid, 20_000);
    expect(lines).toContain(`the local database ferretdb (pid ${before.serverPid}) exited (signal SIGKILL); restarting it`);
    expect(db.problem()).toBeUndefined();
    const after = readRecord(dataDir)!;
    expect(after.serverPid).not.toBe(before.serverPid);
    expect(after.uri).toBe(before.uri);
    expect(await withClient(db.uri, (c) => c.db('supervision').collection('t').countDocuments({ _id: 'kept' as never }))).toBe(1);
    await stop(db);
  });

  if (!onPath('mongod')) {
    it('the engine chosen is said in one line with why, without the failed download\'s stack', async () => {
      const lines: string[] = [];
      const printed: unknown[] = [];
      const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
      const mirror = process.env.MONGOMS_DOWNLOAD_MIRROR;
      // Nothing listens on port 9 of this machine: the download fails at once, as it does without internet.
      process.env.MONGOMS_DOWNLOAD_MIRROR = 'https://127.0.0.1:9';
      console.log = console.warn = console.error = console.info = (...a: unknown[]) => { printed.push(...a); };
      let db: LocalDatabase;
      try {
        db = await startLocalDatabase({ dataDir: tempDir(), engine: 'auto', log: (l) => lines.push(l), downloadMark: path.join(tempDir(), 'mark') });
      } finally {
        Object.assign(console, saved);
        if (mirror === undefined) delete process.env.MONGOMS_DOWNLOAD_MIRROR;
        else process.env.MONGOMS_DOWNLOAD_MIRROR = mirror;
      }
      running.push(db);
      expect(printed).toEqual([]);
      const chosen = lines.filter((l) => l.startsWith('local database:'));
      expect(chosen).toHaveLength(1);
      expect(chosen[0]).toContain('ferretdb');
      expect(chosen[0]).toContain('no mongod on PATH');
      expect(chosen[0]).toContain('MongoDB download failed');
      expect(lines.join('\n')).not.toMatch(/^\s+at /m);
      expect(lines.filter((l) => !l.startsWith('building FerretDB'))).toHaveLength(1);
      await stop(db);
    });
  }
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a damaged record', () => {
  it('an unreadable database.json (cut short by a full disk, edited by hand) is replaced, not waited on forever', async () => {
    const dataDir = tempDir();
    writeFileSync(recordPath(dataDir), '{"state":"rea');
    const db = await startLocalDatabase({ dataDir, engine: 'ferretdb' });
    running.push(db);
    expect(db.owner).toBe(true);
    expect(readRecord(dataDir)).toMatchObject({ state: 'ready', uri: db.uri });
    await stop(db);
  });
});
