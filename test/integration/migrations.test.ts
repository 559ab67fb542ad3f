/**
 * Schema migrations on the real database: a database written before versions
 * were recorded is brought to version 1 with its documents unchanged; each
 * migration runs once and in order, a second start changes nothing; a failed
 * one stops start-up with one line and records nothing; two starts at once
 * (two connections, and two real processes) run a migration once.
 */
import type { mongo } from 'mongoose';
import { EJSON } from 'bson';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { connect } from '../../store/connection';
import { migrate, MigrationError, MIGRATIONS, schemaVersion, appliedVersions, type Migration } from '../../store/migrations';
import { freshDb, type TestDb } from '../helpers/db';
import { runTsx } from '../helpers/run';

const dbs: TestDb[] = [];
async function fresh(): Promise<{ t: TestDb; raw: mongo.Db }> {
  const t = await freshDb();
  dbs.push(t);
  return { t, raw: t.models.Entity.db.db! };
}
afterAll(async () => {
  for (const t of dbs) await t.close();
});

async function contents(d: mongo.Db, except: string[] = ['schema_migrations']): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of await d.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.') || except.includes(c.name)) continue;
    out[c.name] = (await d.collection(c.name).find({}).toArray()).map((x) => EJSON.stringify(x, { relaxed: false })).sort();
  }
  return out;
}

const baseline = MIGRATIONS.find((m) => m.version === 1)!;

/** A version-2 change for the mechanism's tests: inspectors' `kind` copied to `category` (version-1 documents lack it). */
const addCategory = (runs: { n: number }, delayMs = 0): Migration => ({
  version: 2,
  name: 'test: inspectors get a category',
  async up(d) {
    runs.n++;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    for await (const doc of d.collection('inspectors').find({ category: { $exists: false } })) {
      await d.collection('inspectors').updateOne({ _id: doc._id, category: { $exists: false } }, { $set: { category: doc.kind } });
    }
  },
});

async function versionOneCounty() {
  const { t, raw } = await fresh();
  await t.repos.org.seedDepartments();
  const services = createServices({ repos: t.repos, now: () => new Date('2026-03-10T02:00:00Z'), policy: DEFAULT_POLICY });
  await services.demo.fill(cliCaller('test'), { entities: 300, inspectors: 60 });
  return { t, raw };
}

