/**
 * The local database launcher used when no MONGODB_URI is given (`npm start`):
 * data written survives a stop and a restart on the same folder; single
 * documents change atomically, as the guarded state changes need; and an
 * engine that is not there fails with a clear message.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo } from 'mongoose';
import { startLocalDatabase, type LocalDatabase } from '../../store/embedded';

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
  running.splice(running.indexOf(db), 1);
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