describe('schema migrations', () => {
  it('migration 1: a county written before versions were recorded (version 0) gets version 1 and keeps every document as it was', async () => {
    const { raw } = await versionOneCounty();
    expect(await schemaVersion(raw)).toBe(0);
    const before = await contents(raw);
    expect(await migrate(raw, { owner: 'test-a' })).toEqual([1]);
    expect(await schemaVersion(raw)).toBe(1);
    expect(await contents(raw)).toEqual(before);
    const [v1] = await appliedVersions(raw);
    expect(v1).toMatchObject({ _id: 'v0001', version: 1, name: baseline.name, appliedBy: 'test-a' });
    // Idempotent: the next start finds nothing to do.
    expect(await migrate(raw, { owner: 'test-b' })).toEqual([]);
    expect(await appliedVersions(raw)).toHaveLength(1);
  });

  it('runs pending migrations in order from version-1 documents, each once; a second start changes nothing', async () => {
    const { raw } = await versionOneCounty();
    await migrate(raw, { owner: 'x' });
    const runs = { n: 0 };
    expect(await migrate(raw, { owner: 'x', migrations: [baseline, addCategory(runs)] })).toEqual([2]);
    const inspectors = await raw.collection('inspectors').find({}).toArray();
    expect(inspectors.length).toBe(60);
    expect(inspectors.every((i) => i.category === i.kind)).toBe(true);
    expect(await migrate(raw, { owner: 'x', migrations: [baseline, addCategory(runs)] })).toEqual([]);
    expect(runs.n).toBe(1);
    expect((await appliedVersions(raw)).map((a) => a.version)).toEqual([1, 2]);
    expect(await raw.collection('schema_migrations').findOne({ _id: 'lock' as never })).toBeNull();
  });

  it('a failed migration stops with one line naming it, records nothing, releases the lock; the next start runs it again', async () => {
    const { raw } = await versionOneCounty();
    await migrate(raw, { owner: 'x' });
    const broken: Migration = { version: 2, name: 'test: broken', async up() { throw new Error('field "kind" missing\n  at somewhere'); } };
    const err = await migrate(raw, { owner: 'x', migrations: [baseline, broken] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toBe('schema migration 2 (test: broken) failed: field "kind" missing at somewhere; the database stays at version 1, start-up stopped');
    expect((err as Error).message).not.toContain('\n');
    expect(await schemaVersion(raw)).toBe(1);
    expect(await raw.collection('schema_migrations').findOne({ _id: 'lock' as never })).toBeNull();
    const runs = { n: 0 };
    expect(await migrate(raw, { owner: 'y', migrations: [baseline, addCategory(runs)] })).toEqual([2]);
    expect(runs.n).toBe(1);
  });

  it('two processes starting at once: one runs the migration, the other waits for it and runs nothing', async () => {
    const { t, raw } = await versionOneCounty();
    await migrate(raw, { owner: 'x' });
    const second = await connect(process.env.TEST_MONGODB_URI!, t.dbName);
    try {
      const runs = { n: 0 };
      const logs: string[] = [];
      const [a, b] = await Promise.all([
        migrate(raw, { owner: 'p1', migrations: [baseline, addCategory(runs, 800)], log: (l) => logs.push(`p1 ${l}`) }),
        migrate(second.conn.db!, { owner: 'p2', migrations: [baseline, addCategory(runs, 800)], log: (l) => logs.push(`p2 ${l}`) }),
      ]);
      expect(runs.n).toBe(1);
      expect([a, b].sort()).toEqual([[], [2]]);
      expect(logs.some((l) => l.endsWith('another process is migrating the database; waiting…'))).toBe(true);
      expect((await appliedVersions(raw)).map((x) => x.version)).toEqual([1, 2]);
    } finally {
      await second.close();
    }
  });

  it('a lock left by a process that died is taken over once its lease has run out', async () => {
    const { raw } = await versionOneCounty();
    await raw.collection('schema_migrations').insertOne({ _id: 'lock' as never, owner: 'dead', until: new Date(Date.now() - 1000) });
    expect(await migrate(raw, { owner: 'alive', waitMs: 5000 })).toEqual([1]);
    // A live lock is waited for, and waiting gives up with one line.
    const { raw: other } = await versionOneCounty();
    await other.collection('schema_migrations').insertOne({ _id: 'lock' as never, owner: 'busy', until: new Date(Date.now() + 60_000) });
    await expect(migrate(other, { owner: 'late', waitMs: 600 })).rejects.toThrow(/^gave up waiting for another process/);
    expect(await schemaVersion(other)).toBe(0);
  });

  it('real processes: two CLI starts at once on a version-0 county record version 1 once; a database newer than the program stops start-up with one line', async () => {
    const { t, raw } = await versionOneCounty();
    const [a, b] = await Promise.all([
      runTsx('src/cli/main.ts', ['user', 'list'], { dbName: t.dbName, env: { LOG_LEVEL: 'info' } }),
      runTsx('src/cli/main.ts', ['user', 'list'], { dbName: t.dbName, env: { LOG_LEVEL: 'info' } }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.out).toContain('scj.official');
    const applied = await appliedVersions(raw);
    expect(applied.map((x) => x.version)).toEqual([1]);
    expect(`${a.err}${b.err}`.match(/schema migration 1 /g)).toHaveLength(1);

    await raw.collection('schema_migrations').insertOne({ _id: 'v0099' as never, version: 99, name: 'from a newer release', appliedAt: new Date(), appliedBy: 'future', ms: 0 });
    const before = await contents(raw, []);
    const r = await runTsx('src/cli/main.ts', ['user', 'list'], { dbName: t.dbName });
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: database schema version 99 is newer than this program knows (1): run the newer release, or restore a backup made by this one\n');
    expect(await contents(raw, [])).toEqual(before);
  }, 60_000);
});
